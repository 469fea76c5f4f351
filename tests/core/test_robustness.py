"""core.workflow.robustness (its figures: tests/core/test_figures_*.py; core.workflow.trajectory: tests/core/test_trajectory.py).

Constructed datasets (tests/factories.py) give known effects: for a two-arm study with equal
baselines, the MD at 12 months is ``m1 - m2`` with variance ``sd1^2/n + sd2^2/n`` (RevMan 5
statistical methods, section 1.1.2), so a leave-one-out variant of a two-study fixed-effect
analysis must equal the remaining study's own MD.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.workflow.analysis import AnalysisSpec, analyse
from core.evidence.dataset import DATA_DIR, load_dataset
from core.workflow.robustness import (FAMILIES, R_GRID, TAU2_METHODS, RobustnessResult, comparison_table, describe_changes,
                             robustness)
from core.sensitivity import leave_one_out
from tests.factories import heterogeneous_dataset, make_dataset, study, two_arm_study

VS = AnalysisSpec(comparison="vs_control")


@pytest.fixture(scope="module")
def shipped():
    return load_dataset(DATA_DIR)


@pytest.fixture(scope="module")
def het():
    return heterogeneous_dataset()


@pytest.fixture(scope="module")
def rob_het(het):
    return robustness(het, VS)


@pytest.fixture(scope="module")
def rob_all(shipped):
    return robustness(shipped, AnalysisSpec(study_set="all"))


def two_study_dataset():
    studies = [study("A2010", year=2010), study("B2012", design_class="controlled", year=2012)]
    rows = two_arm_study("A2010", "hba1c", 7.0, 1.0, 8.0, 1.0, n=25) + \
        two_arm_study("B2012", "hba1c", 7.6, 0.5, 8.0, 0.5, n=50)
    return make_dataset(studies, rows)


# ------------------------------------------------------------------ robustness


def test_loo_variant_of_two_studies_is_the_other_study(het):
    ds = two_study_dataset()
    spec = replace(VS, model="fixed")
    rob = robustness(ds, spec)
    loo = {v.label: v for v in rob.family("exclude")}
    assert set(loo) == {"without A 2010", "without B 2012"}
    # Without A, the pooled MD is B's own MD: 7.6 - 8.0 = -0.4, SE sqrt(0.25/50 * 2) = 0.1.
    b = loo["without A 2010"]
    assert b.k == 1
    assert b.estimate == pytest.approx(-0.4, abs=1e-12)
    assert b.ci_high - b.ci_low == pytest.approx(2 * 1.959964 * 0.1, rel=1e-6)
    assert loo["without B 2012"].estimate == pytest.approx(-1.0, abs=1e-12)


def test_counts_range_and_most_influential_are_consistent(rob_het):
    rob = rob_het
    pooled = [v for v in rob.variants if v.has_pooled]
    assert rob.n_variants == len(rob.variants) and rob.n_pooled == len(pooled)
    assert rob.n_same_direction == sum(np.sign(v.estimate) == np.sign(rob.base.estimate) for v in pooled)
    # Significant: P < 0.05; for the Bayesian variant (no P value) its 95% credible interval excludes 0.
    bayes = [v for v in pooled if v.is_bayesian]
    assert len(bayes) == 1 and bayes[0].label == "Bayesian (half-normal prior on τ)" and np.isnan(bayes[0].pvalue)
    assert rob.n_significant == sum((v.ci_low > 0 or v.ci_high < 0) if v.is_bayesian else v.pvalue < 0.05
                                    for v in pooled)
    assert "P < 0.05, or a 95% credible interval excluding 0" in rob.headline()
    ests = [rob.base.estimate] + [v.estimate for v in pooled]
    assert rob.estimate_min == min(ests) and rob.estimate_max == max(ests)
    shifts = [abs(v.estimate - rob.base.estimate) for v in pooled]
    assert abs(rob.most_influential.estimate - rob.base.estimate) == max(shifts)
    assert rob.most_influential.label in rob.sentence
    frame = rob.to_frame()
    assert len(frame) == rob.n_variants + 1 and frame.iloc[0]["change"] == "main analysis"
    assert frame["same_direction"].iloc[1:].sum() == rob.n_same_direction
    # Six studies -> six leave-one-out variants, each pooling five.
    assert [v.k for v in rob.family("exclude")] == [5] * 6


def test_loo_variants_agree_with_core_sensitivity(het):
    """Two implementations of leave-one-out (re-running analyse vs core.sensitivity's refits) agree."""
    spec = replace(VS, model="random", population="T2DM")
    a = analyse(het, spec)
    series = leave_one_out(a.pooled)
    rob = robustness(het, spec)
    by_label = {v.label.removeprefix("without "): v.estimate for v in rob.family("exclude")}
    for lab, est in zip(series.labels, series.estimate):
        assert by_label[lab] == pytest.approx(est, abs=1e-10)


def test_families_that_do_not_apply_are_skipped_with_a_reason(het, rob_het):
    rob = rob_het                                    # MD, between arms
    assert not rob.family("r") and not rob.family("smd")
    assert any("only pre-post" in s for s in rob.skipped)
    assert any("measure is MD" in s for s in rob.skipped)
    smd = robustness(het, replace(VS, measure="SMD"))
    assert [v.label for v in smd.family("smd")] == ["exact Hedges' g"]
    methods = [v.spec.tau2_method for v in rob.family("model") if v.spec.model == "random"]
    assert set(methods) | {rob.base.method} >= set(TAU2_METHODS)
    assert [v.spec.test for v in rob.family("test")] == ["hksj"]


def test_r_family_spans_the_grid_for_pre_post(shipped, rob_all):
    rob = rob_all
    rs = sorted([v.spec.r for v in rob.family("r")] + [rob.base.spec.r])
    assert rs == sorted(set(R_GRID) | {0.5})
    frame = rob.r_frame()
    assert list(frame["r"]) == sorted(frame["r"]) and len(frame) == len(rs)
    # A larger r shrinks the SD of the change, so the CI of one study's change narrows with r
    # (Cochrane Handbook 16.1.3.2): check on the single-study T1DM analysis.
    t1 = robustness(shipped, AnalysisSpec(population="T1DM"))
    widths = t1.r_frame().assign(w=lambda d: d["ci_high"] - d["ci_low"])["w"].to_numpy()
    assert np.all(np.diff(widths) < 0)


def test_too_few_studies_are_said_plainly(shipped):
    # Default view: HbA1c pre-post on the paper's studies has k = 1 (Cai 2016).
    rob = robustness(shipped, AnalysisSpec())
    assert rob.base.k == 1
    loo = rob.family("exclude")
    assert len(loo) == 1 and not loo[0].has_pooled and "No study" in loo[0].message
    assert rob.n_pooled == rob.n_variants - 1
    assert "1 variant left too few studies to pool and is not counted" in rob.sentence
    nothing = robustness(shipped, AnalysisSpec(outcome="fcp"))
    assert nothing.n_variants == 0 and "Nothing can be pooled" in nothing.sentence


def test_describe_changes_and_comparison_table(het):
    base = VS
    var = replace(VS, excluded=("A2010",), r=0.8, test="knha", model="fixed")
    changes = describe_changes(base, var, {"A2010": "A 2010"}.get)
    assert "Left out: A 2010" in changes and "Pre-post r: 0.5 → 0.8" in changes
    assert "CI method: Wald (z) → HKSJ (t)" in changes and "Model: auto (paper's rule) → fixed effect" in changes
    assert describe_changes(base, base) == []
    table = comparison_table(analyse(het, base), analyse(het, replace(var, r=0.5)))
    changed = dict(zip(table["quantity"], table["changed"]))
    assert changed["Studies (k)"] and changed["Estimate"]
    assert table.loc[table["quantity"] == "Studies (k)", "variant"].item() == "5"


def test_result_is_frozen(rob_het):
    rob = rob_het
    assert isinstance(rob, RobustnessResult)
    with pytest.raises(AttributeError):
        rob.n_pooled = 0
    assert set(FAMILIES) >= {v.family for v in rob.variants}


def test_sentence_names_ties(shipped):
    # SMD, paper + newer trials: leaving out Lian 2022 (single-arm) equals keeping controlled
    # studies only and RCTs only, since Cai 2016 and Zang 2022 are both RCTs (data/studies.csv).
    rob = robustness(shipped, AnalysisSpec(study_set="all", measure="SMD"))
    top = rob.most_influential
    tied = [v for v in rob.variants if v.has_pooled and v is not top and v.estimate == pytest.approx(top.estimate)]
    assert tied and all(v.label in rob.sentence for v in tied)
    assert "tied with" in rob.sentence


def test_enumerate_variants_returns_frozen_plans(het):
    from dataclasses import FrozenInstanceError

    from core.workflow.robustness import PlannedVariant, VariantPlan, enumerate_variants

    plan = enumerate_variants(het, VS)
    assert isinstance(plan, VariantPlan) and isinstance(plan.variants, tuple) and isinstance(plan.skipped, tuple)
    assert all(isinstance(p, PlannedVariant) and isinstance(p.spec, AnalysisSpec) for p in plan.variants)
    assert {p.family for p in plan.variants} <= set(FAMILIES)
    assert "Correlation r: only pre-post comparisons use it." in plan.skipped
    with pytest.raises(FrozenInstanceError):
        plan.variants[0].label = "x"
    assert {p.spec.tau2_method for p in plan.variants if p.family == "model" and p.spec.model == "random"} \
        <= set(TAU2_METHODS)
