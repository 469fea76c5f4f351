"""Heterogeneity: Cochran's Q, I^2 (both definitions), H^2, the between-study variance tau^2
and its Q-profile confidence interval.

Every function here is for the intercept-only (random-effects) model and runs in O(k).
Meta-regression versions (a model matrix X) live in :mod:`core.metaregression`.

tau^2 estimators (``TAU2_METHODS``: the codes of :mod:`core.vocab`), as metafor names them:

====== ==================================================================================
"FE"   fixed effect: tau^2 = 0 by assumption ("EE", equal effects, is an alias).
"DL"   DerSimonian-Laird method of moments (RevMan 5, meta's default before 8.0).
"HE"   Hedges (unweighted method of moments; metafor "HE").
"SJ"   Sidik-Jonkman (2005) estimator.
"PM"   Paule-Mandel: the generalised Q equals its expectation k - 1.
"EB"   empirical Bayes (metafor "EB"): its fixed point is the Paule-Mandel root, so it is PM.
"HS"   Hunter-Schmidt: ``(Q - k) / sum w`` (metafor "HS").
"ML"   maximum likelihood.
"REML" restricted maximum likelihood (metafor's default).
====== ==================================================================================

All are truncated at 0.  PM, ML and REML are solved by bracketing root-finding (Brent) to an
absolute tolerance below 1e-12 on tau^2, not stopped at metafor's 1e-5 step size.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special, stats

from core import vocab
from core.vocab import Tau2

# Absolute tolerance on tau^2 for the iterative estimators (PM, ML, REML) and the Q-profile
# bounds.  brentq's own relative term (4 * machine epsilon) is added to it.
TAU2_XTOL = 1e-13


# --------------------------------------------------------------------------------------
# Q, I^2, H^2
# --------------------------------------------------------------------------------------

def cochran_q(yi: np.ndarray, vi: np.ndarray) -> float:
    """Cochran's Q = sum w_i (y_i - y_FE)^2 with w_i = 1/v_i.

    Parameters
    ----------
    yi, vi : ndarray, shape (k,)

    References
    ----------
    Cochran (1954) Biometrics 10:101-129; RevMan 5 statistical methods (Deeks & Higgins
    2010), section 1.4.2.
    """
    if yi.size < 2:
        return 0.0                      # df = 0: Q is 0 by definition (not a rounding residue)
    w = 1.0 / vi
    mu = np.sum(w * yi) / np.sum(w)
    return float(np.sum(w * (yi - mu) ** 2))


def q_pvalue(q: float, df: int) -> float:
    """P value of Cochran's Q on ``df`` degrees of freedom; 1 when df = 0 (k = 1), as metafor's
    ``QEp`` (there is no heterogeneity to detect)."""
    return float(special.chdtrc(df, q)) if df > 0 else 1.0


def generalized_q(yi: np.ndarray, vi: np.ndarray, tau2: float) -> float:
    """Generalised Q: ``sum (y_i - mu(tau2))^2 / (v_i + tau2)``, with mu the RE estimate.

    Decreasing in tau2; equals Cochran's Q at tau2 = 0.

    References
    ----------
    DerSimonian & Kacker (2007) Contemp Clin Trials 28:105-114, eq. 6; Viechtbauer (2007)
    Stat Med 26:37-52, eq. 6 (the Q-profile pivot).
    """
    w = 1.0 / (vi + tau2)
    mu = np.sum(w * yi) / np.sum(w)
    return float(np.sum(w * (yi - mu) ** 2))


def i2_from_q(q: float, df: int) -> float:
    """I^2 in percent, Q-based as in RevMan 5 and R meta: ``max(0, (Q - df)/Q) * 100``.

    df = 0 (k = 1) gives exactly 0 whatever ``q`` is: Q is 0 by definition there, and the
    rounding residue of a one-study fit (Q ~ 1e-31) must not read as (Q - 0)/Q = 100 %.
    df < 0 gives NaN.

    References
    ----------
    Higgins & Thompson (2002) Stat Med 21:1539-1558, eq. 10; RevMan 5 statistical methods,
    section 1.4.2.
    """
    if df < 0:
        return float("nan")
    if df == 0 or q <= df:
        return 0.0
    return float((q - df) / q * 100.0)


def h2_from_q(q: float, df: int) -> float:
    """H^2 = Q/df, floored at 1 (Higgins & Thompson 2002, eq. 5); 1 when df = 0."""
    if df <= 0:
        return 1.0
    return float(max(q / df, 1.0)) if q > 0 else 1.0


def typical_within_variance(vi: np.ndarray) -> float:
    """The "typical" within-study variance ``s^2 = (k-1) sum w / ((sum w)^2 - sum w^2)``.

    Used by the tau^2-based I^2 and H^2.  NaN when k < 2.

    References
    ----------
    Higgins & Thompson (2002) Stat Med 21:1539-1558, eq. 9; metafor ``rma.uni`` (vi.avg).
    """
    k = vi.size
    if k < 2:
        return float("nan")
    w = 1.0 / vi
    sw = np.sum(w)
    return float((k - 1) * sw / (sw**2 - np.sum(w**2)))


def i2_from_tau2(tau2: float, vi: np.ndarray) -> float:
    """I^2 in percent, tau^2-based as metafor and RevMan Web print: ``100 tau2 / (tau2 + s^2)``.

    ``s^2`` is :func:`typical_within_variance`.  With the DerSimonian-Laird tau^2 (k >= 2,
    Q > df) it equals the Q-based :func:`i2_from_q` exactly.  0 when k = 1.

    References
    ----------
    Higgins & Thompson (2002) Stat Med 21:1539-1558, eq. 9; Viechtbauer (2010) J Stat Softw
    36(3), section 3.3.
    """
    s2 = typical_within_variance(vi)
    if not np.isfinite(s2) or tau2 <= 0:
        return 0.0
    return float(100.0 * tau2 / (tau2 + s2))


def h2_from_tau2(tau2: float, vi: np.ndarray) -> float:
    """H^2 tau^2-based: ``(tau2 + s^2) / s^2`` (metafor); 1 when k = 1."""
    s2 = typical_within_variance(vi)
    if not np.isfinite(s2):
        return 1.0
    return float((tau2 + s2) / s2)


# --------------------------------------------------------------------------------------
# tau^2 estimators (intercept-only model)
# --------------------------------------------------------------------------------------

def tau2_dersimonian_laird(yi: np.ndarray, vi: np.ndarray) -> float:
    """DerSimonian-Laird moment estimator, truncated at zero.

    ``tau2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w))``.

    References
    ----------
    DerSimonian & Laird (1986) Control Clin Trials 7:177-188, eq. on p. 184; RevMan 5
    statistical methods, section 1.4.3.  statsmodels 0.15.0 ``combine_effects`` omits the
    truncation.
    """
    k = yi.size
    if k < 2:
        return 0.0
    w = 1.0 / vi
    sw = np.sum(w)
    mu = np.sum(w * yi) / sw
    q = np.sum(w * (yi - mu) ** 2)
    c = sw - np.sum(w**2) / sw
    return float(max(0.0, (q - (k - 1)) / c))


def tau2_hedges(yi: np.ndarray, vi: np.ndarray) -> float:
    """Hedges' unweighted moment estimator (metafor "HE"), truncated at zero.

    ``tau2 = max(0, sum (y_i - ybar)^2 / (k - 1) - mean(v_i))`` with ybar the unweighted mean.

    References
    ----------
    Hedges (1983) Psychol Bull 93:388-395; Viechtbauer (2005) J Educ Behav Stat 30:261-293,
    eq. 5 ("HE").
    """
    k = yi.size
    if k < 2:
        return 0.0
    return float(max(0.0, np.var(yi, ddof=1) - np.mean(vi)))


def tau2_sidik_jonkman(yi: np.ndarray, vi: np.ndarray) -> float:
    """Sidik-Jonkman estimator.

    Start from ``tau0 = sum (y_i - ybar)^2 / k`` (unweighted); then
    ``tau2 = tau0 * sum (y_i - mu)^2 / (v_i + tau0) / (k - 1)`` with mu weighted by
    ``1 / (v_i + tau0)``.  Non-negative by construction; 0 if all y_i are equal.

    References
    ----------
    Sidik & Jonkman (2005) J Biopharm Stat 15:823-838, eqs. 5-6; metafor ``rma.uni``
    method "SJ".
    """
    k = yi.size
    if k < 2:
        return 0.0
    tau0 = float(np.mean((yi - np.mean(yi)) ** 2))
    if tau0 <= 0:
        return 0.0
    return float(tau0 * generalized_q(yi, vi, tau0) / (k - 1))


def _upper_bracket(fun, start: float) -> float:
    """Double ``hi`` from ``start`` until ``fun(hi) < 0`` (fun decreasing past its root)."""
    hi = max(start, 1e-8)
    for _ in range(200):
        if fun(hi) < 0:
            return hi
        hi *= 2.0
    raise RuntimeError("could not bracket the tau^2 root")  # pragma: no cover - needs fun > 0 on [0, 1e52]


def _solve_decreasing(fun, start: float) -> float:
    """Root of a function that is > 0 at 0 and eventually < 0; 0 if fun(0) <= 0."""
    if fun(0.0) <= 0:
        return 0.0
    hi = _upper_bracket(fun, start)
    return float(optimize.brentq(fun, 0.0, hi, xtol=TAU2_XTOL, rtol=4 * np.finfo(float).eps, maxiter=500))


def tau2_paule_mandel(yi: np.ndarray, vi: np.ndarray) -> float:
    """Paule-Mandel estimator: the tau2 >= 0 where the generalised Q equals k - 1.

    Solved with Brent's method to |error| < 1e-12; 0 when Q (at tau2 = 0) <= k - 1.

    References
    ----------
    Paule & Mandel (1982) J Res Natl Bur Stand 87:377-385; DerSimonian & Kacker (2007)
    Contemp Clin Trials 28:105-114, section 2.3; Veroniki et al. (2016) Res Synth Methods
    7:55-79, Appendix.
    """
    k = yi.size
    if k < 2:
        return 0.0
    return _solve_decreasing(lambda t: generalized_q(yi, vi, t) - (k - 1), float(np.var(yi)) + np.mean(vi))


def _ml_score(yi, vi, tau2: float, reml: bool) -> float:
    w = 1.0 / (vi + tau2)
    sw = np.sum(w)
    mu = np.sum(w * yi) / sw
    score = np.sum(w**2 * (yi - mu) ** 2) - sw
    if reml:
        score += np.sum(w**2) / sw
    return float(score)


def tau2_ml(yi: np.ndarray, vi: np.ndarray) -> float:
    """Maximum-likelihood tau^2: root of the profile score, truncated at 0.

    Score ``sum w_i^2 (y_i - mu)^2 - sum w_i`` with ``w_i = 1 / (v_i + tau2)``.

    References
    ----------
    Hardy & Thompson (1996) Stat Med 15:619-629, eq. 4; Viechtbauer (2005) J Educ Behav
    Stat 30:261-293, eq. 11.
    """
    if yi.size < 2:
        return 0.0
    return _solve_decreasing(lambda t: _ml_score(yi, vi, t, False), float(np.var(yi)) + np.mean(vi))


def tau2_reml(yi: np.ndarray, vi: np.ndarray) -> float:
    """Restricted maximum-likelihood tau^2: root of the REML score, truncated at 0.

    Score ``sum w_i^2 (y_i - mu)^2 - sum w_i + sum w_i^2 / sum w_i``.

    References
    ----------
    Viechtbauer (2005) J Educ Behav Stat 30:261-293, eq. 12; Raudenbush (2009) in Cooper,
    Hedges & Valentine (eds) Handbook of Research Synthesis, 2nd ed., ch. 16, p. 303.
    """
    if yi.size < 2:
        return 0.0
    return _solve_decreasing(lambda t: _ml_score(yi, vi, t, True), float(np.var(yi)) + np.mean(vi))


def tau2_hunter_schmidt(yi: np.ndarray, vi: np.ndarray) -> float:
    """Hunter-Schmidt estimator, truncated at zero: ``max(0, (Q - k) / sum w)`` with w = 1/v
    (Hunter & Schmidt 2004, Methods of Meta-Analysis, 2nd ed.; metafor ``rma.uni`` "HS")."""
    if yi.size < 2:
        return 0.0
    return float(max(0.0, (cochran_q(yi, vi) - yi.size) / np.sum(1.0 / vi)))


def tau2_fixed_effect(yi: np.ndarray, vi: np.ndarray) -> float:
    """The fixed-effect (common-effect) model: tau^2 = 0 by assumption."""
    return 0.0


# Every estimator of the registry (core.vocab.ESTIMATORS), in the order of the table above.
_ESTIMATORS = {
    Tau2.FE: tau2_fixed_effect,
    Tau2.DL: tau2_dersimonian_laird,
    Tau2.HE: tau2_hedges,
    Tau2.SJ: tau2_sidik_jonkman,
    Tau2.PM: tau2_paule_mandel,
    Tau2.ML: tau2_ml,
    Tau2.REML: tau2_reml,
    Tau2.HS: tau2_hunter_schmidt,
    # Empirical Bayes (Morris 1983): metafor's scoring step (Q(tau2) k/(k-1) - k) / sum w is 0
    # exactly where the generalised Q equals k - 1, the Paule-Mandel root (Viechtbauer 2005, p. 267).
    Tau2.EB: tau2_paule_mandel,
}
TAU2_METHODS: tuple[str, ...] = tuple(map(str, _ESTIMATORS))


def estimate_tau2(yi: np.ndarray, vi: np.ndarray, method: str) -> float:
    """Dispatch to the tau^2 estimator named ``method`` (one of ``TAU2_METHODS``; "EE" = "FE")."""
    method = vocab.ESTIMATOR_ALIASES.get(method, method)
    if method not in _ESTIMATORS:
        raise ValueError(f"`method` must be one of {TAU2_METHODS} (or 'EE'); got {method!r}")
    return _ESTIMATORS[method](yi, vi)


# --------------------------------------------------------------------------------------
# Q-profile confidence interval for tau^2, I^2 and H^2
# --------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Tau2ConfidenceInterval:
    """Q-profile confidence interval for tau^2 and the quantities derived from it.

    ``tau2_*`` and ``tau_*`` are on the effect scale (squared / not); ``i2_*`` (percent,
    tau^2-based) and ``h2_*`` map the tau^2 bounds through :func:`i2_from_tau2` and
    :func:`h2_from_tau2`, as metafor's ``confint.rma.uni`` does.  ``lower_truncated`` /
    ``upper_truncated`` say a bound was set to 0 because the Q-profile equation had no
    positive root.
    """

    level: float
    tau2: float
    tau2_low: float
    tau2_high: float
    i2: float
    i2_low: float
    i2_high: float
    h2: float
    h2_low: float
    h2_high: float
    lower_truncated: bool
    upper_truncated: bool
    method: str = "Q-profile"

    tau = property(lambda self: float(np.sqrt(self.tau2)), doc="Square root of ``tau2``.")
    tau_low = property(lambda self: float(np.sqrt(self.tau2_low)), doc="Square root of ``tau2_low``.")
    tau_high = property(lambda self: float(np.sqrt(self.tau2_high)), doc="Square root of ``tau2_high``.")


def q_profile_interval(yi: np.ndarray, vi: np.ndarray, tau2: float, *, level: float = 0.95) -> Tau2ConfidenceInterval:
    """Q-profile confidence interval for tau^2 (and I^2, H^2).

    The bounds solve ``Q_gen(tau2) = chi2_{k-1}`` quantiles: the lower bound uses the
    ``(1 + level)/2`` quantile and the upper bound the ``(1 - level)/2`` quantile.  A bound
    whose equation has no root in tau2 >= 0 is set to 0 (Viechtbauer 2007, p. 41).  Needs
    k >= 2; with k = 1 every bound is NaN.

    Parameters
    ----------
    yi, vi : ndarray, shape (k,)
    tau2 : float
        The point estimate (from any estimator) reported alongside the interval.
    level : float
        Confidence level in (0, 1).

    References
    ----------
    Viechtbauer (2007) Stat Med 26:37-52, section 3.4 "Q-profile method"; metafor
    ``confint.rma.uni`` (type "QP").
    """
    if not 0 < level < 1:
        raise ValueError(f"`level` must be in (0, 1); got {level!r}")
    k = yi.size
    nan = float("nan")
    if k < 2:
        return Tau2ConfidenceInterval(level, tau2, nan, nan, 0.0, nan, nan, 1.0, nan, nan, False, False)
    df = k - 1
    crit_lo = float(stats.chi2.isf((1 - level) / 2, df))   # large quantile -> lower bound
    crit_hi = float(stats.chi2.ppf((1 - level) / 2, df))   # small quantile -> upper bound
    start = float(np.var(yi)) + float(np.mean(vi))
    low = _solve_decreasing(lambda t: generalized_q(yi, vi, t) - crit_lo, start)
    high = _solve_decreasing(lambda t: generalized_q(yi, vi, t) - crit_hi, start)
    return Tau2ConfidenceInterval(
        level=level, tau2=float(tau2), tau2_low=low, tau2_high=high,
        i2=i2_from_tau2(tau2, vi), i2_low=i2_from_tau2(low, vi), i2_high=i2_from_tau2(high, vi),
        h2=h2_from_tau2(tau2, vi), h2_low=h2_from_tau2(low, vi), h2_high=h2_from_tau2(high, vi),
        lower_truncated=low == 0.0, upper_truncated=high == 0.0)
