"""What a page shows of a certainty assessment with the user's inputs: one analysis rated
(:func:`certainty_with`), and the inputs as the tables a reader checks them in (risk of bias per
study, indirectness per outcome, the MIDs in use), in words, every reason and source in full."""
from __future__ import annotations

import pandas as pd

from core import words
from core.certainty.assess import Certainty, assess
from core.certainty.imprecision import MID_DEFAULTS
from core.certainty.inputs import CertaintyInputs
from core.evidence.risk_of_bias import TOOL_DOMAINS, RobDomain
from core.vocab import OUTCOME_LABELS, OUTCOMES
from core.words.notices import domains_in_words


def certainty_with(analysis, inputs: CertaintyInputs) -> Certainty:
    """:func:`core.certainty.assess` of ``analysis`` with the user's ``inputs`` for its outcome."""
    outcome = analysis.spec.outcome
    return assess(analysis, inputs.rob, mid=inputs.mid_map().get(outcome),
                  indirectness=inputs.indirectness_map().get(outcome),
                  imprecision=inputs.imprecision_map().get(outcome))


def rob_table(dataset, inputs: CertaintyInputs, study_ids) -> pd.DataFrame:
    """One row per study: design, tool, each domain's judgement, the overall judgement with its
    reason and source (between-arm comparison; a before-after comparison is critical by design)."""
    rob = inputs.rob
    rows = []
    for sid in study_ids:
        d = rob.design(sid)
        row = {"Study": dataset.study_label(sid), "Design": words.ROB_DESIGN_LABELS[d.design_class],
               "Tool": words.ROB_TOOL_LABELS[d.tool]}
        # One column for the tool's domains, grouped by judgement ('Critical: Confounding; Not assessed: ...'):
        # a column per domain of both tools made the table wider than the page (issue 26 item 10).
        levels: dict = {}
        for dom in RobDomain:
            if dom != RobDomain.OVERALL and dom in TOOL_DOMAINS[d.tool]:
                level = words.ROB_LEVEL_LABELS[rob.judgement(sid, dom).level]
                levels.setdefault(level, []).append(words.ROB_DOMAIN_LABELS[dom])
        row["Domains"] = domains_in_words(levels)
        overall = rob.overall(sid)
        row.update({"Judgement (overall)": words.ROB_LEVEL_LABELS[overall.level], "Reason": overall.reason,
                    "Source": overall.source, "Set by": str(overall.set_by)})
        rows.append(row)
    return pd.DataFrame(rows)


def indirectness_table(inputs: CertaintyInputs) -> pd.DataFrame:
    """One row per outcome: the indirectness judged (or assumed not serious), its reason and source."""
    judged = inputs.indirectness_map()
    return pd.DataFrame([{"Outcome": OUTCOME_LABELS[o],
                          "Indirectness": words.CONCERN_LABELS[judged[o].concern] if o in judged
                          else "Not serious (assumed)",
                          "Reason": judged[o].reason if o in judged else words.CERTAINTY_REASONS["ind.assumed"],
                          "Source": judged[o].source if o in judged else words.GRADE_SOURCES["indirectness"]}
                         for o in OUTCOMES])


def mid_table(inputs: CertaintyInputs) -> pd.DataFrame:
    """One row per outcome: the MID in use (the user's, else the default with its cited source)."""
    mids = inputs.mid_map()
    return pd.DataFrame([{"Outcome": OUTCOME_LABELS[m.outcome],
                          "MID": f"{words.fmt_num(m.value)} {m.unit}" if m.established else "not established",
                          "Set by": "you" if m.outcome in mids else "default", "Source": m.source}
                         for m in (mids.get(o, MID_DEFAULTS[o]) for o in OUTCOMES)])
