"""Univariate posterior distributions of the Bayesian random-effects model (:mod:`core.bayesian`).

Two kinds, with one interface (``median``, ``mean``, ``sd``, ``cdf``, ``pdf``, ``quantile``,
``interval(level, kind)``):

- :class:`TauPosterior`, the marginal posterior of the heterogeneity tau, known up to a constant
  as a density; it is integrated by Gauss-Legendre quadrature on panels of ``x = tau / (s + tau)``,
  which maps [0, inf) onto [0, 1) so that polynomial tails (uniform and half-Cauchy priors) become
  bounded integrands;
- :class:`NormalMixture`, for mu, a new study's theta and the shrinkage estimates: conditionally on
  tau each is normal, so the marginal is the tau posterior's quadrature turned into a finite mixture
  of normals (Röver 2020, J Stat Softw 93(6); bayesmeta's DIRECT grid does the same with coarser,
  divergence-spaced support points: Röver & Friede 2017, J Comput Graph Stat 26:217-222).

Quantiles are solved by safeguarded Newton steps (the density is the CDF's derivative); the
shortest interval is the one whose ends have equal density (for a unimodal density, the condition
that minimises the width ``Q(a + level) - Q(a)`` over the left tail ``a``: ``1/f(right) = 1/f(left)``,
so it is the highest-density interval); for tau it starts at 0 when the density at 0 is at least
that at the ``level`` quantile, as bayesmeta's ``post.interval`` does.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from core.intervals import ConfidenceInterval, check_level

INTERVAL_KINDS = ("shortest", "central")
# 16-point Gauss-Legendre rule on [-1, 1], used on every panel.
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)
_FIRST_PANELS = 8
_MAX_PANELS = 1024
_QUADRATURE_RTOL = 1e-11
_NEGLIGIBLE = 1e-16          # mixture components below this posterior mass are dropped
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _newton_invert(cdf_pdf, p: float, x0: float, step: float, lower: float) -> float:
    """The x with cdf(x) = p, by Newton steps from x0 kept inside the bracket found so far
    (bisection when a step leaves it; steps of doubling length while one side is still open).

    ``cdf_pdf(x)`` returns (cdf, pdf) at x.  A Newton step shorter than 1e-10 of the scale ends the
    search: the error left after it is of the order of that step squared.
    """
    lo, hi = lower, math.inf
    x = max(x0, lower)
    scale = abs(x) + step
    for _ in range(300):
        f, d = cdf_pdf(x)
        f -= p
        if f == 0.0:
            return x
        if f < 0:
            lo = x
        else:
            hi = x
        if d > 0 and abs(f / d) <= 1e-10 * scale:
            return x - f / d
        xn = x - f / d if d > 0 else math.nan
        if not lo < xn < hi:
            if math.isinf(hi):
                xn, step = x + step, 2.0 * step
            elif math.isinf(lo):
                xn, step = x - step, 2.0 * step
            else:
                xn = 0.5 * (lo + hi)
                if hi - lo <= 1e-13 * scale:
                    return xn
        x = xn
    return x


class _Univariate:
    """Shared quantile and interval logic; subclasses give ``cdf``, ``pdf``, ``lower_bound`` and
    ``_start``/``_step`` (a central value and a spread to start searching from)."""

    __slots__ = ()

    def quantile(self, p):
        """Quantile(s) at probability ``p`` (scalar or array, each in [0, 1])."""
        arr = np.asarray(p, dtype=float)
        if np.any(~((arr >= 0) & (arr <= 1))):
            raise ValueError(f"`p` must be in [0, 1]; got {p!r}")
        out = np.array([self._quantile(float(q)) for q in arr.ravel()]).reshape(arr.shape)
        return float(out) if out.ndim == 0 else out

    def _quantile(self, p: float) -> float:
        if p == 0.0:
            return self.lower_bound
        if p == 1.0:
            return math.inf
        return _newton_invert(self._cdf_pdf, p, self._start, self._step, self.lower_bound)

    def interval(self, level: float = 0.95, kind: str = "shortest") -> ConfidenceInterval:
        """Credible (or prediction) interval with probability ``level``: ``kind="shortest"`` (the
        highest-density interval, bayesmeta's default) or ``"central"`` (equal tails)."""
        level = check_level(level)
        if kind not in INTERVAL_KINDS:
            raise ValueError(f"`kind` must be one of {INTERVAL_KINDS}; got {kind!r}")
        if kind == "central":
            return ConfidenceInterval(self._quantile((1 - level) / 2), self._quantile((1 + level) / 2))
        return self._shortest(level)

    def _shortest(self, level: float) -> ConfidenceInterval:
        right = [self._quantile(level)]      # the last right end, to start the next search from
        if math.isfinite(self.lower_bound) and self._pdf1(self.lower_bound) >= self._pdf1(right[0]):
            return ConfidenceInterval(self.lower_bound, right[0])

        def gap(left: float) -> float:   # density at the left end minus density at the right end
            f_left, d_left = self._cdf_pdf(left)
            if f_left + level >= 1.0:
                return d_left
            right[0] = _newton_invert(self._cdf_pdf, f_left + level, right[0], self._step, self.lower_bound)
            return d_left - self._pdf1(right[0])

        lo = self.lower_bound if math.isfinite(self.lower_bound) else self._quantile(1e-9 * (1 - level))
        hi = self._quantile(1 - level)
        if not gap(lo) < 0 < gap(hi):       # not unimodal in the searched range: equal tails
            return self.interval(level, "central")
        left = optimize.brentq(gap, lo, hi, xtol=1e-12 * (abs(hi) + abs(lo) + self._step), rtol=1e-13)
        gap(left)
        return ConfidenceInterval(left, right[0])


@dataclass(frozen=True, slots=True)
class NormalMixture(_Univariate):
    """A finite mixture of normals, ``sum_j weights[j] * N(means[j], sds[j]^2)``.

    ``median``, ``mean`` and ``sd`` are computed at construction; ``mean``/``sd`` are NaN where
    the marginal distribution has no such moment (heavy-tailed tau posteriors, see
    :func:`core.bayesian.bayesian_meta_analysis`) although every finite mixture has one.
    """

    means: np.ndarray
    sds: np.ndarray
    weights: np.ndarray
    median: float
    mean: float
    sd: float
    spread: float         # root mean square distance from the median: the first search step
    lower_bound = -math.inf

    @classmethod
    def from_components(cls, means, sds, weights, *, has_mean: bool = True, has_sd: bool = True) -> NormalMixture:
        keep = weights > _NEGLIGIBLE
        means, sds, weights = means[keep], sds[keep], weights[keep] / weights[keep].sum()
        mean = float(weights @ means)
        var = float(weights @ (sds * sds + (means - mean) ** 2))
        draft = cls(means, sds, weights, math.nan, mean, math.sqrt(var), math.sqrt(var))
        median = _newton_invert(draft._cdf_pdf, 0.5, mean, math.sqrt(var), -math.inf)
        return cls(means, sds, weights, median, mean if has_mean else math.nan, math.sqrt(var) if has_sd else math.nan,
                   math.sqrt(var + (median - mean) ** 2))

    @property
    def _start(self) -> float:
        return self.median

    @property
    def _step(self) -> float:
        return self.spread

    def _cdf_pdf(self, x: float) -> tuple[float, float]:
        z = (x - self.means) / self.sds
        return (float(self.weights @ special.ndtr(z)),
                float(self.weights @ (np.exp(-0.5 * z * z) / self.sds)) / _SQRT_2PI)

    def _pdf1(self, x: float) -> float:
        z = (x - self.means) / self.sds
        return float(self.weights @ (np.exp(-0.5 * z * z) / self.sds)) / _SQRT_2PI

    def cdf(self, x):
        """P(value <= x), scalar or array."""
        arr = np.asarray(x, dtype=float)
        out = special.ndtr((arr[..., None] - self.means) / self.sds) @ self.weights
        return float(out) if out.ndim == 0 else out

    def pdf(self, x):
        """Density at x, scalar or array."""
        arr = np.asarray(x, dtype=float)
        z = (arr[..., None] - self.means) / self.sds
        out = (np.exp(-0.5 * z * z) / self.sds) @ self.weights / _SQRT_2PI
        return float(out) if out.ndim == 0 else out


@dataclass(frozen=True, slots=True)
class TauPosterior(_Univariate):
    """Marginal posterior of tau from an unnormalised log density ``model.log_density(tau)``.

    ``nodes`` (tau values) and ``masses`` (posterior probability of each node's quadrature cell,
    summing to 1) are the quadrature that the normal mixtures of mu and theta are built on.
    """

    model: object
    scale: float          # s in x = tau / (s + tau): the quadrature's centre (about the median)
    panels: int
    log_norm: float       # log of the integral of exp(log_density) over [0, inf)
    edge_cdf: np.ndarray  # CDF at the panel edges x = j / panels, shape (panels + 1,)
    nodes: np.ndarray
    masses: np.ndarray
    median: float
    mean: float
    sd: float
    lower_bound = 0.0

    @property
    def _start(self) -> float:
        return self.median if self.median > 0 else self.scale

    @property
    def _step(self) -> float:
        return self.scale

    def _pdf1(self, t: float) -> float:
        if t < 0 or math.isinf(t):
            return 0.0
        return float(np.exp(self.model.log_density(np.array([t]))[0] - self.log_norm))

    def _cdf1(self, t: float) -> float:
        return self._cdf_pdf(t)[0]

    def _cdf_pdf(self, t: float) -> tuple[float, float]:
        """CDF from the panel edge below t plus a Gauss-Legendre rule from that edge to t, and the
        density at t, from one evaluation of the log density at 17 points."""
        if t <= 0:
            return 0.0, self._pdf1(0.0) if t == 0 else 0.0
        if math.isinf(t):
            return 1.0, 0.0
        x = t / (self.scale + t)
        j = min(int(x * self.panels), self.panels - 1)
        a = j / self.panels
        half = 0.5 * (x - a)
        u = a + half * (_GL_X + 1.0)
        lp = self.model.log_density(np.append(self.scale * u / (1.0 - u), t)) - self.log_norm
        g = np.exp(lp[:-1]) * self.scale / (1.0 - u) ** 2
        return min(1.0, float(self.edge_cdf[j] + half * (_GL_W @ g))), float(np.exp(lp[-1]))

    def cdf(self, x):
        """P(tau <= x), scalar or array."""
        arr = np.asarray(x, dtype=float)
        out = np.array([self._cdf1(float(v)) for v in arr.ravel()]).reshape(arr.shape)
        return float(out) if out.ndim == 0 else out

    def pdf(self, x):
        """Posterior density of tau at x, scalar or array."""
        arr = np.asarray(x, dtype=float)
        out = np.array([self._pdf1(float(v)) for v in arr.ravel()]).reshape(arr.shape)
        return float(out) if out.ndim == 0 else out


def _panel_rule(scale: float, panels: int):
    """Nodes (x and tau) and weights (in tau, Jacobian included) of the composite rule."""
    half = 0.5 / panels
    x = (np.arange(panels)[:, None] / panels + half * (_GL_X + 1.0)).ravel()
    w = np.tile(_GL_W * half, panels) * scale / (1.0 - x) ** 2
    return x, scale * x / (1.0 - x), w


def _rough_median(model, lo: float, hi: float) -> float:
    """Posterior median of tau from a log-spaced scan (trapezoid rule in log tau): the scale
    that centres the quadrature."""
    t = np.geomspace(lo, hi, 481)
    f = model.log_density(t) + np.log(t)
    f = np.exp(f - np.max(f[np.isfinite(f)]))
    cum = np.concatenate(([0.0], np.cumsum(0.5 * (f[1:] + f[:-1]))))
    return float(t[min(np.searchsorted(cum, 0.5 * cum[-1]), t.size - 1)])


def _integrate(model, scale: float, panels: int):
    x, tau, w = _panel_rule(scale, panels)
    lp = model.log_density(tau)
    top = float(np.max(lp))
    mass = w * np.exp(lp - top)
    z = float(mass.sum())
    return tau, mass / z, top + math.log(z), float((mass / z) @ x)


def fit_tau_posterior(model, scan_low: float, scan_high: float, *, has_mean: bool, has_sd: bool) -> TauPosterior:
    """Normalise ``model.log_density`` over [0, inf) and summarise it.

    The panel count doubles (8, 16, ...) until the normalising constant and the mean of x agree
    to 1e-11 with the next count; the coarser of the two is kept.
    """
    scale = _rough_median(model, scan_low, scan_high)
    panels = _FIRST_PANELS
    cur = _integrate(model, scale, panels)
    while panels < _MAX_PANELS:
        finer = _integrate(model, scale, 2 * panels)
        if abs(finer[2] - cur[2]) < _QUADRATURE_RTOL and abs(finer[3] - cur[3]) < _QUADRATURE_RTOL:
            break           # the two agree: the coarser rule is as good, and cheaper downstream
        cur, panels = finer, 2 * panels
    tau, masses, log_norm, _ = cur
    edge_cdf = np.concatenate(([0.0], np.cumsum(masses.reshape(panels, -1).sum(axis=1))))
    mean = float(masses @ tau)
    sd = math.sqrt(float(masses @ (tau - mean) ** 2))
    post = TauPosterior(model, scale, panels, log_norm, edge_cdf, tau, masses, math.nan,
                        mean if has_mean else math.nan, sd if has_sd else math.nan)
    median = post._quantile(0.5)
    return TauPosterior(model, scale, panels, log_norm, edge_cdf, tau, masses, median, post.mean, post.sd)
