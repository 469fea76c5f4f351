"""Inverse-variance pooling: fixed effect and random effects.

``meta_analysis(yi, vi, method=...)`` returns one frozen :class:`MetaResult` that carries its
inputs, so forest plots, leave-one-out and export need nothing else (metafor's design).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from core import heterogeneity as het
from core.errors import InsufficientStudiesError

METHODS = ("FE", "DL")


@dataclass(frozen=True, slots=True)
class MetaResult:
    """A pooled estimate with its heterogeneity statistics.

    Attributes (arrays have shape (k,)): ``yi``, ``vi``, ``labels``, ``weights`` (percent,
    summing to 100); scalars: ``k``, ``estimate``, ``se``, ``ci_low``, ``ci_high``,
    ``statistic`` (z), ``pvalue``, ``tau2`` (>= 0), ``q``, ``q_df``, ``q_pvalue``, ``i2``
    (percent, Q-based as RevMan 5), ``h2``, ``method``, ``level``.
    """

    yi: np.ndarray
    vi: np.ndarray
    labels: tuple
    method: str
    level: float
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float
    pvalue: float
    tau2: float
    q: float
    q_df: int
    q_pvalue: float
    i2: float
    h2: float
    weights: np.ndarray = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Per-study table (label, yi, vi, weight %) plus one pooled row."""
        crit = stats.norm.isf((1 - self.level) / 2)
        se = np.sqrt(self.vi)
        rows = pd.DataFrame({"label": list(self.labels), "yi": self.yi, "vi": self.vi,
                             "ci_low": self.yi - crit * se, "ci_high": self.yi + crit * se,
                             "weight_pct": self.weights})
        pooled = pd.DataFrame({"label": [f"Pooled ({self.method})"], "yi": [self.estimate],
                               "vi": [self.se**2], "ci_low": [self.ci_low], "ci_high": [self.ci_high],
                               "weight_pct": [100.0]})
        return pd.concat([rows, pooled], ignore_index=True)

    def summary(self) -> str:
        """Text worded like metafor's ``print.rma``."""
        model = "Fixed-Effect Model" if self.method == "FE" else f"Random-Effects Model ({self.method})"
        pct = int(round(self.level * 100))
        return (f"{model} (k = {self.k})\n\n"
                f"tau^2 (estimated amount of total heterogeneity): {self.tau2:.4f}\n"
                f"I^2 (total heterogeneity / total variability):   {self.i2:.2f}%\n"
                f"H^2 (total variability / sampling variability):  {self.h2:.2f}\n\n"
                f"Test for Heterogeneity:\nQ(df = {self.q_df}) = {self.q:.4f}, p-val = {self.q_pvalue:.4f}\n\n"
                f"Model Results:\n\nestimate      se     zval    pval   ci.lb   ci.ub\n"
                f"{self.estimate:8.4f} {self.se:7.4f} {self.statistic:8.4f} {self.pvalue:7.4f} "
                f"{self.ci_low:7.4f} {self.ci_high:7.4f}   ({pct}% CI)\n")


def _validate(yi, vi, labels):
    yi = np.atleast_1d(np.asarray(yi, dtype=float))
    vi = np.atleast_1d(np.asarray(vi, dtype=float))
    if yi.shape != vi.shape or yi.ndim != 1:
        raise ValueError(f"`yi` and `vi` must be 1-d of equal length; got {yi.shape} and {vi.shape}")
    if yi.size == 0:
        raise InsufficientStudiesError(0)
    if not (np.all(np.isfinite(yi)) and np.all(np.isfinite(vi))):
        raise ValueError("`yi` and `vi` must be finite")
    if np.any(vi <= 0):
        raise ValueError(f"`vi` must be > 0; got {vi[vi <= 0][0]!r}")
    if labels is None:
        labels = tuple(f"Study {i + 1}" for i in range(yi.size))
    else:
        labels = tuple(labels)
        if len(labels) != yi.size:
            raise ValueError(f"`labels` has {len(labels)} entries but there are {yi.size} studies")
    return yi, vi, labels


def meta_analysis(yi, vi, *, method: str = "FE", level: float = 0.95, labels=None) -> MetaResult:
    """Inverse-variance meta-analysis.

    Parameters
    ----------
    yi, vi : array_like, shape (k,)
        Effect sizes and their sampling variances (> 0).
    method : {"FE", "DL"}
        "FE": fixed effect, weights ``1/vi``.  "DL": random effects with the
        DerSimonian-Laird tau^2, weights ``1/(vi + tau2)``.
    level : float
        Confidence level of the interval (normal quantile).

    Raises
    ------
    InsufficientStudiesError
        When k = 0.  k = 1 is allowed: tau^2 = 0, Q = 0, I^2 = 0, as RevMan prints.

    References
    ----------
    RevMan 5 statistical methods (Deeks & Higgins 2010), sections 1.3 (inverse variance
    fixed effect) and 1.4.3 (DerSimonian and Laird random effects); Borenstein et al. (2009)
    Introduction to Meta-Analysis, chapters 11-12.
    """
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}; got {method!r}")
    if not 0 < level < 1:
        raise ValueError(f"`level` must be in (0, 1); got {level!r}")
    yi, vi, labels = _validate(yi, vi, labels)
    k = yi.size
    q = het.cochran_q(yi, vi)
    q_df = k - 1
    tau2 = het.tau2_dersimonian_laird(yi, vi) if method == "DL" else 0.0
    w = 1.0 / (vi + tau2)
    est = float(np.sum(w * yi) / np.sum(w))
    se = float(np.sqrt(1.0 / np.sum(w)))
    crit = float(stats.norm.isf((1 - level) / 2))
    z = est / se
    return MetaResult(
        yi=yi, vi=vi, labels=labels, method=method, level=level, k=k,
        estimate=est, se=se, ci_low=est - crit * se, ci_high=est + crit * se,
        statistic=float(z), pvalue=float(2 * stats.norm.sf(abs(z))), tau2=tau2,
        q=q, q_df=q_df, q_pvalue=float(stats.chi2.sf(q, q_df)) if q_df > 0 else float("nan"),
        i2=het.i2_from_q(q, q_df), h2=het.h2_from_q(q, q_df), weights=100 * w / np.sum(w),
    )
