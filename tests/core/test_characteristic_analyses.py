"""core.workflow.characteristics (issue 25): a split by a categorical characteristic and a
meta-regression on a numeric one, on a synthetic dataset (never shipped)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from core.metaregression import meta_regression
from core.subgroups import subgroup_analysis
from core.evidence.dataset import load_dataset
from core.workflow.analysis import AnalysisSpec, analyse
from core.workflow.characteristics import regress_on, split_by
from tests.factories import heterogeneous_dataset, make_dataset, study, two_arm_study

SOURCES = {"A2010": "bone_marrow", "B2011": "umbilical_cord", "C2012": "bone_marrow", "D2013": "umbilical_cord",
           "E2014": "", "F2015": "umbilical_cord"}
DOSES = {"A2010": "0.5", "B2011": "1", "C2012": "2", "D2013": "1", "E2014": "not_reported", "F2015": "3"}


def _dataset():
    base = heterogeneous_dataset()
    studies = base.studies.drop(columns=["year_num"]).copy()
    studies["cell_source"] = studies["study_id"].map(SOURCES)
    studies["dose_per_kg"] = studies["study_id"].map(DOSES)
    return make_dataset(studies.to_dict("records"), base.outcomes.drop(
        columns=["timepoint_num", "n_num", "mean_num", "disp1_num", "disp2_num"]).to_dict("records"))


DS = _dataset()
SPEC = AnalysisSpec(comparison="vs_control", model="random", tau2_method="REML")


def test_split_by_cell_source_pools_each_subgroup_and_tests_both_ways():
    a = analyse(DS, SPEC)
    split = split_by(a, DS.studies, "cell_source")
    assert split.separate.groups == ("Umbilical cord / Wharton's jelly", "Bone marrow", "not reported")
    assert split.k == 6 and split.separate.subgroups["Bone marrow"].k == 2
    by = {r["study_id"]: (r["yi"], r["vi"]) for r in a.row_records}
    bm = [by["A2010"], by["C2012"]]
    alone = subgroup_analysis(np.array([y for y, _ in bm]), np.array([v for _, v in bm]), np.zeros(2),
                              method="REML").overall
    assert split.separate.subgroups["Bone marrow"].estimate == pytest.approx(alone.estimate, rel=1e-12)
    assert split.common is not None and split.common.df_between == 2
    assert 0 <= split.common.p_between <= 1 and 0 <= split.separate.p_between <= 1


def test_split_by_diabetes_type_is_the_papers_split():
    a = analyse(DS, AnalysisSpec(comparison="vs_control"))
    split = split_by(a, DS.studies, "dm_type")
    assert split.separate.groups == ("T1DM", "T2DM")
    assert split.separate.q_between == pytest.approx(a.subgroups.q_between, rel=1e-12)


def test_regression_on_dose_leaves_out_the_study_without_a_dose():
    a = analyse(DS, SPEC)
    reg = regress_on(a, DS.studies, "dose_per_kg", iterations=200)
    assert reg.missing == ("E 2015",) and sorted(reg.x.tolist()) == [0.5, 1.0, 1.0, 2.0, 3.0]
    direct = meta_regression(reg.yi, reg.vi, np.column_stack([np.ones(5), reg.x]), method="REML")
    assert reg.fit.beta[1] == pytest.approx(direct.beta[1], rel=1e-12)
    assert reg.permutation.exact and reg.permutation.iterations == 60      # 5! / 2! distinct orders (dose 1 twice)
    assert 0 <= reg.r2 <= 100 and not reg.message


def test_regression_needs_three_studies_with_two_values():
    shipped = load_dataset()
    a = analyse(shipped, AnalysisSpec(outcome="hba1c", comparison="vs_control", study_set="all"))
    reg = regress_on(a, shipped.studies, "dose_per_kg")
    assert reg.missing == ("Zang 2022",)            # the sources disagree on its dose: not coded
    # Cai 1.1, Araujo 1, Chen 1: three distinct orders, so no permutation p-value can be below 1/3
    assert reg.permutation.exact and reg.permutation.iterations == 3 and reg.permutation.pvalues[1] >= 1 / 3
    a = analyse(shipped, AnalysisSpec(outcome="hba1c", comparison="pre_post", study_set="all"))
    reg = regress_on(a, shipped.studies, "dose_per_kg")
    assert reg.fit is None and "at least 3 studies" in reg.message and math.isnan(reg.r2)
    assert "2 with the value reported" in reg.message


def test_bad_keys():
    a = analyse(DS, SPEC)
    with pytest.raises(ValueError):
        split_by(a, DS.studies, "dose_per_kg")
    with pytest.raises(ValueError):
        regress_on(a, DS.studies, "cell_source")


def test_one_study_subgroups():
    ds = make_dataset([study("A2010"), study("B2011")],
                      two_arm_study("A2010", "hba1c", 7.0, 0.8, 8.6, 0.8) + two_arm_study("B2011", "hba1c", 8.0, 0.8,
                                                                                            8.6, 0.8))
    split = split_by(analyse(ds, SPEC), ds.studies, "cell_source")       # no column: all not reported
    assert split.separate.groups == ("not reported",) and split.common is None


def test_a_bayesian_view_splits_in_the_bayesian_model():
    """Issue 25: "works with every model, the Bayesian one included".  Each subgroup is refitted with
    the view's prior (core.workflow.bayes); there is no common-tau^2 model and no Q between subgroups."""
    from core.workflow.bayes import bayes_pooled
    a = analyse(DS, AnalysisSpec(comparison="vs_control", model="bayes"))
    split = split_by(a, DS.studies, "cell_source")
    assert split.common is None and math.isnan(split.separate.q_between)
    bone = split.separate.subgroups["Bone marrow"]
    assert bone.is_bayesian and bone.prior_scale == a.pooled.prior_scale
    frequentist = split_by(analyse(DS, AnalysisSpec(comparison="vs_control", model="random", tau2_method="DL")),
                           DS.studies, "cell_source").separate.subgroups["Bone marrow"]
    again = bayes_pooled(frequentist, a.pooled.prior_scale)
    assert (bone.estimate, bone.ci_low, bone.ci_high) == pytest.approx((again.estimate, again.ci_low, again.ci_high))
    assert bone.ci_high - bone.ci_low > frequentist.ci_high - frequentist.ci_low    # tau's uncertainty widens it
