"""Which studies and which numbers an analysis uses: the study selection behind :func:`core.workflow.analysis.analyse`.

For an :class:`~core.workflow.analysis.AnalysisSpec`, :func:`select_numbers` keeps the studies in scope
(study set, population, design, exclusions), picks for each the two rows its effect compares
(MSC vs control at a shared time point, or after vs baseline in the MSC arm), converts the
dispersion to an SD (:func:`core.conversions.to_mean_sd`) and the unit to its family's canonical
unit, and for a mean difference keeps one unit.  Every study in scope that cannot contribute is
listed with the reason; nothing is imputed.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.conversions import CANONICAL_UNITS, canonical_unit, to_mean_sd
from core.evidence.dataset import Dataset
from core.vocab import (TIMEPOINT_TOLERANCE_MONTHS, Comparison, Design, DesignClass, Measure, Population, SetTag,
                        StudySet, TimePoint)

UNAVAILABLE_COLUMNS = ("study_id", "label", "dm_type", "design_class", "id_confidence", "year", "reason")


@dataclass(frozen=True, slots=True)
class Selection:
    """What :func:`select_numbers` found: ``numbers``, one dict per study that can contribute (its
    identifying columns and n1, m1, sd1, n2, m2, sd2 in ``unit``, time point, notes, source);
    ``unavailable``, the studies in scope that cannot (see :func:`unavailable_row`); ``unit``, the
    one unit a mean difference pools ('' for an SMD)."""

    numbers: tuple
    unavailable: tuple
    unit: str = ""


def select_numbers(dataset: Dataset, spec) -> Selection:
    """The studies and numbers ``spec`` (an :class:`~core.workflow.analysis.AnalysisSpec`) asks for."""
    numbers, unavailable = _select(dataset, spec)
    unit = ""
    if numbers and spec.measure == Measure.MD:
        numbers, unit = _one_unit(numbers, unavailable)
    return Selection(tuple(numbers), tuple(unavailable), unit)


def _post_row(rows, timepoint: str):
    """Pick the post-baseline row for a time point ('end' = latest reported; a row whose time is
    not reported counts only when no dated one exists)."""
    post = [r for r in rows if r["t"] is None or r["t"] > 0]
    if not post:
        return None
    if timepoint == TimePoint.END:
        dated = [r for r in post if r["t"] is not None]
        return max(dated, key=lambda r: r["t"]) if dated else post[0]
    target = float(timepoint)
    near = [r for r in post if r["t"] is not None and abs(r["t"] - target) <= TIMEPOINT_TOLERANCE_MONTHS]
    return min(near, key=lambda r: abs(r["t"] - target)) if near else None


def _times(rows) -> str:
    """'time points with data: 3, 12 months', or 'no dated time point after baseline' (never 'none months')."""
    t = sorted({r["t"] for r in rows if r["t"] is not None and r["t"] > 0})
    if not t:
        return "no dated time point after baseline"
    return f"time points with data: {', '.join(f'{x:g}' for x in t)} months"


def _arm_stats(row: dict) -> tuple[float, float, float, str, str]:
    arm = to_mean_sd(row["mean"], row["dtype"], row["d1"], row["d2"], row["n"])
    return row["n"], arm.mean, arm.sd, row["unit"], arm.derivation


@dataclass(frozen=True, slots=True)
class StudyNumbers:
    """One study's numbers for one outcome as the analysis uses them (``numbers``: n1, m1, sd1,
    n2, m2, sd2 in the canonical unit, unit, time point, notes, source), or ``None`` with the
    ``reason`` they cannot be had."""

    numbers: dict | None
    reason: str = ""


def _pair(rows, spec):
    """The two rows an effect compares (MSC vs control at a shared time, or after vs baseline),
    or a reason string."""
    when = "at end of follow-up" if spec.timepoint == TimePoint.END else f"at {spec.timepoint} months"
    msc = [r for r in rows if r["arm"] == "msc"]
    if spec.comparison == Comparison.VS_CONTROL:
        ctl = [r for r in rows if r["arm"] == "control"]
        if not ctl:
            return "no control-arm numbers for this outcome"
        common = {r["t"] for r in msc if r["t"] is not None} & {r["t"] for r in ctl if r["t"] is not None}
        post = _post_row([r for r in msc if r["t"] in common], spec.timepoint)
        if post is None:
            return f"no value for both arms {when} ({_times(rows)})"
        return post, next(r for r in ctl if r["t"] == post["t"])
    base = [r for r in msc if r["t"] == 0]
    if not base:
        return "no baseline value in the MSC arm"
    post = _post_row(msc, spec.timepoint)
    if post is None:
        return f"no MSC-arm value {when} ({_times(msc)})"
    return post, base[0]


def _study_numbers(rows, spec) -> StudyNumbers:
    pair = _pair(rows, spec)
    if isinstance(pair, str):
        return StudyNumbers(None, pair)
    a, b = pair
    n1, m1, sd1, u1, note1 = _arm_stats(a)
    n2, m2, sd2, u2, note2 = _arm_stats(b)
    cu1, f1 = canonical_unit(u1)
    cu2, f2 = canonical_unit(u2)
    if cu1 != cu2:
        return StudyNumbers(None, f"the two values are in different units ({u1} vs {u2})")
    notes = "; ".join(dict.fromkeys(x for x in (note1, note2) if x))
    if u1 != cu1:
        notes = "; ".join(x for x in (notes, f"converted {u1} to {cu1}") if x)
    return StudyNumbers(dict(n1=n1, m1=m1 * f1, sd1=sd1 * f1, n2=n2, m2=m2 * f2, sd2=sd2 * f2, unit=cu1,
                             timepoint=a["t"] if a["t"] is not None else float("nan"), timepoint_label=a["label"],
                             notes=notes, source_url=a["url"]))


def unavailable_row(study: dict, reason: str) -> dict:
    """A row of the "could not contribute" table: the study's identifying columns and ``reason``."""
    return {k: study[k] for k in UNAVAILABLE_COLUMNS[:-1]} | {"reason": reason}


def _in_scope(s: dict, spec) -> bool:
    if spec.study_set == StudySet.PAPER and s["set"] != SetTag.PAPER:
        return False
    if spec.population != Population.ALL and s["dm_type"] != spec.population:
        return False
    if spec.design == Design.RCT and s["design_class"] != DesignClass.RCT:
        return False
    if spec.design == Design.CONTROLLED and s["design_class"] not in (DesignClass.RCT, DesignClass.CONTROLLED):
        return False
    return s["study_id"] not in spec.excluded


def _select(dataset: Dataset, spec) -> tuple[list[dict], list[dict]]:
    ix = dataset.index()
    rows_of = ix.rows.get(spec.outcome, {})
    numbers, unavailable = [], []
    for s in ix.studies:
        if not _in_scope(s, spec):
            continue
        rows = rows_of.get(s["study_id"], ())
        if spec.comparison == Comparison.VS_CONTROL and s["design_class"] == DesignClass.SINGLE_ARM:
            unavailable.append(unavailable_row(s, "single-arm study: no control group"))
        elif not rows:
            reason = ix.gaps.get((s["study_id"], spec.outcome), "no numbers extracted for this outcome")
            unavailable.append(unavailable_row(s, reason))
        else:
            got = _study_numbers(rows, spec)
            if got.numbers is None:
                unavailable.append(unavailable_row(s, got.reason))
            else:
                numbers.append({k: s[k] for k in UNAVAILABLE_COLUMNS[:-1]} | got.numbers)
    return numbers, unavailable


def _one_unit(numbers: list[dict], unavailable: list[dict]) -> tuple[list[dict], str]:
    """An MD pools one unit: the most common one (ties: alphabetical); the others are set aside.  A unit
    the source does not state (not one of core.conversions' units, e.g. "NR (mmol/L likely ...)") is
    chosen only when no study states one: a guessed unit never sets the scale of the view."""
    counts: dict = {}
    for r in numbers:
        counts[r["unit"]] = counts.get(r["unit"], 0) + 1
    unit = sorted(counts, key=lambda u: (u not in CANONICAL_UNITS, -counts[u], u))[0]
    for r in numbers:
        if r["unit"] != unit:
            shown = f"reported in {r['unit']}" if r["unit"] in CANONICAL_UNITS else \
                f"its unit is not stated in the source ({r['unit']})"
            unavailable.append(unavailable_row(r, f"{shown}, which cannot be pooled with {unit} as a mean "
                                               "difference; choose SMD to include it"))
    return [r for r in numbers if r["unit"] == unit], unit
