"""The "Which MSC therapy?" page (issue 25) through AppTest: the split and the meta-regression follow
the page's choices, with the caution, and a view with too few studies says why instead of a plot."""
from __future__ import annotations

import json

from tests.app.apptest import open_page
from tests.core.test_characteristic_analyses import DS

PAGE = "pages/characteristics.py"


def _metas(at):
    return [json.loads(c.proto.spec)["layout"]["meta"] for c in at.get("plotly_chart")]


def test_split_and_regression_on_a_synthetic_dataset():
    at = open_page(PAGE, dataset=DS)
    at.sidebar.radio(key="comparison").set_value("vs_control").run()
    at.selectbox(key="subby").set_value("cell_source").run()
    assert not at.exception
    split, bubble = _metas(at)
    assert split["key"] == "cell_source" and split["groups"] == ["Umbilical cord / Wharton's jelly", "Bone marrow",
                                                                 "not reported"]
    assert any("§10.11.5" in w.value and "6 studies in 3 subgroups" in w.value for w in at.warning)
    assert bubble["key"] == "dose_per_kg" and bubble["k"] == 5 and 0 < bubble["permutation_p"] <= 1
    assert any("E 2015" in c.value for c in at.caption)          # left out: its dose is not reported
    assert any("5 studies, where about ten" in w.value and "below 1/60" in w.value for w in at.warning)


def test_shipped_default_view_says_why_no_regression():
    at = open_page(PAGE)
    assert [m["key"] for m in _metas(at)] == ["dm_type"]              # the paper's split only
    assert any("needs at least 3 studies" in i.value for i in at.info)


def test_studies_page_shows_each_studys_codes_with_its_note():
    at = open_page("pages/studies.py")
    at.selectbox(key="studies_detail").set_value("Jiang2011").run()
    assert not at.exception
    line = next(t.value for t in at.text if t.value.startswith("Coded from the text above"))
    assert "cell source: Placenta" in line and "dose (10⁶ cells/kg per infusion): 0.45" in line
    assert "1.35 / 3 = 0.45" in line and "infusions: 3" in line


def test_the_script_buttons_are_there():
    at = open_page(PAGE, dataset=DS)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels.count("R script (metafor)") == 1 and labels.count("Python script") == 1


def test_a_bayesian_view_says_which_parts_are_bayesian():
    note = "each subgroup of the split below is refitted in the Bayesian model"
    at = open_page(PAGE)
    assert not any(note in i.value for i in at.info)                  # a frequentist view
    at.sidebar.radio(key="model").set_value("bayes").run()
    assert not at.exception and at.session_state["model"] == "bayes"
    assert any(note in i.value for i in at.info)
