"""Influence diagnostics of a pooled result: externally standardized residuals, DFFITS, Cook's
distance, covariance ratio, leave-one-out tau^2 and Q, hat values, DFBETAS (metafor
``influence.rma.uni``) and the Baujat plot coordinates (metafor ``baujat.rma``).

Both are built on the leave-one-out refits of :func:`core.sensitivity.leave_one_out`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from core.pooling import MetaResult, pool_validated, require_meta_result
from core.sensitivity import leave_one_out
from core.vocab import Test


@dataclass(frozen=True, slots=True)
class InfluenceResult:
    """Case-deletion diagnostics of an intercept-only model (metafor ``influence.rma.uni``).

    Arrays of shape (k,): ``rstudent`` (externally standardized residual), ``dffits``,
    ``cook_d``, ``cov_r``, ``tau2_del``, ``q_del`` (Q of the other k - 1 studies), ``hat``,
    ``weight`` (percent), ``dfbetas``, and ``influential`` flagged by metafor's rules.
    """

    labels: tuple
    rstudent: np.ndarray
    dffits: np.ndarray
    cook_d: np.ndarray
    cov_r: np.ndarray
    tau2_del: np.ndarray
    q_del: np.ndarray
    hat: np.ndarray
    weight: np.ndarray
    dfbetas: np.ndarray
    influential: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"label": list(self.labels), "rstudent": self.rstudent, "dffits": self.dffits,
                             "cook_d": self.cook_d, "cov_r": self.cov_r, "tau2_del": self.tau2_del,
                             "q_del": self.q_del, "hat": self.hat, "weight": self.weight, "dfbetas": self.dfbetas,
                             "influential": self.influential})


def influence(result: MetaResult) -> InfluenceResult:
    """Influence diagnostics for each study (p = 1 intercept-only model).

    With ``mu``, ``se`` the full fit, ``mu_i``, ``se_i``, ``tau2_i`` the fit without study i,
    ``h_i = w_i / sum w`` (w = 1/(v + tau2)):

    - ``rstudent = (y_i - mu_i) / sqrt(v_i + tau2_i + se_i^2)``
    - ``dffits = (mu - mu_i) / sqrt(h_i (tau2_i + v_i))``
    - ``cook_d = (mu - mu_i)^2 / se^2``; ``cov_r = se_i^2 / se^2``
    - ``dfbetas = (mu - mu_i) / sqrt(1 / sum_j 1/(v_j + tau2_i))`` (all k studies weighted
      with the deleted tau^2, as metafor)
    - with test="hksj" the model-based (z) variances are used.
    - influential if |dffits| > 3 sqrt(p/(k - p)), P(chi2_p <= cook_d) > 0.5, h > 3p/k or
      |dfbetas| > 1 (metafor's rules, p = 1).

    References
    ----------
    Viechtbauer & Cheung (2010) Res Synth Methods 1:112-125, section 3 (eqs. 4-10); metafor
    ``influence.rma.uni`` documentation, "Details".
    """
    res = require_meta_result(result)
    if res.test != Test.Z:      # diagnostics use model-based variances (Viechtbauer & Cheung 2010)
        res = pool_validated(res.yi, res.vi, res.labels, res.method, res.level, Test.Z.value, False, "norm")
    loo = leave_one_out(res)
    k = res.k
    mu, se2 = res.estimate, res.se**2
    w = 1.0 / (res.vi + res.tau2)
    hat = w / w.sum()
    d = mu - loo.estimate
    rstudent = (res.yi - loo.estimate) / np.sqrt(res.vi + loo.tau2 + loo.se**2)
    dffits = d / np.sqrt(hat * (loo.tau2 + res.vi))
    cook = d**2 / se2
    cov_r = loo.se**2 / se2
    dfbetas = d * np.sqrt(1.0 / loo.se**2 + 1.0 / (res.vi + loo.tau2))
    p = 1
    infl = ((np.abs(dffits) > 3 * np.sqrt(p / (k - p))) | (special.chdtr(p, cook) > 0.5) | (hat > 3 * p / k)
            | (np.abs(dfbetas) > 1))
    return InfluenceResult(labels=res.labels, rstudent=rstudent, dffits=dffits, cook_d=cook, cov_r=cov_r,
                           tau2_del=loo.tau2, q_del=loo.q, hat=hat, weight=100 * hat, dfbetas=dfbetas,
                           influential=infl)


@dataclass(frozen=True, slots=True)
class BaujatResult:
    """Baujat plot coordinates: ``x`` contribution to heterogeneity, ``y`` influence on the result."""

    labels: tuple
    x: np.ndarray
    y: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"label": list(self.labels), "x": self.x, "y": self.y})


def baujat(result: MetaResult) -> BaujatResult:
    """Baujat (2002) coordinates, as metafor ``baujat.rma`` computes them.

    ``x_i = (y_i - mu)^2 / (v_i + tau2)`` (the study's contribution to Q for a FE model);
    ``y_i = (mu_i - mu)^2 / se_i^2`` with ``mu_i``, ``se_i`` from the fit without study i.

    References
    ----------
    Baujat et al. (2002) Stat Med 21:2641-2652, section 2; metafor ``baujat.rma``.
    """
    res = require_meta_result(result)
    loo = leave_one_out(res)
    x = (res.yi - res.estimate) ** 2 / (res.vi + res.tau2)
    y = (loo.estimate - res.estimate) ** 2 / loo.se**2
    return BaujatResult(labels=res.labels, x=x, y=y)
