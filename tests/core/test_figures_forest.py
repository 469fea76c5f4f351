"""core.figures.forest_figure: asserts on fig.data and fig.layout, not on pixels."""
from __future__ import annotations

import pytest

from core.workflow.analysis import AnalysisSpec, analyse
from core.evidence.dataset import load_dataset
from core.figures.forest import column_texts, forest_figure
from tests.factories import heterogeneous_dataset


@pytest.fixture(scope="module")
def ds():
    return load_dataset()


def _texts(fig):
    """Every text the figure shows: its annotations and its text columns (scatter text traces)."""
    return [a.text for a in fig.layout.annotations] + [t for tr in text_traces(fig) for t in tr.text]


def text_traces(fig):
    return [t for t in fig.data if t.mode == "text"]


def cell(fig, column: str, y) -> str | None:
    """The text of ``column`` ('m1' ...) in the row drawn at data ``y``, or None."""
    hits = [t for _, ty, t, _ in column_texts(fig, column) if ty == y]
    return hits[0] if hits else None


def test_subgroup_forest_has_squares_diamonds_and_lines():
    a = analyse(heterogeneous_dataset(), AnalysisSpec(outcome="hba1c", comparison="vs_control", model="random"))
    fig = forest_figure(a)
    names = [t.name for t in fig.data]
    assert names.count("Studies") == 1 and len(fig.data[names.index("Studies")].x) == 6
    assert {"Diamond: T1DM", "Diamond: T2DM", "Diamond: Total"} <= set(names)
    texts = _texts(fig)
    assert any(t.startswith("Heterogeneity: Tau² = ") for t in texts)
    assert any(t.startswith("Test for subgroup differences: Chi² = ") for t in texts)
    assert any(t.startswith("Test for overall effect: Z = ") for t in texts)
    # Squares are sized by weight: the heaviest study gets the largest marker.
    sizes = fig.data[names.index("Studies")].marker.size
    assert max(sizes) > min(sizes) or len(set(a.rows["weight_pct"].round(6))) == 1
    assert fig.layout.meta["k"] == 6 and fig.layout.template.layout.paper_bgcolor is not None


def test_favours_labels_follow_the_outcome(ds):
    a = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="vs_control"))
    texts = _texts(forest_figure(a))
    left = [x for x in fig_annotations(forest_figure(a)) if x.text in ("Favours MSC", "Favours control")]
    assert {x.text: x.xanchor for x in left} == {"Favours MSC": "right", "Favours control": "left"}
    assert "Cai 2016" in texts


def fig_annotations(fig):
    return list(fig.layout.annotations)


def test_reported_diamond_is_drawn_hollow(ds):
    a = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="pre_post", measure="MD"))
    fig = forest_figure(a)
    rep = [t for t in fig.data if t.name == "Reported (paper)"]
    assert rep and all(t.fill in (None, "none") for t in rep)
    assert any("Paper reports (T1DM + T2DM, MD)" == t for t in _texts(fig))


def test_empty_analysis_still_draws(ds):
    a = analyse(ds, AnalysisSpec(outcome="fcp", comparison="vs_control"))
    fig = forest_figure(a)
    assert fig.layout.meta["k"] == 0 and not [t for t in fig.data if t.name == "Studies"]


def test_title_and_effect_heading_name_the_view_and_unit(ds):
    a = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="vs_control", study_set="all"))
    fig = forest_figure(a)
    assert fig.layout.title.text == "HbA1c · MSC vs control (end of follow-up) · T1DM + T2DM"
    assert "<b>IV, Fixed, 95% CI (%)</b>" in _texts(fig)
    smd = forest_figure(analyse(ds, AnalysisSpec(outcome="hba1c", comparison="vs_control", measure="SMD")))
    assert "<b>IV, Fixed, 95% CI</b>" in _texts(smd) and "<b>Std. Mean Difference</b>" in _texts(smd)
    assert forest_figure(a, title="Mine").layout.title.text == "Mine"


def test_rows_become_labels_and_one_square_per_study():
    a = analyse(heterogeneous_dataset(), AnalysisSpec(outcome="hba1c", comparison="vs_control", model="random"))
    fig = forest_figure(a, show_pi=True)
    squares = next(t for t in fig.data if t.name == "Studies")
    by_group = [yi for g in a.subgroups.groups for yi in a.rows.loc[a.rows["dm_type"] == g, "yi"]]
    assert list(squares.x) == pytest.approx(by_group)            # top to bottom, subgroup by subgroup
    assert list(squares.error_x.array) == pytest.approx(
        [hi - yi for g in a.subgroups.groups
         for yi, hi in a.rows.loc[a.rows["dm_type"] == g, ["yi", "ci_high"]].itertuples(index=False)])
    texts = _texts(fig)
    assert "<b>Subtotal (95% CI)</b>" in texts and "<b>Total (95% CI)</b>" in texts
    assert any(t.startswith("95% prediction interval [") for t in texts)
    assert "Prediction interval" in [t.name for t in fig.data]


def test_text_columns_are_few_text_traces_with_every_number_in_its_row_and_column():
    """The ~150 texts are one scatter text trace per column (cheap for the browser), not annotations;
    each study's numbers stand in their column, on the row of its square, at the old paper x."""
    from core import words
    from core.figures.forest import COLS, PLOT_DOMAIN

    a = analyse(heterogeneous_dataset(), AnalysisSpec(outcome="hba1c", comparison="vs_control", model="random"))
    fig = forest_figure(a, show_pi=True)
    assert len(fig.layout.annotations) <= 4 and len(text_traces(fig)) <= 11
    assert fig.layout.xaxis2.domain == (0, PLOT_DOMAIN[0]) and fig.layout.xaxis2.range == (0, PLOT_DOMAIN[0])
    squares = next(t for t in fig.data if t.name == "Studies")
    rows = [r for g in a.subgroups.groups for r in a.rows[a.rows["dm_type"] == g].to_dict("records")]
    for r, y in zip(rows, squares.y):
        assert cell(fig, "study", y) == r["label"]
        assert cell(fig, "m1", y) == words.fmt_num(r["m1"]) and cell(fig, "sd2", y) == words.fmt_num(r["sd2"])
        assert cell(fig, "n1", y) == str(int(r["n1"])) and cell(fig, "weight", y) == f"{r['weight_pct']:.1f}%"
        assert cell(fig, "effect", y) == words.fmt_ci(r["yi"], r["ci_low"], r["ci_high"])
    m1 = column_texts(fig, "m1")
    assert {(x, pos) for x, _, _, pos in m1} == {(COLS["m1"] + 0.04, "middle left")}     # right-aligned
    assert {pos for *_, pos in column_texts(fig, "study")} == {"middle right"}
    assert all(t.hoverinfo == "skip" for t in text_traces(fig))                        # hover stays on the marks
    assert all(t.xaxis == "x2" and t.cliponaxis is False for t in text_traces(fig))


def test_single_study_subgroups_show_no_heterogeneity(ds):
    """Issue 15: k = 1 subgroups (HbA1c vs control, exact SMD, the paper's studies) read 'not
    applicable (k = 1)', never an I² of 100 %; the total (k = 2) prints its own Q-based I²."""
    from core.figures.forest import forest_rows
    a = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="vs_control", measure="SMD",
                                 smd_variant="hedges_exact", study_set="paper"))
    texts = [r["study"] for r in forest_rows(a) if r["kind"] == "text"]
    assert texts.count("Heterogeneity: not applicable (k = 1)") == 2
    assert not any("I² = 100%" in t for t in texts)
    assert any(t.endswith(f"I² = {a.pooled.i2:.0f}%") and "df = 1" in t for t in texts) and a.pooled.k == 2
    assert not any("I² = 100%" in t for t in _texts(forest_figure(a)))


def test_both_types_view_draws_an_empty_subgroup_and_words_the_total_for_what_it_holds():
    """Issue 26 item 1: the default view asks for T1DM + T2DM but only one T1DM study has numbers:
    the T2DM subgroup is drawn, empty, saying why, and the total says it is T1DM only."""
    from core.evidence.dataset import load_dataset
    from core.figures.forest import forest_rows
    from core.workflow.analysis import AnalysisSpec, analyse
    a = analyse(load_dataset(), AnalysisSpec())
    rows = [(r["kind"], r.get("study")) for r in forest_rows(a)]
    assert ("group", "T2DM") in rows
    empty = rows[rows.index(("group", "T2DM")) + 1]
    n_t2dm = sum(r["dm_type"] == "T2DM" for r in a.unavailable_records)
    assert empty == ("text", f"No T2DM study with usable numbers ({n_t2dm} in scope: see the list under the plot)")
    assert ("total", "Total, T1DM only (95% CI)") in rows
    assert ("reported", "Paper reports (T1DM + T2DM, MD)") in rows          # never the code 'all'
