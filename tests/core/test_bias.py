"""core.bias: funnel data, Egger (classical and metafor regtest), Begg, trim-and-fill.

Published values: metafor tests/testthat/test_misc_pub_bias.r on dat.egger2001 (REML,
log odds ratios): regtest zval -4.6686; ranktest tau 0.15, p 0.4503 (printed to 4 dp, so
matched after rounding).  Trim-and-fill: metafor's trimfill help-page example (dat.bcg, RR,
method="FE"): 4 missing studies on the right side, SE 2.3853 (printed to 4 dp).
Every metafor value here was re-run on R 4.2.2 with metafor 3.8-1 (tests/core/_reference_data.py, "Versions").
"""
import numpy as np
import pytest
import statsmodels.api as sm

from core import bias
from core.pooling import meta_analysis
from tests.core._reference_data import BCG_VI, BCG_YI, EGGER_VI, EGGER_YI


@pytest.fixture(scope="module")
def egger_reml():
    return meta_analysis(EGGER_YI, EGGER_VI, method="REML")


def test_regtest_form_matches_metafor(egger_reml):
    e = bias.egger_test(egger_reml, form="regtest")
    assert round(e.statistic, 4) == -4.6686 and np.isinf(e.df) and e.method == "REML" and e.warning == ""


def test_classical_egger_equals_statsmodels_ols_and_weighted_form(egger_reml):
    e = bias.egger_test(egger_reml)
    sei = np.sqrt(EGGER_VI)
    ols = sm.OLS(EGGER_YI / sei, sm.add_constant(1 / sei)).fit()      # Egger et al. 1997
    assert e.bias == pytest.approx(ols.params[0], abs=1e-10) and e.se == pytest.approx(ols.bse[0], abs=1e-10)
    assert e.pvalue == pytest.approx(ols.pvalues[0], abs=1e-10) and e.df == 14
    wls = sm.WLS(EGGER_YI, sm.add_constant(sei), weights=1 / EGGER_VI).fit()   # metafor regtest(model="lm")
    assert e.statistic == pytest.approx(wls.tvalues[1], abs=1e-10)
    assert e.limit_estimate == pytest.approx(wls.params[0], abs=1e-10)
    assert "Regression Test for Funnel Plot Asymmetry" in e.summary()


def test_begg_matches_metafor_ranktest(egger_reml):
    b = bias.begg_test(egger_reml)
    assert b.kendall_tau == pytest.approx(0.15, abs=1e-12) and round(b.pvalue, 4) == 0.4503 and b.exact
    assert b.tau == b.kendall_tau          # metafor ranktest's name, kept as a read-only alias
    with pytest.raises((AttributeError, TypeError)):   # TypeError: Python 3.11's frozen slots dataclass
        b.tau = 0.0  # type: ignore[misc]


def test_trim_and_fill_bcg_fe_matches_metafor_example():
    r = meta_analysis(BCG_YI, BCG_VI, method="FE")
    tf = bias.trim_and_fill(r)
    assert (tf.k0, round(tf.k0_se, 4), tf.side) == (4, 2.3853, "right")
    assert tf.filled.k == 17 and tf.to_frame()["imputed"].sum() == 4
    # imputed studies mirror the 4 most negative effects about the trimmed estimate, so they lie right of it
    assert np.all(tf.filled_yi > r.estimate) and tf.filled.estimate > r.estimate


def _symmetric():
    se = np.array([0.05, 0.1, 0.1, 0.15, 0.15, 0.2, 0.2, 0.25, 0.25, 0.3, 0.3, 0.35, 0.35, 0.4, 0.4])
    off = np.array([0, 0.05, -0.05, 0.1, -0.1, 0.15, -0.15, 0.2, -0.2, 0.3, -0.3, 0.4, -0.4, 0.5, -0.5])
    return 0.5 + off, se**2


def test_trim_and_fill_symmetric_and_suppressed():
    y, v = _symmetric()
    assert bias.trim_and_fill(meta_analysis(y, v)).k0 == 0
    keep = ~np.isin(np.arange(15), [10, 12, 14])          # remove three small studies on the left
    tf = bias.trim_and_fill(meta_analysis(y[keep], v[keep]))
    assert tf.side == "left" and tf.k0 >= 1 and tf.filled.estimate < tf.original.estimate
    mirrored = bias.trim_and_fill(meta_analysis(-y[keep], v[keep]))   # reflection swaps the side
    assert mirrored.side == "right" and mirrored.k0 == tf.k0
    assert mirrored.filled.estimate == pytest.approx(-tf.filled.estimate, abs=1e-12)
    assert bias.trim_and_fill(meta_analysis(y[keep], v[keep]), side="left").side_chosen == "given"


def test_funnel_data_contours():
    r = meta_analysis(BCG_YI, BCG_VI, method="REML")
    f = bias.funnel_data(r)
    assert f.se_grid[0] == 0 and f.se_grid[-1] >= np.sqrt(BCG_VI).max()
    assert f.contours[0.95][-1] == pytest.approx(1.959963984540054 * f.se_grid[-1], rel=1e-12)
    assert f.ci_high[-1] - f.estimate == pytest.approx(f.contours[0.95][-1], rel=1e-12)
    assert set(f.to_frame().columns) == {"label", "yi", "sei", "outside_funnel"}
    assert f.warning == ""                                           # k = 13 >= 10


def test_small_k_warning_on_every_result():
    # Cochrane Handbook v6.4 section 13.3.5.4: asymmetry tests only with at least 10 studies
    r = meta_analysis(BCG_YI[:6], BCG_VI[:6], method="DL")
    outs = [bias.funnel_data(r), bias.egger_test(r), bias.egger_test(r, form="regtest"), bias.begg_test(r),
            bias.trim_and_fill(r)]
    for o in outs:
        assert "Only 6 studies" in o.warning and "13.3.5.4" in o.warning


def test_validation():
    r = meta_analysis(BCG_YI[:2], BCG_VI[:2])
    with pytest.raises(ValueError, match=r"Egger's test needs k >= 3 studies; got k = 2"):
        bias.egger_test(r)
    with pytest.raises(ValueError, match=r"Begg's test needs k >= 3"):
        bias.begg_test(r)
    full = meta_analysis(BCG_YI, BCG_VI)
    with pytest.raises(ValueError, match=r"`form` must be one of \('classical', 'regtest'\); got 'x'"):
        bias.egger_test(full, form="x")
    with pytest.raises(ValueError, match=r"`side` must be one of \('left', 'right'\) or None; got 'up'"):
        bias.trim_and_fill(full, side="up")
    with pytest.raises(ValueError, match=r"`contour_levels` must each be in \(0, 1\); got 95.0"):
        bias.funnel_data(full, contour_levels=(95,))
    with pytest.raises(TypeError, match=r"`result` must be a MetaResult"):
        bias.begg_test("x")


def test_trim_and_fill_maxiter_is_a_value_error():
    y, v = _symmetric()
    keep = ~np.isin(np.arange(15), [10, 12, 14])
    with pytest.raises(ValueError, match=r"did not converge in 1 iterations"):
        bias.trim_and_fill(meta_analysis(y[keep], v[keep]), maxiter=1)


def test_egger_refuses_studies_of_equal_precision():
    # All SEs equal: the regression on 1/SE is collinear with the intercept, so the test is
    # undefined (no RuntimeWarning from a negative variance, a clear message instead).
    from core.pooling import meta_analysis
    res = meta_analysis([0.1, 0.3, -0.2, 0.5], [0.04] * 4)
    with pytest.raises(ValueError, match="differing precision"):
        bias.egger_test(res)


def test_egger_refuses_an_exact_fit_rather_than_test_rounding_noise():
    """Identical effects with differing precision: z = c/se is an exact line, the intercept's SE is
    rounding noise, and the t it gave (e.g. 0.7 or 3) meant nothing.  The test now says why it has
    no answer; a tiny real residual still gives one."""
    vi = np.array([0.04, 0.09, 0.16, 0.25])
    with pytest.raises(ValueError, match="fit its regression line exactly"):
        bias.egger_test(meta_analysis(np.full(4, -1.0), vi, method="FE"))
    got = bias.egger_test(meta_analysis(np.array([-1.0, -1.0, -1.0, -1.001]), vi, method="FE"))
    assert np.isfinite(got.statistic) and got.df == 2


def test_egger_on_an_exact_line_away_from_zero_is_decisive():
    vi = np.array([0.04, 0.09, 0.16, 0.25])
    got = bias.egger_test(meta_analysis(-0.2 - 2.0 * np.sqrt(vi), vi, method="FE"))
    assert got.bias == pytest.approx(-2.0) and got.pvalue < 1e-10
