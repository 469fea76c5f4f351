"""One analysis's GRADE certainty: the starting level, the five domains, the rating and the
plain-language statement.

Starting level (GRADE Handbook 2013 §5.1; Balshem et al. 2011, GRADE guidelines 3, J Clin
Epidemiol 64:401): randomised trials start high, observational evidence low.  A pre-post view
compares each MSC arm with itself before treatment, an uncontrolled before–after comparison, so it
starts low whatever the studies' design.  A between-arm view starts high only when every
contributing study is randomised; any non-randomised contribution starts the whole body low.  That
mixture rule is conservative: GRADE guidance 24 (Cuello-Garcia et al. 2022, J Clin Epidemiol
142:200) advises judging randomised and non-randomised evidence separately and using the latter
only where it adds to the former, which one pooled estimate cannot do.

The rating is the starting level minus one per serious and two per very serious domain, floored
at very low.  The statement follows GRADE guidelines 26 (Santesso et al. 2020, J Clin Epidemiol
119:126, Table 2): the certainty sets the verb ("reduces", "likely reduces", "may reduce", "... but
the evidence is very uncertain") and the size of the effect its qualifier.  Size: below the MID
(where one is set) is trivial; otherwise the effect in SD units against Cohen's 0.2 / 0.5 / 0.8
(Cochrane Handbook v6.4 §15.5.3.1), at least "small" when it reaches the MID.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from core import words
from core.certainty.domains import (indirectness_rating, inconsistency_rating, publication_bias_rating,
                                    risk_of_bias_rating)
from core.certainty.imprecision import (MID_DEFAULTS, SMALL_EFFECT_SD, InformationSize, Mid, imprecision_rating,
                                        information_size, mid_in_effect_units, outcome_spread)
from core.certainty.ratings import DomainRating, Indirectness, Level, lower
from core.evidence.risk_of_bias import RiskOfBias
from core.vocab import Comparison

SIZE_BANDS = ((0.8, "large"), (0.5, "moderate"), (0.2, "small"))   # SD units (Cohen 1988)
DOMAIN_COLUMNS = ["domain", "label", "concern", "downgrade", "reason", "source", "assumption"]


@dataclass(frozen=True, slots=True)
class StartingLevel:
    level: Level
    reason: str
    source: str


def starting_level(analysis) -> StartingLevel:
    """Where the rating starts, from the contributing designs and the comparison (module docstring)."""
    t, k = words.CERTAINTY_REASONS, analysis.k
    if analysis.spec.comparison == Comparison.PRE_POST:
        return StartingLevel(Level.LOW, t["start.before_after"], words.GRADE_SOURCES["start"])
    n_nrs = sum(r["design_class"] != "rct" for r in analysis.row_records)
    if n_nrs == 0:
        return StartingLevel(Level.HIGH, t["start.rct"].format(k=k), words.GRADE_SOURCES["start"])
    return StartingLevel(Level.LOW, t["start.nrs"].format(n_nrs=n_nrs, k=k),
                         words.GRADE_SOURCES["start_mixed" if n_nrs < k else "start"])


@dataclass(frozen=True, slots=True)
class Certainty:
    """The certainty of one analysis.  ``rating`` is None only when nothing could be pooled (then
    ``statement`` says so and ``domains`` is empty)."""

    outcome: str
    comparison: str
    population: str
    k: int
    participants: int
    measure: str
    unit: str
    estimate: float
    ci_low: float
    ci_high: float
    start: StartingLevel | None
    domains: tuple[DomainRating, ...]
    rating: Level | None
    size: str
    statement: str
    mid: Mid
    ois: InformationSize | None

    @property
    def downgrades(self) -> int:
        return sum(d.downgrade for d in self.domains)

    @property
    def label(self) -> str:
        return words.CERTAINTY_LABELS[self.rating] if self.rating else words.CERTAINTY_NONE

    @property
    def symbols(self) -> str:
        return words.CERTAINTY_SYMBOLS[self.rating] if self.rating else ""

    @property
    def footnotes(self) -> tuple[str, ...]:
        """One footnote per downgrade, then one per assumption, each stating its reason."""
        downs = [d.footnote() for d in self.domains if d.downgrade]
        assumed = [d.footnote() for d in self.domains if d.assumption and not d.downgrade]
        return tuple(downs + assumed)

    def domain(self, domain: str) -> DomainRating:
        for d in self.domains:
            if d.domain == domain:
                return d
        raise KeyError(f"no {domain!r} rating (nothing was pooled)" if not self.domains else domain)

    def to_frame(self) -> pd.DataFrame:
        """One row per GRADE domain (a new frame each call)."""
        return pd.DataFrame([{"domain": str(d.domain), "label": d.label, "concern": str(d.concern),
                              "downgrade": d.downgrade, "reason": d.reason, "source": d.source,
                              "assumption": d.assumption} for d in self.domains], columns=DOMAIN_COLUMNS)


def effect_size_band(analysis, mid: Mid) -> str:
    """'trivial', 'small', 'moderate' or 'large' for the pooled estimate (module docstring)."""
    est = abs(analysis.pooled.estimate)
    spread = outcome_spread(analysis)
    m = mid_in_effect_units(analysis, mid, spread)
    if m is not None and est < m:
        return "trivial"
    sd_units = est if analysis.spec.measure == "SMD" else est / spread.standardiser
    if not math.isfinite(sd_units):
        return "small" if m is not None else "moderate"
    band = next((name for cut, name in SIZE_BANDS if sd_units >= cut), "trivial")
    return "small" if band == "trivial" and m is not None else band


def statement(outcome: str, comparison: str, rating: Level, size: str, estimate: float) -> str:
    """GRADE's plain-language statement (Santesso et al. 2020, Table 2)."""
    template = words.CERTAINTY_STATEMENTS[Level.LOW if rating == Level.VERY_LOW else rating][size]
    verb, noun = words.CERTAINTY_DIRECTION["down" if estimate < 0 else "up"]
    text = template.format(verb=verb, noun=noun, outcome=words.CERTAINTY_OUTCOME_NOUNS[outcome])
    tail = words.CERTAINTY_VERY_UNCERTAIN if rating == Level.VERY_LOW else ""
    return f"{text}{words.CERTAINTY_COMPARATORS[comparison]}{tail}."


def _no_evidence(analysis, mid: Mid) -> Certainty:
    spec, nan = analysis.spec, float("nan")
    text = words.CERTAINTY_NO_EVIDENCE.format(outcome=words.CERTAINTY_OUTCOME_NOUNS[spec.outcome])
    return Certainty(spec.outcome, spec.comparison, spec.population, 0, 0, spec.measure, analysis.unit, nan, nan, nan,
                     None, (), None, "", text, mid, None)


def assess(analysis, rob: RiskOfBias, *, mid: Mid | None = None, indirectness: Indirectness | None = None,
           alpha: float = 0.05, power: float = 0.8, small_effect_sd: float = SMALL_EFFECT_SD) -> Certainty:
    """Rate the certainty of the evidence of one :class:`~core.workflow.analysis.ForestAnalysis`.

    ``rob``: the studies' risk-of-bias judgements (``core.evidence.risk_of_bias``); ``mid``: the
    outcome's MID (default ``MID_DEFAULTS[outcome]``); ``indirectness``: the user's judgement
    (default not serious, as an assumption); ``alpha``, ``power``: for the optimal information size;
    ``small_effect_sd``: the effect the OIS is sized for when no MID is established.
    """
    spec = analysis.spec
    mid = MID_DEFAULTS[spec.outcome] if mid is None else mid
    if analysis.pooled is None:
        return _no_evidence(analysis, mid)
    ois = information_size(analysis, mid, alpha=alpha, power=power, small_effect_sd=small_effect_sd)
    domains = (risk_of_bias_rating(analysis, rob), inconsistency_rating(analysis), indirectness_rating(indirectness),
               imprecision_rating(analysis, mid, ois, small_effect_sd=small_effect_sd),
               publication_bias_rating(analysis))
    start = starting_level(analysis)
    rating = lower(start.level, sum(d.downgrade for d in domains))
    size = effect_size_band(analysis, mid)
    res = analysis.pooled
    return Certainty(spec.outcome, spec.comparison, spec.population, analysis.k, analysis.participants, spec.measure,
                     analysis.unit, res.estimate, res.ci_low, res.ci_high, start, domains, rating, size,
                     statement(spec.outcome, spec.comparison, rating, size, res.estimate), mid, ois)

