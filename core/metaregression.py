"""Weighted meta-regression (mixed-effects model) with a residual tau^2.

Used by the mixed-effects subgroup analysis (one common tau^2, metafor ``mods = ~ group``)
and by metafor's form of Egger's test (``regtest``: ``mods = ~ sei``).  k is small in both,
so the k x k matrices of the textbook formulas are used directly.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from core import permutation, vocab
from core.errors import InsufficientStudiesError
from core.heterogeneity import TAU2_METHODS, TAU2_XTOL
from core.vocab import Tau2, Test


@dataclass(frozen=True, slots=True)
class MetaRegressionResult:
    """Mixed-effects meta-regression ``y = X beta + u + e``, ``u ~ N(0, tau2)``.

    Arrays: ``yi``, ``vi`` (k,), ``X`` (k, p), ``beta``, ``se``, ``statistic``, ``pvalue``
    (p,), ``vcov`` (p, p).  ``test`` is "z" or "hksj" (t with ``df = k - p``, and the
    moderator test an F on (m, k - p) df).  ``qe``/``qe_df``/``qe_pvalue``: test for residual
    heterogeneity (weights 1/vi).  ``qm``/``qm_df``/``qm_pvalue``: omnibus test of all
    coefficients except the intercept (chi-square, or F for knha).
    """

    yi: np.ndarray
    vi: np.ndarray
    X: np.ndarray
    method: str
    test: str
    tau2: float
    beta: np.ndarray
    se: np.ndarray
    vcov: np.ndarray
    statistic: np.ndarray
    pvalue: np.ndarray
    df: float
    qe: float
    qe_df: int
    qe_pvalue: float
    qm: float
    qm_df: int
    qm_pvalue: float


def _p_matrix(X, vi, tau2):
    w = 1.0 / (vi + tau2)
    wx = X * w[:, None]
    xtwx_inv = np.linalg.inv(X.T @ wx)
    return np.diag(w) - wx @ xtwx_inv @ wx.T, xtwx_inv, w


def _solve(fun, start):
    if fun(0.0) <= 0:
        return 0.0
    hi = max(start, 1e-8)
    for _ in range(200):
        if fun(hi) <= 0:
            break
        hi *= 2.0
    else:  # pragma: no cover - every score here is negative for large tau^2
        raise RuntimeError("could not bracket the tau^2 root")
    return float(optimize.brentq(fun, 0.0, hi, xtol=TAU2_XTOL, rtol=4 * np.finfo(float).eps, maxiter=500))


def _ols_fit(yi, X):
    """Hat matrix and residual sum of squares of the unweighted (OLS) fit, used by HE."""
    H = X @ np.linalg.pinv(X.T @ X) @ X.T
    resid = yi - H @ yi
    return H, float(resid @ resid)


def _tau2_dl(yi, vi, X, start):
    k, p = X.shape
    P, _, _ = _p_matrix(X, vi, 0.0)
    return float(max(0.0, (yi @ P @ yi - (k - p)) / np.trace(P)))


def _tau2_he(yi, vi, X, start):
    k, p = X.shape
    H, rss = _ols_fit(yi, X)
    return float(max(0.0, (rss - np.trace((np.eye(k) - H) * vi[None, :])) / (k - p)))


def _tau2_sj(yi, vi, X, start):
    # The initial estimate is the variance of the effects themselves, sum (y - mean y)^2 / k, whatever the
    # moderators (metafor 3.8-1, rma.uni: tau2.0 <- var(ymci) * (k - 1) / k), not the OLS residuals'.
    k, p = X.shape
    tau0 = float(np.var(yi))
    if tau0 <= 0:
        return 0.0
    P, _, _ = _p_matrix(X, vi, tau0)
    return float(tau0 * (yi @ P @ yi) / (k - p))


def _tau2_hs(yi, vi, X, start):
    P, _, w = _p_matrix(X, vi, 0.0)
    return float(max(0.0, (yi @ P @ yi - X.shape[0]) / w.sum()))


def _tau2_pm(yi, vi, X, start):
    k, p = X.shape
    return _solve(lambda t: float(yi @ _p_matrix(X, vi, t)[0] @ yi) - (k - p), start)


def _likelihood_score(yi, vi, X, reml: bool):
    def score(t):
        P, _, w = _p_matrix(X, vi, t)
        py = P @ yi
        return float(py @ py) - (float(np.trace(P)) if reml else float(w.sum()))
    return score


# metafor's control$tol: a likelihood at tau^2 = 0 this much higher than at the root sends tau^2 to 0.
LL0_TOLERANCE = float(np.finfo(float).eps ** 0.25)


def _log_likelihood(yi, vi, X, t, reml: bool) -> float:
    """The (restricted) log-likelihood at tau^2 = t, up to a constant."""
    P, xtwx_inv, _ = _p_matrix(X, vi, t)
    ll = -0.5 * (float(np.sum(np.log(vi + t))) + float(yi @ P @ yi))
    return ll + 0.5 * float(np.linalg.slogdet(xtwx_inv)[1]) if reml else ll   # -1/2 log det(X'WX)


def _likelihood_root(yi, vi, X, reml: bool) -> float:
    """The ML / REML tau^2 that metafor's Fisher scoring reaches: the root of the score next to its
    start, the Hedges estimate (uphill from it), then 0 when the likelihood at 0 is higher (its
    'll0check').  A likelihood with a local maximum at 0 and a higher one inside (seen in permutation
    tests) thus gives the inside one, as metafor does, not 0."""
    score = _likelihood_score(yi, vi, X, reml)
    start = _tau2_he(yi, vi, X, 0.0)
    at_start = score(start)
    if at_start > 0:
        lo, hi = start, max(2.0 * start, 1e-8)
        for _ in range(200):
            if score(hi) <= 0:
                break
            lo, hi = hi, hi * 2.0
        else:  # pragma: no cover - every score here is negative for large tau^2
            raise RuntimeError("could not bracket the tau^2 root")
        tau2 = float(optimize.brentq(score, lo, hi, xtol=TAU2_XTOL, rtol=4 * np.finfo(float).eps, maxiter=500))
    elif at_start < 0 and score(0.0) > 0:
        tau2 = float(optimize.brentq(score, 0.0, start, xtol=TAU2_XTOL, rtol=4 * np.finfo(float).eps, maxiter=500))
    else:
        tau2 = start if at_start == 0 else 0.0
    if tau2 > 0 and _log_likelihood(yi, vi, X, 0.0, reml) - _log_likelihood(yi, vi, X, tau2, reml) > LL0_TOLERANCE:
        return 0.0
    return tau2


# The residual tau^2 of each estimator of the registry (core.vocab.ESTIMATORS); FE is 0.
_RESIDUAL_ESTIMATORS = {
    Tau2.DL: _tau2_dl,
    Tau2.HE: _tau2_he,
    Tau2.SJ: _tau2_sj,
    Tau2.PM: _tau2_pm,
    Tau2.ML: lambda yi, vi, X, start: _likelihood_root(yi, vi, X, reml=False),
    Tau2.REML: lambda yi, vi, X, start: _likelihood_root(yi, vi, X, reml=True),
    Tau2.HS: _tau2_hs,
    Tau2.EB: _tau2_pm,          # empirical Bayes: metafor's EB step is 0 at y' P y = k - p, the PM root
}


def residual_tau2(yi: np.ndarray, vi: np.ndarray, X: np.ndarray, method: str) -> float:
    """Residual tau^2 of a meta-regression by ``method`` (one of ``TAU2_METHODS``), >= 0.

    - DL: ``(Q_E - (k - p)) / tr(P_0)``; HE: ``(RSS_ols - tr((I - H) V)) / (k - p)``;
    - SJ: ``tau0 * y' P(tau0) y / (k - p)`` from ``tau0 = sum (y - ybar)^2 / k`` (metafor's start, moderators or not);
    - PM (and EB): ``y' P y = k - p``; ML: ``y' P P y = tr(W)``; REML: ``y' P P y = tr(P)`` (the root
      metafor's Fisher scoring reaches from the HE estimate; see ``_likelihood_root``);
    - HS: ``(Q_E - k) / sum w`` with w = 1/v.

    References
    ----------
    Viechtbauer (2010) J Stat Softw 36(3), section 3.2 and appendix; Raudenbush (2009) in
    Handbook of Research Synthesis, 2nd ed., ch. 16, eqs. 16.16-16.22; Sidik & Jonkman (2005)
    J Biopharm Stat 15:823-838; Paule & Mandel (1982); Viechtbauer et al. (2015) Res Synth
    Methods 6:322-332 (general PM/DL forms).
    """
    k, p = X.shape
    method = vocab.ESTIMATOR_ALIASES.get(method, method)
    if method == Tau2.FE or k - p < 1:
        return 0.0
    if method not in _RESIDUAL_ESTIMATORS:
        raise ValueError(f"`method` must be one of {TAU2_METHODS}; got {method!r}")
    return _RESIDUAL_ESTIMATORS[method](yi, vi, X, float(np.var(yi)) + float(np.mean(vi)))


def meta_regression(yi, vi, X, *, method: str = Tau2.REML, test: str = Test.Z) -> MetaRegressionResult:
    """Fit a mixed-effects meta-regression by weighted least squares.

    Parameters
    ----------
    yi, vi : array_like, shape (k,)
    X : array_like, shape (k, p)
        Model matrix; the first column is the intercept.  Must have full column rank.
    method : str
        tau^2 estimator (``core.heterogeneity.TAU2_METHODS``); "FE" fits a fixed-effects
        meta-regression.
    test : {"z", "hksj"}
        "hksj" (metafor's "knha", also accepted): Knapp-Hartung adjustment, ``vcov * y' P y / (k - p)``
        and t / F tests.

    References
    ----------
    Viechtbauer (2010) J Stat Softw 36(3), section 3.2; Knapp & Hartung (2003) Stat Med
    22:2693-2710, eqs. 5-8.
    """
    yi = np.asarray(yi, float)
    vi = np.asarray(vi, float)
    X = np.asarray(X, float)
    if X.ndim != 2 or X.shape[0] != yi.size:
        raise ValueError(f"Number of rows in the model matrix ({X.shape[0] if X.ndim == 2 else X.shape}) "
                         f"does not match the length of the outcome vector ({yi.size}).")
    k, p = X.shape
    if k == 0:
        raise InsufficientStudiesError(0)
    if np.linalg.matrix_rank(X) < p:
        raise ValueError(f"`X` must have full column rank ({p}); got rank {np.linalg.matrix_rank(X)}")
    test = str(vocab.TEST_ALIASES.get(test, test))
    if test not in vocab.TESTS:
        raise ValueError(f"`test` must be one of {vocab.TESTS}; got {test!r}")
    method = vocab.ESTIMATOR_ALIASES.get(method, method)
    if method not in TAU2_METHODS:
        raise ValueError(f"`method` must be one of {TAU2_METHODS}; got {method!r}")
    method = str(method)
    tau2 = residual_tau2(yi, vi, X, method)
    P, vcov, w = _p_matrix(X, vi, tau2)
    beta = vcov @ (X.T @ (w * yi))
    P0, _, _ = _p_matrix(X, vi, 0.0)
    qe_df = k - p
    qe = float(yi @ P0 @ yi) if qe_df > 0 else 0.0          # no residual df: QE = 0 exactly
    df = float("inf")
    if test == Test.HKSJ and k > p:
        vcov = vcov * float(yi @ P @ yi) / (k - p)
        df = float(k - p)
    se = np.sqrt(np.diag(vcov))
    with np.errstate(divide="ignore", invalid="ignore"):    # se = 0 (knha, no residual spread): +-Inf, as metafor
        stat = beta / se
    if np.isinf(df):
        pval = 2 * special.ndtr(-np.abs(stat))
    else:
        pval = 2 * special.stdtr(df, -np.abs(stat))
    m = p - 1
    if m > 0:
        b = beta[1:]
        try:
            qm = float(b @ np.linalg.solve(vcov[1:, 1:], b))
        except np.linalg.LinAlgError:   # a zero knha vcov: metafor's QM is NA
            qm = float("nan")
        if np.isnan(qm):
            qm_p = float("nan")
        elif np.isinf(df):
            qm_p = float(special.chdtrc(m, qm))
        else:
            qm = qm / m
            qm_p = float(special.fdtrc(m, df, qm))
    else:
        qm, qm_p = float("nan"), float("nan")
    return MetaRegressionResult(yi=yi, vi=vi, X=X, method=method, test=test, tau2=tau2, beta=beta, se=se,
                                vcov=vcov, statistic=stat, pvalue=pval, df=df, qe=qe, qe_df=qe_df,
                                qe_pvalue=float(special.chdtrc(qe_df, qe)) if qe_df > 0 else 1.0,
                                qm=qm, qm_df=m, qm_pvalue=qm_p)


def _permutation_statistics(yi, vi, X, method: str, test: str, flip: bool) -> tuple[np.ndarray, float]:
    """The coefficients' z (or t) and QM of one refit (intercept only: QM tests the intercept, z^2 or
    t^2); NaN when the refit fails, which metafor's permutest leaves out."""
    try:
        fit = meta_regression(yi, vi, X, method=method, test=test)
    except (ValueError, RuntimeError, np.linalg.LinAlgError):
        return np.full(X.shape[1], np.nan), float("nan")
    return fit.statistic, float(fit.statistic[0] ** 2) if flip else fit.qm


def permutation_test(yi, vi, X, *, method: str = Tau2.REML, test: str = Test.Z, exact: bool = False,
                     iterations: int = 1000, seed: int = 1) -> permutation.PermutationResult:
    """Permutation p-values of a meta-regression, as metafor's ``permutest`` computes them.

    ``.pvalues``: one per coefficient (``permutest(res)$pval``); ``.qm_pvalue``: the omnibus test
    (``$QMp``; intercept only: the test of the intercept).  Exact (every distinct permutation of the
    rows of ``X``; 2^k sign flips of ``yi`` for an intercept-only ``X``) when ``exact`` or when there
    are at most ``iterations`` distinct ones, as metafor decides; else ``iterations`` random
    permutations, the first being the observed order (numpy's generator seeded with ``seed``).
    ``method`` and ``test`` as :func:`meta_regression`; the intercept must be the first column.

    Raises ``ValueError`` for bad arguments or an exact test over more than
    ``core.permutation.MAX_EXACT_PERMUTATIONS`` permutations.

    References
    ----------
    Higgins & Thompson (2004) Stat Med 23:1663-1682; Viechtbauer et al. (2015) Res Synth Methods
    6:322-332; metafor 3.8-1 ``permutest.rma.uni`` (its scheme: see :mod:`core.permutation`).
    """
    if not isinstance(iterations, (int, np.integer)) or isinstance(iterations, bool) or iterations < 2:
        raise ValueError(f"`iterations` must be a whole number >= 2; got {iterations!r}")
    fit = meta_regression(yi, vi, X, method=method, test=test)
    flip = permutation.intercept_only(fit.X)
    if fit.X.shape[1] > 1 and not np.all(fit.X[:, 0] == 1.0):
        raise ValueError("`X` must have the intercept (a column of ones) first")
    distinct = permutation.distinct_permutations(fit.X)
    exact = bool(exact) or distinct <= iterations
    if exact and distinct > permutation.MAX_EXACT_PERMUTATIONS:
        raise ValueError(f"an exact test needs {distinct:,} refits (more than {permutation.MAX_EXACT_PERMUTATIONS:,});"
                         " use exact=False with a number of iterations")
    z_obs, qm_obs = (fit.statistic, float(fit.statistic[0] ** 2)) if flip else (fit.statistic, fit.qm)
    stats = [_permutation_statistics(y, fit.vi, design, fit.method, test, flip)
             for y, design in permutation.draws(fit.yi, fit.X, exact=exact, iterations=int(iterations), seed=seed)]
    pvalues = permutation.share_as_extreme(z_obs, [s[0] for s in stats])
    qm_p = float(permutation.share_as_extreme(qm_obs, [s[1] for s in stats])[0]) if np.isfinite(qm_obs) \
        else float("nan")
    return permutation.PermutationResult(pvalues=pvalues, qm_pvalue=qm_p, exact=exact, iterations=len(stats),
                                         distinct=distinct, seed=None if exact else seed, model=fit)


def pseudo_r2(yi, vi, X, *, method: str = Tau2.REML) -> float:
    """metafor's R^2 of a meta-regression, in percent: ``max(0, 100 (tau2_0 - tau2) / tau2_0)`` with
    tau2_0 from the intercept-only model by the same estimator (0 when tau2_0 = 0); for the fixed-effect
    model the adjusted R^2 of the weighted least-squares fit (weights 1/vi).  NaN for intercept only.

    References
    ----------
    Raudenbush (2009) in Handbook of Research Synthesis, 2nd ed., eq. 16.23; López-López et al.
    (2014) Br J Math Stat Psychol 67:30-48; metafor 3.8-1 ``rma.uni`` (r2def "1").
    """
    yi, vi, X = np.asarray(yi, float), np.asarray(vi, float), np.asarray(X, float)
    k, p = X.shape
    if p < 2:
        return float("nan")
    method = vocab.ESTIMATOR_ALIASES.get(method, method)
    if method == Tau2.FE:
        if np.var(yi) == 0:
            return 0.0
        w = 1.0 / vi
        fitted = X @ np.linalg.solve(X.T @ (X * w[:, None]), X.T @ (w * yi))
        mean = float(w @ yi) / float(w.sum())
        r2 = 1.0 - float(w @ (yi - fitted) ** 2) / float(w @ (yi - mean) ** 2)
        return max(0.0, 100.0 * (1.0 - (1.0 - r2) * (k - 1) / (k - p)))
    tau2_0 = residual_tau2(yi, vi, np.ones((k, 1)), method)
    if tau2_0 == 0:
        return 0.0
    return max(0.0, 100.0 * (tau2_0 - residual_tau2(yi, vi, X, method)) / tau2_0)
