"""Small-study effects: funnel-plot data, Egger's and Begg's tests, trim-and-fill.

Every function takes a :class:`core.pooling.MetaResult`.  Each result carries a
``warning`` string when k < 10: the Cochrane Handbook (v6.4, section 13.3.5.4) advises
that tests for funnel-plot asymmetry should be used only when there are at least 10
studies, because with fewer the power is too low to tell chance from real asymmetry.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from core.metaregression import meta_regression
from core.pooling import MetaResult, pool_validated, require_meta_result, t_crit, z_crit
from core.vocab import Test

MIN_K_FOR_TESTS = 10
CONTOUR_LEVELS = (0.90, 0.95, 0.99)
SIDES = ("left", "right")


def _small_k_warning(k: int) -> str:
    if k >= MIN_K_FOR_TESTS:
        return ""
    return (f"Only {k} studies: tests for funnel-plot asymmetry need at least {MIN_K_FOR_TESTS} "
            "(Cochrane Handbook v6.4, section 13.3.5.4); interpret with great caution.")


# --------------------------------------------------------------------------------------
# Funnel plot data
# --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class FunnelData:
    """Everything a (contour-enhanced) funnel plot draws.

    ``yi``, ``sei``, ``labels``: the studies (k,).  ``estimate``: the vertical reference line.
    ``se_grid`` (n,): standard errors from 0 to ``max(sei)``; ``ci_low``/``ci_high`` (n,):
    the pseudo-confidence funnel ``estimate +/- z sei`` at ``level``.  ``contours`` maps each
    significance level in ``contour_levels`` (e.g. 0.95) to the half-width ``z sei`` of the
    region around 0 where a study is *not* significant at that level (Peters et al. 2008).
    """

    yi: np.ndarray
    sei: np.ndarray
    labels: tuple
    estimate: float
    level: float
    se_grid: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    contour_levels: tuple
    contours: dict
    warning: str

    def to_frame(self) -> pd.DataFrame:
        """One row per study: label, yi, sei, and whether it lies outside the pseudo-CI."""
        crit = z_crit(self.level)
        outside = np.abs(self.yi - self.estimate) > crit * self.sei
        return pd.DataFrame({"label": list(self.labels), "yi": self.yi, "sei": self.sei, "outside_funnel": outside})


def funnel_data(result: MetaResult, *, contour_levels=CONTOUR_LEVELS, n_grid: int = 100) -> FunnelData:
    """Funnel-plot coordinates with pseudo-confidence limits and significance contours.

    References
    ----------
    Sterne & Egger (2001) J Clin Epidemiol 54:1046-1055 (funnel plot, pseudo 95% limits);
    Peters et al. (2008) J Clin Epidemiol 61:991-996 (contour-enhanced funnel plot);
    metafor ``funnel.rma`` (``level``, ``refline = 0`` contours).
    """
    res = require_meta_result(result)
    levels = tuple(float(x) for x in contour_levels)
    for lv in levels:
        if not 0 < lv < 1:
            raise ValueError(f"`contour_levels` must each be in (0, 1); got {lv!r}")
    if isinstance(n_grid, bool) or not isinstance(n_grid, (int, np.integer)) or n_grid < 2:
        raise ValueError(f"`n_grid` must be an integer >= 2; got {n_grid!r}")
    sei = np.sqrt(res.vi)
    grid = np.linspace(0.0, float(sei.max()) * 1.05, int(n_grid))
    crit = z_crit(res.level)
    return FunnelData(yi=res.yi, sei=sei, labels=res.labels, estimate=res.estimate, level=res.level, se_grid=grid,
                      ci_low=res.estimate - crit * grid, ci_high=res.estimate + crit * grid,
                      contour_levels=levels, contours={lv: z_crit(lv) * grid for lv in levels},
                      warning=_small_k_warning(res.k))


# --------------------------------------------------------------------------------------
# Egger's regression test
# --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class EggerResult:
    """Egger's regression test for funnel-plot asymmetry.

    ``form`` is "classical" (Egger et al. 1997: OLS of ``y/se`` on ``1/se``; ``bias`` is the
    intercept, tested with t on k - 2 df) or "regtest" (metafor's default ``regtest``:
    meta-regression ``y ~ sei`` with the result's tau^2 method and test; ``bias`` is the
    ``sei`` coefficient).  ``limit_estimate`` is the effect predicted at se -> 0 (the
    classical slope, or the regtest intercept).
    """

    form: str
    k: int
    bias: float
    se: float
    statistic: float
    df: float
    pvalue: float
    limit_estimate: float
    limit_ci_low: float
    limit_ci_high: float
    method: str
    warning: str

    def summary(self) -> str:
        stat = "t" if np.isfinite(self.df) else "z"
        df = f", df = {self.df:g}" if np.isfinite(self.df) else ""
        return (f"Regression Test for Funnel Plot Asymmetry ({self.form})\n\n"
                f"test for funnel plot asymmetry: {stat} = {self.statistic:.4f}{df}, p = {self.pvalue:.4f}\n"
                f"Limit Estimate (as sei -> 0):   b = {self.limit_estimate:.4f} "
                f"(CI: {self.limit_ci_low:.4f}, {self.limit_ci_high:.4f})\n" + (f"\n{self.warning}\n" if self.warning else ""))


EGGER_FORMS = ("classical", "regtest")


# Residual sum of squares, relative to the response's, below which a regression fits exactly: residuals
# under 1e-12 of the response's size are rounding, not data.
EXACT_FIT = 1e-24


def egger_test(result: MetaResult, *, form: str = "classical") -> EggerResult:
    """Egger's regression test, in its classical form or metafor's ``regtest`` form.

    ``form="classical"``: OLS of ``z_i = y_i / se_i`` on ``1 / se_i``; the intercept is the
    bias, tested with t on k - 2 df (Egger et al. 1997).  Identical to metafor
    ``regtest(model="lm", predictor="sei")`` (weighted ``y ~ sei``).

    ``form="regtest"``: metafor's default, ``rma(yi, vi, mods = ~ sei, method = <the
    result's method>, test = <the result's test>)``; the ``sei`` coefficient is tested
    with z (or t on k - 2 df for HKSJ).  For a fixed-effect result the classical weights
    are used with a z test.

    Needs k >= 3.

    References
    ----------
    Egger, Davey Smith, Schneider & Minder (1997) BMJ 315:629-634, "Methods"; Sterne & Egger
    (2005) in Publication Bias in Meta-Analysis, ch. 6, eqs. 6.1-6.3; Viechtbauer (2010)
    metafor ``regtest``; Cochrane Handbook v6.4 section 13.3.5.4.
    """
    res = require_meta_result(result)
    if form not in EGGER_FORMS:
        raise ValueError(f"`form` must be one of {EGGER_FORMS}; got {form!r}")
    k = res.k
    if k < 3:
        raise ValueError(f"Egger's test needs k >= 3 studies; got k = {k}")
    sei = np.sqrt(res.vi)
    if np.ptp(sei) <= 1e-12 * float(np.max(sei)):
        # Every study has the same precision: the regression's two columns are collinear and
        # the intercept (the small-study effect) is not identifiable.
        raise ValueError("Egger's test needs studies of differing precision; all standard errors are equal")
    if form == "classical":
        X = np.column_stack([np.ones(k), 1.0 / sei])
        z = res.yi / sei
        coef, *_ = np.linalg.lstsq(X, z, rcond=None)
        resid = z - X @ coef
        if float(resid @ resid) <= EXACT_FIT * float(z @ z) and abs(coef[0]) <= 1e-9 * float(np.max(np.abs(z))):
            # z = b1/se exactly (identical effects): intercept and its SE are both rounding noise, so t
            # would be 0/0.  (An exact line with an intercept away from 0 keeps its huge t, as R's lm().)
            raise ValueError("Egger's test is not defined here: the effects fit its regression line exactly "
                             "(for example, identical effects), so there is no residual variation to test against")
        df = k - 2
        s2 = float(resid @ resid) / df
        cov = s2 * np.linalg.inv(X.T @ X)
        se = np.sqrt(np.diag(cov))
        stat = coef[0] / se[0]
        crit = t_crit(res.level, df)
        return EggerResult(form=form, k=k, bias=float(coef[0]), se=float(se[0]), statistic=float(stat), df=float(df),
                           pvalue=float(2 * special.stdtr(df, -abs(stat))), limit_estimate=float(coef[1]),
                           limit_ci_low=float(coef[1] - crit * se[1]), limit_ci_high=float(coef[1] + crit * se[1]),
                           method="OLS", warning=_small_k_warning(k))
    X = np.column_stack([np.ones(k), sei])
    m = meta_regression(res.yi, res.vi, X, method=res.method, test=res.test)
    crit = t_crit(res.level, m.df)          # df = inf (z test): the normal quantile
    return EggerResult(form=form, k=k, bias=float(m.beta[1]), se=float(m.se[1]), statistic=float(m.statistic[1]),
                       df=m.df, pvalue=float(m.pvalue[1]), limit_estimate=float(m.beta[0]),
                       limit_ci_low=float(m.beta[0] - crit * m.se[0]), limit_ci_high=float(m.beta[0] + crit * m.se[0]),
                       method=res.method, warning=_small_k_warning(k))


# --------------------------------------------------------------------------------------
# Begg's rank correlation test
# --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class BeggResult:
    """Begg and Mazumdar's rank correlation test: ``kendall_tau`` between the standardized
    effects and their variances, its ``pvalue`` and whether the ``exact`` null distribution
    was used."""

    k: int
    kendall_tau: float
    pvalue: float
    exact: bool
    warning: str

    @property
    def tau(self) -> float:
        """``kendall_tau`` under metafor ``ranktest``'s name for it (not the heterogeneity
        ``MetaResult.tau``, which is the square root of tau^2)."""
        return self.kendall_tau


def begg_test(result: MetaResult) -> BeggResult:
    """Begg's rank correlation test.

    ``y*_i = (y_i - mu_FE) / sqrt(v_i - 1/sum w)`` (w = 1/v) is correlated with ``v_i`` by
    Kendall's tau; the p-value is exact for k < 50 without ties (as metafor's ``ranktest``
    via R's ``cor.test(exact = TRUE)``), otherwise from the normal approximation with the
    tie-corrected tau-b variance.

    References
    ----------
    Begg & Mazumdar (1994) Biometrics 50:1088-1101, eqs. 1-2; metafor ``ranktest``.
    """
    res = require_meta_result(result)
    k = res.k
    if k < 3:
        raise ValueError(f"Begg's test needs k >= 3 studies; got k = {k}")
    w = 1.0 / res.vi
    mu = float(w @ res.yi / w.sum())
    vstar = res.vi - 1.0 / w.sum()
    ystar = (res.yi - mu) / np.sqrt(vstar)
    ties = np.unique(ystar).size < k or np.unique(res.vi).size < k
    exact = k < 50 and not ties
    out = stats.kendalltau(ystar, res.vi, method="exact" if exact else "asymptotic")
    return BeggResult(k=k, kendall_tau=float(out.statistic), pvalue=float(out.pvalue), exact=exact,
                      warning=_small_k_warning(k))


# --------------------------------------------------------------------------------------
# Trim and fill
# --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class TrimFillResult:
    """Trim-and-fill (L0 estimator).

    ``k0`` studies were imputed on ``side`` ("left" or "right"; ``side_chosen`` says how it
    was chosen), with SE ``k0_se``.  ``filled`` is the meta-analysis of the original plus
    the imputed studies (same method and test as the input); ``filled_yi``/``filled_vi``
    are the imputed studies alone.  ``iterations`` counts the trim steps.
    """

    k0: int
    k0_se: float
    side: str
    side_chosen: str
    estimator: str
    iterations: int
    original: MetaResult
    filled: MetaResult
    filled_yi: np.ndarray
    filled_vi: np.ndarray
    warning: str

    def to_frame(self) -> pd.DataFrame:
        """Every study of the filled analysis, flagged ``imputed`` for the added ones."""
        f = self.filled
        return pd.DataFrame({"label": list(f.labels), "yi": f.yi, "vi": f.vi,
                             "imputed": [i >= self.original.k for i in range(f.k)]})


def trim_and_fill(result: MetaResult, *, side: str | None = None, maxiter: int = 100) -> TrimFillResult:
    """Duval and Tweedie's trim-and-fill with the L0 estimator.

    Algorithm (metafor ``trimfill.rma.uni``): if ``side`` is None it is chosen from the sign of
    the ``sei`` slope of metafor's regression test (positive slope -> studies missing on the
    left).  Effects are mirrored if needed so that missing studies are on the left; then,
    iteratively, the k0 most extreme studies on the right are trimmed, the model is refitted
    to the rest, and ``L0 = (4 S_r - k(k+1)) / (2k - 1)`` is recomputed from the Wilcoxon
    signed-rank sum ``S_r`` of the deviations from that estimate, rounded and floored at 0,
    until k0 no longer changes.  The k0 trimmed studies are mirrored about the final
    trimmed estimate and added.

    References
    ----------
    Duval & Tweedie (2000) Biometrics 56:455-463, eqs. 4-5 (L0) and section 3; Duval &
    Tweedie (2000) JASA 95:89-98; Duval (2005) in Publication Bias in Meta-Analysis, ch. 8;
    metafor ``trimfill.rma.uni`` (side selection, SE of k0).
    """
    res = require_meta_result(result)
    if side is not None and side not in SIDES:
        raise ValueError(f"`side` must be one of {SIDES} or None; got {side!r}")
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) or maxiter < 1:
        raise ValueError(f"`maxiter` must be an integer >= 1; got {maxiter!r}")
    k = res.k
    if k < 3:
        raise ValueError(f"Trim-and-fill needs k >= 3 studies; got k = {k}")
    chosen = "given"
    if side is None:
        X = np.column_stack([np.ones(k), np.sqrt(res.vi)])
        slope = meta_regression(res.yi, res.vi, X, method=res.method).beta[1]
        side = "right" if slope < 0 else "left"
        chosen = "regression test (sign of the sei slope)"
    flip = -1.0 if side == "right" else 1.0
    yi = flip * res.yi
    order = np.argsort(yi, kind="stable")
    ys, vs = yi[order], res.vi[order]

    def fit(y, v):
        return pool_validated(y, v, tuple(f"s{i}" for i in range(y.size)), res.method, res.level, Test.Z.value, False, "norm")

    k0, k0_prev, it, se_k0 = 0, -1, 0, 0.0
    est = 0.0
    while k0 != k0_prev:
        k0_prev = k0
        it += 1
        if it > maxiter:   # ValueError so that pages show it as a message (as metafor stops)
            raise ValueError(f"trim-and-fill did not converge in {maxiter} iterations (last k0 = {k0})")
        est = fit(ys[: k - k0], vs[: k - k0]).estimate
        dev = ys - est
        ranks = stats.rankdata(np.abs(dev), method="ordinal")
        sr = float(np.sum(ranks[dev > 0]))
        l0 = (4 * sr - k * (k + 1)) / (2 * k - 1)
        var_sr = (k * (k + 1) * (2 * k + 1) + 10 * l0**3 + 27 * l0**2 + 17 * l0 - 18 * k * l0**2 - 18 * k * l0
                  + 6 * k**2 * l0) / 24
        se_k0 = max(0.0, 4 * np.sqrt(max(var_sr, 0.0)) / (2 * k - 1))
        k0 = max(0, int(np.round(l0)))   # R round(): half to even, as metafor
        k0 = min(k0, k - 1)
    if k0 > 0:
        fy = 2 * est - ys[k - k0:]
        fv = vs[k - k0:]
    else:
        fy, fv = np.empty(0), np.empty(0)
    fy = flip * fy
    labels = res.labels + tuple(f"Filled {i + 1}" for i in range(k0))
    filled = pool_validated(np.concatenate([res.yi, fy]), np.concatenate([res.vi, fv]), labels, res.method,
                            res.level, res.test, res.hksj_floor, res.pi_dist)
    return TrimFillResult(k0=k0, k0_se=float(se_k0), side=side, side_chosen=chosen, estimator="L0", iterations=it,
                          original=res, filled=filled, filled_yi=fy, filled_vi=fv, warning=_small_k_warning(k))
