"""core.metaregression.permutation_test (issue 25; its permutations come from core.permutation):
metafor's permutest, against its documented example and on synthetic data where the answer is known
by counting."""
from __future__ import annotations

import math

import numpy as np
import pytest

from core.metaregression import meta_regression, permutation_test, pseudo_r2
from core.permutation import MAX_EXACT_PERMUTATIONS, distinct_permutations
from tests.core._bcg import ABLAT, VI, YEAR, YI


def _design(*columns):
    return np.column_stack([np.ones(len(columns[0])), *columns])


def test_published_example_exact_sign_flip_test_on_dat_bcg():
    """help(permutest), metafor 3.8-1: ``res <- rma(yi, vi, data=dat); permutest(res, exact=TRUE)`` on
    dat.bcg prints pval 0.0015 (run here under metafor 3.8-1: $pval = 0.00146484375 = 12 of the 2^13
    = 8192 sign vectors).  The asymptotic test of the same model prints pval < .0001 (z = -3.9744)."""
    perm = permutation_test(YI, VI, np.ones((13, 1)), method="REML", exact=True)
    assert perm.exact and perm.iterations == 8192 == perm.distinct
    assert perm.pvalues[0] * 8192 == 12 and perm.qm_pvalue == perm.pvalues[0]
    assert f"{perm.pvalues[0]:.4f}" == "0.0015"
    assert round(float(perm.model.statistic[0]), 4) == -3.9744


def test_published_example_mixed_effects_model_on_dat_bcg():
    """help(permutest): ``rma(yi, vi, mods = ~ ablat + year, data=dat)`` prints QM(df = 2) = 12.2043,
    R^2 = 64.63%, ablat z = -2.7371; its permutation test (1000 iterations) prints p-values near 0.02
    for ablat and the omnibus test (0.0220 and 0.0230 with seed=1234 under metafor 3.8-1).  A Monte
    Carlo p-value from 1000 permutations has a standard error of sqrt(p (1 - p) / 1000) = 0.0045 at
    p = 0.02: numpy's generator draws other permutations than R's, so ours must lie within 4 standard
    errors of the difference of two such estimates (4 * sqrt(2) * 0.0045 = 0.025) of R's."""
    X = _design(ABLAT, YEAR)
    perm = permutation_test(YI, VI, X, iterations=1000, seed=1234)
    assert not perm.exact and perm.iterations == 1000 and perm.seed == 1234
    # metafor's default Fisher scoring stops when tau^2 changes by < 1e-5; the core solves the score to
    # full precision, so QM differs in its 4th decimal (12.2045; 12.204487 with control threshold 1e-12).
    assert abs(perm.model.qm - 12.2043) < 3e-4 and round(float(perm.model.statistic[1]), 4) == -2.7371
    assert f"{pseudo_r2(YI, VI, X):.2f}" == "64.63"
    assert abs(perm.pvalues[1] - 0.0220) <= 0.025 and abs(perm.qm_pvalue - 0.0230) <= 0.025
    assert perm.pvalues[2] > 0.5 and perm.pvalues[0] > 0.5        # year and intercept: 0.9130, 0.9140 in R


def test_exact_counts_by_hand():
    """Five studies, a moderator whose observed order gives the largest |z| of all 120 orders, bar
    the one that reverses it (same |z|): p = 2/120."""
    y = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    v = np.full(5, 0.01)
    X = _design(np.array([1.0, 2, 3, 4, 5]))
    perm = permutation_test(y, v, X, method="FE", exact=True)
    assert perm.iterations == 120 and perm.pvalues[1] == pytest.approx(2 / 120) and perm.qm_pvalue == pytest.approx(
        2 / 120)


def test_ties_make_fewer_distinct_permutations_and_exact_is_automatic():
    dose = np.array([1, 1, 1, 2.75, 1.1, 0.45, 1, 1])
    assert distinct_permutations(_design(dose)) == math.factorial(8) // math.factorial(5) == 336
    assert distinct_permutations(np.ones((6, 1))) == 64
    y = np.linspace(-1, 0.5, 8)
    v = np.linspace(0.05, 0.2, 8)
    perm = permutation_test(y, v, _design(dose), iterations=1000)       # 336 <= 1000: exact, as metafor
    assert perm.exact and perm.iterations == 336 and perm.seed is None
    assert 0 < perm.pvalues[1] <= 1 and perm.qm_pvalue == pytest.approx(perm.pvalues[1])   # one moderator: QM = z^2


def test_monte_carlo_is_seeded_and_starts_with_the_observed_order():
    X = _design(ABLAT)
    a = permutation_test(YI, VI, X, iterations=200, seed=7)
    b = permutation_test(YI, VI, X, iterations=200, seed=7)
    c = permutation_test(YI, VI, X, iterations=200, seed=8)
    assert np.array_equal(a.pvalues, b.pvalues) and not a.exact and a.iterations == 200
    assert not np.array_equal(a.pvalues, c.pvalues) or a.qm_pvalue != c.qm_pvalue
    assert a.pvalues.min() >= 1 / 200          # the observed order is one of the permutations


def test_bad_arguments_are_named():
    X = _design(ABLAT)
    with pytest.raises(ValueError, match="iterations"):
        permutation_test(YI, VI, X, iterations=1)
    with pytest.raises(ValueError, match="exact test needs"):
        permutation_test(YI, VI, X, exact=True)
    with pytest.raises(ValueError, match="intercept"):
        permutation_test(YI, VI, np.column_stack([ABLAT, YEAR]))
    assert MAX_EXACT_PERMUTATIONS < distinct_permutations(X)


def test_pseudo_r2():
    X = _design(ABLAT)
    full, null = meta_regression(YI, VI, X), meta_regression(YI, VI, np.ones((13, 1)))
    assert pseudo_r2(YI, VI, X) == pytest.approx(100 * (null.tau2 - full.tau2) / null.tau2, rel=1e-12)
    assert math.isnan(pseudo_r2(YI, VI, np.ones((13, 1))))
    assert pseudo_r2(np.zeros(4), np.full(4, 0.1), _design(np.arange(4.0))) == 0.0   # tau2_0 = 0


def test_a_bimodal_reml_likelihood_gives_metafors_inside_maximum():
    """bcg[1:7] with ablat permuted to (13, 42, 52, 19, 55, 44, 44): the REML likelihood has a local
    maximum at 0 and a higher one inside; metafor's Fisher scoring from the Hedges estimate reaches
    tau^2 = 0.1446067 (z = 1.270840 under tight control), and so does the core."""
    fit = meta_regression(YI[:7], VI[:7], _design(np.array([13, 42, 52, 19, 55, 44, 44.0])), method="REML")
    assert round(fit.tau2, 7) == 0.1446067 and round(float(fit.statistic[1]), 6) == 1.270840
