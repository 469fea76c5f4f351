"""Sensitivity analyses of a pooled result: leave-one-out and cumulative.

Each function takes only a :class:`core.pooling.MetaResult` (which carries ``yi``, ``vi``,
``labels``, ``method``, ``test`` and ``level``) and refits with the same choices, as
metafor's ``leave1out`` and ``cumul`` take only the fit.  Influence diagnostics and the Baujat
plot, built on these refits, are :mod:`core.influence`.

For the fixed-effect and DerSimonian-Laird models the k refits are computed together in
O(k m) time (m <= 64 in practice) rather than as k separate fits:

- every FE and DL quantity is a function of the sums ``sum w``, ``sum w^2``, ``sum w y``,
  ``sum w y^2`` (w = 1/v), whose leave-one-out and prefix values are O(k);
- the random-effects pooled mean needs ``F_g(t) = sum_j g_j / (v_j + t)`` (g = 1, y, y^2)
  at each refit's own tau^2 ``t``.  ``F_g`` is analytic on t >= 0 (its poles are at
  ``-v_j < 0``); in ``s = log(t + min v)`` its singularities lie at ``Im s = +/- pi``.  It
  is evaluated at m Chebyshev points in s spanning the refits' tau^2 values and
  interpolated (barycentric formula).  m is chosen from the Bernstein-ellipse convergence
  rate (Trefethen 2013, Theorem 8.2) aiming at 1e-13, and the result is checked a posteriori
  against exact sums at six refits; if that check fails, if more than 256 points would be
  needed, or if k is small, the exact blocked O(k^2) sum is used instead (:mod:`core.refit_sums`).
  Tests check the vectorised pass against k separate fits to 1e-10.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from core.errors import InsufficientStudiesError
from core.pooling import INLINE_METHODS, MetaResult, pool_validated, require_meta_result, t_crit, two_sided_p
from core.refit_sums import refit_sums
from core.vocab import Tau2, Test

# The estimators whose k refits are computed in one pass from the four sums.
VECTORISED_METHODS: tuple[str, ...] = tuple(map(str, INLINE_METHODS))


# --------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------

_SERIES_FIELDS = ("estimate", "se", "ci_low", "ci_high", "statistic", "pvalue", "tau2", "q", "q_df", "q_pvalue",
                  "i2", "i2_tau", "h2")


@dataclass(frozen=True, slots=True)
class SensitivitySeries:
    """A sequence of refits of one pooled result (leave-one-out or cumulative).

    ``kind`` is "leave-one-out" (row i omits study ``labels[i]``) or "cumulative" (row i
    pools the first i + 1 studies in ``labels`` order; ``order`` gives their positions in
    the original result).  Arrays of shape (n,): ``estimate``, ``se``, ``ci_low``,
    ``ci_high``, ``statistic``, ``pvalue``, ``tau2``, ``q``, ``q_df``, ``q_pvalue``, ``i2``
    (Q-based, percent), ``i2_tau`` (tau^2-based, percent), ``h2`` (Q/df).  ``vectorised``
    says whether the O(k) pass was used.
    """

    kind: str
    labels: tuple
    order: np.ndarray
    method: str
    test: str
    level: float
    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    statistic: np.ndarray
    pvalue: np.ndarray
    tau2: np.ndarray
    q: np.ndarray
    q_df: np.ndarray
    q_pvalue: np.ndarray
    i2: np.ndarray
    i2_tau: np.ndarray
    h2: np.ndarray
    vectorised: bool

    def to_frame(self) -> pd.DataFrame:
        """One row per refit: the omitted (or last added) study and every statistic."""
        col = "omitted" if self.kind == "leave-one-out" else "added"
        data = {col: list(self.labels)}
        data.update({f: getattr(self, f) for f in _SERIES_FIELDS})
        return pd.DataFrame(data)


# --------------------------------------------------------------------------------------
# Vectorised FE / DL refits from the four sums
# --------------------------------------------------------------------------------------

def _series_from_sums(res: MetaResult, idx_sets_size: np.ndarray, sw, sw2, swy, swy2, t_sums_fn):
    """Assemble all statistics for n refits from their FE sums (y centred)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mu0 = swy / sw
        q_df = idx_sets_size - 1
        q = np.where(q_df > 0, np.maximum(swy2 - swy * mu0, 0.0), 0.0)    # k = 1: Q = 0 exactly
        if res.method == Tau2.DL:
            c = sw - sw2 / sw
            tau2 = np.where(q_df > 0, np.maximum(0.0, (q - q_df) / c), 0.0)
            tau2 = np.where(np.isfinite(tau2), tau2, 0.0)
        else:
            tau2 = np.zeros_like(q)
        s0, s1, s2, interpolated = t_sums_fn(tau2)
        est_c = s1 / s0
        var = 1.0 / s0
        df = np.full(q.shape, np.inf)
        if res.test == Test.HKSJ:
            df = np.where(q_df > 0, q_df.astype(float), np.inf)
            factor = np.where(q_df > 0, (s2 - 2 * est_c * s1 + est_c**2 * s0) / np.maximum(q_df, 1), 1.0)
            factor = np.maximum(factor, 0.0)
            if res.hksj_floor:
                factor = np.maximum(factor, 1.0)
            var = var * factor
        se = np.sqrt(var)
        s2typ = np.where(q_df > 0, q_df * sw / (sw**2 - sw2), np.nan)
        i2_tau = np.where(tau2 > 0, 100 * tau2 / (tau2 + s2typ), 0.0)
        i2 = np.where((q_df > 0) & (q > q_df), 100 * (q - q_df) / q, 0.0)
        h2 = np.where(q_df > 0, np.maximum(q / np.where(q_df > 0, q_df, 1), 1.0), 1.0)
        q_p = np.where(q_df > 0, special.chdtrc(np.maximum(q_df, 1), q), 1.0)      # metafor's QEp = 1 for k = 1
    est = est_c
    udf = np.unique(df)
    crit = np.array([t_crit(res.level, d) for d in udf])[np.searchsorted(udf, df)]
    return dict(estimate=est, se=se, ci_low=est - crit * se, ci_high=est + crit * se,
                tau2=tau2, q=q, q_df=q_df, q_pvalue=q_p, i2=i2, i2_tau=i2_tau, h2=h2), interpolated


def _g_columns(y: np.ndarray, test: str) -> np.ndarray:
    """Columns g of F_g: 1 and y always; y^2 only for the HKSJ variance factor."""
    cols = [np.ones_like(y), y] + ([y * y] if test == Test.HKSJ else [])
    return np.column_stack(cols)


def _loo_vectorised(res: MetaResult):
    yi, vi = res.yi, res.vi
    centre = float(np.mean(yi))
    y = yi - centre                                         # shift-invariant; improves cancellation
    w = 1.0 / vi
    sw, sw2, swy, swy2 = (np.sum(a) - a for a in (w, w**2, w * y, w * y**2))
    g = _g_columns(y, res.test)

    def t_sums(tau2):
        tot = refit_sums(vi, g, tau2, prefix=False)
        own = g / (vi + tau2)[:, None]
        s = tot.values - own
        return s[:, 0], s[:, 1], (s[:, 2] if s.shape[1] > 2 else None), tot.interpolated

    out, interp = _series_from_sums(res, np.full(yi.size, yi.size - 1), sw, sw2, swy, swy2, t_sums)
    _shift(out, centre)
    return out, interp


def _cumulative_vectorised(yi, vi, res: MetaResult):
    centre = float(np.mean(yi))
    y = yi - centre
    w = 1.0 / vi
    sw, sw2, swy, swy2 = (np.cumsum(a) for a in (w, w**2, w * y, w * y**2))
    g = _g_columns(y, res.test)

    def t_sums(tau2):
        sums = refit_sums(vi, g, tau2, prefix=True)
        s = sums.values
        return s[:, 0], s[:, 1], (s[:, 2] if s.shape[1] > 2 else None), sums.interpolated

    out, interp = _series_from_sums(res, np.arange(1, yi.size + 1), sw, sw2, swy, swy2, t_sums)
    _shift(out, centre)
    return out, interp


def _shift(out: dict, centre: float) -> None:
    """Undo the centring of y on the location statistics; z (or t) follows."""
    for f in ("estimate", "ci_low", "ci_high"):
        out[f] = out[f] + centre
    with np.errstate(divide="ignore", invalid="ignore"):
        out["statistic"] = out["estimate"] / out["se"]


def _finish_pvalues(out: dict, res: MetaResult, q_df: np.ndarray) -> None:
    if res.test == Test.HKSJ:
        df = np.where(q_df > 0, q_df, np.inf)
        out["pvalue"] = np.array([two_sided_p(float(s), float(d)) for s, d in zip(out["statistic"], df)])
    else:
        out["pvalue"] = 2 * special.ndtr(-np.abs(out["statistic"]))


def _looped(res: MetaResult, subsets) -> dict:
    rows = []
    for idx in subsets:
        r = pool_validated(res.yi[idx], res.vi[idx], tuple(res.labels[i] for i in idx), res.method, res.level,
                           res.test, res.hksj_floor, res.pi_dist)
        rows.append([getattr(r, f) for f in _SERIES_FIELDS])
    arr = np.array(rows, dtype=float)
    out = {f: arr[:, j] for j, f in enumerate(_SERIES_FIELDS)}
    out["q_df"] = out["q_df"].astype(int)
    return out


def leave_one_out(result: MetaResult) -> SensitivitySeries:
    """Refit ``result`` k times, each time omitting one study (metafor ``leave1out``).

    Uses the result's method, test, floor and level.  FE and DL are computed in one
    vectorised O(k) pass (see module notes); other tau^2 estimators refit k times.

    Raises
    ------
    InsufficientStudiesError
        When k < 2 (nothing would be left to pool).

    References
    ----------
    Viechtbauer & Cheung (2010) Res Synth Methods 1:112-125, section 3.2; metafor
    ``leave1out.rma.uni``; Cochrane Handbook v6.4 section 10.14 (sensitivity analyses).
    """
    res = require_meta_result(result)
    k = res.k
    if k < 2:
        raise InsufficientStudiesError(k, message=f"Leave-one-out needs at least 2 studies (k = {k}).")
    if res.method in VECTORISED_METHODS:
        out, _ = _loo_vectorised(res)
        _finish_pvalues(out, res, out["q_df"])
        vec = True
    else:
        out = _looped(res, [np.delete(np.arange(k), i) for i in range(k)])
        vec = False
    return SensitivitySeries(kind="leave-one-out", labels=res.labels, order=np.arange(k), method=res.method,
                             test=res.test, level=res.level, vectorised=vec, **out)


def cumulative(result: MetaResult, order=None, *, by=None) -> SensitivitySeries:
    """Cumulative meta-analysis: pool the first 1, 2, ..., k studies (metafor ``cumul``).

    Parameters
    ----------
    result : MetaResult
    order : array_like of int, shape (k,), optional
        The positions (0-based, in ``result``) of the studies in the order they are added:
        a permutation of ``0..k-1``, like R's ``order(year)``.
    by : array_like, shape (k,), optional
        Sort keys instead (e.g. publication years, as metafor 4's ``cumul(res, order=year)``):
        studies are added in ascending key order, ties keeping their order in ``result``.
        Give ``order`` or ``by``, not both.  Default: the order of ``result``.

    Raises
    ------
    ValueError
        If ``order`` is not a permutation of ``0..k-1``, or a length differs from k.

    References
    ----------
    Lau et al. (1992) N Engl J Med 327:248-254; metafor ``cumul.rma.uni``; Borenstein et al.
    (2009) Introduction to Meta-Analysis, ch. 42.
    """
    res = require_meta_result(result)
    k = res.k
    if order is not None and by is not None:
        raise ValueError("give `order` (a permutation) or `by` (sort keys), not both")
    if by is not None:
        keys = np.asarray(by)
        if keys.ndim != 1 or keys.size != k:
            raise ValueError(f"`by` has {keys.size} entries but there are {k} studies")
        perm = np.argsort(keys, kind="stable")
    elif order is not None:
        perm = np.asarray(order)
        if perm.ndim != 1 or perm.size != k:
            raise ValueError(f"`order` has {perm.size} entries but there are {k} studies")
        if not np.issubdtype(perm.dtype, np.integer) or not np.array_equal(np.sort(perm), np.arange(k)):
            raise ValueError("`order` must be a permutation of 0..k-1 (study positions); "
                             f"got {perm.tolist()[:10]}{'...' if k > 10 else ''}. To sort by a variable such "
                             "as year, use `by=`.")
    else:
        perm = np.arange(k)
    yi, vi = res.yi[perm], res.vi[perm]
    labels = res.labels if order is None and by is None else tuple(map(res.labels.__getitem__, perm.tolist()))
    if res.method in VECTORISED_METHODS:
        out, _ = _cumulative_vectorised(yi, vi, res)
        _finish_pvalues(out, res, out["q_df"])
        vec = True
    else:
        out = _looped(res, [perm[: i + 1] for i in range(k)])
        vec = False
    return SensitivitySeries(kind="cumulative", labels=labels, order=perm, method=res.method, test=res.test,
                             level=res.level, vectorised=vec, **out)
