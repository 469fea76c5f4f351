"""From a reported pooled result to the analysis that recomputes it.

``spec_for_row(row)`` maps a row of the paper's reported-results table to the
:class:`~core.workflow.analysis.AnalysisSpec` it describes (outcome, comparison, population, measure,
model, time point; the paper's own studies); ``recomputer(dataset)`` runs
:func:`core.workflow.analysis.analyse` for each row and returns a :class:`Recomputed` that
:func:`core.workflow.reproduce.classify_reproduction` compares with the printed numbers.

References
----------
.. [1] Li Y et al. Stem Cell Res Ther 2021;12:273 (the reported results and their reference lists).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from core.workflow.analysis import AnalysisSpec, analyse
from core.evidence.printed import parse_model, parse_refs
from core.vocab import Design, Measure, Model, StudySet, TimePoint


@dataclass(frozen=True, slots=True)
class Recomputed:
    """The recomputed counterpart of one reported row.

    ``estimate``, ``ci_low``, ``ci_high`` are None when nothing could be pooled; ``missing`` then
    says which data are missing. ``k_used`` studies contributed out of ``k_cited`` that the paper
    cites for the result (``k_basis="cited"``), or out of the studies in scope when the paper does
    not list which it pooled (``k_basis="in scope"``); ``model`` is the pooling method used (``"FE"``, ``"DL"``, ... or
    ``"fixed"``/``"random"``); ``unavailable`` names cited studies without numbers, with reasons.
    """

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    k_used: int | None = None
    k_cited: int | None = None
    model: str | None = None
    missing: str | None = None
    unavailable: str | None = None
    k_basis: str = "cited"
    inferred: str | None = None

    @property
    def available(self) -> bool:
        return all(v is not None and math.isfinite(v) for v in (self.estimate, self.ci_low, self.ci_high))


def _num(x) -> float | None:
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _opt_int(x) -> int | None:
    v = _num(x)
    return None if v is None else int(v)


def lookup_from_frame(recomputed: pd.DataFrame) -> Callable[[pd.Series], Recomputed | None]:
    """A callable ``row -> Recomputed`` (None when the row's ``result_id`` is absent) over a table of
    recomputed values keyed by ``result_id`` (see :func:`core.workflow.reproduce.classify_reproduction`)."""
    if "result_id" not in recomputed.columns:
        raise ValueError("the recomputed table needs a `result_id` column to match reported rows")
    dupes = recomputed["result_id"][recomputed["result_id"].duplicated()].tolist()
    if dupes:
        raise ValueError(f"the recomputed table has duplicate result_id(s): {', '.join(map(str, dupes))}")
    by_id = recomputed.set_index("result_id")

    def get(col, rid):
        return by_id.at[rid, col] if col in by_id.columns else None

    def look(row: pd.Series) -> Recomputed | None:  # noqa: C901
        rid = row["result_id"]
        if rid not in by_id.index:
            return None
        txt = lambda c: (None if get(c, rid) is None or pd.isna(get(c, rid)) else str(get(c, rid)))  # noqa: E731
        return Recomputed(_num(get("estimate", rid)), _num(get("ci_low", rid)), _num(get("ci_high", rid)),
                          _opt_int(get("k_used", rid)), _opt_int(get("k_cited", rid)), txt("model"),
                          txt("missing"), txt("unavailable"), txt("k_basis") or "cited", txt("inferred"))
    return look


def spec_settings_for_row(row: pd.Series) -> dict:
    """The analysis settings (AnalysisSpec keyword arguments) that a reported row describes.

    Measure WMD is read as MD; a blank model means the paper's rule ("auto"); a printed model
    is used as printed. Time point "end" or 3/6/12 months.
    """
    measure = str(row.get("measure", "") or Measure.MD).upper()
    measure = str(Measure.MD if measure in (Measure.MD, "WMD") else Measure.SMD)
    model = parse_model(row.get("model")) or str(Model.AUTO)
    tp = row.get("timepoint")
    tp = str(TimePoint.END) if tp is None or pd.isna(tp) else str(tp).strip()
    if tp.endswith(".0"):
        tp = tp[:-2]
    return dict(outcome=str(row["outcome"]), comparison=str(row["comparison"]),
                population=str(row["population"]), measure=measure, model=model, timepoint=tp)


def spec_for_row(row: pd.Series, base=None):
    """The :class:`core.workflow.analysis.AnalysisSpec` that reproduces a reported row.

    Outcome, comparison, population, measure, model and time point come from the row; the
    paper's own studies (``study_set="paper"``), all designs and no exclusions are used; the
    remaining choices (pre-post r, SMD variant, tau² estimator, test) come from ``base``
    (default: :class:`AnalysisSpec` defaults). Raises ``ValueError`` for unsupported settings.
    """
    return replace(base or AnalysisSpec(), **spec_settings_for_row(row), study_set=StudySet.PAPER,
                   design=Design.ALL, excluded=())


def recomputer(dataset, analyse_fn=None, base=None) -> Callable[[pd.Series], Recomputed]:
    """A callable ``row -> Recomputed`` that runs :func:`core.workflow.analysis.analyse` (or
    ``analyse_fn(dataset, spec)``, e.g. a cached wrapper) with :func:`spec_for_row`.

    ``k_cited`` counts the row's ``refs`` that map to studies of the dataset (``ref_no``); cited
    studies that could not contribute are listed with their reasons.
    """
    run = analyse_fn or analyse
    studies = dataset.studies
    ref_to_study = {}
    for sid, ref in zip(studies["study_id"], studies["ref_no"]):
        n = _num(ref)
        if n is not None:
            ref_to_study[int(n)] = sid

    def rec(row: pd.Series) -> Recomputed:
        try:
            spec = spec_for_row(row, base)
        except ValueError as exc:
            return Recomputed(None, None, None, missing=f"the row's settings are not supported ({exc})")
        a = run(dataset, spec)
        refs = parse_refs(row.get("refs"))
        cited = [ref_to_study[r] for r in refs if r in ref_to_study]
        unavailable = a.unavailable
        if refs:
            k_cited, basis = len(refs), "cited"
            unavailable = unavailable[unavailable["study_id"].isin(cited)]
        else:
            k_cited, basis = a.k + len(unavailable), "in scope"
        # short form: "Bhansali 2017 (not reachable)"; the full reasons are on the Studies page
        unl = ", ".join(f"{r['label']} ({str(r['reason']).split(':')[0].strip()})"
                        for _, r in unavailable.iterrows()) or None
        if a.pooled is None:
            return Recomputed(None, None, None, k_used=0, k_cited=k_cited, model=None,
                              missing=(a.message or "nothing to pool").rstrip(".")
                              + (f". Without usable numbers: {unl}" if unl else ""),
                              unavailable=unl, k_basis=basis)
        ci = (a.pooled.ci_low, a.pooled.ci_high)
        inferred = None
        if "id_confidence" in a.rows.columns:
            inf = a.rows[a.rows["id_confidence"].astype(str) != "high"]
            inferred = ", ".join(f"{lab} ({conf})" for lab, conf in zip(inf["label"], inf["id_confidence"])) or None
        return Recomputed(float(a.pooled.estimate), float(ci[0]), float(ci[1]), k_used=a.k,
                          k_cited=k_cited, model=a.method, unavailable=unl, k_basis=basis, inferred=inferred)
    return rec
