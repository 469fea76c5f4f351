"""Proportions of patients with an event, with Wilson score confidence intervals.

``proportion(count, n)`` returns a frozen :class:`Proportion`; its
``confidence_interval(level=0.95)`` is the Wilson score interval without continuity correction
(Newcombe 1998, method 3), which, unlike the Wald interval, stays inside [0, 1] and behaves well
for small n and for counts of 0 or n, as in the small single-arm MSC trials.

References
----------
.. [1] Wilson EB. Probable inference, the law of succession, and statistical inference.
   J Am Stat Assoc 1927;22(158):209-212.
.. [2] Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of
   seven methods. Stat Med 1998;17(8):857-872, method 3 (score interval without continuity
   correction), formula in section 2.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
from scipy import stats

from core.intervals import ConfidenceInterval


@dataclass(frozen=True, slots=True)
class Proportion:
    """``count`` events out of ``n`` patients; ``estimate`` = count / n (a fraction)."""

    count: int   # patients with the event
    n: int       # patients at risk

    @property
    def estimate(self) -> float:
        return self.count / self.n

    def confidence_interval(self, level: float = 0.95) -> ConfidenceInterval:
        """Wilson score interval (Newcombe 1998 method 3), a fraction in [0, 1].

        ``(2np + z² ± z sqrt(z² + 4np(1-p))) / (2(n + z²))`` with ``z`` the
        ``1 - (1 - level)/2`` normal quantile ([2]_ section 2, method 3; [1]_).

        References
        ----------
        .. [1] Wilson EB. J Am Stat Assoc 1927;22:209-212.
        .. [2] Newcombe RG. Stat Med 1998;17:857-872, method 3.
        """
        if not (isinstance(level, (int, float)) and 0 < level < 1):
            raise ValueError(f"`level` must be between 0 and 1 (exclusive); got {level!r}")
        return wilson_interval(self.count, self.n, level=level)

    def to_dict(self, level: float = 0.95) -> dict:
        ci = self.confidence_interval(level)
        return {"count": self.count, "n": self.n, "proportion": self.estimate,
                "ci_low": ci.low, "ci_high": ci.high, "level": level, "method": "Wilson score"}


def _validate_counts(count, n) -> tuple[int, int]:
    for name, v in (("count", count), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, (int,)) and not (
                isinstance(v, float) and v.is_integer()) and not hasattr(v, "__index__"):
            raise TypeError(f"`{name}` must be an integer; got {v!r}")
    count, n = int(count), int(n)
    if n <= 0:
        raise ValueError(f"`n` must be > 0; got {n}")
    if not 0 <= count <= n:
        raise ValueError(f"`count` must lie between 0 and n = {n}; got {count}")
    return count, n


def proportion(count: int, n: int) -> Proportion:
    """Validate ``0 <= count <= n``, ``n > 0`` (integers) and return a :class:`Proportion`."""
    count, n = _validate_counts(count, n)
    return Proportion(count, n)


def wilson_interval(count: int, n: int, *, level: float = 0.95) -> ConfidenceInterval:
    """Wilson score interval for ``count / n`` without continuity correction.

    Parameters
    ----------
    count, n : int
        Events and patients, ``0 <= count <= n``, ``n > 0``.
    level : float
        Confidence level, default 0.95.

    Returns
    -------
    ConfidenceInterval
        ``low`` and ``high`` as fractions; ``low = 0`` exactly when ``count = 0`` and
        ``high = 1`` exactly when ``count = n``.

    References
    ----------
    .. [1] Wilson EB. J Am Stat Assoc 1927;22:209-212.
    .. [2] Newcombe RG. Stat Med 1998;17:857-872, method 3.
    """
    count, n = _validate_counts(count, n)
    z = float(stats.norm.ppf(1 - (1 - level) / 2))
    p = count / n
    z2 = z * z
    centre = 2 * n * p + z2
    half = z * math.sqrt(z2 + 4 * n * p * (1 - p))
    denom = 2 * (n + z2)
    low = 0.0 if count == 0 else (centre - half) / denom
    high = 1.0 if count == n else (centre + half) / denom
    return ConfidenceInterval(low, high)


def proportions_table(events: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Add ``proportion``, ``ci_low``, ``ci_high`` (fractions, Wilson) to a table of counts.

    ``events`` needs integer-valued columns ``count`` and ``n``; other columns are kept.
    Raises ``ValueError`` naming the row when a count is missing or impossible.
    """
    missing = [c for c in ("count", "n") if c not in events.columns]
    if missing:
        raise ValueError(f"events table is missing column(s) {', '.join(missing)}")
    rows = []
    for i, (c, n) in enumerate(zip(events["count"], events["n"])):
        try:
            if pd.isna(c) or pd.isna(n):
                raise ValueError("count and n must both be given")
            rows.append(proportion(int(c), int(n)).to_dict(level))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"row {i + 1}: {exc}") from None
    out = events.copy()
    extra = pd.DataFrame(rows, index=events.index)[["proportion", "ci_low", "ci_high"]]
    return pd.concat([out, extra], axis=1)
