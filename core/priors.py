"""Prior distributions for the Bayesian random-effects model (:mod:`core.bayesian`).

Heterogeneity tau: :class:`HalfNormal`, :class:`HalfCauchy`, :class:`LogNormal` (proper) and
:class:`Uniform` (bayesmeta's improper default).  Overall effect mu: flat (``None``) or
:class:`Normal`.  Each prior is a small frozen value (hashable, picklable, so results can be cached)
with a vectorised ``logpdf`` and a ``label`` worded as bayesmeta prints it.

``tail`` is the power with which the density falls at large tau (``p(tau) ~ tau^-tail``; ``inf`` for
faster than any power): with the likelihood's own power it decides whether the posterior is proper
and which of its moments exist (:func:`core.bayesian.bayesian_meta_analysis`, Notes).

References
----------
Röver (2020) J Stat Softw 93(6), on heterogeneity priors (bayesmeta 3.4's ``dhalfnormal``,
``dhalfcauchy``, and ``tau.prior = "uniform"``, R/bayesmeta.R lines 77-79); Röver et al. (2021) Res
Synth Methods 12:448-474 (weakly informative half-normal priors scaled to the outcome, e.g. by the
unit-information SD); Turner et al. (2015) Stat Med 34:984-998 (log-normal priors on tau^2).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_LOG_2_OVER_SQRT_2PI = math.log(2.0) - 0.5 * math.log(2.0 * math.pi)
_LOG_2_OVER_PI = math.log(2.0 / math.pi)


def _positive(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"`{name}` must be a number > 0; got {type(value).__name__}")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"`{name}` must be finite and > 0; got {value!r}")
    return value


def _finite(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"`{name}` must be a finite number; got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"`{name}` must be finite; got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class HalfNormal:
    """Half-normal prior on tau: ``p(tau) = 2/scale * phi(tau/scale)`` for tau >= 0.

    ``scale`` is the SD of the underlying normal; the prior median of tau is 0.674 * scale and its
    95th percentile 1.960 * scale.
    """

    scale: float
    proper = True
    tail = math.inf

    def __post_init__(self):
        object.__setattr__(self, "scale", _positive("scale", self.scale))

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        z = tau / self.scale
        return _LOG_2_OVER_SQRT_2PI - math.log(self.scale) - 0.5 * z * z

    @property
    def label(self) -> str:
        return f"half-normal(scale={self.scale:g})"


@dataclass(frozen=True, slots=True)
class HalfCauchy:
    """Half-Cauchy prior on tau: ``p(tau) = 2 / (pi scale (1 + (tau/scale)^2))`` for tau >= 0
    (median = scale; no mean)."""

    scale: float
    proper = True
    tail = 2.0

    def __post_init__(self):
        object.__setattr__(self, "scale", _positive("scale", self.scale))

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        z = tau / self.scale
        return _LOG_2_OVER_PI - math.log(self.scale) - np.log1p(z * z)

    @property
    def label(self) -> str:
        return f"half-Cauchy(scale={self.scale:g})"


@dataclass(frozen=True, slots=True)
class Uniform:
    """The improper uniform prior ``p(tau) = 1`` on [0, inf), bayesmeta's default.  With a flat
    prior on mu it needs k >= 3 studies for a proper posterior (k >= 2 with a normal prior on mu)."""

    proper = False
    tail = 0.0

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        return np.zeros_like(tau)

    @property
    def label(self) -> str:
        return "uniform(min=0, max=Inf)"


@dataclass(frozen=True, slots=True)
class LogNormal:
    """Log-normal prior on tau: ``log(tau) ~ N(meanlog, sdlog^2)``.

    Turner et al. (2015) give log-normal priors for tau^2; ``LogNormal.for_tau2(m, s)`` turns
    ``log(tau^2) ~ N(m, s^2)`` into the equivalent prior on tau, ``log(tau) ~ N(m/2, (s/2)^2)``.
    """

    meanlog: float
    sdlog: float
    proper = True
    tail = math.inf

    def __post_init__(self):
        object.__setattr__(self, "meanlog", _finite("meanlog", self.meanlog))
        object.__setattr__(self, "sdlog", _positive("sdlog", self.sdlog))

    @classmethod
    def for_tau2(cls, meanlog_tau2: float, sdlog_tau2: float) -> LogNormal:
        return cls(_finite("meanlog_tau2", meanlog_tau2) / 2.0, _positive("sdlog_tau2", sdlog_tau2) / 2.0)

    def logpdf(self, tau: np.ndarray) -> np.ndarray:
        tau = np.asarray(tau, dtype=float)
        out = np.full(tau.shape, -np.inf)      # the density is 0 at tau = 0
        pos = tau > 0
        lt = np.log(tau[pos])
        z = (lt - self.meanlog) / self.sdlog
        out[pos] = -0.5 * math.log(2.0 * math.pi) - math.log(self.sdlog) - lt - 0.5 * z * z
        return out

    @property
    def label(self) -> str:
        return f"log-normal(meanlog={self.meanlog:g}, sdlog={self.sdlog:g})"


@dataclass(frozen=True, slots=True)
class Normal:
    """Normal prior on the overall effect mu (conjugate: mu stays analytically integrable)."""

    mean: float
    sd: float

    def __post_init__(self):
        object.__setattr__(self, "mean", _finite("mean", self.mean))
        object.__setattr__(self, "sd", _positive("sd", self.sd))

    @property
    def label(self) -> str:
        return f"normal(mean={self.mean:g}, sd={self.sd:g})"


TAU_PRIORS = (HalfNormal, HalfCauchy, Uniform, LogNormal)
