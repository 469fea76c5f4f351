"""core.conversions: SE/CI -> SD and median/IQR/range -> mean/SD (Hozo 2005, Wan 2014, Luo 2018,
Shi 2020), checked on exact normal quantiles, where each estimator must recover the true
mean and SD as n grows (Wan 2014 section 2; Luo 2018 section 2), and on hand-worked values."""
import numpy as np
import pytest
from scipy import stats

from core import conversions as cv

MU, SD = 5.0, 2.0


def test_estimators_recover_normal_parameters_in_large_samples():
    n = 10**7
    q1, q3 = stats.norm.ppf([0.25, 0.75], MU, SD)
    # the expected range of n normals is ~2 * Phi^-1((n - 0.375)/(n + 0.25)) SD (Blom)
    half = SD * stats.norm.ppf((n - 0.375) / (n + 0.25))
    a, b = MU - half, MU + half
    assert cv.sd_from_iqr(q1, q3, n) == pytest.approx(SD, rel=1e-5)
    assert cv.mean_from_median_iqr(q1, MU, q3, n) == pytest.approx(MU, rel=1e-12)
    assert cv.sd_from_range(a, b, n) == pytest.approx(SD, rel=1e-12)
    assert cv.mean_from_median_range(a, MU, b, n) == pytest.approx(MU, rel=1e-12)
    assert cv.mean_from_five_numbers(a, q1, MU, q3, b, n) == pytest.approx(MU, rel=1e-12)
    assert cv.sd_from_five_numbers_shi(a, q1, q3, b, n) == pytest.approx(SD, rel=1e-5)
    assert cv.sd_from_five_numbers_wan(a, q1, q3, b, n) == pytest.approx(SD, rel=1e-5)


def test_hozo_formulas_hand_worked():
    # Hozo et al. (2005) eq. 4 and eq. 16 with a = 1, m = 3, b = 8, n = 20:
    # mean = 15/4 + 3/80 = 3.7875; SD = sqrt((9/4 + 49)/12) = 2.0666
    assert cv.mean_from_median_range_hozo(1, 3, 8, 20) == pytest.approx(3.7875, abs=1e-12)
    assert cv.sd_from_range_hozo(1, 3, 8) == pytest.approx(np.sqrt((9 / 4 + 49) / 12), abs=1e-12)


def test_se_and_ci_to_sd():
    # Cochrane Handbook v6.4 section 6.5.2.2: SD = SE sqrt(n); 95% CI of a mean with n = 25:
    # SD = sqrt(25) (high - low) / (2 t_24) (the Handbook's 2 x 2.064 = 4.128 for n = 25)
    assert cv.sd_from_se(0.5, 16) == pytest.approx(2.0)
    assert cv.sd_from_ci(1.0, 5.128, 25) == pytest.approx(5 * 4.128 / (2 * stats.t.isf(0.025, 24)), rel=1e-12)
    assert round(2 * stats.t.isf(0.025, 24), 3) == 4.128


def test_to_mean_sd_dispatch_defaults_unchanged():
    r = cv.to_mean_sd(3.0, "median_iqr", 2.0, 4.5, 30)
    assert r.mean == pytest.approx(float(cv.mean_from_median_iqr(2.0, 3.0, 4.5, 30)))       # Luo 2018
    assert r.sd == pytest.approx(float(cv.sd_from_iqr(2.0, 4.5, 30))) and "Luo 2018; Wan 2014" in r.derivation
    with pytest.raises(ValueError, match=r"`dispersion_type` must be one of .*got 'iqr'"):
        cv.to_mean_sd(3.0, "iqr", 2.0, 4.5, 30)
    assert cv.canonical_unit("mg/dL") == cv.CanonicalUnit("mmol/L", 1 / 18.016)


def test_results_are_frozen_and_unpack_as_the_tuples_they_replace():
    r = cv.to_mean_sd(3.0, "se", 0.5, None, 16)
    m, s, derivation = r
    assert (m, s, derivation) == (3.0, 2.0, "SD from SE (Cochrane Handbook 6.5.2.2)") and r.mean == m
    unit, factor = cv.canonical_unit(" ng/mL ")
    assert (unit, factor) == ("nmol/L", 1 / 3.0203) and cv.canonical_unit("mystery").factor == 1.0
    with pytest.raises(AttributeError):
        r.sd = 1.0  # type: ignore[misc]
