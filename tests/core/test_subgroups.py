"""core.subgroups: separate-tau^2 (RevMan) and common-tau^2 (metafor mods = ~ group) subgroup tests."""
import numpy as np
import pytest

from core.errors import InsufficientStudiesError
from core.metaregression import meta_regression
from core.pooling import meta_analysis
from core.subgroups import subgroup_analysis, subgroup_analysis_common_tau2
from tests.core._reference_data import BCG_ABLAT, BCG_VI, BCG_YI

GROUPS = np.where(BCG_ABLAT > 30, "far", "near")


def test_fe_subgroup_test_equals_q_decomposition_and_fe_moderator_test():
    # Borenstein et al. (2009) ch. 19: Q_between = Q_total - sum Q_within under FE, which is
    # also the QM of a fixed-effects meta-regression on group dummies (metafor method="FE").
    s = subgroup_analysis(BCG_YI, BCG_VI, GROUPS, method="FE")
    q_within = sum(r.q for r in s.subgroups.values())
    assert s.q_between == pytest.approx(s.overall.q - q_within, rel=1e-10)
    X = np.column_stack([np.ones(13), (GROUPS == "near").astype(float)])
    assert s.q_between == pytest.approx(meta_regression(BCG_YI, BCG_VI, X, method="FE").qm, rel=1e-10)
    assert s.groups == ("far", "near") and s.df_between == 1


def test_separate_tau2_per_subgroup_and_test_passthrough():
    s = subgroup_analysis(BCG_YI, BCG_VI, GROUPS, method="REML", test="knha")
    for g, r in s.subgroups.items():
        m = GROUPS == g
        ref = meta_analysis(BCG_YI[m], BCG_VI[m], method="REML", test="knha")
        assert r.tau2 == pytest.approx(ref.tau2, abs=1e-12) and r.test == "hksj" and r.df == m.sum() - 1
    est = np.array([s.subgroups[g].estimate for g in s.groups])
    se = np.array([s.subgroups[g].se for g in s.groups])
    w = 1 / se**2
    assert s.q_between == pytest.approx(np.sum(w * (est - np.sum(w * est) / w.sum()) ** 2), rel=1e-12)


def test_common_tau2_matches_metafor_mixed_effects_model():
    # metafor rma(yi, vi, mods = ~ group) (REML): the subgroup estimates are the GLS means with
    # the one residual tau^2; QM tests the group contrast.  Cross-checked here against the
    # general meta-regression (itself validated by metafor's hat values for mods = ~ ablat).
    c = subgroup_analysis_common_tau2(BCG_YI, BCG_VI, GROUPS)
    for j, g in enumerate(c.groups):
        m = GROUPS == g
        w = 1 / (BCG_VI[m] + c.tau2)
        assert c.estimate[j] == pytest.approx(np.sum(w * BCG_YI[m]) / w.sum(), abs=1e-12)
        assert c.se[j] == pytest.approx(np.sqrt(1 / w.sum()), abs=1e-12)
    z = (c.estimate[1] - c.estimate[0]) ** 2 / (c.se[0] ** 2 + c.se[1] ** 2)
    assert c.q_between == pytest.approx(z, rel=1e-10) and c.df_between == 1
    assert c.to_frame().shape == (2, 7) and c.method == "REML"


def test_edge_cases():
    s = subgroup_analysis([0.1, 0.2], [0.1, 0.1], ["a", "a"])
    assert s.df_between == 0 and np.isnan(s.p_between)
    with pytest.raises(InsufficientStudiesError):
        subgroup_analysis([], [], [])
    with pytest.raises(ValueError, match=r"`groups` has 1 entries but there are 2 studies"):
        subgroup_analysis([0.1, 0.2], [0.1, 0.1], ["a"])
    with pytest.raises(ValueError, match=r"`groups` must contain at least 2 subgroups; got 1"):
        subgroup_analysis_common_tau2([0.1, 0.2], [0.1, 0.1], ["a", "a"])


def test_single_study_subgroup_has_exact_zero_heterogeneity():
    """Issue 15: a k = 1 subgroup reports Q = 0, I² = 0, H² = 1, P(Q) = 1 (Q's rounding residue was 3e-32)."""
    for method in ("FE", "DL", "REML"):
        s = subgroup_analysis([12.345678, 0.2, 0.5], [97.1, 0.1, 0.3], ["a", "b", "b"], method=method)
        one = s.subgroups["a"]
        assert (one.k, one.q, one.i2, one.h2, one.q_pvalue) == (1, 0.0, 0.0, 1.0, 1.0), method
        assert s.df_between == 1 and 0 <= s.i2_between < 100


def test_two_identical_subgroups_have_no_difference():
    s = subgroup_analysis([0.3, 0.3], [0.04, 0.04], ["a", "b"], method="DL")
    assert s.q_between == pytest.approx(0.0, abs=1e-25) and s.i2_between == 0.0
    assert s.p_between == pytest.approx(1.0, abs=1e-12)
