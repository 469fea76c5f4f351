"""Two-sided intervals: the :class:`ConfidenceInterval` type and the normal and t critical values
and P values behind them, shared by the statistics modules.

The quantiles are scipy's ``special.ndtri`` / ``special.stdtrit`` (the functions behind
``stats.norm.ppf`` and ``stats.t.ppf``), called directly to skip the distribution objects'
argument checking on the hot paths (leave-one-out, variants, reruns).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import special


@dataclass(frozen=True, slots=True)
class ConfidenceInterval:
    """A two-sided interval ``(low, high)``.

    It unpacks, indexes and compares like the pair ``(low, high)`` (``low, high = ci``,
    ``ci[0]``, ``ci == (low, high)``), as the named tuple it replaces in :mod:`core.pooling` did.
    """

    low: float
    high: float

    def __iter__(self):
        return iter((self.low, self.high))

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i):
        return (self.low, self.high)[i]

    def __eq__(self, other) -> bool:
        if isinstance(other, (ConfidenceInterval, tuple)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.low, self.high))


@lru_cache(maxsize=256)
def z_crit(level: float) -> float:
    """Two-sided normal critical value ``Phi^-1(1 - (1 - level)/2)`` (1.959964 for 0.95)."""
    return float(special.ndtri(1 - (1 - level) / 2))


@lru_cache(maxsize=4096)
def t_crit(level: float, df: float) -> float:
    """Two-sided critical value of t with ``df`` degrees of freedom; ``df = inf`` gives
    :func:`z_crit`, ``df <= 0`` (or NaN) gives NaN.

    Cached because scipy's t quantile is an iterative inverse (~0.2 ms) and the same
    (level, df) pairs recur across subgroups, variants and reruns.
    """
    if not df > 0:
        return float("nan")
    if math.isinf(df):
        return z_crit(level)
    return float(special.stdtrit(df, 1 - (1 - level) / 2))


def two_sided_p(stat: float, df: float) -> float:
    """Two-sided P value of a z (``df = inf``) or t statistic: ``2 P(T > |stat|)``.

    NaN when ``stat`` is NaN or ``df <= 0``.
    """
    if math.isnan(stat):
        return float("nan")
    if math.isinf(df):
        return math.erfc(abs(stat) / math.sqrt(2.0))     # = 2 Phi(-|z|)
    if not df > 0:
        return float("nan")
    return float(2 * special.stdtr(df, -abs(stat)))


def check_level(level) -> float:
    """Return ``level`` as a float after checking that it is a number in (0, 1)."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)):
        raise TypeError(f"`level` must be a number in (0, 1); got {type(level).__name__}")
    if not 0 < level < 1:
        raise ValueError(f"`level` must be in (0, 1); got {level!r}")
    return float(level)


def prediction_interval(estimate: float, se: float, tau2: float, k: int, level: float,
                        dist: str) -> ConfidenceInterval:
    """Prediction interval ``estimate +/- crit * sqrt(se^2 + tau2)`` for a new study's effect.

    ``crit`` is the normal quantile for ``dist="norm"``, else that of t with k - 1
    (``"t(k-1)"``) or k - 2 (``"t(k-2)"``) degrees of freedom; NaN bounds when df < 1.

    References
    ----------
    Higgins, Thompson & Spiegelhalter (2009) J R Stat Soc A 172:137-159, section 3.2 (eq. 12,
    t with k - 2 df); Cochrane Handbook v6.4 section 10.10.4.3; Riley, Higgins & Deeks (2011)
    BMJ 342:d549; metafor ``predict.rma`` (normal quantile, or t(k-1) with HKSJ, metafor's test="knha").
    """
    df = math.inf if dist == "norm" else float(k - 1 if dist == "t(k-1)" else k - 2)
    crit = t_crit(level, df)
    half = crit * math.sqrt(se * se + tau2)
    return ConfidenceInterval(estimate - half, estimate + half)
