"""Subgroup analysis with a separate tau^2 per subgroup, and the test for subgroup differences."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from core import heterogeneity as het
from core.errors import InsufficientStudiesError
from core.pooling import MetaResult, meta_analysis


@dataclass(frozen=True, slots=True)
class SubgroupResult:
    """Pooled result per subgroup, the overall result and the test for subgroup differences.

    ``subgroups`` maps each group label (in first-seen order) to its :class:`MetaResult`.
    ``q_between`` is Chi^2 on ``df_between = G - 1`` degrees of freedom, ``p_between`` its
    P value and ``i2_between`` its I^2 (percent).  With a single subgroup the test is
    undefined: ``q_between = 0``, ``df_between = 0``, ``p_between = NaN``.
    """

    subgroups: dict
    overall: MetaResult
    groups: tuple
    q_between: float
    df_between: int
    p_between: float
    i2_between: float


def subgroup_analysis(yi, vi, groups, *, method: str = "FE", level: float = 0.95,
                      labels=None) -> SubgroupResult:
    """Pool within each subgroup (own tau^2 each) and test whether subgroups differ.

    The test treats the G subgroup estimates as a fixed-effect meta-analysis:
    ``Q_between = sum_j (theta_j - theta_bar)^2 / se_j^2`` on G - 1 df, which is what RevMan 5
    prints as "Test for subgroup differences" for both fixed- and random-effects models.
    The overall estimate pools all studies together, ignoring subgroups (RevMan's "Total").

    References
    ----------
    RevMan 5 statistical methods (Deeks & Higgins 2010), section 1.6 "Subgroup analyses";
    Borenstein & Higgins (2013) Prev Sci 14:134-143.
    """
    yi = np.atleast_1d(np.asarray(yi, dtype=float))
    vi = np.atleast_1d(np.asarray(vi, dtype=float))
    groups = np.asarray(groups, dtype=object)
    if groups.shape != yi.shape:
        raise ValueError(f"`groups` has {groups.size} entries but there are {yi.size} studies")
    if yi.size == 0:
        raise InsufficientStudiesError(0)
    labels = tuple(labels) if labels is not None else tuple(f"Study {i + 1}" for i in range(yi.size))
    order = tuple(dict.fromkeys(groups.tolist()))
    subs = {}
    for g in order:
        m = groups == g
        subs[g] = meta_analysis(yi[m], vi[m], method=method, level=level,
                                labels=[lab for lab, keep in zip(labels, m) if keep])
    overall = meta_analysis(yi, vi, method=method, level=level, labels=labels)
    if len(order) < 2:
        return SubgroupResult(subs, overall, order, 0.0, 0, float("nan"), float("nan"))
    est = np.array([subs[g].estimate for g in order])
    var = np.array([subs[g].se ** 2 for g in order])
    qb = het.cochran_q(est, var)
    dfb = len(order) - 1
    return SubgroupResult(subs, overall, order, qb, dfb, float(stats.chi2.sf(qb, dfb)), het.i2_from_q(qb, dfb))
