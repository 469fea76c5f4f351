"""Heterogeneity statistics: Cochran's Q, I^2, H^2 and the between-study variance tau^2."""
from __future__ import annotations

import numpy as np


def cochran_q(yi: np.ndarray, vi: np.ndarray) -> float:
    """Cochran's Q = sum w_i (y_i - y_FE)^2 with w_i = 1/v_i.

    References
    ----------
    Cochran (1954) Biometrics 10:101-129; RevMan 5 statistical methods, section 1.4.2.
    """
    w = 1.0 / vi
    mu = np.sum(w * yi) / np.sum(w)
    return float(np.sum(w * (yi - mu) ** 2))


def i2_from_q(q: float, df: int) -> float:
    """I^2 in percent, Q-based as in RevMan 5 and R meta: ``max(0, (Q - df)/Q) * 100``.

    Returns 0 when Q = 0 and NaN when df <= 0 is impossible to interpret (k = 0).
    k = 1 (df = 0, Q = 0) gives 0, as RevMan prints.

    References
    ----------
    Higgins & Thompson (2002) Stat Med 21:1539-1558, eq. 10; RevMan 5 statistical methods,
    section 1.4.2.
    """
    if df < 0:
        return float("nan")
    if q <= 0 or q <= df:
        return 0.0
    return float((q - df) / q * 100.0)


def h2_from_q(q: float, df: int) -> float:
    """H^2 = Q/df (Higgins & Thompson 2002, eq. 5); 1 when df = 0 (no excess variation)."""
    if df <= 0:
        return 1.0
    return float(max(q / df, 1.0)) if q > 0 else 1.0


def tau2_dersimonian_laird(yi: np.ndarray, vi: np.ndarray) -> float:
    """DerSimonian-Laird moment estimator, truncated at zero.

    ``tau2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w))``.

    References
    ----------
    DerSimonian & Laird (1986) Control Clin Trials 7:177-188; RevMan 5 statistical methods,
    section 1.4.3.  statsmodels 0.15.0 ``combine_effects`` omits the truncation.
    """
    k = yi.size
    if k < 2:
        return 0.0
    w = 1.0 / vi
    q = cochran_q(yi, vi)
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    return float(max(0.0, (q - (k - 1)) / c))
