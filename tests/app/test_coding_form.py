"""Setting a study's coded characteristic in the workbench (issue 25 item 1) through AppTest: a bad
input is refused in a sentence and saves nothing; a valid one saves a new version whose history shows
the old and new code in words, and the Forest plot's columns and the subgroup split use the new code.

Each test has its own MSCDM_STATE_DIR; the reasons are synthetic and never enter data/.
"""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.store import open_store

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE = "pages/your_data.py"


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def choose(at, study: str, column: str):
    at.selectbox(key="cf_study").set_value(study).run()
    at.selectbox(key="cf_column").set_value(column).run()
    assert not at.exception


def save(at):
    at.button(key="cf_save").click().run()
    assert not at.exception


def errors(at) -> list[str]:
    return [e.value.replace("\\", "") for e in at.error]


def test_bad_input_is_named_and_nothing_is_saved(state_dir):
    at = open_page()
    choose(at, "Cai2016", "cell_source")
    assert any("Coded now: Mixed sources" in c.value.replace("\\", "") for c in at.caption)
    assert at.selectbox(key="cf_code_cell_source").value == "mixed"       # starts from the current code
    save(at)
    said = " ".join(errors(at))
    assert "already coded Mixed sources" in said and "Say why" in said
    assert "ds" not in at.query_params
    choose(at, "Cai2016", "dose_per_kg")
    assert at.text_input(key="cf_number_dose_per_kg").value == "1.1" and not at.checkbox(key="cf_nr_dose_per_kg").value
    at.text_input(key="cf_number_dose_per_kg").input("a lot").run()
    at.text_input(key="cf_reason").input("Synthetic test reason").run()
    save(at)
    assert any("The dose must be a number" in e and "'a lot'" in e for e in errors(at))
    assert "ds" not in at.query_params
    assert any("The shipped data are in use: no saved version" in c.value for c in at.caption)


def _forest_cells(at) -> list[str]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return {t.get("name"): t for t in spec["data"]}["Text: study columns"]["text"]


def test_a_saved_code_is_a_new_version_that_every_view_uses(state_dir):
    at = open_page()
    choose(at, "Cai2016", "cell_source")
    at.selectbox(key="cf_code_cell_source").set_value("adipose").run()
    at.text_input(key="cf_reason").input("Synthetic fixture: <b>full text</b>, [Methods](https://evil.example)").run()
    at.text_input(key="cf_locator").input("p. 3").run()
    save(at)
    ds = at.query_params["ds"]
    assert ds and any(f"Saved as version {ds}" in s.value.replace("\\", "") for s in at.success)
    assert at.text_input(key="cf_reason").value == "" and at.text_input(key="cf_locator").value == ""   # a fresh form
    assert at.selectbox(key="cf_code_cell_source").value == "adipose"
    history = next(d.value for d in at.dataframe if "cell" in d.value.columns and "old" in d.value.columns)
    row = history[history["version"] == ds].iloc[0]
    assert row["cell"] == "Cai 2016 · study characteristic · cell source"
    assert (row["old"], row["new"]) == ("Mixed sources", "Adipose tissue")
    assert row["source"].startswith("Synthetic fixture: <b>") and row["locator"] == "p. 3"   # as typed, in a grid
    assert not any("<b>" in m.value or "](" in m.value for m in (*at.markdown, *at.caption, *at.success))
    version = open_store().get(ds)
    assert [(e.field, e.old, e.new) for e in version.edits] == [("cell_source", "mixed", "adipose")]
    # The Forest plot's column reads the new code (Cai 2016 is the first T1DM study: 'AD', was 'mixed').
    at.switch_page("pages/forest.py").run()
    at.sidebar.radio(key="comparison").set_value("vs_control").run()
    at.sidebar.radio(key="set").set_value("all").run()
    at.sidebar.multiselect(key="cols").set_value(["cell_source"]).run()
    assert not at.exception
    assert _forest_cells(at)[:2] == ["AD", "AD"]
    # The split by cell source counts Cai 2016 among the adipose studies.
    at.switch_page(str(ROOT / "pages" / "characteristics.py")).run()
    at.selectbox(key="subby").set_value("cell_source").run()
    assert not at.exception
    split = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["meta"]
    assert "Mixed sources" not in split["groups"] and "Adipose tissue" in split["groups"]
