"""core.metaregression against metafor (dat.bcg, mods = ~ ablat) and the pooling estimators.

Every metafor value here was re-run on R 4.2.2 with metafor 3.8-1 (tests/core/_reference_data.py, "Versions").
"""
import numpy as np
import pytest

from core.metaregression import meta_regression
from core.pooling import meta_analysis
from tests.core._reference_data import BCG_ABLAT, BCG_VI, BCG_YI


def test_metaregression_hat_values_match_metafor():
    # metafor tests/testthat/test_misc_influence.r: hatvalues(rma(yi, vi, mods = ~ ablat)) on
    # dat.bcg, printed to 4 dp.
    X = np.column_stack([np.ones(13), BCG_ABLAT])
    m = meta_regression(BCG_YI, BCG_VI, X, method="REML")
    w = 1 / (BCG_VI + m.tau2)
    hat = np.diag(X @ np.linalg.inv(X.T @ (X * w[:, None])) @ (X * w[:, None]).T)
    expected = [0.049, 0.1493, 0.0351, 0.3481, 0.2248, 0.2367, 0.064, 0.357, 0.0926, 0.1157, 0.2309, 0.0189, 0.0778]
    assert np.round(hat, 4).tolist() == expected
    # intercept-only meta-regression reproduces every pooling estimator
    for method in ("DL", "HE", "SJ", "PM", "ML", "REML"):
        assert meta_regression(BCG_YI, BCG_VI, np.ones((13, 1)), method=method).tau2 == pytest.approx(
            meta_analysis(BCG_YI, BCG_VI, method=method).tau2, abs=1e-10), method


def test_knha_and_validation():
    X = np.column_stack([np.ones(13), BCG_ABLAT])
    z = meta_regression(BCG_YI, BCG_VI, X, method="REML")
    t = meta_regression(BCG_YI, BCG_VI, X, method="REML", test="knha")
    assert t.df == 11 and z.beta == pytest.approx(t.beta, abs=1e-14)
    assert t.qm == pytest.approx(t.statistic[1] ** 2, rel=1e-10)     # F(1, df) = t^2
    with pytest.raises(ValueError, match=r"Number of rows in the model matrix \(2\) does not match"):
        meta_regression([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"`X` must have full column rank \(2\); got rank 1"):
        meta_regression(BCG_YI, BCG_VI, np.ones((13, 2)))


def test_sidik_jonkman_meta_regression_starts_from_the_variance_of_the_effects():
    # metafor 3.8-1: rma(yi, vi, mods = ~ ablat, data = dat.bcg, method = "SJ"), printed with %.17g.  Its
    # start is sum (y - ybar)^2 / k whatever the moderators (not the OLS residuals' RSS / k).
    X = np.column_stack([np.ones(13), BCG_ABLAT])
    m = meta_regression(BCG_YI, BCG_VI, X, method="SJ")
    assert m.tau2 == pytest.approx(0.2318437161189788, rel=1e-10)
    assert m.beta.tolist() == pytest.approx([0.19827172916340347, -0.028071368956770742], rel=1e-10)
    assert m.se.tolist() == pytest.approx([0.3887058462425278, 0.01101424398038898], rel=1e-10)
    assert m.qm == pytest.approx(6.4955779647916358, rel=1e-10)
