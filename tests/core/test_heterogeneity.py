"""core.heterogeneity: tau^2 estimators, both I^2 definitions, H^2, Q-profile intervals.

Tolerances: values printed by a paper or by metafor to d decimals are compared after rounding
to d decimals (exact match of the printed digits).  metafor's own root-finders stop early
(Fisher scoring at 1e-5, ``uniroot`` at eps^0.25 ~ 1.2e-4 on tau^2 for ``confint``), so
code-to-code checks against metafor's stored full-precision values use abs 1e-4 on tau^2
bounds; our solvers are checked by their defining equations at 1e-10.
Every metafor value here was re-run on R 4.2.2 with metafor 3.8-1 (tests/core/_reference_data.py,
"Versions").
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from core import heterogeneity as het
from tests.core._reference_data import (BCG_VI, BCG_YI, RAUDENBUSH_VI, RAUDENBUSH_YI, V2005_1_VI, V2005_1_YI,
                             V2005_2_VI, V2005_2_YI)


def test_bcg_q_and_dl_tau2_match_metafor():
    # metafor docs, rma(yi, vi, data=dat.bcg escalc RR, method="DL"): Q(df = 12) = 152.2330,
    # tau^2 = 0.3088 (also tests/testthat/test_misc_confint.r: 0.3088).
    assert round(het.cochran_q(BCG_YI, BCG_VI), 4) == 152.2330
    assert round(het.tau2_dersimonian_laird(BCG_YI, BCG_VI), 4) == 0.3088


def test_bcg_reml_tau2_matches_metafor_influence_reference():
    # metafor tests/testthat/test_misc_influence.r stores tau2 = 0.313243325980895 for
    # rma(yi, vi, data=dat) (REML).  metafor stops Fisher scoring when the step is < 1e-5, and
    # its stored value is 6.8e-8 from the exact root we find, hence abs=1e-6.
    assert het.tau2_reml(BCG_YI, BCG_VI) == pytest.approx(0.313243325980895, abs=1e-6)


@pytest.mark.parametrize("yi, vi, expected", [
    # Viechtbauer (2005) p. 271 (example 1) and p. 272 (example 2); metafor
    # tests/testthat/test_analysis_example_viechtbauer2005.r, tau2 / I2 / H2 rounded to 3 / 2 / 2 dp.
    (V2005_1_YI, V2005_1_VI, {"HE": (0.148, 68.80, 3.21), "DL": (0.277, 80.44, 5.11), "ML": (0.197, 74.51, 3.92),
                              "REML": (0.223, 76.84, 4.32), "SJ": (0.199, 74.75, 3.96)}),
    (V2005_2_YI, V2005_2_VI, {"HE": (0.000, 0.00, 1.00), "DL": (0.013, 27.53, 1.38), "ML": (0.013, 28.45, 1.40),
                              "REML": (0.016, 32.02, 1.47), "SJ": (0.025, 42.67, 1.74)}),
])
def test_viechtbauer2005_estimators_and_tau2_based_i2(yi, vi, expected):
    for method, (tau2, i2, h2) in expected.items():
        t = het.estimate_tau2(yi, vi, method)
        assert round(t, 3) == tau2, method
        assert round(het.i2_from_tau2(t, vi), 2) == i2, method
        assert round(het.h2_from_tau2(t, vi), 2) == h2, method


def test_raudenbush2009_table_16_3_tau2():
    # Raudenbush (2009) Handbook of Research Synthesis 2nd ed., p. 309, Table 16.3 (metafor
    # test_analysis_example_raudenbush2009.r): tau2 FE 0, ML 0.013, REML 0.019, DL 0.026, HE 0.080.
    got = {m: round(het.estimate_tau2(RAUDENBUSH_YI, RAUDENBUSH_VI, m), 3) for m in ("FE", "ML", "REML", "DL", "HE")}
    assert got == {"FE": 0.0, "ML": 0.013, "REML": 0.019, "DL": 0.026, "HE": 0.080}


def test_iterative_estimators_solve_their_equations_to_1e10():
    k = BCG_YI.size
    pm = het.tau2_paule_mandel(BCG_YI, BCG_VI)
    assert het.generalized_q(BCG_YI, BCG_VI, pm) == pytest.approx(k - 1, abs=1e-10)
    for reml in (False, True):
        t = het.tau2_reml(BCG_YI, BCG_VI) if reml else het.tau2_ml(BCG_YI, BCG_VI)
        eps = 1e-10
        # the score changes sign within +/- 1e-10 of the root
        assert het._ml_score(BCG_YI, BCG_VI, t - eps, reml) > 0 > het._ml_score(BCG_YI, BCG_VI, t + eps, reml)


def test_pm_matches_statsmodels_iterated():
    # statsmodels 0.15 combine_effects(method_re="iterated") is Paule-Mandel (DerSimonian &
    # Kacker 2007); its own iteration stops at atol 1e-10.
    from statsmodels.stats.meta_analysis import combine_effects
    sm = combine_effects(BCG_YI, BCG_VI, method_re="iterated")
    assert het.tau2_paule_mandel(BCG_YI, BCG_VI) == pytest.approx(sm.tau2, abs=1e-8)


def test_dl_i2_q_based_equals_tau2_based():
    # Identity: with the DL tau^2, 100 tau2/(tau2 + s^2) = (Q - df)/Q (Higgins & Thompson 2002).
    t = het.tau2_dersimonian_laird(BCG_YI, BCG_VI)
    assert het.i2_from_tau2(t, BCG_VI) == pytest.approx(het.i2_from_q(het.cochran_q(BCG_YI, BCG_VI), 12), abs=1e-10)


def test_q_profile_interval_matches_metafor_confint():
    # metafor tests/testthat/test_misc_confint.r, rma(method="DL") on dat.bcg, confint():
    # tau2 0.3088 [0.1197, 1.1115]; I2 92.1173 [81.9177, 97.6781]; H2 12.6861 [5.5303, 43.0680].
    # metafor's uniroot stops at tol eps^0.25 on tau^2, which moves the lower I^2 bound by up
    # to ~0.005 points; our bounds are exact roots (checked below).  metafor 3.8-1 with
    # control = list(tol = 1e-12) gives I2 [81.9206, 97.6781], H2 [5.5311, 43.0677], as we do.
    t = het.tau2_dersimonian_laird(BCG_YI, BCG_VI)
    ci = het.q_profile_interval(BCG_YI, BCG_VI, t, level=0.95)
    assert (round(ci.tau2_low, 4), round(ci.tau2_high, 4)) == (0.1197, 1.1115)
    assert ci.i2 == pytest.approx(92.1173, abs=1e-4)
    assert ci.i2_low == pytest.approx(81.9177, abs=5e-3) and ci.i2_high == pytest.approx(97.6781, abs=5e-3)
    assert ci.h2_low == pytest.approx(5.5303, abs=2e-3) and ci.h2_high == pytest.approx(43.0680, abs=2e-3)
    from scipy import stats
    assert het.generalized_q(BCG_YI, BCG_VI, ci.tau2_low) == pytest.approx(stats.chi2.isf(0.025, 12), abs=1e-9)
    assert het.generalized_q(BCG_YI, BCG_VI, ci.tau2_high) == pytest.approx(stats.chi2.ppf(0.025, 12), abs=1e-9)


def test_q_profile_truncates_at_zero_on_homogeneous_data():
    yi = np.array([0.1, 0.1, 0.1, 0.1])
    vi = np.array([0.1, 0.2, 0.3, 0.4])
    ci = het.q_profile_interval(yi, vi, 0.0)
    assert ci.tau2_low == 0.0 and ci.tau2_high == 0.0 and ci.lower_truncated and ci.upper_truncated


def test_homogeneous_data_all_estimators_zero_and_i2_zero():
    # statsmodels 0.15.0 returns a negative DL tau^2 and I^2 < 0 here (STYLE.md); we truncate.
    yi = np.array([0.50, 0.51, 0.49, 0.50, 0.505])
    vi = np.array([0.04, 0.05, 0.06, 0.03, 0.05])
    for m in het.TAU2_METHODS:
        if m != "SJ":   # SJ is positive unless all y are equal (Sidik & Jonkman 2005)
            assert het.estimate_tau2(yi, vi, m) == 0.0, m
    q = het.cochran_q(yi, vi)
    assert het.i2_from_q(q, 4) == 0.0 and het.h2_from_q(q, 4) == 1.0


def test_k1_and_unknown_method():
    one = np.array([0.3]), np.array([0.1])
    assert all(het.estimate_tau2(*one, m) == 0.0 for m in het.TAU2_METHODS)
    assert het.i2_from_q(0.0, 0) == 0.0 and het.i2_from_tau2(0.0, one[1]) == 0.0
    with pytest.raises(ValueError, match=r"`method` must be one of .*got 'XX'"):
        het.estimate_tau2(*one, "XX")
    with pytest.raises(ValueError, match=r"`level` must be in \(0, 1\); got 1.5"):
        het.q_profile_interval(BCG_YI, BCG_VI, 0.3, level=1.5)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-5, 5), st.floats(0.01, 2)), min_size=2, max_size=12),
       st.sampled_from(het.TAU2_METHODS))
def test_property_tau2_nonnegative_and_i2_in_range(rows, method):
    yi, vi = map(np.array, zip(*rows))
    t = het.estimate_tau2(yi, vi, method)
    assert t >= 0
    assert 0 <= het.i2_from_tau2(t, vi) < 100
    assert 0 <= het.i2_from_q(het.cochran_q(yi, vi), yi.size - 1) < 100
