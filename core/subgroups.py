"""Subgroup analyses and the test for subgroup differences.

Two models, named as such:

- :func:`subgroup_analysis`: a separate tau^2 in each subgroup, then a fixed-effect test
  across the subgroup estimates (RevMan 5, R meta ``subgroup =``).
- :func:`subgroup_analysis_common_tau2`: a mixed-effects model with one tau^2 shared by all
  subgroups (metafor ``rma(yi, vi, mods = ~ group)``); the test for subgroup differences is
  the omnibus moderator test QM.
"""
from __future__ import annotations

from dataclasses import dataclass

import math

import numpy as np
import pandas as pd
from scipy import special

from core import heterogeneity as het
from core.errors import InsufficientStudiesError
from core.metaregression import MetaRegressionResult, meta_regression
from core.pooling import MetaResult, meta_analysis, pool_validated, resolve_method, t_crit
from core.vocab import Tau2, Test


@dataclass(frozen=True, slots=True)
class SubgroupResult:
    """Pooled result per subgroup, the overall result and the test for subgroup differences.

    ``subgroups`` maps each group label (in first-seen order) to its :class:`MetaResult`.
    ``q_between`` is Chi^2 on ``df_between = G - 1`` degrees of freedom, ``p_between`` its
    P value and ``i2_between`` its I^2 (percent).  With a single subgroup the test is
    undefined: ``q_between = 0``, ``df_between = 0``, ``p_between = NaN``.  When a subgroup's
    standard error is 0 (HKSJ over identical effects) it is not computed either:
    ``q_between``, ``p_between`` and ``i2_between`` are NaN, ``df_between = G - 1``.
    """

    subgroups: dict
    overall: MetaResult
    groups: tuple
    q_between: float
    df_between: int
    p_between: float
    i2_between: float


def subgroup_analysis(yi, vi, groups, *, method: str = Tau2.FE, level: float = 0.95,
                      labels=None, test: str = Test.Z, hksj_floor: bool = False) -> SubgroupResult:
    """Pool within each subgroup (own tau^2 each) and test whether subgroups differ.

    The test treats the G subgroup estimates as a fixed-effect meta-analysis:
    ``Q_between = sum_j (theta_j - theta_bar)^2 / se_j^2`` on G - 1 df, which is what RevMan 5
    prints as "Test for subgroup differences" for both fixed- and random-effects models.
    The overall estimate pools all studies together, ignoring subgroups (RevMan's "Total").
    ``method``, ``level``, ``test`` and ``hksj_floor`` are passed to
    :func:`core.pooling.meta_analysis` for every subgroup and the overall result; the test for
    subgroup differences uses each subgroup's own standard error (so HKSJ-widened SEs when
    test="hksj", as R meta does).

    Parameters
    ----------
    yi, vi : array_like, shape (k,)
    groups : array_like, shape (k,)
        Subgroup label of each study; subgroups keep their first-seen order.

    References
    ----------
    RevMan 5 statistical methods (Deeks & Higgins 2010), section 1.6 "Subgroup analyses";
    Borenstein & Higgins (2013) Prev Sci 14:134-143.
    """
    groups = np.asarray(groups, dtype=object)
    n_y = np.size(yi)
    if groups.ndim != 1 or groups.size != n_y:
        raise ValueError(f"`groups` has {groups.size} entries but there are {n_y} studies")
    # validate once (same rules and messages as meta_analysis), then fit the validated arrays
    overall = meta_analysis(yi, vi, method=method, level=level, labels=labels, test=test, hksj_floor=hksj_floor)
    yi, vi, labels = overall.yi, overall.vi, overall.labels
    args = (overall.method, overall.level, overall.test, overall.hksj_floor, overall.pi_dist)
    glist = groups.tolist()
    order = tuple(dict.fromkeys(glist))
    subs = {}
    if len(order) == 1:
        subs[order[0]] = overall
        return SubgroupResult(subs, overall, order, 0.0, 0, math.nan, math.nan)
    for g in order:
        idx = [i for i, x in enumerate(glist) if x == g]
        subs[g] = pool_validated(yi[idx], vi[idx], tuple(labels[i] for i in idx), *args)
    est = np.array([subs[g].estimate for g in order])
    se = np.array([subs[g].se for g in order])
    dfb = len(order) - 1
    if not np.all(se > 0):
        # A subgroup of identical effects under HKSJ has se = 0 (metafor: CI = estimate): its weight
        # 1/se^2 is infinite and the test is undefined, so it is not computed (NaN), never a division.
        return SubgroupResult(subs, overall, order, math.nan, dfb, math.nan, math.nan)
    w = 1.0 / se ** 2
    mu = float(w @ est) / float(w.sum())
    d = est - mu
    qb = float(w @ (d * d))
    return SubgroupResult(subs, overall, order, qb, dfb, float(special.chdtrc(dfb, qb)), het.i2_from_q(qb, dfb))


@dataclass(frozen=True, slots=True)
class CommonTau2SubgroupResult:
    """Mixed-effects subgroup analysis with one tau^2 common to all subgroups.

    Per-subgroup arrays (length G, in ``groups`` order): ``k``, ``estimate``, ``se``,
    ``ci_low``, ``ci_high``.  ``tau2`` is the common residual tau^2.  The test for subgroup
    differences is ``q_between`` (QM; chi-square on ``df_between = G - 1`` df, or F on
    (G - 1, k - G) df when test="hksj") with ``p_between``.  ``qe``/``qe_df``/``qe_pvalue``
    test residual heterogeneity.  ``model`` holds the full meta-regression.
    """

    groups: tuple
    k: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    tau2: float
    q_between: float
    df_between: int
    p_between: float
    qe: float
    qe_df: int
    qe_pvalue: float
    method: str
    test: str
    level: float
    model: MetaRegressionResult

    def to_frame(self) -> pd.DataFrame:
        """One row per subgroup: k, estimate, se, CI, and the common tau^2."""
        return pd.DataFrame({"group": list(self.groups), "k": self.k, "estimate": self.estimate, "se": self.se,
                             "ci_low": self.ci_low, "ci_high": self.ci_high, "tau2": self.tau2})


def subgroup_analysis_common_tau2(yi, vi, groups, *, method: str = Tau2.REML, level: float = 0.95,
                                  test: str = Test.Z) -> CommonTau2SubgroupResult:
    """Mixed-effects subgroup analysis with a common tau^2 (metafor ``mods = ~ group``).

    Fits ``y_i = beta_0 + sum_g beta_g [group_i = g] + u_i + e_i`` with a single
    ``u_i ~ N(0, tau2)``; tau^2 is estimated from the residuals by ``method``.  The subgroup
    estimates are the fitted group means (equal to ``mods = ~ group - 1``); the test for
    subgroup differences is the omnibus test of the G - 1 group contrasts (QM).

    Parameters
    ----------
    yi, vi, groups : array_like, shape (k,)
    method : str
        Residual tau^2 estimator (default "REML", metafor's default).
    test : {"z", "hksj"}
        "hksj" (metafor's "knha"): Knapp-Hartung t / F tests on k - G df.

    Raises
    ------
    InsufficientStudiesError
        When k = 0.
    ValueError
        When there is only one subgroup, or inputs are malformed.  k = G (no residual df) is
        allowed and gives tau^2 = 0.

    References
    ----------
    Viechtbauer (2010) J Stat Softw 36(3), section 3.2 ("mixed-effects model"); Borenstein
    et al. (2009) Introduction to Meta-Analysis, ch. 19, "pooled estimate of tau^2";
    Knapp & Hartung (2003) Stat Med 22:2693-2710.
    """
    method = resolve_method(method)
    if not 0 < level < 1:
        raise ValueError(f"`level` must be in (0, 1); got {level!r}")
    yi = np.atleast_1d(np.asarray(yi, dtype=float))
    vi = np.atleast_1d(np.asarray(vi, dtype=float))
    groups = np.asarray(groups, dtype=object)
    if yi.size == 0:
        raise InsufficientStudiesError(0)
    if groups.ndim != 1 or groups.shape != yi.shape or vi.shape != yi.shape:
        raise ValueError(f"`yi`, `vi` and `groups` must have the same length; got {yi.size}, {vi.size} "
                         f"and {groups.size}")
    if np.any(~np.isfinite(yi)) or np.any(~np.isfinite(vi)) or np.any(vi <= 0):
        raise ValueError("`yi` must be finite and `vi` finite and > 0")
    order = tuple(dict.fromkeys(groups.tolist()))
    if len(order) < 2:
        raise ValueError(f"`groups` must contain at least 2 subgroups; got {len(order)}")
    X = np.column_stack([np.ones(yi.size)] + [(groups == g).astype(float) for g in order[1:]])
    model = meta_regression(yi, vi, X, method=method, test=test)
    L = np.zeros((len(order), X.shape[1]))
    L[:, 0] = 1.0
    for j in range(1, len(order)):
        L[j, j] = 1.0
    est = L @ model.beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", L, model.vcov, L))
    crit = t_crit(level, model.df)          # df = inf: the normal quantile
    return CommonTau2SubgroupResult(
        groups=order, k=np.array([int(np.sum(groups == g)) for g in order]), estimate=est, se=se,
        ci_low=est - crit * se, ci_high=est + crit * se, tau2=model.tau2, q_between=model.qm,
        df_between=model.qm_df, p_between=model.qm_pvalue, qe=model.qe, qe_df=model.qe_df,
        qe_pvalue=model.qe_pvalue, method=method, test=model.test, level=level, model=model)
