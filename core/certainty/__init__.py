"""How sure can we be: a GRADE certainty for any analysis the dashboard builds (issue 17).

``assess(analysis, rob)`` rates one :class:`~core.workflow.analysis.ForestAnalysis`: its starting level
from the contributing designs, each GRADE domain (risk of bias, inconsistency, indirectness,
imprecision, publication bias) not serious / serious / very serious with a one-sentence reason
built from the numbers and the guidance it follows, the resulting rating and GRADE's plain-language
statement.  ``summary_of_findings(dataset, spec, rob)`` does it for every outcome of a view.

Pure Python: no streamlit.  The words a user reads come from :mod:`core.words`; the per-study
judgements from :mod:`core.evidence.risk_of_bias`.  Each rule and its source is documented in the
module that applies it: :mod:`.assess` (start, rating, statement), :mod:`.domains`,
:mod:`.imprecision`.
"""
from core.certainty.assess import Certainty, StartingLevel, assess, effect_size_band, starting_level, statement
from core.certainty.domains import (WeightShares, inconsistency_rating, indirectness_rating, publication_bias_rating,
                                    risk_of_bias_rating, weight_shares)
from core.certainty.imprecision import (MID_DEFAULTS, SMALL_EFFECT_SD, InformationSize, Mid, OutcomeSpread,
                                        imprecision_rating, information_size, mid_in_effect_units,
                                        optimal_information_size, outcome_spread)
from core.certainty.ratings import DOWNGRADE, LEVELS, Concern, DomainRating, GradeDomain, Indirectness, Level, lower
from core.certainty.inputs import INPUT_COLUMNS, CertaintyInputs, InputKind, user_mid
from core.certainty.summary import (FindingRow, Footnotes, SummaryOfFindings, effect_text, footnote_letter,
                                    summary_of_findings)

__all__ = [
    "Certainty", "StartingLevel", "assess", "effect_size_band", "starting_level", "statement",
    "inconsistency_rating", "indirectness_rating", "publication_bias_rating", "risk_of_bias_rating", "weight_shares",
    "WeightShares",
    "MID_DEFAULTS", "SMALL_EFFECT_SD", "InformationSize", "Mid", "OutcomeSpread", "imprecision_rating",
    "information_size", "mid_in_effect_units", "optimal_information_size", "outcome_spread",
    "DOWNGRADE", "LEVELS", "Concern", "DomainRating", "GradeDomain", "Indirectness", "Level", "lower",
    "CertaintyInputs", "INPUT_COLUMNS", "InputKind", "user_mid", "FindingRow", "Footnotes", "SummaryOfFindings", "effect_text", "footnote_letter", "summary_of_findings",
]
