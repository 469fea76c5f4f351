"""core.figures.sensitivity: the interval forest, the r curve, and the leave-one-out and cumulative
frames (asserting on fig.data, fig.layout and the frames, not on pixels)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from core.workflow.analysis import AnalysisSpec, analyse
from core.evidence.dataset import DATA_DIR, load_dataset
from core.figures.sensitivity import cumulative_frame, interval_forest, loo_frame, r_curve_figure
from core.workflow.robustness import comparison_frame, robustness, variant_from_analysis
from core.sensitivity import cumulative, leave_one_out
from tests.factories import heterogeneous_dataset

VS = AnalysisSpec(comparison="vs_control")


@pytest.fixture(scope="module")
def het():
    return heterogeneous_dataset()


@pytest.fixture(scope="module")
def fixed_het(het):
    return analyse(het, replace(VS, model="fixed"))


def test_interval_forest_rows_and_highlight(het):
    rob = robustness(het, VS)
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


def test_comparison_frame_prints_the_reason_when_the_variant_cannot_pool():
    shipped = load_dataset(DATA_DIR)
    main = analyse(shipped, AnalysisSpec())
    empty = analyse(shipped, AnalysisSpec(excluded=("Cai2016",)))
    df = comparison_frame(variant_from_analysis(main), variant_from_analysis(empty, "variant", "v"), True)
    fig = interval_forest(df, title="t", x_title="MD")
    texts = [a.text for a in fig.layout.annotations]
    assert any("No study in the current selection" in t for t in texts)
    assert fig.layout.meta["estimates"] == [pytest.approx(-1.1), None]


def test_interval_forest_prints_each_rows_numbers(fixed_het):
    df = loo_frame(leave_one_out(fixed_het.pooled), fixed_het.pooled)
    fig = interval_forest(df, title="t", x_title="MD")
    squares = next(t for t in fig.data if t.name == "Estimates")
    assert list(squares.x) == pytest.approx(list(df["estimate"].iloc[:-1]))
    assert list(squares.error_x.array) == pytest.approx(list(df["ci_high"].iloc[:-1] - df["estimate"].iloc[:-1]))
    diamond = next(t for t in fig.data if t.name == "Diamonds")
    assert max(x for x in diamond.x if x is not None) == pytest.approx(fixed_het.pooled.ci_high)
    texts = [a.text for a in fig.layout.annotations]
    assert sum("· k = 5 · P" in t for t in texts) == 6 and sum("· k = 6 · P" in t for t in texts) == 1


def test_loo_and_cumulative_frames(fixed_het):
    a = fixed_het
    loo = loo_frame(leave_one_out(a.pooled), a.pooled)
    assert list(loo["k"]) == [5] * 6 + [6] and loo["kind"].iloc[-1] == "diamond"
    cum = cumulative_frame(cumulative(a.pooled), years={"A 2015": 2015})
    assert list(cum["k"]) == list(range(1, 7)) and cum["label"].iloc[0].startswith("+ ")
    assert cum["estimate"].iloc[-1] == pytest.approx(a.pooled.estimate, abs=1e-10)


def test_cumulative_frame_ends_with_the_overall_result_when_given(fixed_het):
    a = fixed_het
    cum = cumulative_frame(cumulative(a.pooled), a.pooled)
    assert len(cum) == 7 and list(cum["kind"]) == ["square"] * 6 + ["diamond"]
    last = cum.iloc[-1]
    assert last["label"] == "All studies" and last["k"] == 6
    assert (last["estimate"], last["ci_low"], last["ci_high"]) == (a.pooled.estimate, a.pooled.ci_low,
                                                                   a.pooled.ci_high)
    assert len(cumulative_frame(cumulative(a.pooled))) == 6          # without it, the steps only


def test_r_curve_marks_the_main_r():
    rob = robustness(load_dataset(DATA_DIR), AnalysisSpec(study_set="all"))
    fig = r_curve_figure(rob.r_frame(), title="t", y_title="MD", main_r=0.5)
    assert fig.layout.meta["r"] == sorted(fig.layout.meta["r"])
    main = next(t for t in fig.data if t.name == "Main analysis")
    assert list(main.x) == [0.5] and list(main.y) == [pytest.approx(rob.base.estimate)]
