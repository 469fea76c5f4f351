"""What a saved entry changed, in one line: the paper's pooled result that the entered study and
outcome feed, recomputed on the new dataset against the printed numbers, e.g. "Fig. 2, HbA1c vs
control, T1DM: now 2 of 2 studies; recomputed -0.64 [-1.59, 0.31] against the paper's -0.66
[-1.61, 0.29]: reproduced within rounding."."""
from __future__ import annotations

from dataclasses import dataclass


from core.evidence.printed import parse_number, parse_refs
from core.vocab import OUTCOME_SHORT, Comparison, DesignClass, Population, TimePoint
from core.words import (EFFECT_CANNOT, EFFECT_LINE, EFFECT_NONE, SHORT_COMPARISON, fmt_ci, population_phrase)
from core.words.workbench import EFFECT_COUNT, EFFECT_COUNT_MORE
from core.workflow.recompute import recomputer
from core.workflow.reproduce import agreement, reproduction_status, status_kind


@dataclass(frozen=True, slots=True)
class EntryEffect:
    """The one line, and the reported result it is about (None: no result of the paper uses it)."""

    line: str
    result_id: str | None


def _short_locator(locator: str) -> str:
    return str(locator).split(";")[-1].strip() or str(locator)


def _rank(row, study: dict, timepoint: str) -> tuple:
    refs = parse_refs(row.get("refs"))
    cited = study["ref_no"] in refs if study["ref_no"] is not None else False
    wanted = Comparison.VS_CONTROL if study["has_control"] else Comparison.PRE_POST
    tp = str(row.get("timepoint", "") or TimePoint.END).removesuffix(".0")
    return (not cited, row["comparison"] != wanted, row["population"] != study["dm_type"],
            tp not in (TimePoint.END, timepoint))


def _study(dataset, study_id: str) -> dict:
    s = dataset.studies[dataset.studies["study_id"] == study_id].iloc[0]
    try:
        ref = int(float(s["ref_no"]))
    except (TypeError, ValueError):
        ref = None
    return {"ref_no": ref, "dm_type": s["dm_type"], "has_control": s["design_class"] != DesignClass.SINGLE_ARM}


def entry_effect(dataset, study_id: str, outcome: str, timepoint_months: float, *, analyse_fn=None) -> EntryEffect:
    """The paper's result for ``outcome`` most directly fed by ``study_id`` (cited by it, then the
    study's comparison, population and time point), recomputed on ``dataset``."""
    rep = dataset.reported
    study = _study(dataset, study_id)
    rows = rep[(rep["outcome"] == outcome) & rep["population"].isin([study["dm_type"], str(Population.ALL)])]
    name = OUTCOME_SHORT.get(outcome, outcome)
    if rows.empty:
        return EntryEffect(EFFECT_NONE.format(outcome=name), None)
    tp = f"{float(timepoint_months):g}"
    row = min((r for _, r in rows.iterrows()), key=lambda r: _rank(r, study, tp))
    rec = recomputer(dataset, analyse_fn=analyse_fn)(row)
    words = dict(locator=_short_locator(row["locator"]), outcome=name,
                 comparison=SHORT_COMPARISON.get(row["comparison"], row["comparison"]),
                 population=population_phrase(row["population"]))
    if not rec.available:
        return EntryEffect(EFFECT_CANNOT.format(**words, why=rec.missing or "no numbers"), row["result_id"])
    printed = [parse_number(row[c]) for c in ("estimate", "ci_low", "ci_high")]
    agree = agreement(printed, (rec.estimate, rec.ci_low, rec.ci_high))
    # the one classifier's status, without its counts: the line already says "k of K studies"
    status = status_kind(reproduction_status(agree, rec.k_used, rec.k_cited))
    count = (EFFECT_COUNT_MORE if rec.k_used > rec.k_cited else EFFECT_COUNT).format(k_used=rec.k_used,
                                                                                     k_cited=rec.k_cited)
    line = EFFECT_LINE.format(**words, count=count,
                              recomputed=fmt_ci(rec.estimate, rec.ci_low, rec.ci_high),
                              printed=fmt_ci(*(p.value for p in printed)), status=status)
    return EntryEffect(line, row["result_id"])


__all__ = ["EntryEffect", "entry_effect"]
