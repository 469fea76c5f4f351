"""core.sensitivity and core.influence: leave-one-out, cumulative, influence and Baujat against metafor.

metafor reference values come from its test suite (stored at full precision from R):
tests/testthat/test_misc_influence.r and test_misc_cumul.r, on dat.bcg (escalc RR) with
rma(yi, vi) (REML).  metafor compares them at relative 1e-2 (its settings.r .tol); we use
1e-5 absolute, the size of metafor's own REML stopping rule (its tau^2 is 7e-8 from the
exact root).  The vectorised FE/DL passes are checked against k separate fits at 1e-10.
Every metafor value here was re-run on R 4.2.2 with metafor 3.8-1 (tests/core/_reference_data.py,
"Versions"); with tight convergence metafor agrees with us to 1e-9 (test_metafor_reference.py).
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from core.errors import InsufficientStudiesError
from core.pooling import meta_analysis
from core import sensitivity as sens
from core.influence import baujat, influence
from tests.core._reference_data import BCG_VI, BCG_YEAR, BCG_YI


@pytest.fixture(scope="module")
def reml():
    return meta_analysis(BCG_YI, BCG_VI, method="REML", labels=[f"Trial {i + 1}" for i in range(13)])


def test_leave_one_out_first_row_matches_metafor(reml):
    # test_misc_influence.r, leave1out(res)[1]
    loo = sens.leave_one_out(reml)
    row = loo.to_frame().iloc[0]
    assert row["omitted"] == "Trial 1" and not loo.vectorised
    expected = dict(estimate=-0.707083788031436, se=0.189961024702717, statistic=-3.72225717953459,
                    ci_low=-1.07940055491509, ci_high=-0.334767021147788, q=151.582572747109, tau2=0.336156745300306,
                    i2_tau=93.2259349111223)
    for f, v in expected.items():
        assert row[f] == pytest.approx(v, abs=1e-5), f
    assert row["pvalue"] == pytest.approx(0.000197449759023198, rel=1e-4)


def test_cumulative_by_year_matches_metafor(reml):
    # test_misc_cumul.r: cumul(res, order=year)$estimate
    expected = [-0.889311, -1.325003, -0.97208, -1.001094, -1.101424, -0.973464, -0.901251, -0.788566, -0.865607,
                -0.785211, -0.708206, -0.794768, -0.714532]
    cum = sens.cumulative(reml, by=BCG_YEAR)
    assert cum.estimate == pytest.approx(expected, abs=1e-5)
    assert cum.labels[0] == "Trial 1" and cum.labels[1] == "Trial 2" and cum.labels[2] == "Trial 6"  # 1948, 1949, 1953
    assert len(cum.to_frame()) == 13


def test_influence_matches_metafor(reml):
    # test_misc_influence.r, influence(res)$inf[1] and $dfbs[1]
    inf = influence(reml)
    expected = dict(rstudent=-0.218142474344442, dffits=-0.0407075604868486, cook_d=0.00171654236729195,
                    cov_r=1.11644891104804, tau2_del=0.336156745300306, q_del=151.582572747109,
                    hat=0.0505948307931551, weight=5.05948307931551, dfbetas=-0.0402659025974144)
    for f, v in expected.items():
        assert getattr(inf, f)[0] == pytest.approx(v, abs=1e-5), f
    assert inf.to_frame().shape == (13, 11)


def test_baujat_matches_definition(reml):
    # metafor baujat.rma: x = resid^2/(tau2 + vi), y = (pred.del - pred.full)^2 / vdelpred
    b = baujat(reml)
    loo = sens.leave_one_out(reml)
    i = 3
    assert b.x[i] == pytest.approx((BCG_YI[i] - reml.estimate) ** 2 / (BCG_VI[i] + reml.tau2), rel=1e-12)
    assert b.y[i] == pytest.approx((loo.estimate[i] - reml.estimate) ** 2 / loo.se[i] ** 2, rel=1e-12)
    # FE: the x coordinates sum to Cochran's Q (Baujat et al. 2002, section 2)
    fe = meta_analysis(BCG_YI, BCG_VI)
    assert baujat(fe).x.sum() == pytest.approx(fe.q, rel=1e-12)


@pytest.mark.parametrize("method", ["FE", "DL"])
@pytest.mark.parametrize("test", ["z", "knha"])
def test_vectorised_equals_separate_fits(method, test):
    r = meta_analysis(BCG_YI, BCG_VI, method=method, test=test, hksj_floor=test == "knha")
    loo, cum = sens.leave_one_out(r), sens.cumulative(r, by=BCG_YEAR)
    assert loo.vectorised and cum.vectorised
    ref_l = sens._looped(r, [np.delete(np.arange(13), i) for i in range(13)])
    perm = np.argsort(BCG_YEAR, kind="stable")
    ref_c = sens._looped(r, [perm[: i + 1] for i in range(13)])
    for f in sens._SERIES_FIELDS:
        np.testing.assert_allclose(getattr(loo, f), ref_l[f], atol=1e-10, err_msg=f)
        np.testing.assert_allclose(getattr(cum, f), ref_c[f], atol=1e-10, err_msg=f)


def test_interpolated_path_equals_separate_fits_at_k_600():
    # k large enough that the Chebyshev path (not the exact small-k sum) is used
    rng = np.random.default_rng(7)
    yi, vi = rng.normal(0.2, 0.5, 600), rng.uniform(0.005, 0.5, 600)
    r = meta_analysis(yi, vi, method="DL")
    loo, cum = sens.leave_one_out(r), sens.cumulative(r)
    picks = [0, 1, 2, 57, 300, 599]
    for i in picks:
        a = meta_analysis(np.delete(yi, i), np.delete(vi, i), method="DL")
        c = meta_analysis(yi[: i + 1], vi[: i + 1], method="DL")
        assert loo.estimate[i] == pytest.approx(a.estimate, abs=1e-10) and loo.se[i] == pytest.approx(a.se, abs=1e-10)
        assert cum.estimate[i] == pytest.approx(c.estimate, abs=1e-10) and cum.tau2[i] == pytest.approx(c.tau2, abs=1e-10)


def test_edge_cases_and_validation():
    one = meta_analysis([0.1], [0.1])
    with pytest.raises(InsufficientStudiesError, match=r"Leave-one-out needs at least 2 studies \(k = 1\)"):
        sens.leave_one_out(one)
    assert sens.cumulative(one).estimate[0] == pytest.approx(0.1)
    with pytest.raises(TypeError, match=r"`result` must be a MetaResult.*got list"):
        sens.leave_one_out([1, 2])
    r = meta_analysis(BCG_YI, BCG_VI, method="DL")
    with pytest.raises(ValueError, match=r"`order` has 3 entries but there are 13 studies"):
        sens.cumulative(r, order=[1, 2, 3])
    with pytest.raises(ValueError, match=r"`order` must be a permutation of 0..k-1.*use `by=`"):
        sens.cumulative(r, order=BCG_YEAR.astype(int))
    with pytest.raises(ValueError, match=r"not both"):
        sens.cumulative(r, order=np.arange(13), by=BCG_YEAR)
    perm = np.argsort(BCG_YEAR, kind="stable")      # R's order(year)
    a, b = sens.cumulative(r, order=perm), sens.cumulative(r, by=BCG_YEAR)
    assert a.labels == b.labels and np.allclose(a.estimate, b.estimate, atol=0)
    assert sens.cumulative(r).estimate[-1] == pytest.approx(r.estimate, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(-3, 3), st.floats(0.01, 1)), min_size=3, max_size=9),
       st.sampled_from(["FE", "DL"]))
def test_property_vectorised_matches_loop(rows, method):
    yi, vi = map(np.array, zip(*rows))
    r = meta_analysis(yi, vi, method=method)
    loo = sens.leave_one_out(r)
    ref = sens._looped(r, [np.delete(np.arange(yi.size), i) for i in range(yi.size)])
    np.testing.assert_allclose(loo.estimate, ref["estimate"], atol=1e-9)
    np.testing.assert_allclose(loo.tau2, ref["tau2"], atol=1e-9)
    assert np.all(loo.tau2 >= 0)


@pytest.mark.parametrize("method", ["FE", "DL", "REML"])
def test_single_study_refits_have_exact_zero_heterogeneity(method):
    """Issue 15: the first cumulative step and every leave-one-out refit of k = 2 are k = 1 fits:
    Q = 0, I² = 0, H² = 1 and P(Q) = 1 exactly (metafor's cumul / leave1out), vectorised or not."""
    res = meta_analysis([12.345678, 0.2], [97.1, 0.1], method=method)
    for series in (sens.cumulative(res), sens.leave_one_out(res)):
        assert list(series.q_df) == [0, 0] if series.kind == "leave-one-out" else list(series.q_df)[0] == 0
        first = {f: float(getattr(series, f)[0]) for f in ("q", "i2", "i2_tau", "h2", "q_pvalue")}
        assert first == {"q": 0.0, "i2": 0.0, "i2_tau": 0.0, "h2": 1.0, "q_pvalue": 1.0}, (series.kind, first)
