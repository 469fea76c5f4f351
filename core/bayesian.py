"""Bayesian random-effects meta-analysis, computed as R's bayesmeta computes it (no MCMC).

The normal-normal hierarchical model ``y_i ~ N(theta_i, v_i)``, ``theta_i ~ N(mu, tau^2)`` with a
prior on tau (:mod:`core.priors`) and a flat or normal prior on mu.  mu is integrated out
analytically, the marginal posterior of tau is integrated by quadrature, and mu, a new study's
theta and each study's shrinkage estimate are normal mixtures over that quadrature
(:mod:`core.posterior`).  Results are deterministic.

``bayesian_meta_analysis(yi, vi, tau_prior=HalfNormal(0.5))`` returns one frozen
:class:`BayesianMetaResult`; ``r.mu``, ``r.tau`` and ``r.theta`` each have ``median``, ``mean``,
``sd``, ``interval(level, kind)``, ``quantile(p)`` and ``cdf(x)``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import InsufficientStudiesError
from core.intervals import check_level, z_crit
from core.pooling import validate_effects
from core.posterior import NormalMixture, TauPosterior, fit_tau_posterior
from core.priors import TAU_PRIORS, HalfCauchy, HalfNormal, LogNormal, Normal, Uniform

__all__ = ["bayesian_meta_analysis", "BayesianMetaResult", "NormalNormalModel", "HalfNormal", "HalfCauchy",
           "Uniform", "LogNormal", "Normal"]


@dataclass(frozen=True, slots=True)
class NormalNormalModel:
    """The likelihood with mu integrated out, as a function of tau.

    With ``y_0 = prior mean, v_0 = prior sd^2`` prepended when mu has a normal prior, and
    ``V_i = v_i + tau^2`` (``V_0 = v_0``): given tau, mu is normal with mean
    ``m(tau) = sum y_i / V_i / sum 1 / V_i`` and variance ``s2(tau) = 1 / sum 1 / V_i``, and

        log p(y | tau) = -1/2 [sum log V_i + sum (y_i - m)^2 / V_i + log sum 1 / V_i] + const.

    References
    ----------
    Gelman et al. (2013) Bayesian Data Analysis, 3rd ed., section 5.4 (mu given tau; the marginal
    posterior of tau); Röver (2020) J Stat Softw 93(6); bayesmeta 3.4, R/bayesmeta.R, ``likelihood``
    (tau only: lines 205-224) and ``conditionalmoment`` (lines 611-628), which this reproduces.
    """

    yi: np.ndarray
    vi: np.ndarray
    tau_prior: object
    mu_prior: Normal | None

    def conditional(self, tau: np.ndarray):
        """(log marginal likelihood, m(tau), s2(tau)) at each tau, shape (n,) each."""
        var = self.vi + (tau * tau)[:, None]
        y = self.yi
        if self.mu_prior is not None:
            var = np.hstack([np.full((tau.size, 1), self.mu_prior.sd ** 2), var])
            y = np.concatenate(([self.mu_prior.mean], y))
        w = 1.0 / var
        sw = w.sum(axis=1)
        m = (w @ y) / sw
        resid = y - m[:, None]
        loglik = -0.5 * (np.log(var).sum(axis=1) + (w * resid * resid).sum(axis=1) + np.log(sw))
        return loglik, m, 1.0 / sw

    def log_density(self, tau: np.ndarray) -> np.ndarray:
        """Unnormalised log posterior of tau (prior times marginal likelihood)."""
        return self.tau_prior.logpdf(tau) + self.conditional(tau)[0]


@dataclass(frozen=True, slots=True)
class BayesianMetaResult:
    """Posterior of the normal-normal hierarchical model.

    Arrays have shape (k,): ``yi``, ``vi``, ``labels``; ``weights`` are the posterior means of the
    inverse-variance weights ``(1/(v_i + tau^2)) / sum_j 1/(v_j + tau^2)`` in percent (bayesmeta's
    ``$weights``); with a normal prior on mu, ``prior_weight`` is the share of its mean (the
    weights then sum to 100 with it).

    ``mu`` (overall effect), ``tau`` (heterogeneity) and ``theta`` (a new study's effect; its
    interval is the prediction interval) are distributions with ``median``, ``mean``, ``sd``,
    ``cdf``, ``pdf``, ``quantile`` and ``interval(level, kind)``.  ``estimate`` is mu's posterior
    median; ``ci_low``/``ci_high`` mu's shortest credible interval at ``level`` and
    ``pi_low``/``pi_high`` theta's, as bayesmeta's summary quotes them.
    """

    yi: np.ndarray
    vi: np.ndarray
    labels: tuple
    k: int
    level: float
    tau_prior: object
    mu_prior: Normal | None
    tau: TauPosterior
    mu: NormalMixture
    theta: NormalMixture
    weights: np.ndarray
    prior_weight: float
    estimate: float
    ci_low: float
    ci_high: float
    pi_low: float
    pi_high: float
    notes: tuple = ()

    @property
    def tau_prior_proper(self) -> bool:
        return bool(self.tau_prior.proper)

    def shrinkage(self) -> tuple[NormalMixture, ...]:
        """Posterior of each study's own effect theta_i (bayesmeta's ``$theta``), given tau:
        ``N(B y_i + (1 - B) m, B v_i + ((1 - B) s)^2)`` with ``B = tau^2 / (v_i + tau^2)``
        (Gelman et al. 2013, section 5.4; bayesmeta ``conditionalmoment(individual=)``, lines 643-652)."""
        tau, masses = self.tau.nodes, self.tau.masses
        _, m, s2 = NormalNormalModel(self.yi, self.vi, self.tau_prior, self.mu_prior).conditional(tau)
        out = []
        for y, v in zip(self.yi, self.vi):
            b = tau * tau / (v + tau * tau)
            out.append(NormalMixture.from_components(b * y + (1 - b) * m, np.sqrt(b * v + (1 - b) ** 2 * s2), masses))
        return tuple(out)

    @property
    def i2_median(self) -> float:
        """I^2 at the posterior median of tau, ``tau^2 / (tau^2 + s^2)`` in percent with Higgins &
        Thompson's (2002, eq. 9) typical variance s^2; NaN for k = 1 (bayesmeta's ``I2``)."""
        if self.k < 2:
            return math.nan
        w = 1.0 / self.vi
        s2 = (self.k - 1) * w.sum() / (w.sum() ** 2 - (w * w).sum())
        t2 = self.tau.median ** 2
        return 100.0 * t2 / (t2 + s2)

    def to_frame(self) -> pd.DataFrame:
        """Per-study table (label, yi, vi, study CI, posterior weight %, shrinkage median and
        shortest interval) plus a row for mu and one for a new study's theta (interval = prediction
        interval).  Study CIs use the normal quantile at the result's level, as in core.pooling."""
        crit = z_crit(self.level)
        se = np.sqrt(self.vi)
        shrunk = self.shrinkage()
        ivs = [s.interval(self.level) for s in shrunk]
        rows = pd.DataFrame({"label": list(self.labels), "yi": self.yi, "vi": self.vi,
                             "ci_low": self.yi - crit * se, "ci_high": self.yi + crit * se,
                             "weight_pct": self.weights, "shrunk_median": [s.median for s in shrunk],
                             "shrunk_low": [iv.low for iv in ivs], "shrunk_high": [iv.high for iv in ivs]})
        pooled = pd.DataFrame({"label": ["Overall effect (mu)", "New study (theta)"],
                               "yi": [self.mu.median, self.theta.median], "vi": [self.mu.sd ** 2, self.theta.sd ** 2],
                               "ci_low": [self.ci_low, self.pi_low], "ci_high": [self.ci_high, self.pi_high],
                               "weight_pct": [100.0 - self.prior_weight, math.nan]})
        return pd.concat([rows, pooled], ignore_index=True)

    def summary(self) -> str:
        """Text worded like bayesmeta's ``print``/``summary`` (marginal posterior summary)."""
        names = ", ".join(map(str, self.labels[:10])) + (", ..." if self.k > 10 else "")
        pct = f"{self.level * 100:g}%"
        ivs = [d.interval(self.level) for d in (self.tau, self.mu, self.theta)]
        rows = [("median", [d.median for d in (self.tau, self.mu, self.theta)]),
                ("mean", [d.mean for d in (self.tau, self.mu, self.theta)]),
                ("sd", [d.sd for d in (self.tau, self.mu, self.theta)]),
                (f"{pct} lower", [iv.low for iv in ivs]), (f"{pct} upper", [iv.high for iv in ivs])]
        lines = [" Bayesian random-effects meta-analysis (normal-normal hierarchical model).", "",
                 f"{self.k} estimates:", names, "",
                 f"tau prior ({'proper' if self.tau_prior_proper else 'improper'}):", self.tau_prior.label, "",
                 f"mu prior ({'improper' if self.mu_prior is None else 'proper'}):",
                 "uniform(min=-Inf, max=Inf)" if self.mu_prior is None else self.mu_prior.label, "",
                 "marginal posterior summary:", f"{'':10}{'tau':>12}{'mu':>12}{'theta':>12}"]
        lines += [f"{name:10}" + "".join(f"{v:12.6f}" for v in vals) for name, vals in rows]
        lines += ["", "(quoted intervals are shortest credible intervals.)", "",
                  f"relative heterogeneity I^2 (posterior median): {self.i2_median:.2f}%"]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def _validate(yi, vi, labels, tau_prior, mu_prior):
    if not isinstance(tau_prior, TAU_PRIORS):
        raise TypeError(f"`tau_prior` must be one of {tuple(c.__name__ for c in TAU_PRIORS)}; "
                        f"got {type(tau_prior).__name__}")
    if mu_prior is not None and not isinstance(mu_prior, Normal):
        raise TypeError(f"`mu_prior` must be None (flat) or a Normal; got {type(mu_prior).__name__}")
    return validate_effects(yi, vi, labels)


def _tail_power(k: int, tau_prior, mu_prior) -> float:
    """The power a in p(tau | y) ~ tau^-a at large tau: the marginal likelihood falls as
    tau^-(k - 1) with a flat prior on mu and tau^-k with a normal one; the prior adds its own."""
    return (k - 1 if mu_prior is None else k) + tau_prior.tail


def _scan_range(yi, vi, tau_prior) -> tuple[float, float]:
    scales = [math.sqrt(vi.min()), math.sqrt(vi.max()), float(np.ptp(yi))]
    scales += [getattr(tau_prior, "scale", math.nan), math.exp(getattr(tau_prior, "meanlog", math.nan))]
    scales = [s for s in scales if math.isfinite(s) and s > 0]
    return 1e-7 * min(scales), 1e7 * max(scales)


def bayesian_meta_analysis(yi, vi, tau_prior=HalfNormal(0.5), mu_prior: Normal | None = None, level: float = 0.95,
                           labels=None) -> BayesianMetaResult:
    """Bayesian random-effects meta-analysis (normal-normal hierarchical model).

    Parameters
    ----------
    yi, vi : array_like, shape (k,)
        Effect sizes and their sampling variances (> 0, finite).
    tau_prior : HalfNormal, HalfCauchy, Uniform or LogNormal
        Prior on the heterogeneity tau (default half-normal with scale 0.5).  ``Uniform()`` is
        bayesmeta's improper default.
    mu_prior : Normal, optional
        Prior on the overall effect mu; ``None`` (default) is the improper flat prior.
    level : float
        Probability of the intervals quoted in ``ci_low``/``ci_high`` and ``pi_low``/``pi_high``.
    labels : sequence of str, optional
        Study labels (default "Study 1", ...).

    Returns
    -------
    BayesianMetaResult

    Raises
    ------
    InsufficientStudiesError
        When k = 0, and when the posterior would be improper: the uniform prior on tau needs
        k >= 3 with a flat prior on mu (k >= 2 with a normal one).
    ValueError, TypeError
        For invalid inputs; the message names the argument, the rule and the value.

    Notes
    -----
    k = 1 is allowed with a proper prior on tau: the data then say nothing about tau, whose
    posterior is its prior (exactly, with a flat prior on mu), and the prior decides how wide mu's
    interval is.  The posterior of tau falls as ``tau^-a`` with ``a = k - 1`` (flat prior on mu) or
    ``k`` (normal prior), plus 2 for a half-Cauchy prior; the mean of tau and theta (and of mu with
    a flat prior) exists only for ``a > 2`` and the SD for ``a > 3``; where one does not exist it is
    NaN.  bayesmeta reports a finite number there, which depends on its truncation (``epsilon``).

    The tau quadrature is accurate to about 1e-11 (the panel count doubles until two counts agree);
    bayesmeta's DIRECT mixture (``delta``, ``epsilon``) is the coarser approximation: at its
    defaults (0.01, 1e-4) its quantiles of mu differ from exact ones in the fourth significant
    digit (e.g. 7.96296 instead of 7.96350 for the eight-schools median).

    References
    ----------
    Röver (2020) J Stat Softw 93(6) (the model, priors, marginal posterior of tau and the normal
    mixtures for mu, theta and the shrinkage estimates; R package bayesmeta); Gelman et al. (2013)
    Bayesian Data Analysis, 3rd ed., section 5.4; Friede et al. (2017) Biom J 59:658-671 and Res
    Synth Methods 8:79-91 (half-normal priors on tau with few studies).
    """
    yi, vi, labels = _validate(yi, vi, labels, tau_prior, mu_prior)
    level = check_level(level)
    k = yi.size
    a = _tail_power(k, tau_prior, mu_prior)
    if a <= 1:
        raise InsufficientStudiesError(k, message=(
            f"With k = {k} and a uniform prior on tau the posterior is improper (it needs k >= "
            f"{3 if mu_prior is None else 2}); use a proper prior on tau such as a half-normal."))
    model = NormalNormalModel(yi, vi, tau_prior, mu_prior)
    tau = fit_tau_posterior(model, *_scan_range(yi, vi, tau_prior), has_mean=a > 2, has_sd=a > 3)
    _, m, s2 = model.conditional(tau.nodes)
    flat = mu_prior is None
    mu = NormalMixture.from_components(m, np.sqrt(s2), tau.masses, has_mean=a > 2 or not flat, has_sd=a > 3 or not flat)
    theta = NormalMixture.from_components(m, np.sqrt(s2 + tau.nodes ** 2), tau.masses, has_mean=a > 2, has_sd=a > 3)
    weights, prior_weight = _posterior_weights(model, tau)
    ci, pi = mu.interval(level), theta.interval(level)
    notes = ("k = 1: the data say nothing about tau; its posterior is (close to) its prior.",) if k == 1 else ()
    return BayesianMetaResult(yi=yi, vi=vi, labels=labels, k=k, level=level, tau_prior=tau_prior, mu_prior=mu_prior,
                              tau=tau, mu=mu, theta=theta, weights=weights, prior_weight=prior_weight,
                              estimate=mu.median, ci_low=ci.low, ci_high=ci.high, pi_low=pi.low, pi_high=pi.high,
                              notes=notes)


def _posterior_weights(model: NormalNormalModel, tau: TauPosterior) -> tuple[np.ndarray, float]:
    """Posterior means of the normalised inverse-variance weights, percent (bayesmeta
    ``ivweights``, R/bayesmeta.R lines 1000-1029)."""
    w = 1.0 / (model.vi + (tau.nodes ** 2)[:, None])
    prior = np.zeros(tau.nodes.size) if model.mu_prior is None else np.full(tau.nodes.size, model.mu_prior.sd ** -2)
    total = w.sum(axis=1) + prior
    return 100.0 * (tau.masses @ (w / total[:, None])), 100.0 * float(tau.masses @ (prior / total))
