"""Reported vs recomputed pooled results: the one place that gives each reported row a status.

``classify_reproduction(reported, recomputed)`` is pure: it takes the paper's reported table and
the recomputed values (a DataFrame keyed by ``result_id``, or a callable ``row -> Recomputed``)
and returns, for every reported row in order, one of four statuses (their words are in
:mod:`core.words`):

* ``"reproduced within rounding"``: estimate and both CI bounds within ±0.01 of the printed
  values (or within the printed rounding half-width, when the paper printed fewer decimals);
* ``"partial: k of K studies"``: not reproduced, and recomputed from only k of the K studies the
  paper pooled (so the comparison cannot show a disagreement; issue 14);
* ``"differs"``: recomputed from the paper's full set and still not within rounding, with the
  likely reason when one is visible (fewer cited studies have numbers,
  a different model, a printed CI that is itself inconsistent, the other direction...);
* ``"cannot recompute"``: with the data that are missing.

``reported_vs_recomputed(analysis)`` applies the same agreement rule (:func:`agreement`) to the
reported rows of one analysis (the Forest plot page's table), where a row printed for the other
measure is ``"different measure"``.  :func:`core.workflow.recompute.recomputer` adapts
:func:`core.workflow.analysis.analyse` to the callable.

References
----------
.. [1] Li Y et al. Stem Cell Res Ther 2021;12:273 (RevMan 5.3; results printed to 2 decimals).
.. [2] Review Manager (RevMan) 5.3, The Nordic Cochrane Centre, 2014: pooled estimates and CI
   bounds are displayed to 2 decimals, hence the ±0.01 agreement tolerance (issue 5).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from core import words
from core.workflow.analysis import ForestAnalysis
from core.workflow.audit import audit_reported
from core.evidence.printed import Printed, parse_model, parse_number
from core.pooling import MetaResult
from core.workflow.recompute import Recomputed, lookup_from_frame
from core.vocab import DM_TYPES
from core.words import (STATUS_CANNOT, STATUS_DIFFERS, STATUS_OTHER_MEASURE, STATUS_PARTIAL, STATUS_REPRODUCED,
                        partial_status)

STATUSES = (STATUS_REPRODUCED, STATUS_PARTIAL, STATUS_DIFFERS, STATUS_CANNOT)
#: agreement tolerance on the estimate and CI bounds (issue 5: "±0.01")
TOLERANCE = 0.01
_EPS = 1e-9
_CI_FLAGS = ("ci_reversed", "estimate_outside_ci", "ci_asymmetric")
_PARTS = ("estimate", "ci_low", "ci_high")


@dataclass(frozen=True, slots=True)
class Agreement:
    """How a recomputed estimate and CI compare with the printed ones, part by part (estimate,
    ci_low, ci_high): ``diffs`` recomputed - printed, ``tolerances`` the allowed |diff| (the
    larger of the tolerance and the printed rounding half-width), ``within`` whether each agrees."""

    diffs: tuple
    tolerances: tuple
    within: tuple

    @property
    def reproduced(self) -> bool:
        return all(self.within)

    @property
    def status(self) -> str:
        return STATUS_REPRODUCED if self.reproduced else STATUS_DIFFERS


def agreement(printed, got, tolerance: float = TOLERANCE) -> Agreement:
    """Compare recomputed ``got`` (estimate, ci_low, ci_high) with the ``printed`` :class:`Printed`
    values (the same three).  A missing or non-finite value never agrees."""
    diffs = tuple(g - p.value for g, p in zip(got, printed))
    tols = tuple(max(tolerance, (p.high - p.low) / 2) + _EPS for p in printed)
    return Agreement(diffs, tols, tuple(bool(abs(d) <= t) for d, t in zip(diffs, tols)))


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
        :func:`core.workflow.audit.audit_reported`), numbers as printed.
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
        look = lookup_from_frame(recomputed)
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


def _printed(row: pd.Series) -> dict:
    return {c: parse_number(row[c], what=f"`{c}` of {row['result_id']}") for c in _PARTS}


def _classify_row(row: pd.Series, rec: Recomputed | None, flags: list[str], audit_text: str,
                  tolerance: float) -> dict:
    printed = _printed(row)
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
    agree = agreement([printed[c] for c in _PARTS], (rec.estimate, rec.ci_low, rec.ci_high), tolerance)
    diffs = dict(zip(_PARTS, agree.diffs))
    out.update(recomputed_estimate=rec.estimate, recomputed_ci_low=rec.ci_low, recomputed_ci_high=rec.ci_high,
               diff_estimate=diffs["estimate"], diff_ci_low=diffs["ci_low"], diff_ci_high=diffs["ci_high"],
               k_used=rec.k_used, k_cited=rec.k_cited, recomputed_model=rec.model,
               status=reproduction_status(agree, rec.k_used, rec.k_cited))
    if agree.reproduced:
        out["explanation"] = (f"Recomputed {_fmt(rec.estimate)} ({_fmt(rec.ci_low)} to {_fmt(rec.ci_high)}) "
                              f"matches the printed {row['estimate']} ({row['ci_low']} to {row['ci_high']}) "
                              f"within ±{tolerance:g}.")
        return out
    reasons = _likely_reasons(row, rec, rep, agree, flags, audit_text)
    what = ", ".join(f"{name} by {diffs[c]:+.2f}" for c, name, ok in
                     zip(_PARTS, ("estimate", "lower bound", "upper bound"), agree.within) if not ok)
    text = (f"Recomputed {_fmt(rec.estimate)} ({_fmt(rec.ci_low)} to {_fmt(rec.ci_high)}) vs printed "
            f"{row['estimate']} ({row['ci_low']} to {row['ci_high']}): {what}. ")
    text += ("Likely reason: " + "; ".join(reasons) + "." if reasons
             else "No reason is visible from the data.")
    out["explanation"] = text
    return out


def is_subset(k_used, k_cited) -> bool:
    """Whether a recomputation used fewer of the studies than the paper pooled."""
    return k_used is not None and k_cited is not None and k_cited == k_cited and 0 < k_used < k_cited


def reproduction_status(agree: Agreement, k_used, k_cited) -> str:
    """The one rule: a mismatch recomputed from a subset of the paper's studies is 'partial: k of K
    studies'; 'differs' is kept for the paper's full set (issue 14)."""
    return partial_status(k_used, k_cited) if not agree.reproduced and is_subset(k_used, k_cited) else agree.status


def status_kind(status: str) -> str:
    """The status word without its counts: 'partial: 1 of 4 studies' -> 'partial'."""
    return STATUS_PARTIAL if str(status).startswith(STATUS_PARTIAL + ":") else str(status)


def _likely_reasons(row: pd.Series, rec: Recomputed, rep: dict, agree: Agreement, flags: list[str],
                    audit_text: str) -> list[str]:
    """Why a recomputed result may differ from the printed one, as far as the data show."""
    ok = dict(zip(_PARTS, agree.within))
    tol = dict(zip(_PARTS, agree.tolerances))
    reasons = []
    ci_flags = [f for f in flags if f in _CI_FLAGS]
    if ci_flags:
        near_flip = ("ci_reversed" in flags and ok["estimate"] and ok["ci_high"]
                     and abs(rec.ci_low + rep["ci_low"]) <= tol["ci_low"])
        if near_flip:
            reasons.append(f"printed CI inconsistent: the recomputed lower bound {_fmt(rec.ci_low)} is the printed "
                           f"{row['ci_low']} with a minus sign, so the paper most likely lost the sign")
        else:
            reasons.append("printed CI inconsistent (" + ", ".join(ci_flags).replace("_", " ") + "): "
                           + audit_text.split(". ")[0].rstrip("."))
    if rec.k_used is not None and rec.k_cited is not None and rec.k_used < rec.k_cited:
        extra = f" ({rec.unavailable})" if rec.unavailable else ""
        what_k = ("cited studies" if rec.k_basis == "cited"
                  else "studies in scope (the paper does not list which it pooled)")
        reasons.append(f"only {rec.k_used} of {rec.k_cited} {what_k} have numbers{extra}")
    paper_model = parse_model(row["model"]) if "model" in row.index else None
    our_model = parse_model(rec.model)
    if paper_model and our_model and paper_model != our_model:
        reasons.append(f"paper's model differs (paper: {paper_model} effect; recomputed: {our_model} effect)")
    w_rep, w_got = rep["ci_high"] - rep["ci_low"], rec.ci_high - rec.ci_low
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
    return reasons


# ---------------------------------------------------------------------------------------------
# One analysis's reported rows (the Forest plot page)
# ---------------------------------------------------------------------------------------------
RESULT_COLUMNS = ["result_id", "population", "reported", "recomputed", "status", "explanation", "k",
                  "diff_estimate", "locator"]
_NOT_PRINTED = Printed("", math.nan, math.nan, math.nan)


def pooled_for_population(a: ForestAnalysis, population: str) -> MetaResult | None:
    """The recomputed pooled result that a reported row for ``population`` compares with."""
    if a.pooled is None:
        return None
    if population == a.spec.population:
        return a.pooled
    if a.subgroups is not None and population in a.subgroups.subgroups:
        return a.subgroups.subgroups[population]
    return None


def _printed_or_nan(value) -> Printed:
    try:
        return parse_number(value) or _NOT_PRINTED
    except ValueError:
        return _NOT_PRINTED


def reported_vs_recomputed(a: ForestAnalysis, *, tolerance: float = TOLERANCE) -> pd.DataFrame:
    """Each reported result at the chosen time point next to the recomputed one.

    Columns :data:`RESULT_COLUMNS`: result_id, population, reported (text), recomputed (text),
    status (:data:`STATUSES` or ``"different measure"``), explanation, k, diff_estimate, locator.
    Agreement is judged by :func:`agreement`, as in :func:`classify_reproduction`.
    """
    out = []
    rep = a.reported[a.reported["same_timepoint"]] if not a.reported.empty else a.reported
    for _, r in rep.iterrows():
        printed = [_printed_or_nan(r[c]) for c in _PARTS]
        res = pooled_for_population(a, r["population"])
        row = {"result_id": r["result_id"], "locator": r["locator"], "population": r["population"],
               "reported": f"{r['measure']} {words.fmt_ci(*(p.value for p in printed))}, P {r['pvalue']}",
               "recomputed": "", "k": 0, "diff_estimate": float("nan")}
        if r["measure"] != a.spec.measure:
            # k: the studies with numbers for this population, whatever the measure (issue 26 item 3)
            row.update(status=STATUS_OTHER_MEASURE, k=res.k if res is not None else 0,
                       explanation=words.other_measure_sentence(r["measure"], *(p.value for p in printed)))
        elif res is None:
            row.update(status=STATUS_CANNOT,
                       explanation="No study in this selection has usable numbers for this population.")
        else:
            agree = agreement(printed, (res.estimate, res.ci_low, res.ci_high), tolerance)
            pooled_by_paper = _studies_the_paper_pooled(a, r, res.k)
            status = reproduction_status(agree, res.k, pooled_by_paper)
            row.update(recomputed=f"{a.spec.measure} {words.fmt_ci(res.estimate, res.ci_low, res.ci_high)}, "
                                  f"{words.fmt_p(res.pvalue)}",
                       k=res.k, diff_estimate=agree.diffs[0], status=status,
                       explanation=" ".join(x for x in (_significance_flip(printed, res),
                                                        "" if agree.reproduced else _differs_reason(a, r, res, agree)) if x))
        out.append(row)
    return pd.DataFrame(out, columns=RESULT_COLUMNS)


def _significance_flip(printed, res: MetaResult) -> str:
    """A sentence when the printed and the recomputed 95% CIs disagree on excluding no effect; ''."""
    low, high = printed[1].value, printed[2].value
    if not (math.isfinite(low) and math.isfinite(high) and math.isfinite(res.ci_low) and math.isfinite(res.ci_high)):
        return ""
    paper_excludes = not min(low, high) <= 0 <= max(low, high)
    ours_excludes = not res.ci_low <= 0 <= res.ci_high
    if paper_excludes == ours_excludes:
        return ""
    paper_ci = f"[{words.fmt_num(min(low, high))}, {words.fmt_num(max(low, high))}]"
    ours_ci = f"[{words.fmt_num(res.ci_low)}, {words.fmt_num(res.ci_high)}]"
    return words.SIGNIFICANCE_FLIP.format(paper_ci=paper_ci, paper=words.EXCLUDES if paper_excludes else words.INCLUDES,
                                          ours_ci=ours_ci, ours=words.EXCLUDES if ours_excludes else words.INCLUDES)


def _studies_the_paper_pooled(a: ForestAnalysis, reported: pd.Series, k: int) -> int:
    """K of "partial: k of K": the studies the paper cites for the row, or (when it cites none) the
    studies in scope for its population, as :func:`core.workflow.recompute.recomputer` counts them."""
    refs = [x for x in str(reported.get("refs", "") or "").split(",") if x.strip()]
    if refs:
        return len(refs)
    missing = a.unavailable
    if reported["population"] in DM_TYPES and not missing.empty:
        missing = missing[missing["dm_type"] == reported["population"]]
    return k + len(missing)


def _differs_reason(a: ForestAnalysis, reported: pd.Series, res: MetaResult, agree: Agreement) -> str:
    """Why the recomputed result differs, in the words of the Check the paper page (issue 26 item 3:
    the two pages must agree): the same :func:`_likely_reasons`, over the studies the paper pooled."""
    refs = [x.strip() for x in str(reported.get("refs", "") or "").split(",") if x.strip()]
    rows = a.rows
    inferred = rows[rows["id_confidence"].astype(str) != "high"] if "id_confidence" in rows else rows[:0]
    missing = a.unavailable
    if reported["population"] in DM_TYPES and not missing.empty:
        missing = missing[missing["dm_type"] == reported["population"]]
    rec = Recomputed(res.estimate, res.ci_low, res.ci_high, k_used=res.k,
                     k_cited=_studies_the_paper_pooled(a, reported, res.k), model=a.method,
                     unavailable=None if refs or missing.empty else ", ".join(missing["label"]),
                     k_basis="cited" if refs else "in scope",
                     inferred=", ".join(f"{lab} ({conf})" for lab, conf in zip(inferred["label"],
                                                                            inferred["id_confidence"])) or None)
    audited = audit_reported(pd.DataFrame([reported]))
    rep = {c: p.value for c, p in zip(_PARTS, (_printed_or_nan(reported[c]) for c in _PARTS))}
    reasons = _likely_reasons(reported, rec, rep, agree, list(audited["flags"].iloc[0]),
                              audited["explanation"].iloc[0])
    return ("Likely reason: " + "; ".join(reasons) + ".") if reasons else "No reason is visible from the data."
