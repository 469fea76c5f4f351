"""core.intervals: the one ConfidenceInterval type, critical values and P values, and the public
names the statistics modules share (re-exported where they were first defined)."""
import math

import numpy as np
import pytest
from scipy import stats

from core import events, heterogeneity as het, influence, intervals, metaregression, pooling, sensitivity, tau2_se, vocab


def test_one_confidence_interval_type_behaves_as_the_pair():
    assert pooling.ConfidenceInterval is events.ConfidenceInterval is intervals.ConfidenceInterval
    ci = intervals.ConfidenceInterval(-1.5, 2.0)
    low, high = ci
    assert (low, high) == (ci.low, ci.high) == (ci[0], ci[1]) and len(ci) == 2
    assert ci == (-1.5, 2.0) and ci == intervals.ConfidenceInterval(-1.5, 2.0) and ci != (0.0, 2.0)
    assert hash(ci) == hash((-1.5, 2.0)) and np.asarray(ci).tolist() == [-1.5, 2.0]
    assert ci == pytest.approx((-1.5, 2.0))
    with pytest.raises(AttributeError):
        ci.low = 0.0  # type: ignore[misc]
    r = pooling.meta_analysis([0.1, 0.4, 0.2], [0.01, 0.02, 0.03], method="DL")
    assert tuple(r.prediction_interval()) == (r.pi_low, r.pi_high)
    assert tuple(r.confidence_interval()) == pytest.approx((r.ci_low, r.ci_high), rel=1e-15)


def test_critical_values_and_p_values():
    assert intervals.z_crit(0.95) == pytest.approx(stats.norm.ppf(0.975), rel=1e-15)
    assert intervals.t_crit(0.95, 7) == pytest.approx(stats.t.ppf(0.975, 7), rel=1e-12)
    assert intervals.t_crit(0.9, math.inf) == intervals.z_crit(0.9)
    assert math.isnan(intervals.t_crit(0.95, 0)) and math.isnan(intervals.t_crit(0.95, math.nan))
    assert intervals.two_sided_p(1.959963984540054, math.inf) == pytest.approx(0.05, rel=1e-12)
    assert intervals.two_sided_p(2.0, 5) == pytest.approx(2 * stats.t.sf(2.0, 5), rel=1e-12)
    assert math.isnan(intervals.two_sided_p(math.nan, 5)) and math.isnan(intervals.two_sided_p(1.0, 0))
    assert intervals.t_crit.cache_info().maxsize == 4096          # one cache, not two stacked
    with pytest.raises(TypeError, match="`level` must be a number"):
        intervals.check_level(True)
    with pytest.raises(ValueError, match=r"`level` must be in \(0, 1\); got 1.5"):
        intervals.check_level(1.5)


def test_shared_helpers_are_public_and_reexported():
    for name in ("z_crit", "t_crit", "two_sided_p"):
        assert getattr(pooling, name) is getattr(intervals, name)
    assert callable(pooling.pool_validated) and pooling.pool_validated.__doc__
    for name in ("influence", "InfluenceResult", "baujat", "BaujatResult"):   # one home each (issue 24: no cycle)
        assert callable(getattr(influence, name)) and not hasattr(sensitivity, name)
    with pytest.raises(TypeError, match="`result` must be a MetaResult"):
        pooling.require_meta_result(None)


def test_every_registry_estimator_has_a_formula_everywhere():
    assert pooling.METHODS == tuple(vocab.ESTIMATORS)
    assert set(het.TAU2_METHODS) == set(vocab.ESTIMATORS)
    assert set(tau2_se.SE_TAU2_METHODS) == set(vocab.ESTIMATORS)          # se.tau2 (FE: none, NaN)
    assert pooling.METHOD_LABELS == {e.code: e.label for e in vocab.ESTIMATOR_INFO}
    assert pooling.METHOD_LABELS["DL"] == "DerSimonian-Laird"
    assert all(type(m) is str for m in pooling.METHODS + het.TAU2_METHODS + sensitivity.VECTORISED_METHODS)
    X = np.column_stack([np.ones(6), np.arange(6.0)])
    y, v = np.array([0.1, 0.5, 0.2, 0.9, 0.4, 0.7]), np.full(6, 0.02)
    for m in vocab.ESTIMATORS:
        assert metaregression.meta_regression(y, v, X, method=m).method == m
        fit = pooling.meta_analysis(y, v, method=m)
        assert fit.tau2 == het.estimate_tau2(y, v, m) and (np.isfinite(fit.se_tau2) == (m != vocab.Tau2.FE)), m
    # the intercept-only meta-regression is the pooled fit, for every estimator
    for m in vocab.ESTIMATORS:
        reg = metaregression.meta_regression(y, v, X[:, :1], method=m)
        assert reg.tau2 == pytest.approx(het.estimate_tau2(y, v, m), rel=1e-9, abs=1e-14), m
    r = pooling.meta_analysis(y, v, method=vocab.Tau2.REML)
    assert type(r.method) is str and r.method == "REML"      # results hold the plain code
