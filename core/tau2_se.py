"""The standard error of tau^2, as metafor's ``rma.uni`` reports it (``se.tau2``), for the
intercept-only model.

Each estimator of the registry has its own formula (the dispatch table is keyed by
:class:`core.vocab.Tau2`); the fixed-effect model has none (NaN), and neither has k = 1 (metafor:
NA).  All are evaluated at the truncated estimate ``max(tau2, 0)``.  With ``P = W - w w' / sum w``
(``W = diag(w)``) and ``V = diag(v_i)``:

======== =================================================================================
DL       ``sqrt(2(k-1) + 4 tau2 tr P + 2 tau2^2 tr PP) / tr P``, w = 1/v
HS       the same numerator over ``sum w`` (w = 1/v)
HE       ``sqrt(2 tr PVPV + 4 tau2 tr PV + 2 tau2^2 (k-1)) / (k-1)``, unweighted P (w = 1)
SJ       ``tau0 / (k-1) sqrt(2 tr PVPV + 4 tau2 sum(PV o P) + 2 tau2^2 tr PP)``, w = 1/(v + tau0)
ML       ``sqrt(2 / sum w^2)``, w = 1/(v + tau2)
REML     ``sqrt(2 / tr PP)``, w = 1/(v + tau2)
PM, EB   ``sqrt(2 k^2 / (k-1)) / sum w``, w = 1/(v + tau2)
======== =================================================================================

These are the formulas of metafor 3.8-1 (``rma.uni``, after convergence); tests compare them with a
recorded metafor run (tests/core/_reference_data.py, ``METAFOR_SE_TAU2``).  O(k^2) in time (the
k x k matrix P), computed on demand.

References
----------
Viechtbauer (2010) J Stat Softw 36(3), section 3.1; Viechtbauer (2005) J Educ Behav Stat
30:261-293 (the sampling variances of the HE, DL, ML and REML estimators).
"""
from __future__ import annotations

import numpy as np

from core import vocab
from core.vocab import Tau2


def _p_matrix(w: np.ndarray) -> np.ndarray:
    return np.diag(w) - np.outer(w, w) / w.sum()


def _moment_numerator(p: np.ndarray, k: int, t: float) -> float:
    return float(np.sqrt(2 * (k - 1) + 4 * t * np.trace(p) + 2 * t * t * np.sum(p * p)))


def _se_dl(yi, vi, t):
    p = _p_matrix(1.0 / vi)
    return _moment_numerator(p, yi.size, t) / float(np.trace(p))


def _se_hs(yi, vi, t):
    w = 1.0 / vi
    return _moment_numerator(_p_matrix(w), yi.size, t) / float(w.sum())


def _se_he(yi, vi, t):
    k = yi.size
    pv = _p_matrix(np.ones(k)) * vi[None, :]
    return float(np.sqrt(2 * np.sum(pv * pv.T) + 4 * t * np.trace(pv) + 2 * t * t * (k - 1)) / (k - 1))


def _se_sj(yi, vi, t):
    k = yi.size
    tau0 = float(np.mean((yi - np.mean(yi)) ** 2))
    p = _p_matrix(1.0 / (vi + tau0))
    pv = p * vi[None, :]
    return float(tau0 / (k - 1) * np.sqrt(2 * np.sum(pv * pv.T) + 4 * t * np.sum(pv * p) + 2 * t * t * np.sum(p * p)))


def _se_ml(yi, vi, t):
    return float(np.sqrt(2.0 / np.sum((1.0 / (vi + t)) ** 2)))


def _se_reml(yi, vi, t):
    p = _p_matrix(1.0 / (vi + t))
    return float(np.sqrt(2.0 / np.sum(p * p)))


def _se_pm(yi, vi, t):
    k = yi.size
    return float(np.sqrt(2.0 * k * k / (k - 1)) / np.sum(1.0 / (vi + t)))


# The formula of each estimator of the registry (core.vocab.ESTIMATORS); FE has none.
_SE_FORMULAS = {
    Tau2.FE: None,
    Tau2.DL: _se_dl,
    Tau2.HS: _se_hs,
    Tau2.HE: _se_he,
    Tau2.SJ: _se_sj,
    Tau2.PM: _se_pm,
    Tau2.EB: _se_pm,
    Tau2.ML: _se_ml,
    Tau2.REML: _se_reml,
}
SE_TAU2_METHODS: tuple[str, ...] = tuple(map(str, _SE_FORMULAS))


def se_tau2(yi, vi, tau2: float, method: str) -> float:
    """Standard error of the ``method`` estimate ``tau2`` (metafor's ``se.tau2``); NaN for the
    fixed-effect model and for k < 2.

    Parameters
    ----------
    yi, vi : array_like, shape (k,)
    tau2 : float
        The estimate (truncated at 0 here, as metafor does).
    method : str
        A code of :data:`core.vocab.ESTIMATORS` (or an alias such as "EE").
    """
    method = vocab.ESTIMATOR_ALIASES.get(method, method)
    if method not in _SE_FORMULAS:
        raise ValueError(f"`method` must be one of {SE_TAU2_METHODS}; got {method!r}")
    yi = np.atleast_1d(np.asarray(yi, dtype=float))
    vi = np.atleast_1d(np.asarray(vi, dtype=float))
    formula = _SE_FORMULAS[method]
    if formula is None or yi.size < 2:
        return float("nan")
    return formula(yi, vi, max(float(tau2), 0.0))
