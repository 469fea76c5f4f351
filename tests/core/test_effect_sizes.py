"""core.effect_sizes against Normand (1999), Hedges & Olkin (1985) and statsmodels."""
import numpy as np
import pytest
from statsmodels.stats.meta_analysis import effectsize_smd

from core import effect_sizes as es
from tests.core._reference_data import NORMAND


def test_mean_difference_normand1999_table_viii():
    # Normand (1999) p. 351 Table VIII (metafor test_analysis_example_normand1999.r): with the
    # pooled SD in both arms, yi = -20, -2, -55, ... and vi = 40.59, 2.05, 15.28, ... (2 dp).
    n1, m1, s1, n2, m2, s2 = NORMAND.T
    sp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
    r = es.mean_difference(n1, m1, sp, n2, m2, sp)
    assert r.yi.tolist() == [-20, -2, -55, -71, -4, 1, 11, -10, 7]
    assert np.round(r.vi, 2).tolist() == [40.59, 2.05, 15.28, 150.22, 20.19, 1.22, 95.38, 8.03, 20.69]
    # study CIs (metafor summary(dat), 1 dp): first study [-32.5, -7.5]
    assert (round(r.ci_low[0], 1), round(r.ci_high[0], 1)) == (-32.5, -7.5)
    assert r.measure == "MD" and r.k == 9


def test_exact_hedges_correction_published_value():
    # Hedges & Olkin (1985) Statistical Methods for Meta-Analysis, p. 80, Table 2: J(10) = 0.9227.
    assert round(float(es.exact_hedges_correction(10)), 4) == 0.9227


def test_smd_variants():
    n1, m1, s1, n2, m2, s2 = NORMAND.T
    rv = es.standardized_mean_difference(n1, m1, s1, n2, m2, s2)
    g, v = effectsize_smd(m1, s1, n1, m2, s2, n2)        # RevMan 5 formula (statsmodels)
    np.testing.assert_allclose(rv.yi, g, atol=1e-12)
    np.testing.assert_allclose(rv.vi, v, atol=1e-12)
    ex = es.standardized_mean_difference(n1, m1, s1, n2, m2, s2, variant="hedges_exact")
    big = n1 + n2
    sp = np.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (big - 2))
    d = (m1 - m2) / sp
    np.testing.assert_allclose(ex.yi, es.exact_hedges_correction(big - 2) * d, rtol=1e-12)
    np.testing.assert_allclose(ex.vi, 1 / n1 + 1 / n2 + ex.yi**2 / (2 * big), rtol=1e-12)
    # the two corrections agree to < 0.1 % once N - 2 >= 20 (Hedges 1981 eq. 6f approximation)
    np.testing.assert_allclose(ex.yi, rv.yi, rtol=1e-3)
    with pytest.raises(ValueError, match=r"`variant` must be one of \('revman5', 'hedges_exact'\); got 'x'"):
        es.standardized_mean_difference(n1, m1, s1, n2, m2, s2, variant="x")


def test_pre_post_change_scores():
    # Cochrane Handbook 16.1.3.2: with r = 0.5 and equal SDs the change SD equals that SD.
    r = es.mean_change([20], [8.0], [1.2], [7.1], [1.2], r=0.5)
    assert r.yi[0] == pytest.approx(-0.9) and r.vi[0] == pytest.approx(1.2**2 / 20)
    assert es.change_sd(3.0, 4.0, 0.0) == pytest.approx(5.0)
    s = es.standardized_mean_change([20], [8.0], [1.2], [7.1], [1.0], r=0.5)
    j = 1 - 3 / (4 * 19 - 1)       # approximate J; metafor 3.8-1 escalc("SMCR") uses the exact J(n - 1)
    assert s.yi[0] == pytest.approx(j * -0.9 / 1.2) and s.vi[0] == pytest.approx(2 * 0.5 / 20 + s.yi[0] ** 2 / 40)
    with pytest.raises(ValueError, match=r"`r` must be in \[0, 1\); got 1.2"):
        es.mean_change([20], [8.0], [1.2], [7.1], [1.2], r=1.2)


def test_validation_messages():
    with pytest.raises(ValueError, match=r"`sd2` must be > 0; got -1.0 in study 1"):
        es.mean_difference([10], [1], [1], [10], [1], [-1])
    with pytest.raises(ValueError, match=r"inputs must have the same length; got n1=2"):
        es.mean_difference([10, 11], [1], [1], [10], [1], [1])
