"""Reported vs recomputed pooled results: one status per reported row.

``classify_reproduction(reported, recomputed)`` is pure: it takes the paper's reported table and
the recomputed values (a DataFrame keyed by ``result_id``, or a callable ``row -> Recomputed``)
and returns, for every reported row in order, one of three statuses:

* ``"reproduced within rounding"``: estimate and both CI bounds within ±0.01 of the printed
  values (or within the printed rounding half-width, when the paper printed fewer decimals);
* ``"differs"``: with the likely reason when one is visible (fewer cited studies have numbers,
  a different model, a printed CI that is itself inconsistent, the other direction...);
* ``"cannot recompute"``: with the data that are missing.

``recomputer(dataset)`` adapts :func:`core.analysis.analyse` to that callable, mapping each
reported row to the analysis settings it describes (:func:`spec_for_row`).

References
----------
.. [1] Li Y et al. Stem Cell Res Ther 2021;12:273 (RevMan 5.3; results printed to 2 decimals).
.. [2] Review Manager (RevMan) 5.3, The Nordic Cochrane Centre, 2014: pooled estimates and CI
   bounds are displayed to 2 decimals, hence the ±0.01 agreement tolerance (issue 5).
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from core.audit import audit_reported, parse_model, parse_number

STATUS_REPRODUCED = "reproduced within rounding"
STATUS_DIFFERS = "differs"
STATUS_CANNOT = "cannot recompute"
STATUSES = (STATUS_REPRODUCED, STATUS_DIFFERS, STATUS_CANNOT)
#: agreement tolerance on the estimate and CI bounds (issue 5: "±0.01")
TOLERANCE = 0.01
_EPS = 1e-9
_CI_FLAGS = ("ci_reversed", "estimate_outside_ci", "ci_asymmetric")
_RANDOM_CODES = ("DL", "REML", "PM", "HS", "SJ", "ML", "EB", "HE")


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


def _model_family(code) -> str | None:
    if code is None or (isinstance(code, float) and math.isnan(code)):
        return None
    c = str(code).strip()
    if c.upper() == "FE" or c.upper() == "EE":
        return "fixed"
    if c.upper() in _RANDOM_CODES:
        return "random"
    return parse_model(c)


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


def _from_frame(recomputed: pd.DataFrame) -> Callable[[pd.Series], Recomputed | None]:
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


def _fmt(x) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x:.2f}"


def classify_reproduction(reported: pd.DataFrame,
                          recomputed: pd.DataFrame | Callable[[pd.Series], Recomputed | None],
                          *, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """Give each reported pooled result a reproduction status and an explanation.

    Parameters
    ----------
    reported : pandas.DataFrame, shape (n_results, ...)
        The reported-results table (``result_id``, ``estimate``, ``ci_low``, ``ci_high``,
        ``pvalue``; optional ``model``, ``measure`` and the other columns of
        :func:`core.audit.audit_reported`), numbers as printed.
    recomputed : pandas.DataFrame or callable
        Either a table with ``result_id``, ``estimate``, ``ci_low``, ``ci_high`` and optional
        ``k_used``, ``k_cited``, ``model``, ``missing``, ``unavailable``; or a callable that takes
        one reported row (a Series) and returns a :class:`Recomputed` (or None when there is
        nothing to compare with).
    tolerance : float
        Agreement tolerance on the estimate and each bound (default 0.01, issue 5). A printed
        value with fewer decimals gets its own rounding half-width when that is larger
        (e.g. "-2.8" is within ±0.05).

    Returns
    -------
    pandas.DataFrame, shape (n_results, 16)
        ``result_id``, ``status`` (one of :data:`STATUSES`), ``explanation``,
        ``reported_estimate``, ``reported_ci_low``, ``reported_ci_high`` (floats),
        ``recomputed_estimate``, ``recomputed_ci_low``, ``recomputed_ci_high``,
        ``diff_estimate``, ``diff_ci_low``, ``diff_ci_high`` (recomputed - reported),
        ``k_used``, ``k_cited``, ``recomputed_model``, ``audit_flags``; same row order.
    """
    if not isinstance(reported, pd.DataFrame):
        raise TypeError(f"`reported` must be a pandas DataFrame; got {type(reported).__name__}")
    if "result_id" not in reported.columns:
        raise ValueError("`reported` needs a `result_id` column")
    if not (isinstance(tolerance, (int, float)) and tolerance >= 0):
        raise ValueError(f"`tolerance` must be >= 0; got {tolerance!r}")
    if isinstance(recomputed, pd.DataFrame):
        look = _from_frame(recomputed)
    elif callable(recomputed):
        look = recomputed
    else:
        raise TypeError("`recomputed` must be a DataFrame or a callable row -> Recomputed; got "
                        f"{type(recomputed).__name__}")
    audit = audit_reported(reported)
    rows = []
    for i in range(len(reported)):
        row = reported.iloc[i]
        flags = list(audit["flags"].iloc[i])
        rows.append(_classify_row(row, look(row), flags, audit["explanation"].iloc[i], tolerance))
    return pd.DataFrame(rows, columns=[
        "result_id", "status", "explanation", "reported_estimate", "reported_ci_low", "reported_ci_high",
        "recomputed_estimate", "recomputed_ci_low", "recomputed_ci_high", "diff_estimate", "diff_ci_low",
        "diff_ci_high", "k_used", "k_cited", "recomputed_model", "audit_flags"])


def _classify_row(row: pd.Series, rec: Recomputed | None, flags: list[str], audit_text: str,
                  tolerance: float) -> dict:
    printed = {c: parse_number(row[c], what=f"`{c}` of {row['result_id']}")
               for c in ("estimate", "ci_low", "ci_high")}
    rep = {c: printed[c].value for c in printed}
    out = dict(result_id=row["result_id"], reported_estimate=rep["estimate"],
               reported_ci_low=rep["ci_low"], reported_ci_high=rep["ci_high"],
               recomputed_estimate=math.nan, recomputed_ci_low=math.nan, recomputed_ci_high=math.nan,
               diff_estimate=math.nan, diff_ci_low=math.nan, diff_ci_high=math.nan,
               k_used=None, k_cited=None, recomputed_model=None, audit_flags=flags)
    if rec is None or not rec.available:
        why = (rec.missing if rec is not None and rec.missing else
               "no recomputation is available for this row")
        out.update(status=STATUS_CANNOT, explanation=f"Cannot recompute: {why}.".replace("..", "."))
        if rec is not None:
            out.update(k_used=rec.k_used, k_cited=rec.k_cited)
        return out
    got = {"estimate": rec.estimate, "ci_low": rec.ci_low, "ci_high": rec.ci_high}
    diffs = {c: got[c] - rep[c] for c in got}
    tol = {c: max(tolerance, (printed[c].high - printed[c].low) / 2) + _EPS for c in got}
    ok = {c: abs(diffs[c]) <= tol[c] for c in got}
    out.update(recomputed_estimate=rec.estimate, recomputed_ci_low=rec.ci_low, recomputed_ci_high=rec.ci_high,
               diff_estimate=diffs["estimate"], diff_ci_low=diffs["ci_low"], diff_ci_high=diffs["ci_high"],
               k_used=rec.k_used, k_cited=rec.k_cited, recomputed_model=rec.model)
    if all(ok.values()):
        out.update(status=STATUS_REPRODUCED,
                   explanation=(f"Recomputed {_fmt(rec.estimate)} ({_fmt(rec.ci_low)} to {_fmt(rec.ci_high)}) "
                                f"matches the printed {row['estimate']} ({row['ci_low']} to {row['ci_high']}) "
                                f"within ±{tolerance:g}."))
        return out
    reasons = []
    ci_flags = [f for f in flags if f in _CI_FLAGS]
    if ci_flags:
        near_flip = ("ci_reversed" in flags and ok["estimate"] and ok["ci_high"]
                     and abs(got["ci_low"] + rep["ci_low"]) <= tol["ci_low"])
        if near_flip:
            reasons.append(f"printed CI inconsistent: the recomputed lower bound {_fmt(rec.ci_low)} is the printed "
                           f"{row['ci_low']} with a minus sign, so the paper most likely lost the sign")
        else:
            reasons.append("printed CI inconsistent (" + ", ".join(ci_flags).replace("_", " ") + "): "
                           + audit_text.split(". ")[0].rstrip(".") )
    if rec.k_used is not None and rec.k_cited is not None and rec.k_used < rec.k_cited:
        extra = f" ({rec.unavailable})" if rec.unavailable else ""
        what_k = "cited studies" if rec.k_basis == "cited" else "studies in scope (the paper does not list which it pooled)"
        reasons.append(f"only {rec.k_used} of {rec.k_cited} {what_k} have numbers{extra}")
    paper_model = _model_family(row["model"]) if "model" in row.index else None
    our_model = _model_family(rec.model)
    if paper_model and our_model and paper_model != our_model:
        reasons.append(f"paper's model differs (paper: {paper_model} effect; recomputed: {our_model} effect)")
    w_rep, w_got = rep["ci_high"] - rep["ci_low"], got["ci_high"] - got["ci_low"]
    if not ok["estimate"] and not ci_flags and abs(w_got - w_rep) <= tol["ci_low"] + tol["ci_high"]:
        reasons.append(f"the CI has the printed width ({w_got:.2f} vs {w_rep:.2f}), so the precision, i.e. the "
                       "studies and sample sizes, probably match while the effect does not (different means or SDs "
                       "extracted, or another time point)")
    if rec.inferred:
        reasons.append(f"the identity of {rec.inferred} as the paper's cited study is inferred, not confirmed, so "
                       "the paper may have pooled a different study")
    if ok["estimate"] and not (ok["ci_low"] and ok["ci_high"]) and not ci_flags:
        reasons.append("the estimate is reproduced but the CI is not, which points to a different variance "
                       "(model, tau² estimator, or the pre-post correlation)")
    if rep["estimate"] * rec.estimate < 0 and abs(abs(rec.estimate) - abs(rep["estimate"])) <= tol["estimate"]:
        reasons.append("same size, opposite sign: the paper may subtract the other way round")
    what = ", ".join(f"{name} by {diffs[c]:+.2f}" for c, name in
                     (("estimate", "estimate"), ("ci_low", "lower bound"), ("ci_high", "upper bound"))
                     if not ok[c])
    text = (f"Recomputed {_fmt(rec.estimate)} ({_fmt(rec.ci_low)} to {_fmt(rec.ci_high)}) vs printed "
            f"{row['estimate']} ({row['ci_low']} to {row['ci_high']}): {what}. ")
    text += ("Likely reason: " + "; ".join(reasons) + "." if reasons
             else "No reason is visible from the data.")
    out.update(status=STATUS_DIFFERS, explanation=text)
    return out


# ---------------------------------------------------------------------------------------------
# Adapter to core.analysis
# ---------------------------------------------------------------------------------------------
_REF_RE = re.compile(r"\d+")


def parse_refs(text) -> tuple[int, ...]:
    """Reference numbers from a printed list such as "18, 23-25" -> (18, 23, 24, 25)."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return ()
    out: list[int] = []
    for part in re.split(r"[,;]", str(text).replace("\u2013", "-").replace("\u2212", "-")):
        nums = [int(n) for n in _REF_RE.findall(part)]
        if len(nums) == 2 and "-" in part:
            out.extend(range(nums[0], nums[1] + 1))
        else:
            out.extend(nums)
    return tuple(dict.fromkeys(out))


def spec_settings_for_row(row: pd.Series) -> dict:
    """The analysis settings (AnalysisSpec keyword arguments) that a reported row describes.

    Measure WMD is read as MD; a blank model means the paper's rule ("auto"); a printed model
    is used as printed. Time point "end" or 3/6/12 months.
    """
    measure = str(row.get("measure", "MD") or "MD").upper()
    measure = "MD" if measure in ("MD", "WMD") else "SMD"
    model = _model_family(row.get("model")) or "auto"
    tp = row.get("timepoint")
    tp = "end" if tp is None or pd.isna(tp) else str(tp).strip()
    if tp.endswith(".0"):
        tp = tp[:-2]
    return dict(outcome=str(row["outcome"]), comparison=str(row["comparison"]),
                population=str(row["population"]), measure=measure, model=model, timepoint=tp)


def spec_for_row(row: pd.Series, base=None):
    """The :class:`core.analysis.AnalysisSpec` that reproduces a reported row.

    Outcome, comparison, population, measure, model and time point come from the row; the
    paper's own studies (``study_set="paper"``), all designs and no exclusions are used; the
    remaining choices (pre-post r, SMD variant, tau² estimator, test) come from ``base``
    (default: :class:`AnalysisSpec` defaults). Raises ``ValueError`` for unsupported settings.
    """
    from dataclasses import replace

    from core.analysis import AnalysisSpec
    return replace(base or AnalysisSpec(), **spec_settings_for_row(row), study_set="paper",
                   design="all", excluded=())


def recomputer(dataset, analyse_fn=None, base=None) -> Callable[[pd.Series], Recomputed]:
    """A callable ``row -> Recomputed`` that runs :func:`core.analysis.analyse` (or
    ``analyse_fn(dataset, spec)``, e.g. a cached wrapper) with :func:`spec_for_row`.

    ``k_cited`` counts the row's ``refs`` that map to studies of the dataset (``ref_no``); cited
    studies that could not contribute are listed with their reasons.
    """
    from core.analysis import analyse   # local: keeps this module light to import

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
