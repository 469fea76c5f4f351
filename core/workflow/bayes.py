"""The Bayesian model of a view (issue 22): :mod:`core.bayesian` fitted to an analysis's studies.

``analyse`` calls :func:`bayesian_subgroups` when ``AnalysisSpec.model == "bayes"``: the total and each
subgroup are refitted with a half-normal prior on tau whose scale is the same for all of them
(:func:`default_prior_scale` of the view's studies times ``AnalysisSpec.prior_factor``).  Each becomes a
:class:`BayesPooled`, a :class:`core.pooling.MetaResult` whose estimate, interval, weights, tau^2 and
prediction interval are the posterior's, so the forest plot, the tables and the certainty rating read
``estimate``/``ci_low``/``ci_high`` as for any other model; Q and the Q-based I^2 stay the descriptive
statistics they are.  A Bayesian result has no P value (NaN); ``prob_below_zero`` is P(mu < 0 | data).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np

from core import bias, sensitivity
from core.bias import TrimFillResult
from core.bayesian import BayesianMetaResult, HalfNormal, bayesian_meta_analysis
from core.errors import InsufficientStudiesError
from core.intervals import ConfidenceInterval, check_level
from core.pooling import MetaResult, meta_analysis
from core.sensitivity import SensitivitySeries
from core.subgroups import SubgroupResult
from core.vocab import Test

# The prediction interval's distribution, as MetaResult.pi_dist names it.
PREDICTIVE = "posterior predictive"
# The per-refit arrays of a SensitivitySeries.
SERIES_FIELDS = tuple(f.name for f in fields(SensitivitySeries)
                      if f.name not in ("kind", "labels", "order", "method", "test", "level", "vectorised"))


def unit_information_sd(n, vi) -> float:
    """The unit-information SD ``sqrt(sum n_i / sum 1/v_i)`` of studies with ``n_i`` participants and
    sampling variances ``v_i`` (Röver et al. 2021, Res Synth Methods 12:448, eq. 6; bayesmeta ``uisd()``)."""
    n, vi = np.asarray(n, dtype=float), np.asarray(vi, dtype=float)
    if n.shape != vi.shape or n.size == 0 or not (np.all(n > 0) and np.all(vi > 0)):
        raise ValueError(f"`n` and `vi` must be positive arrays of one shape; got {n!r} and {vi!r}")
    return math.sqrt(n.sum() / (1.0 / vi).sum())


def default_prior_scale(n, vi) -> float:
    """Half the unit-information SD: the scale of the default half-normal prior on tau.

    A weakly informative prior on the outcome's own scale (Röver et al. 2021), as bayesmeta's
    ``SchmidliEtAl2017`` example scales it (UISD sqrt(0.5), scale sqrt(2)/4).  Its median, 0.34 UISD,
    is a substantial but not extreme between-study SD.
    """
    return 0.5 * unit_information_sd(n, vi)


@dataclass(frozen=True, slots=True)
class BayesPooled(MetaResult):
    """A pooled result of the Bayesian model, read like any :class:`MetaResult`.

    ``estimate`` is mu's posterior median, ``ci_low``/``ci_high`` its shortest credible interval,
    ``se`` its posterior SD, ``tau2`` the square of tau's posterior median, ``weights`` the posterior-mean
    weights (percent), ``pi_low``/``pi_high`` a new study's shortest predictive interval; ``statistic``
    and ``pvalue`` are NaN.  ``posterior`` is the full :class:`core.bayesian.BayesianMetaResult`.
    """

    posterior: BayesianMetaResult | None = None
    prior_scale: float = math.nan

    is_bayesian = True

    @property
    def prob_below_zero(self) -> float:
        """Posterior probability that mu < 0."""
        return self.posterior.mu.cdf(0.0)

    def confidence_interval(self, level: float | None = None) -> ConfidenceInterval:
        """mu's shortest credible interval at ``level`` (default: the result's level)."""
        return self.posterior.mu.interval(self.level if level is None else check_level(level))

    def prediction_interval(self, level: float | None = None, dist: str | None = None) -> ConfidenceInterval:
        """A new study's shortest posterior predictive interval (``dist`` is ignored)."""
        return self.posterior.theta.interval(self.level if level is None else check_level(level))

    def summary(self) -> str:
        return self.posterior.summary()


def bayes_pooled(res: MetaResult, scale: float) -> BayesPooled:
    """Refit ``res``'s studies with a half-normal(``scale``) prior on tau and a flat prior on mu."""
    fit = bayesian_meta_analysis(res.yi, res.vi, HalfNormal(scale), level=res.level, labels=res.labels)
    base = {f.name: getattr(res, f.name) for f in fields(MetaResult)}
    base.update(estimate=fit.estimate, se=fit.mu.sd, ci_low=fit.ci_low, ci_high=fit.ci_high, statistic=math.nan,
                pvalue=math.nan, tau2=fit.tau.median ** 2, weights=fit.weights, test=Test.Z.value, df=math.inf,
                hksj_floor=False, pi_low=fit.pi_low, pi_high=fit.pi_high, pi_dist=PREDICTIVE,
                notes=fit.notes)
    return BayesPooled(**base, posterior=fit, prior_scale=scale)


def bayesian_subgroups(sub: SubgroupResult, scale: float) -> SubgroupResult:
    """The total and every subgroup refitted (:func:`bayes_pooled`) with one prior; the test for subgroup
    differences (a fixed-effect test of the subgroup estimates) does not apply and is NaN."""
    subgroups = {g: bayes_pooled(r, scale) for g, r in sub.subgroups.items()}
    between = math.nan if sub.df_between >= 1 else sub.q_between
    return replace(sub, subgroups=subgroups, overall=bayes_pooled(sub.overall, scale), q_between=between,
                   p_between=math.nan, i2_between=math.nan if sub.df_between >= 1 else sub.i2_between)


def prior_sensitivity(res: MetaResult, scale: float, factors=(0.25, 0.5, 1.0, 2.0, 4.0)) -> tuple:
    """``(factor, prior scale, BayesPooled)`` for each multiple of the default scale (issue 22's
    prior-sensitivity figure: 0.25x to 4x)."""
    return tuple((f, f * scale, bayes_pooled(res, f * scale)) for f in factors)


def _series(res: BayesPooled, kind: str, subsets: list, labels: tuple, order: np.ndarray) -> SensitivitySeries:
    """Bayesian refits of ``res``'s studies over ``subsets`` (arrays of positions) with its prior; Q and
    the I^2s are the subsets' descriptive statistics, as in the main result."""
    out = {f: np.full(len(subsets), np.nan) for f in SERIES_FIELDS}
    for i, s in enumerate(subsets):
        yi, vi = res.yi[s], res.vi[s]
        fit = bayesian_meta_analysis(yi, vi, HalfNormal(res.prior_scale), level=res.level)
        desc = meta_analysis(yi, vi, method=res.method, level=res.level)
        values = dict(estimate=fit.estimate, se=fit.mu.sd, ci_low=fit.ci_low, ci_high=fit.ci_high,
                      tau2=fit.tau.median ** 2, q=desc.q, q_df=desc.q_df, q_pvalue=desc.q_pvalue, i2=desc.i2,
                      i2_tau=desc.i2_tau, h2=desc.h2)
        for name, value in values.items():
            out[name][i] = value
    return SensitivitySeries(kind=kind, labels=labels, order=order, method=res.method, test=res.test,
                             level=res.level, vectorised=False, **out)


def leave_one_out(result: MetaResult) -> SensitivitySeries:
    """:func:`core.sensitivity.leave_one_out`, with Bayesian refits (same prior) for a :class:`BayesPooled`
    (statistic and P value NaN)."""
    if not isinstance(result, BayesPooled):
        return sensitivity.leave_one_out(result)
    k = result.k
    if k < 2:
        raise InsufficientStudiesError(k, message=f"Leave-one-out needs at least 2 studies (k = {k}).")
    return _series(result, "leave-one-out", [np.delete(np.arange(k), i) for i in range(k)], result.labels,
                   np.arange(k))


def cumulative(result: MetaResult, order=None) -> SensitivitySeries:
    """:func:`core.sensitivity.cumulative` (studies added in ``order``, positions), with Bayesian refits
    for a :class:`BayesPooled`."""
    if not isinstance(result, BayesPooled):
        return sensitivity.cumulative(result, order=order)
    perm = np.arange(result.k) if order is None else np.asarray(order, dtype=int)
    if perm.ndim != 1 or not np.array_equal(np.sort(perm), np.arange(result.k)):
        raise ValueError(f"`order` must be a permutation of 0..k-1 (study positions); got {perm.tolist()[:10]}")
    labels = tuple(result.labels[i] for i in perm.tolist())
    return _series(result, "cumulative", [perm[: i + 1] for i in range(result.k)], labels, perm)


def trim_and_fill(result: MetaResult) -> TrimFillResult:
    """:func:`core.bias.trim_and_fill`; for a :class:`BayesPooled`, the filled set (observed + imputed
    studies) is refitted in the Bayesian model with the same prior, so that the adjusted and unadjusted
    results are both posterior medians with credible intervals.  The trimming steps themselves iterate on
    the DerSimonian-Laird estimate (the view's descriptive model): L0 needs a point estimate per step
    (Duval & Tweedie 2000), and a posterior per step would change nothing the L0 rank test reads."""
    tf = bias.trim_and_fill(result)
    if not isinstance(result, BayesPooled):
        return tf
    return replace(tf, filled=bayes_pooled(tf.filled, result.prior_scale))

