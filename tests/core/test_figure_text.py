"""A dataset's text reaches every figure as text: plotly never reads it as markup (core.words.formats.plain).

Plotly draws a subset of HTML in any text (``<b>``, ``<i>``, ``<span style>``, ``<a href>`` as a live
link), on screen and in kaleido's SVG/PDF/PNG.  A study named ``<i>Evil</i>`` must read as typed in the
Forest plot, the funnel plot, the Sensitivity forests, the completeness map and the "Which MSC therapy?"
figures, on screen and in every export (they draw the same figure objects).
"""
from __future__ import annotations

import json

import pytest

from core.bias import funnel_data
from core.evidence.completeness import completeness_table
from core.figures.characteristics import bubble_figure, split_forest_figure
from core.figures.completeness import completeness_figure
from core.figures.forest import forest_figure
from core.figures.funnel import funnel_figure
from core.figures.sensitivity import interval_forest, loo_frame
from core.sensitivity import leave_one_out
from core.workflow.analysis import AnalysisSpec, analyse
from core.words.formats import plain
from core.workflow.characteristics import regress_on, split_by
from tests.core.test_characteristic_analyses import DS
from tests.factories import make_dataset

MARKUP = ("<i>", "<b>", "<a ", "<span")


def _hostile():
    """The synthetic dataset of the characteristics tests with markup in every text a figure shows."""
    studies = DS.studies.drop(columns=["year_num"]).copy()
    studies["first_author"] = [f'<i>Evil{i}</i><a href="https://x.example">x</a>' for i in range(len(studies))]
    outcomes = DS.outcomes.drop(columns=["timepoint_num", "n_num", "mean_num", "disp1_num", "disp2_num"]).copy()
    outcomes["timepoint_label"] = "<b>12</b> months"
    return make_dataset(studies.to_dict("records"), outcomes.to_dict("records"))


@pytest.fixture(scope="module")
def hostile():
    ds = _hostile()
    return ds, analyse(ds, AnalysisSpec(comparison="vs_control", model="random", tau2_method="REML"))


def _shown(fig) -> str:
    """What plotly.js draws of the figure (its layout's ``meta``, data for tests and clicks, is never
    drawn), with the JSON escapes of '<' and '>' undone."""
    spec = fig.to_plotly_json()
    spec["layout"].pop("meta", None)
    return json.dumps(spec, default=str).replace("\\u003c", "<").replace("\\u003e", ">")


def _figures(ds, a):
    yield "forest", forest_figure(a)
    yield "funnel", funnel_figure(funnel_data(a.pooled), title="t", x_title="x")
    yield "leave one out", interval_forest(loo_frame(leave_one_out(a.pooled), a.pooled), title="t", x_title="x")
    yield "completeness", completeness_figure(completeness_table(ds, study_set="all"))
    yield "split", split_forest_figure(split_by(a, ds.studies, "cell_source"), a)
    yield "bubble", bubble_figure(regress_on(a, ds.studies, "dose_per_kg", iterations=50), measure="MD")


def test_the_hostile_names_reach_the_analysis(hostile):
    _ds, a = hostile
    assert all(label.startswith("<i>Evil") for label in a.rows["label"])   # else the test below proves nothing


@pytest.mark.parametrize("name", ["forest", "funnel", "leave one out", "completeness", "split", "bubble"])
def test_no_dataset_text_is_drawn_as_markup(hostile, name):
    ds, a = hostile
    fig = dict(_figures(ds, a))[name]
    shown = _shown(fig)
    assert "&lt;i&gt;Evil" in shown                          # the name is drawn, as typed ...
    assert not any(f"{tag}Evil" in shown or f'{tag}href="https://x' in shown for tag in MARKUP)   # ... never as markup
    if name == "forest":
        assert "&lt;b&gt;12&lt;/b&gt; months" in shown and "<b>12</b>" not in shown


def test_plain_escapes_what_plotly_reads_and_nothing_else():
    assert plain('<b>A & B</b> "q"') == '&lt;b&gt;A &amp; B&lt;/b&gt; "q"'
    assert plain("Cai 2016") == "Cai 2016" and plain(2016) == "2016"
