"""Sensitivity analyses of a pooled result: leave-one-out, cumulative, influence, Baujat.

Each function takes only a :class:`core.pooling.MetaResult` (which carries ``yi``, ``vi``,
``labels``, ``method``, ``test`` and ``level``) and refits with the same choices, as
metafor's ``leave1out``, ``cumul``, ``influence`` and ``baujat`` take only the fit.

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
  needed, or if k is small, the exact blocked O(k^2) sum is used instead.  Tests check the
  vectorised pass against k separate fits to 1e-10.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from core.errors import InsufficientStudiesError
from core.pooling import MetaResult, _fit, _t_crit, _two_sided_p

VECTORISED_METHODS = ("FE", "DL")
_CHEB_TOL = 1e-13
_CHEB_MAX_NODES = 256


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
# F_g(t) = sum_j g_j / (v_j + t) at many t, without the k x k matrix
# --------------------------------------------------------------------------------------

def _cheb_nodes(a: float, b: float, vmin: float) -> np.ndarray | None:
    """Chebyshev points (2nd kind) for interpolation in ``s = log(t + vmin)`` on [a, b].

    In s every term ``g_j / (v_j + t) = g_j / (v_j - vmin + e^s)`` is analytic except at
    ``Im s = +/- pi`` (or nowhere, for the smallest v), so interpolation converges at least
    like ``rho^-m`` with ``rho = b' + sqrt(b'^2 + 1)``, ``b' = pi / half-width`` (Trefethen
    2013, Approximation Theory and Approximation Practice, Theorem 8.2).  m is chosen from
    that rate with a margin; the caller verifies the result (:func:`_spot_check`).  Returns
    the node positions in s, or None when more than 256 points would be needed.
    """
    lo, hi = np.log(a + vmin), np.log(b + vmin)
    c, h = (lo + hi) / 2, (hi - lo) / 2
    bp = np.pi / h
    rho = bp + np.sqrt(bp * bp + 1.0)
    m = int(np.ceil(np.log(8.0 / (_CHEB_TOL * (rho - 1.0))) / np.log(rho))) + 2
    if m > _CHEB_MAX_NODES:
        return None
    m = max(m, 4)
    return c + h * np.cos(np.pi * np.arange(m) / (m - 1))


def _barycentric(nodes: np.ndarray, values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Interpolate ``values`` (G, m, n) known at ``nodes`` (m,) at ``t`` (n,); returns (n, G).

    Column n of ``values[g]`` holds the function for refit n; the barycentric weights of
    Chebyshev points of the second kind are (-1)^j, halved at both ends (Berrut & Trefethen
    2004, SIAM Rev 46:501-517, eq. 5.2).
    """
    m = nodes.size
    bw = (-1.0) ** np.arange(m)
    bw[0] *= 0.5
    bw[-1] *= 0.5
    diff = t[None, :] - nodes[:, None]                 # (m, n)
    exact = diff == 0
    diff[exact] = 1.0
    kern = bw[:, None] / diff                          # (m, n)
    den = kern.sum(axis=0)
    out = np.empty((t.size, values.shape[0]))
    for g in range(values.shape[0]):
        out[:, g] = np.einsum("mn,mn->n", kern, values[g]) / den
    hit_n = np.flatnonzero(exact.any(axis=0))
    if hit_n.size:
        node_of = exact[:, hit_n].argmax(axis=0)
        out[hit_n] = values[:, node_of, hit_n].T
    return out


def _spot_check(vi, g, t, prefix: bool, approx: np.ndarray) -> bool:
    """A-posteriori check of the interpolation at 6 refits (extreme and spread t's), O(k) each.

    True when every checked sum agrees with the exact one within 1e-11 of the sum of the
    absolute terms; otherwise the caller falls back to the exact blocked computation.
    """
    n = t.size
    picks = np.unique(np.concatenate([[int(np.argmin(t)), int(np.argmax(t))],
                                      np.linspace(0, n - 1, 4).astype(int)]))
    for i in picks:
        upto = i + 1 if prefix else vi.size
        terms = g[:upto] / (vi[:upto] + t[i])[:, None]
        exact = terms.sum(axis=0)
        scale = np.abs(terms).sum(axis=0)
        if np.any(np.abs(approx[i] - exact) > 1e-11 * np.maximum(scale, 1e-300)):
            return False
    return True


def _weighted_sums(vi: np.ndarray, g: np.ndarray, t: np.ndarray, prefix: bool) -> tuple[np.ndarray, bool]:
    """Return S (n, G) with ``S[i] = sum_{j in set_i} g[j] / (v_j + t_i)``.

    ``prefix=False``: set_i = all j (caller subtracts its own term for leave-one-out).
    ``prefix=True``: set_i = {0..i} (cumulative).  Second value: True if interpolated.
    """
    k = vi.size
    a, b = float(t.min()), float(t.max())
    if b - a <= 1e-15 * max(1.0, b):                  # one common t: exact, O(k)
        w = 1.0 / (vi + a)
        terms = g * w[:, None]
        return (np.cumsum(terms, axis=0) if prefix else np.broadcast_to(terms.sum(axis=0), (t.size, g.shape[1])).copy()), False
    vmin = float(vi.min())
    nodes = _cheb_nodes(a, b, vmin)
    if nodes is not None and nodes.size * 4 < k:
        t_nodes = np.exp(nodes) - vmin
        inv = 1.0 / (vi[None, :] + t_nodes[:, None])   # (m, k)
        if prefix:
            vals = np.empty((g.shape[1], nodes.size, k))                           # (G, m, k)
            tmp = np.empty_like(inv)
            for j in range(g.shape[1]):
                np.multiply(inv, g[:, j], out=tmp)
                np.cumsum(tmp, axis=1, out=vals[j])
        else:
            vals = np.broadcast_to((inv @ g).T[:, :, None], (g.shape[1], nodes.size, t.size))
        approx = _barycentric(nodes, vals, np.log(t + vmin))
        if _spot_check(vi, g, t, prefix, approx):
            return approx, True
    out = np.empty((t.size, g.shape[1]))                 # exact, blocked O(k^2)
    for s in range(0, t.size, 512):
        inv = 1.0 / (vi[None, :] + t[s:s + 512, None])
        if prefix:
            inv = np.where(np.arange(k)[None, :] <= np.arange(s, min(s + 512, t.size))[:, None], inv, 0.0)
        out[s:s + 512] = inv @ g
    return out, False


# --------------------------------------------------------------------------------------
# Vectorised FE / DL refits from the four sums
# --------------------------------------------------------------------------------------

def _series_from_sums(res: MetaResult, idx_sets_size: np.ndarray, sw, sw2, swy, swy2, t_sums_fn):
    """Assemble all statistics for n refits from their FE sums (y centred)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mu0 = swy / sw
        q = np.maximum(swy2 - swy * mu0, 0.0)
        q_df = idx_sets_size - 1
        if res.method == "DL":
            c = sw - sw2 / sw
            tau2 = np.where(q_df > 0, np.maximum(0.0, (q - q_df) / c), 0.0)
            tau2 = np.where(np.isfinite(tau2), tau2, 0.0)
        else:
            tau2 = np.zeros_like(q)
        s0, s1, s2, interpolated = t_sums_fn(tau2)
        est_c = s1 / s0
        var = 1.0 / s0
        df = np.full(q.shape, np.inf)
        if res.test == "knha":
            df = np.where(q_df > 0, q_df.astype(float), np.inf)
            factor = np.where(q_df > 0, (s2 - 2 * est_c * s1 + est_c**2 * s0) / np.maximum(q_df, 1), 1.0)
            factor = np.maximum(factor, 0.0)
            if res.knha_floor:
                factor = np.maximum(factor, 1.0)
            var = var * factor
        se = np.sqrt(var)
        s2typ = np.where(q_df > 0, q_df * sw / (sw**2 - sw2), np.nan)
        i2_tau = np.where(tau2 > 0, 100 * tau2 / (tau2 + s2typ), 0.0)
        i2 = np.where((q_df > 0) & (q > q_df), 100 * (q - q_df) / q, 0.0)
        h2 = np.where(q_df > 0, np.maximum(q / np.where(q_df > 0, q_df, 1), 1.0), 1.0)
        q_p = np.where(q_df > 0, special.chdtrc(np.maximum(q_df, 1), q), np.nan)
    est = est_c
    udf = np.unique(df)
    crit = np.array([_t_crit(res.level, d) for d in udf])[np.searchsorted(udf, df)]
    return dict(estimate=est, se=se, ci_low=est - crit * se, ci_high=est + crit * se,
                tau2=tau2, q=q, q_df=q_df, q_pvalue=q_p, i2=i2, i2_tau=i2_tau, h2=h2), interpolated


def _g_columns(y: np.ndarray, test: str) -> np.ndarray:
    """Columns g of F_g: 1 and y always; y^2 only for the HKSJ variance factor."""
    cols = [np.ones_like(y), y] + ([y * y] if test == "knha" else [])
    return np.column_stack(cols)


def _loo_vectorised(res: MetaResult):
    yi, vi = res.yi, res.vi
    centre = float(np.mean(yi))
    y = yi - centre                                         # shift-invariant; improves cancellation
    w = 1.0 / vi
    sw, sw2, swy, swy2 = (np.sum(a) - a for a in (w, w**2, w * y, w * y**2))
    g = _g_columns(y, res.test)

    def t_sums(tau2):
        tot, interp = _weighted_sums(vi, g, tau2, prefix=False)
        own = g / (vi + tau2)[:, None]
        s = tot - own
        return s[:, 0], s[:, 1], (s[:, 2] if s.shape[1] > 2 else None), interp

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
        s, interp = _weighted_sums(vi, g, tau2, prefix=True)
        return s[:, 0], s[:, 1], (s[:, 2] if s.shape[1] > 2 else None), interp

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
    if res.test == "knha":
        df = np.where(q_df > 0, q_df, np.inf)
        out["pvalue"] = np.array([_two_sided_p(float(s), float(d)) for s, d in zip(out["statistic"], df)])
    else:
        out["pvalue"] = 2 * special.ndtr(-np.abs(out["statistic"]))


def _looped(res: MetaResult, subsets) -> dict:
    rows = []
    for idx in subsets:
        r = _fit(res.yi[idx], res.vi[idx], tuple(res.labels[i] for i in idx), res.method, res.level, res.test,
                 res.knha_floor, res.pi_dist)
        rows.append([getattr(r, f) for f in _SERIES_FIELDS])
    arr = np.array(rows, dtype=float)
    out = {f: arr[:, j] for j, f in enumerate(_SERIES_FIELDS)}
    out["q_df"] = out["q_df"].astype(int)
    return out


def _check_result(result) -> MetaResult:
    if not isinstance(result, MetaResult):
        raise TypeError(f"`result` must be a MetaResult from core.pooling.meta_analysis; got {type(result).__name__}")
    return result


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
    res = _check_result(result)
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
    res = _check_result(result)
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


# --------------------------------------------------------------------------------------
# Influence diagnostics and Baujat coordinates
# --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class InfluenceResult:
    """Case-deletion diagnostics of an intercept-only model (metafor ``influence.rma.uni``).

    Arrays of shape (k,): ``rstudent`` (externally standardized residual), ``dffits``,
    ``cook_d``, ``cov_r``, ``tau2_del``, ``q_del`` (Q of the other k - 1 studies), ``hat``,
    ``weight`` (percent), ``dfbetas``, and ``influential`` flagged by metafor's rules.
    """

    labels: tuple
    rstudent: np.ndarray
    dffits: np.ndarray
    cook_d: np.ndarray
    cov_r: np.ndarray
    tau2_del: np.ndarray
    q_del: np.ndarray
    hat: np.ndarray
    weight: np.ndarray
    dfbetas: np.ndarray
    influential: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"label": list(self.labels), "rstudent": self.rstudent, "dffits": self.dffits,
                             "cook_d": self.cook_d, "cov_r": self.cov_r, "tau2_del": self.tau2_del,
                             "q_del": self.q_del, "hat": self.hat, "weight": self.weight, "dfbetas": self.dfbetas,
                             "influential": self.influential})


def influence(result: MetaResult) -> InfluenceResult:
    """Influence diagnostics for each study (p = 1 intercept-only model).

    With ``mu``, ``se`` the full fit, ``mu_i``, ``se_i``, ``tau2_i`` the fit without study i,
    ``h_i = w_i / sum w`` (w = 1/(v + tau2)):

    - ``rstudent = (y_i - mu_i) / sqrt(v_i + tau2_i + se_i^2)``
    - ``dffits = (mu - mu_i) / sqrt(h_i (tau2_i + v_i))``
    - ``cook_d = (mu - mu_i)^2 / se^2``; ``cov_r = se_i^2 / se^2``
    - ``dfbetas = (mu - mu_i) / sqrt(1 / sum_j 1/(v_j + tau2_i))`` (all k studies weighted
      with the deleted tau^2, as metafor)
    - with test="knha" the model-based (z) variances are used.
    - influential if |dffits| > 3 sqrt(p/(k - p)), P(chi2_p <= cook_d) > 0.5, h > 3p/k or
      |dfbetas| > 1 (metafor's rules, p = 1).

    References
    ----------
    Viechtbauer & Cheung (2010) Res Synth Methods 1:112-125, section 3 (eqs. 4-10); metafor
    ``influence.rma.uni`` documentation, "Details".
    """
    res = _check_result(result)
    if res.test != "z":      # diagnostics use model-based variances (Viechtbauer & Cheung 2010)
        res = _fit(res.yi, res.vi, res.labels, res.method, res.level, "z", False, "norm")
    loo = leave_one_out(res)
    k = res.k
    mu, se2 = res.estimate, res.se**2
    w = 1.0 / (res.vi + res.tau2)
    hat = w / w.sum()
    d = mu - loo.estimate
    rstudent = (res.yi - loo.estimate) / np.sqrt(res.vi + loo.tau2 + loo.se**2)
    dffits = d / np.sqrt(hat * (loo.tau2 + res.vi))
    cook = d**2 / se2
    cov_r = loo.se**2 / se2
    dfbetas = d * np.sqrt(1.0 / loo.se**2 + 1.0 / (res.vi + loo.tau2))
    p = 1
    infl = ((np.abs(dffits) > 3 * np.sqrt(p / (k - p))) | (special.chdtr(p, cook) > 0.5) | (hat > 3 * p / k)
            | (np.abs(dfbetas) > 1))
    return InfluenceResult(labels=res.labels, rstudent=rstudent, dffits=dffits, cook_d=cook, cov_r=cov_r,
                           tau2_del=loo.tau2, q_del=loo.q, hat=hat, weight=100 * hat, dfbetas=dfbetas,
                           influential=infl)


@dataclass(frozen=True, slots=True)
class BaujatResult:
    """Baujat plot coordinates: ``x`` contribution to heterogeneity, ``y`` influence on the result."""

    labels: tuple
    x: np.ndarray
    y: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"label": list(self.labels), "x": self.x, "y": self.y})


def baujat(result: MetaResult) -> BaujatResult:
    """Baujat (2002) coordinates, as metafor ``baujat.rma`` computes them.

    ``x_i = (y_i - mu)^2 / (v_i + tau2)`` (the study's contribution to Q for a FE model);
    ``y_i = (mu_i - mu)^2 / se_i^2`` with ``mu_i``, ``se_i`` from the fit without study i.

    References
    ----------
    Baujat et al. (2002) Stat Med 21:2641-2652, section 2; metafor ``baujat.rma``.
    """
    res = _check_result(result)
    loo = leave_one_out(res)
    x = (res.yi - res.estimate) ** 2 / (res.vi + res.tau2)
    y = (loo.estimate - res.estimate) ** 2 / loo.se**2
    return BaujatResult(labels=res.labels, x=x, y=y)
