"""core.robustness, core.trajectory and the sensitivity / follow-up / funnel figure builders.

Constructed datasets (tests/factories.py) give known effects: for a two-arm study with equal
baselines, the MD at 12 months is ``m1 - m2`` with variance ``sd1^2/n + sd2^2/n`` (RevMan 5
statistical methods, section 1.1.2), so a leave-one-out variant of a two-study fixed-effect
analysis must equal the remaining study's own MD.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.analysis import AnalysisSpec, analyse
from core.bias import funnel_data, trim_and_fill
from core.evidence.dataset import DATA_DIR, load_dataset
from core.figures.followup import trajectory_figure
from core.figures.funnel import funnel_figure
from core.figures.sensitivity import cumulative_frame, interval_forest, loo_frame, r_curve_figure
from core.robustness import (FAMILIES, R_GRID, TAU2_METHODS, RobustnessResult, comparison_frame, comparison_table,
                             describe_changes, robustness, variant_from_analysis)
from core.sensitivity import cumulative, leave_one_out
from core.trajectory import followup_tables, other_months, trajectory
from tests.factories import arm, heterogeneous_dataset, make_dataset, study, two_arm_study

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


def trajectory_dataset():
    """Two T2DM and one T1DM single-arm studies with values at 0, 3, 6, 12 and (one) 24 months."""
    studies = [study("P2010", "T2DM", "single_arm"), study("Q2011", "T2DM", "single_arm"),
               study("R2012", "T1DM", "single_arm")]
    rows = []
    for sid, means in (("P2010", (8.0, 7.6, 7.4, 7.2, 7.0)), ("Q2011", (8.4, 8.0, 7.9, 7.5, None)),
                       ("R2012", (8.8, None, 8.1, 8.0, None))):
        for t, m in zip((0, 3, 6, 12, 24), means):
            if m is not None:
                rows.append(arm(sid, "msc", "hba1c", t, 20, m, 1.0))
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
    pooled = [v for v in rob.variants if v.pooled]
    assert rob.n_variants == len(rob.variants) and rob.n_pooled == len(pooled)
    assert rob.n_same_direction == sum(np.sign(v.estimate) == np.sign(rob.base.estimate) for v in pooled)
    assert rob.n_significant == sum(v.pvalue < 0.05 for v in pooled)
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
    assert [v.spec.test for v in rob.family("test")] == ["knha"]


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
    assert len(loo) == 1 and not loo[0].pooled and "No study" in loo[0].message
    assert rob.n_pooled == rob.n_variants - 1
    assert "1 variant(s) left too few studies to pool" in rob.sentence
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


# ------------------------------------------------------------------ trajectory


def test_trajectory_k_and_estimates_by_time_point():
    ds = trajectory_dataset()
    tr = trajectory(ds, AnalysisSpec())
    assert tr.timepoints == ("3", "6", "12", "24", "end")
    assert other_months(ds, AnalysisSpec()) == (24.0,)
    pts = tr.points.set_index(["population", "timepoint"])
    # T2DM: P and Q at 3, 6, 12 months; only P at 24; end = each study's last time.
    assert [pts.loc[("T2DM", t), "k"] for t in ("3", "6", "12", "24", "end")] == [2, 2, 2, 1, 2]
    assert pts.loc[("T1DM", "3"), "k"] == 0 and "No study" in pts.loc[("T1DM", "3"), "message"]
    # One study at 24 months: its own mean change 7.0 - 8.0 = -1.0.
    assert pts.loc[("T2DM", "24"), "estimate"] == pytest.approx(-1.0, abs=1e-12)
    assert pts.loc[("all", "6"), "k"] == 3
    for (pop, tp), r in pts.iterrows():
        single = analyse(ds, replace(AnalysisSpec(), population=pop, timepoint=tp))
        assert r["k"] == single.k


def test_followup_tables_cover_tables_2_to_4(shipped):
    t = followup_tables(shipped, AnalysisSpec())
    # Li et al. 2021 Tables 2-4 print 8 rows (HbA1c 3/6/12, FBG 6/12, F-CP 3/6/12 months).
    assert len(t) == 8 and set(t["locator"].str[:7]) == {"Table 2", "Table 3", "Table 4"}
    assert set(t["status"]) <= {"reproduced within rounding", "differs", "cannot recompute", "different measure"}


# ------------------------------------------------------------------ figures


def test_interval_forest_rows_and_highlight(rob_het):
    rob = rob_het
    fig = interval_forest(rob.plot_frame(), title="t", x_title="MD", favours=("L", "R"),
                          reference=rob.base.estimate, show_pi=True)
    meta = fig.layout.meta
    assert meta["labels"][0] == "Main analysis" and meta["estimates"][0] == pytest.approx(rob.base.estimate, abs=1e-6)
    names = [t.name for t in fig.data]
    assert "Estimates (changed)" in names          # the most influential variant
    assert "Prediction intervals" in names
    changed = next(t for t in fig.data if t.name == "Estimates (changed)")
    assert list(changed.x) == [pytest.approx(rob.most_influential.estimate)]
    assert fig.layout.template.layout.paper_bgcolor == "white" or fig.layout.paper_bgcolor == "white"
    groups = [lab for lab, k in zip(meta["labels"], meta["k"]) if k is None]
    assert "Leave one study out" in groups


def test_comparison_frame_prints_the_reason_when_the_variant_cannot_pool(shipped):
    main = analyse(shipped, AnalysisSpec())
    empty = analyse(shipped, AnalysisSpec(excluded=("Cai2016",)))
    df = comparison_frame(variant_from_analysis(main), variant_from_analysis(empty, "variant", "v"), True)
    fig = interval_forest(df, title="t", x_title="MD")
    texts = [a.text for a in fig.layout.annotations]
    assert any("No study in the current selection" in t for t in texts)
    assert fig.layout.meta["estimates"] == [pytest.approx(-1.1), None]


def test_loo_and_cumulative_frames(het):
    a = analyse(het, replace(VS, model="fixed"))
    loo = loo_frame(leave_one_out(a.pooled), a.pooled)
    assert list(loo["k"]) == [5] * 6 + [6] and loo["kind"].iloc[-1] == "diamond"
    cum = cumulative_frame(cumulative(a.pooled), years={"A 2015": 2015})
    assert list(cum["k"]) == list(range(1, 7)) and cum["label"].iloc[0].startswith("+ ")
    assert cum["estimate"].iloc[-1] == pytest.approx(a.pooled.estimate, abs=1e-10)


def test_r_curve_marks_the_main_r(rob_all):
    rob = rob_all
    fig = r_curve_figure(rob.r_frame(), title="t", y_title="MD", main_r=0.5)
    assert fig.layout.meta["r"] == sorted(fig.layout.meta["r"])
    main = next(t for t in fig.data if t.name == "Main analysis")
    assert list(main.x) == [0.5] and list(main.y) == [pytest.approx(rob.base.estimate)]


def test_trajectory_figure_points_carry_population_and_time():
    tr = trajectory(trajectory_dataset(), AnalysisSpec())
    fig = trajectory_figure(tr, title="t", y_title="MD")
    pts = fig.layout.meta["points"]
    assert ["T2DM", "24", 1, -1.0] in pts
    marked = [t for t in fig.data if t.customdata is not None]
    codes = {tuple(c) for t in marked for c in t.customdata}
    assert ("T2DM", "end") in codes and ("all", "12") in codes
    # End of follow-up is never joined by a line to the dated points.
    assert all(t.mode == "markers" for t in marked if all(c[1] == "end" for c in t.customdata))


def test_funnel_figure_draws_filled_studies_hollow(het):
    a = analyse(het, replace(VS, model="fixed"))
    tf = trim_and_fill(a.pooled)
    fig = funnel_figure(funnel_data(a.pooled), tf, title="t", x_title="MD")
    assert fig.layout.meta["k"] == 6 and fig.layout.meta["k0"] == tf.k0
    assert list(fig.layout.yaxis.range)[1] == 0                 # SE axis reversed, 0 at the top
    if tf.k0:
        filled = next(t for t in fig.data if t.name == "Filled studies (trim and fill)")
        assert filled.marker.color == "white" and len(filled.x) == tf.k0
    bands = [t.name for t in fig.data if t.fill == "toself"]
    assert bands == ["P < 0.01", "0.01 < P < 0.05", "0.05 < P < 0.1", "P > 0.1"]


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
    tied = [v for v in rob.variants if v.pooled and v is not top and v.estimate == pytest.approx(top.estimate)]
    assert tied and all(v.label in rob.sentence for v in tied)
    assert "tied with" in rob.sentence
