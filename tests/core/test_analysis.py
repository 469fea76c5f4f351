"""core.workflow.analysis: selection, conversions, model choice and the reported-vs-recomputed table.

Arm-level inputs come from the shipped data (Cai 2016 Diabetes Care abstract; Chen 2016 Chin J
Intern Med abstract); expected effects are the RevMan 5 formulas applied by hand, shown in the
comments, at RevMan's printed precision (2 decimals).
"""
from __future__ import annotations

import math

import pytest

from core.workflow.analysis import AnalysisSpec, analyse
from core.workflow.reproduce import reported_vs_recomputed
from core.evidence.dataset import load_dataset
from tests.factories import heterogeneous_dataset, make_dataset, study, two_arm_study


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


def test_cai_hba1c_vs_control_md(ds):
    # Cai 2016: MSC 7.5 ± 1.0 vs control 8.8 ± 0.9 at 12 months, n = 21 + 21.
    # MD = -1.30; SE = sqrt(1.0²/21 + 0.9²/21) = 0.2936; 95% CI -1.88 to -0.72.
    a = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="vs_control", population="T1DM", timepoint="12"))
    assert a.rows["label"].tolist() == ["Cai 2016"]
    assert a.pooled.estimate == pytest.approx(-1.30, abs=0.005)
    assert (round(a.pooled.ci_low, 2), round(a.pooled.ci_high, 2)) == (-1.88, -0.72)


def test_cai_hba1c_mean_change_uses_r(ds):
    # Change -1.1; SD_change = sqrt(0.81² + 1.0² - 2·0.5·0.81·1.0) = 0.9198 (Handbook 16.1.3.2);
    # SE = 0.9198/sqrt(21) = 0.2007 -> 95% CI -1.49 to -0.71.
    a = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="pre_post", population="T1DM"))
    assert (round(a.pooled.ci_low, 2), round(a.pooled.ci_high, 2)) == (-1.49, -0.71)
    wider = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="pre_post", population="T1DM", r=0.0))
    assert wider.pooled.se > a.pooled.se   # a lower r means a larger SD of the change


def test_prepost_independent_groups_matches_revman_two_arm_smd(ds):
    # Cai FBG before 200.0 ± 51.1, after 151.2 ± 22.1, n = 21 as two groups:
    # s_p = 39.37, d = -1.2396, J = 1 - 3/(4·42 - 9) = 0.98113, g = -1.2162 (RevMan 5 SMD).
    a = analyse(ds, AnalysisSpec(outcome="fbg", comparison="pre_post", population="T1DM", measure="SMD",
                                 prepost="independent"))
    assert a.pooled.estimate == pytest.approx(-1.2162, abs=5e-4)


def test_glucose_md_converted_to_mmol(ds):
    # Cai FBG 151.2 vs 184.2 mg/dL at 12 months: MD = -33.0 mg/dL = -1.83 mmol/L (÷ 18.016).
    a = analyse(ds, AnalysisSpec(outcome="fbg", comparison="vs_control", population="T1DM", measure="MD"))
    assert a.unit == "mmol/L"
    assert a.pooled.estimate == pytest.approx(-33.0 / 18.016, abs=1e-9)
    assert "converted mg/dL to mmol/L" in a.rows["notes"].iloc[0]


def test_population_filter_keeps_only_that_type(ds):
    both = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="vs_control"))
    t2 = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="vs_control", population="T2DM"))
    assert set(both.rows["dm_type"]) == {"T1DM", "T2DM"} and both.subgroups is not None
    assert set(t2.rows["dm_type"]) == {"T2DM"} and t2.subgroups is None
    assert set(t2.unavailable["dm_type"]) == {"T2DM"}


def test_timepoint_tolerance(ds):
    # Chen 2016 reports at 24 weeks (5.5 months): it counts as 6 months, not as 3 or 12.
    six = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="vs_control", population="T2DM", timepoint="6"))
    three = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="vs_control", population="T2DM", timepoint="3"))
    assert six.rows["study_id"].tolist() == ["Chen2016"]
    assert three.pooled is None and "No study" in three.message


def test_single_arm_studies_explained(ds):
    a = analyse(ds, AnalysisSpec(outcome="insulin", comparison="vs_control"))
    reasons = dict(zip(a.unavailable["study_id"], a.unavailable["reason"]))
    assert reasons["Jiang2011"] == "single-arm study: no control group"


def test_md_never_pools_insulin_units(ds):
    # Jiang 2011 reports IU/day, Cai 2016 IU/kg/day: never pooled together as an MD.
    md = analyse(ds, AnalysisSpec(outcome="insulin", comparison="pre_post", measure="MD"))
    assert md.k == 1
    assert any("cannot be pooled" in r for r in md.unavailable["reason"])
    smd = analyse(ds, AnalysisSpec(outcome="insulin", comparison="pre_post", measure="SMD"))
    assert set(smd.rows["study_id"]) == {"Cai2016", "Jiang2011"}


def test_exclusion_and_k0_message(ds):
    a = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="vs_control", excluded=("Cai2016", "Chen2016")))
    assert a.pooled is None and a.k == 0
    assert a.message.startswith("No study in the current selection")


def test_auto_model_follows_the_papers_rule():
    het = heterogeneous_dataset()
    a = analyse(het, AnalysisSpec(outcome="hba1c", comparison="vs_control", model="auto"))
    assert a.method == "DL" and "random effects" in a.model_reason
    assert a.pooled.i2 > 50 and a.pooled.q_pvalue < 0.10
    fixed = analyse(het, AnalysisSpec(outcome="hba1c", comparison="vs_control", model="fixed"))
    assert fixed.method == "FE" and fixed.pooled.se < a.pooled.se
    homo = make_dataset([study("A2010"), study("B2011")],
                        two_arm_study("A2010", "hba1c", 7.0, 0.8, 8.0, 0.8)
                        + two_arm_study("B2011", "hba1c", 7.05, 0.8, 8.0, 0.8))
    b = analyse(homo, AnalysisSpec(outcome="hba1c", comparison="vs_control"))
    assert b.method == "FE" and "fixed effect" in b.model_reason


def test_weights_sum_to_100_and_subgroup_test():
    a = analyse(heterogeneous_dataset(), AnalysisSpec(outcome="hba1c", comparison="vs_control", model="random"))
    assert a.rows["weight_pct"].sum() == pytest.approx(100.0)
    assert a.subgroups.df_between == 1 and 0 <= a.subgroups.p_between <= 1


def test_reported_vs_recomputed_statuses(ds):
    a = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="pre_post", measure="MD"))
    table = reported_vs_recomputed(a)
    # The paper's Fig. 3 results (all, T1DM, T2DM) plus the abstract's copy of the overall one.
    assert set(table["result_id"]) >= {"fig3_hba1c_all", "fig3_hba1c_t1", "fig3_hba1c_t2"}
    status = dict(zip(table["result_id"], table["status"]))
    # Cai alone, not the paper's 4 T1DM studies: a subset is "partial", never "differs" (issue 14)
    assert status["fig3_hba1c_t1"] == "partial: 1 of 4 studies"
    assert status["fig3_hba1c_t2"] == "cannot recompute"   # no T2DM study has pre-post HbA1c here
    smd = reported_vs_recomputed(analyse(ds, AnalysisSpec(outcome="hba1c", comparison="pre_post", measure="SMD")))
    assert set(smd["status"]) == {"different measure"}


def test_spec_rejects_bad_values():
    with pytest.raises(ValueError, match="`r` must be in"):
        AnalysisSpec(r=1.5)
    with pytest.raises(ValueError, match="`outcome` must be one of"):
        AnalysisSpec(outcome="ldl")
    assert math.isclose(AnalysisSpec().r, 0.5)


# --- AnalysisSpec validates every field at construction -----------------------------------------
@pytest.mark.parametrize("field,value,match", [
    ("tau2_method", "XX", r"`tau2_method` must be one of \('DL', 'REML', 'PM', 'ML', 'HE', 'SJ', 'HS', 'EB'\); got 'XX'"),
    ("tau2_method", "FE", r"`tau2_method` must be one of"),     # fixed effect is model="fixed"
    ("level", 95, r"`level` must be in \(0, 1\)"),
    ("level", 1.5, r"`level` must be in \(0, 1\)"),
    ("level", 0, r"`level` must be in \(0, 1\)"),
    ("level", float("nan"), r"`level` must be in \(0, 1\)"),
    ("level", True, r"`level` must be in \(0, 1\)"),
    ("r", float("nan"), r"`r` must be in \[0, 1\)"),
    ("r", float("inf"), r"`r` must be in \[0, 1\)"),
    ("r", -0.1, r"`r` must be in \[0, 1\)"),
    ("r", "0.5", r"`r` must be in \[0, 1\)"),
    ("excluded", ["Cai2016"], r"`excluded` must be a tuple of study ids \(str\)"),
    ("excluded", (1,), r"`excluded` must be a tuple of study ids \(str\)"),
    ("measure", "WMD", r"`measure` must be one of \('MD', 'SMD'\); got 'WMD'"),
    ("smd_variant", "cohen", r"`smd_variant` must be one of \('revman5', 'hedges_exact'\)"),
    ("comparison", "vs_placebo", r"`comparison` must be one of \('vs_control', 'pre_post'\)"),
    ("population", "T3DM", r"`population` must be one of \('all', 'T1DM', 'T2DM'\)"),
    ("model", "mcmc", r"`model` must be one of \('auto', 'fixed', 'random', 'bayes'\)"),
    ("test", "t", r"`test` must be one of \('z', 'hksj'\)"),
    ("design", "cohort", r"`design` must be one of"),
    ("study_set", "mine", r"`study_set` must be one of"),
    ("prepost", "paired", r"`prepost` must be one of"),
    ("md_variance", "equal", r"`md_variance` must be one of \('unequal', 'pooled'\); got 'equal'"),
    ("timepoint", "-3", r"`timepoint` must be one of"),
    ("timepoint", 12, r"`timepoint` must be one of"),
    ("outcome", None, r"`outcome` must be one of \('hba1c',"),
])
def test_spec_validates_every_field(field, value, match):
    with pytest.raises(ValueError, match=match):
        AnalysisSpec(**{field: value})


def test_spec_keeps_plain_strings_for_registry_members():
    from core import vocab
    spec = AnalysisSpec(outcome=vocab.Outcome.FBG, tau2_method=vocab.Tau2.REML)
    assert type(spec.outcome) is str and type(spec.tau2_method) is str
    assert spec == AnalysisSpec(outcome="fbg", tau2_method="REML") and "Outcome." not in repr(spec)
    assert AnalysisSpec(timepoint="24").timepoint == "24"


def test_frames_are_copies_a_caller_cannot_change_the_result_through(ds):
    a = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="vs_control"))
    rows = a.rows
    rows.loc[:, "yi"] = 99.0
    rows["extra"] = 1
    assert (a.rows["yi"] != 99.0).all() and "extra" not in a.rows.columns
    for frame in (a.unavailable, a.reported):
        frame.loc[:, frame.columns[0]] = "changed"
    assert "changed" not in set(a.unavailable.iloc[:, 0]) and "changed" not in set(a.reported.iloc[:, 0])
    assert len(a.unavailable) and len(a.reported)


def test_model_choice_is_a_result_with_the_papers_rule(ds):
    import numpy as np

    from core.workflow.analysis import PAPER_MODEL_RULE, ModelChoice, choose_model
    yi, vi = np.array([-1.0, 1.0, -2.0]), np.array([0.01, 0.01, 0.01])   # I² ~ 100 %, P(Q) ~ 0
    auto = choose_model(AnalysisSpec(), yi, vi)
    assert isinstance(auto, ModelChoice) and auto.method == "DL"
    assert "> 50% and P(Q)" in auto.reason and "< 0.10 (the paper's rule)" in auto.reason
    flat = choose_model(AnalysisSpec(tau2_method="REML"), np.array([1.0, 1.0]), np.array([0.1, 0.1]))
    assert flat.method == "FE" and "(I² > 50% and P(Q) < 0.10)" in flat.reason
    assert choose_model(AnalysisSpec(model="random", tau2_method="SJ"), yi, vi).method == "SJ"
    assert PAPER_MODEL_RULE.wants_random(50.1, 0.099) and not PAPER_MODEL_RULE.wants_random(50.0, 0.01)
    assert not PAPER_MODEL_RULE.wants_random(80.0, 0.10)
    with pytest.raises(AttributeError):
        auto.method = "FE"


def test_md_variance_pooled_changes_only_the_variance():
    """Issue 15: md_variance="pooled" gives the equal-variances MD variance sp^2 (1/n1 + 1/n2)
    (metafor vtype "HO"); the effects, and every default view, are unchanged."""
    from dataclasses import replace
    from core.evidence.dataset import load_dataset
    ds = load_dataset()
    spec = AnalysisSpec(outcome="hba1c", comparison="vs_control", study_set="all")
    base, pooled = analyse(ds, spec), analyse(ds, replace(spec, md_variance="pooled"))
    assert base.rows["yi"].tolist() == pooled.rows["yi"].tolist()
    r = pooled.rows
    sp2 = ((r["n1"] - 1) * r["sd1"] ** 2 + (r["n2"] - 1) * r["sd2"] ** 2) / (r["n1"] + r["n2"] - 2)
    assert pooled.rows["vi"].to_numpy() == pytest.approx((sp2 * (1 / r["n1"] + 1 / r["n2"])).to_numpy(), rel=1e-14)
    assert base.rows["vi"].to_numpy() == pytest.approx((r["sd1"] ** 2 / r["n1"] + r["sd2"] ** 2 / r["n2"]).to_numpy(),
                                                       rel=1e-14)
    assert AnalysisSpec().md_variance == "unequal"


def test_a_unit_the_source_does_not_state_never_sets_the_views_unit():
    """FBG, after vs before, all studies, MD: Cai 2016 states mmol/L; Lian 2022's abstract gives no unit
    (data/outcomes.csv: "NR (mmol/L likely; unit not in excerpt)").  The tie once went to the guessed
    unit, so the view's MD was "in" NR; now the stated unit sets the scale and Lian 2022 is set aside
    with the reason in words (SMD, unit-free, pools both)."""
    from core.evidence.dataset import load_dataset
    ds = load_dataset()
    a = analyse(ds, AnalysisSpec(outcome="fbg", comparison="pre_post", study_set="all", measure="MD"))
    assert a.unit == "mmol/L" and list(a.rows["study_id"]) == ["Cai2016"]
    (lian,) = [u for u in a.unavailable_records if u["study_id"] == "Lian2022"]
    assert lian["reason"].startswith("its unit is not stated in the source (NR")
    smd = analyse(ds, AnalysisSpec(outcome="fbg", comparison="pre_post", study_set="all", measure="SMD"))
    assert set(smd.rows["study_id"]) == {"Cai2016", "Lian2022"}
