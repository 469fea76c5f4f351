"""The Forest plot page through AppTest: each sidebar choice changes the drawn analysis the right way."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.factories import heterogeneous_dataset
from ui.data import USER_DATASET_KEY

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def meta(at):
    charts = at.get("plotly_chart")
    assert charts, "no plotly_chart rendered"
    return json.loads(charts[0].proto.spec)["layout"]["meta"]


@pytest.fixture
def at():
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    return app


def test_default_view_shows_cai_and_the_papers_result(at):
    assert at.title[0].value == "Forest plot"
    assert meta(at)["studies"] == ["Cai 2016"]
    assert at.metric[0].value == "\u22121.10"          # Cai HbA1c change 8.6 -> 7.5
    reported = at.table[0].value                                     # a light table, not a grid (issue 13)
    assert "result_id" not in reported.columns                      # no internal code on screen (issue 14)
    assert any("Fig. 3" in str(x) for x in reported["Where in the paper"])


def test_comparison_population_and_measure(at):
    at.sidebar.radio(key="comparison").set_value("vs_control").run()
    assert meta(at)["studies"] == ["Cai 2016", "Chen 2016"]
    at.sidebar.radio(key="population").set_value("T1DM").run()
    assert meta(at)["studies"] == ["Cai 2016"]
    md = meta(at)["estimate"]
    at.sidebar.radio(key="measure").set_value("SMD").run()
    assert meta(at)["measure"] == "SMD" and meta(at)["estimate"] != md
    at.sidebar.selectbox(key="outcome").set_value("fcp").run()
    assert not at.exception
    assert "No study in the current selection" in at.warning[0].value


def test_random_vs_fixed_changes_the_diamond(at):
    at.session_state[USER_DATASET_KEY] = heterogeneous_dataset()
    at.sidebar.radio(key="comparison").set_value("vs_control").run()
    at.sidebar.radio(key="model").set_value("fixed").run()
    fixed = meta(at)
    at.sidebar.radio(key="model").set_value("random").run()
    random = meta(at)
    assert fixed["method"] == "FE" and random["method"] == "DL"
    assert fixed["estimate"] != random["estimate"]
    assert any("test dataset" in w.value for w in at.warning)    # banner names the dataset in use


def test_unavailable_studies_are_listed_with_reasons(at):
    # a list, so that no reason is cut off by a column width (issue 14)
    items = [line for m in at.markdown for line in m.value.splitlines() if line.startswith("- **")
             and "):" in line and "(" in line.split("**")[2]]
    assert len(items) == 10
    assert min(len(line.split(": ", 1)[1]) for line in items) > 10
