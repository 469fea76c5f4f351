"""core/ against metafor 3.8-1 run with tight convergence (R 4.2.2; tests/core/metafor_reference.R):
the pooled fits, leave-one-out, influence, cumul, confint, regtest, and (issue 15) the Hunter-Schmidt
and empirical Bayes estimators, se.tau2 of every estimator and the pooled-SD mean difference.

With threshold = tol = 1e-12 metafor's iterations reach the exact roots that core/ solves for,
so the two agree far below the printed digits: 1e-9 relative is asserted (observed: ~1e-11 for
the Q-profile bounds, whose uniroot tolerance is on tau^2, and ~1e-13 elsewhere).
"""
import numpy as np
import pytest

from core import bias, effect_sizes as es, sensitivity as sens
from core.influence import influence
from core.pooling import meta_analysis
from tests.core._reference_data import BCG_VI, BCG_YEAR, BCG_YI, EGGER_VI, EGGER_YI, METAFOR_TIGHT, NORMAND

REL = 1e-9


@pytest.fixture(scope="module")
def reml():
    return meta_analysis(BCG_YI, BCG_VI, method="REML")


def test_reml_fit(reml):
    got = (reml.tau2, reml.estimate, reml.se, reml.statistic, reml.ci_low, reml.ci_high, reml.i2_tau, reml.h2_tau)
    assert got == pytest.approx(METAFOR_TIGHT["reml"], rel=REL)


def test_leave_one_out_and_influence_first_study(reml):
    loo = sens.leave_one_out(reml)
    fields = ("estimate", "se", "statistic", "pvalue", "ci_low", "ci_high", "q", "tau2", "i2_tau")
    assert tuple(getattr(loo, f)[0] for f in fields) == pytest.approx(METAFOR_TIGHT["leave1out_1"], rel=REL)
    inf = influence(reml)
    fields = ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "q_del", "hat", "weight", "dfbetas")
    assert tuple(getattr(inf, f)[0] for f in fields) == pytest.approx(METAFOR_TIGHT["influence_1"], rel=REL)


def test_cumulative_by_year(reml):
    got = sens.cumulative(reml, by=BCG_YEAR).estimate
    np.testing.assert_allclose(got, METAFOR_TIGHT["cumul_by_year"], rtol=REL)


def test_q_profile_interval_dl():
    ci = meta_analysis(BCG_YI, BCG_VI, method="DL").tau2_confidence_interval()
    got = (ci.tau2, ci.tau2_low, ci.tau2_high, ci.i2, ci.i2_low, ci.i2_high, ci.h2, ci.h2_low, ci.h2_high)
    assert got == pytest.approx(METAFOR_TIGHT["confint_dl"], rel=REL)


def test_regtest():
    e = bias.egger_test(meta_analysis(EGGER_YI, EGGER_VI, method="REML"), form="regtest")
    assert (e.statistic, e.pvalue) == pytest.approx(METAFOR_TIGHT["regtest_reml"], rel=REL)


@pytest.mark.parametrize("method", ["HS", "EB"])
def test_hunter_schmidt_and_empirical_bayes(method):
    r = meta_analysis(BCG_YI, BCG_VI, method=method)
    got = (r.tau2, r.se_tau2, r.estimate, r.se, r.i2_tau)
    assert got == pytest.approx(METAFOR_TIGHT[method.lower()], rel=REL)


def test_empirical_bayes_is_paule_mandel():
    eb, pm = (meta_analysis(BCG_YI, BCG_VI, method=m) for m in ("EB", "PM"))
    assert (eb.tau2, eb.estimate, eb.se, eb.se_tau2) == (pm.tau2, pm.estimate, pm.se, pm.se_tau2)


def test_se_tau2_of_every_estimator():
    methods = ("DL", "HE", "SJ", "PM", "ML", "REML", "HS", "EB")
    got = [meta_analysis(BCG_YI, BCG_VI, method=m).se_tau2 for m in methods]
    assert got == pytest.approx(METAFOR_TIGHT["se_tau2"], rel=REL)
    assert np.isnan(meta_analysis(BCG_YI, BCG_VI, method="FE").se_tau2)          # metafor: NA
    assert np.isnan(meta_analysis([0.1], [0.2], method="REML").se_tau2)            # k = 1: NA


def test_pooled_sd_mean_difference():
    n1, m1, sd1, n2, m2, sd2 = NORMAND.T
    eff = es.mean_difference(n1, m1, sd1, n2, m2, sd2, variance="pooled")
    np.testing.assert_allclose(eff.vi, METAFOR_TIGHT["md_pooled_vi"], rtol=1e-12)
    fe = meta_analysis(eff.yi, eff.vi)
    assert (fe.estimate, fe.se, fe.q) == pytest.approx(METAFOR_TIGHT["md_pooled_fe"], rel=REL)
    default = es.mean_difference(n1, m1, sd1, n2, m2, sd2)
    np.testing.assert_allclose(default.vi, sd1**2 / n1 + sd2**2 / n2, rtol=0)       # unchanged default
    with pytest.raises(ValueError, match="`variance` must be one of"):
        es.mean_difference(n1, m1, sd1, n2, m2, sd2, variance="equal")
