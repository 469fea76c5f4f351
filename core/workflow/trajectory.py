"""The pooled effect over follow-up: one analysis per time point and population.

``trajectory(dataset, spec)`` re-runs :func:`core.workflow.analysis.analyse` at 3, 6 and 12 months,
at any other follow-up time the data holds, and at each trial's end of follow-up, for T1DM,
T2DM and both together, and keeps the pooled estimate, its CI and k.  ``followup_tables``
recomputes the paper's Tables 2-4 (T2DM pre-post results at 3, 6 and 12 months) next to the
printed values.  No new statistics: every number comes from ``analyse``.

References
----------
Li et al. (2021) Stem Cell Res Ther 12:273, Tables 2-4 (subgroup analyses by follow-up time,
T2DM): the time points 3, 6 and 12 months; :data:`core.vocab.TIMEPOINT_TOLERANCE_MONTHS`
says how a trial's reported time is matched to them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from core import vocab
from core.workflow.analysis import AnalysisSpec, analyse
from core.workflow.recompute import spec_for_row
from core.workflow.reproduce import reported_vs_recomputed
from core.vocab import TIMEPOINT_TOLERANCE_MONTHS, TimePoint
from core.words import STATUS_CANNOT, population_phrase

STANDARD_MONTHS = (3.0, 6.0, 12.0)
# Each diabetes type, then both together.
POPULATIONS = tuple(str(p) for p in (*vocab.DM_TYPES, vocab.Population.ALL))
POPULATION_LABELS = {p: population_phrase(p) for p in POPULATIONS}
COLUMNS = ("population", "timepoint", "months", "k", "estimate", "ci_low", "ci_high", "pvalue", "method",
           "studies", "message")


@dataclass(frozen=True, slots=True)
class TrajectoryResult:
    """Pooled results by time point and population.

    ``points``: one row per (population, time point) with columns :data:`COLUMNS`
    (``months`` is NaN for "end"; ``estimate`` etc. NaN with a ``message`` when nothing could
    be pooled).  ``timepoints``: the time points analysed, in order ("3", "6", "12", other
    months present in the data, then "end").  ``unanalysable``: other months present in the
    data that the analysis cannot yet take, with the reason.  ``points`` is built once from
    ``point_records`` and handed out as a shallow copy, so a caller's edits never reach it.
    """

    spec: AnalysisSpec
    point_records: tuple
    timepoints: tuple
    unanalysable: tuple = ()
    _frames: dict = field(default_factory=dict, repr=False, compare=False, init=False)

    @property
    def points(self) -> pd.DataFrame:
        if "points" not in self._frames:
            self._frames["points"] = pd.DataFrame(list(self.point_records), columns=list(COLUMNS))
        return self._frames["points"].copy(deep=False)

    def to_frame(self) -> pd.DataFrame:
        """A copy of ``points``."""
        return self.points.copy()

    def pooled_points(self) -> pd.DataFrame:
        """Only the rows that have a pooled estimate."""
        points = self.points
        return points[np.isfinite(points["estimate"])].reset_index(drop=True)


def other_months(dataset, spec: AnalysisSpec) -> tuple[float, ...]:
    """Post-baseline follow-up times (months) in the data for this outcome that are not within
    the matching tolerance of 3, 6 or 12 months."""
    o = dataset.outcomes
    o = o[(o["outcome"] == spec.outcome) & (o["use"] == "yes")]
    t = sorted({float(x) for x in o["timepoint_num"].dropna() if x > 0})
    return tuple(x for x in t if all(abs(x - m) > TIMEPOINT_TOLERANCE_MONTHS for m in STANDARD_MONTHS))


def _row(a, population: str, timepoint: str, months: float) -> dict:
    p = a.pooled
    if p is None:
        return dict(population=population, timepoint=timepoint, months=months, k=0, estimate=np.nan,
                    ci_low=np.nan, ci_high=np.nan, pvalue=np.nan, method="", studies="", message=a.message)
    return dict(population=population, timepoint=timepoint, months=months, k=a.k, estimate=float(p.estimate),
                ci_low=float(p.ci_low), ci_high=float(p.ci_high), pvalue=float(p.pvalue), method=a.method,
                studies=", ".join(a.rows["label"]), message="")


def trajectory(dataset, spec: AnalysisSpec) -> TrajectoryResult:
    """Pooled effect at each time point, for T1DM, T2DM and both (see module docstring).

    All other choices (outcome, comparison, measure, model, r, ...) come from ``spec``.
    """
    tps = [(f"{m:g}", m) for m in STANDARD_MONTHS]
    unanalysable = []
    for m in other_months(dataset, spec):
        code = f"{m:g}"
        try:
            replace(spec, timepoint=code)
        except ValueError:
            unanalysable.append(f"{code} months: the analysis accepts only 3, 6, 12 months or end of follow-up")
            continue
        tps.append((code, m))
    tps.sort(key=lambda t: t[1])
    tps.append((TimePoint.END.value, np.nan))
    rows = []
    for pop in POPULATIONS:
        for code, months in tps:
            a = analyse(dataset, replace(spec, timepoint=code, population=pop))
            rows.append(_row(a, pop, code, months))
    return TrajectoryResult(spec, tuple(rows), tuple(c for c, _ in tps),
                            tuple(unanalysable))


def followup_tables(dataset, base: AnalysisSpec) -> pd.DataFrame:
    """The paper's time-point tables (Tables 2-4) recomputed, one row per printed result.

    Each printed row is re-run with its own outcome, comparison, population, measure, model
    and time point, on the paper's studies; r, the SMD variant, tau^2 estimator and test come
    from ``base``.  Columns: locator, outcome, timepoint, reported, recomputed, k, status,
    explanation.
    """
    rep = dataset.reported
    rep = rep[rep["locator"].str.startswith("Table")]
    out = []
    for _, r in rep.iterrows():
        try:
            spec = spec_for_row(r, base=base)
        except ValueError as exc:
            out.append({"result_id": r["result_id"], "locator": r["locator"], "outcome": r["outcome"],
                        "timepoint": r["timepoint"], "reported": "", "recomputed": "", "k": 0,
                        "status": STATUS_CANNOT, "explanation": str(exc)})
            continue
        table = reported_vs_recomputed(analyse(dataset, spec))
        match = table[table["result_id"] == r["result_id"]]
        if match.empty:
            continue
        m = match.iloc[0].to_dict()
        out.append({"result_id": r["result_id"], "locator": r["locator"], "outcome": r["outcome"],
                    "timepoint": r["timepoint"], **{k: m[k] for k in ("reported", "recomputed", "k", "status",
                                                                      "explanation")}})
    return pd.DataFrame(out, columns=["result_id", "locator", "outcome", "timepoint", "reported", "recomputed", "k",
                                      "status", "explanation"])
