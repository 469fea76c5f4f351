"""The extraction workbench through AppTest: the entry form's checks named under their fields, a
save making a new version whose id goes in the URL (and that every page uses), the ds round trip
in a fresh session, an unknown ds, the limits, and a corrupt state database.

Each test has its own MSCDM_STATE_DIR; the numbers are synthetic and never enter data/.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from core.store import open_store
from tests.app import apptest
from ui.entry_form import Cell

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/your_data.py"
CELL = Cell("Carlsson2015", "hba1c", 12.0, "Carlsson 2015, HbA1c at 12 mo")
SECOND_CELL = Cell("Carlsson2015", "hba1c", 6.0, "Carlsson 2015, HbA1c at 6 mo")
SYNTHETIC = {"wb_0_mean": "6.9", "wb_0_disp1": "0.8", "wb_0_n": "9", "wb_1_mean": "7.4", "wb_1_disp1": "0.9",
             "wb_1_n": "9", "wb_source": "https://example.org/synthetic-test-fixture", "wb_locator": "Table 2"}


def open_page(query=None) -> AppTest:
    return apptest.open_page(PAGE, query)


def pick(at, cell=CELL):
    at.session_state["wb_cell"] = cell
    at.run()


def type_in(at, values):
    for key, value in values.items():
        at.text_input(key=key).input(value).run()
    assert not at.exception


def red(at) -> list[str]:
    return [c.value for c in at.caption if c.value.startswith(":red[")]


def texts(at) -> list[str]:
    return [x.value.replace("\\", "") for x in (*at.info, *at.success, *at.error, *at.warning, *at.caption)]


def save(at):
    at.button(key="wb_save").click().run()
    assert not at.exception


def save_entry(at, cell=CELL) -> str:
    """Fill ``cell`` with the synthetic numbers and save; the ds in the URL afterwards."""
    pick(at, cell)
    type_in(at, SYNTHETIC)
    save(at)
    return at.query_params["ds"]


def test_form_prefills_the_arms_and_n_and_names_each_problem(state_dir):
    at = open_page()
    pick(at)
    gaps = pd.read_csv(Path(APP).parent / "data" / "gaps.csv", dtype=str, keep_default_na=False)
    reason = gaps.loc[gaps["study_id"] == CELL.study_id, "reason"].iloc[0]      # long: the list cuts it
    assert any(reason in t and t.startswith(f"{CELL.label}: why it is missing") for t in texts(at))
    assert at.text_input(key="wb_0_n").value == "10" and at.text_input(key="wb_1_n").value == "10"
    assert at.selectbox(key="wb_unit").value == "%"
    type_in(at, {"wb_0_mean": "6.9", "wb_0_disp1": "-1", "wb_0_n": "12"})
    got = " ".join(red(at)).replace("\\", "")
    assert "An SD must be > 0; got −1" in got
    assert "n = 12 is larger than the 10 patients randomised to the MSC arm" in got
    assert "The source is required" in got and "The locator is required" in got
    type_in(at, {"wb_0_disp1": "0.8"})
    at.selectbox(key="wb_0_dtype").select("ci95").run()      # clears the SD typed for the old type (issue 23)
    type_in(at, {"wb_0_disp1": "0.8", "wb_0_disp2": "6.0"})
    assert any("The 95% CI [0.8, 6.0] does not contain its mean 6.9" in r.replace("\\", "") for r in red(at))
    save(at)                                    # refused while problems remain: nothing saved
    assert any("Not saved" in e.value for e in at.error)
    assert "ds" not in at.query_params


def test_save_makes_a_new_version_that_every_page_and_a_fresh_session_use(state_dir):
    at = open_page()
    pick(at)
    type_in(at, SYNTHETIC)
    assert red(at) == []
    save(at)
    ds = at.query_params["ds"]
    assert len(ds) >= 22
    shown = texts(at)
    assert any(t.startswith("Saved as a new version (id " + ds) for t in shown)
    assert any(t.startswith("Fig. 2, HbA1c vs control, T1DM: now 2 of 2 studies; recomputed") for t in shown)
    assert any(t.startswith(f"Dataset: saved dataset “My extraction” (id {ds})") for t in shown)
    history = next(d.value for d in at.dataframe if "cell" in d.value.columns and "old" in d.value.columns)
    assert "Carlsson 2015 · MSC arm · HbA1c · 12 months · mean" in set(history["cell"]) and "6.9" in set(history["new"])
    assert set(history["source"]) == {SYNTHETIC["wb_source"]}
    # the saved version is in the store, with its edits
    version = open_store(state_dir=state_dir).get(ds)
    assert version.parent_id is None and any(e.new == "7.4" for e in version.edits)

    # a second save on top: parent = the first
    ds2 = save_entry(at, SECOND_CELL)
    assert ds2 != ds and open_store(state_dir=state_dir).get(ds2).parent_id == ds
    assert any(f"parent {ds}" in t for t in texts(at))

    # a fresh session with the link: same numbers (the forest page's pooled line), banner names it
    link = open_page({"ds": ds2})
    assert any(t.startswith(f"Dataset: saved dataset “My extraction” (id {ds2}, parent {ds})") for t in texts(link))
    link.switch_page("pages/forest.py").run()
    here = open_page({"ds": ds2})
    here.switch_page("pages/forest.py").run()
    assert [m.value for m in link.metric] == [m.value for m in here.metric]
    at.switch_page("pages/forest.py").run()
    assert [m.value for m in at.metric] == [m.value for m in here.metric]


def test_unknown_or_malformed_ds_falls_back_to_the_shipped_data_with_a_notice(state_dir):
    for bad in ("A" * 24, "not an id!"):
        at = open_page({"ds": bad})
        assert any(t.startswith("Dataset: shipped dataset") for t in texts(at))
        assert any("The dataset in the link could not be opened" in t and "showing the shipped data" in t
                   for t in texts(at))
        assert "ds" not in at.query_params


def test_rate_limit_and_size_limit_are_refused_in_a_sentence(state_dir, monkeypatch):
    monkeypatch.setenv("MSCDM_MAX_SAVES_PER_MINUTE", "1")
    at = open_page()
    first = save_entry(at)
    save_entry(at, SECOND_CELL)
    assert any("At most 1 saves a minute are accepted from one session" in e.value.replace("\\", "")
               for e in at.error)
    assert at.query_params["ds"] == first
    monkeypatch.setenv("MSCDM_MAX_DATASET_BYTES", "1000")
    small = open_page()
    pick(small)
    type_in(small, SYNTHETIC)
    save(small)
    assert any("at most 1,000 can be saved (setting MSCDM_MAX_DATASET_BYTES)" in e.value.replace("\\", "")
               for e in small.error)


def test_a_corrupt_state_database_leaves_the_app_on_the_shipped_data(state_dir):
    state_dir.mkdir(parents=True)
    db = state_dir / "datasets.sqlite3"
    garbage = b"this is not a database\x00" * 200
    db.write_bytes(garbage)
    at = open_page({"ds": "B" * 24})
    assert not at.exception
    assert any(e.value.replace("\\", "").startswith("Saved datasets are unavailable") for e in at.error)
    assert any(t.startswith("Dataset: shipped dataset") for t in texts(at))
    at.switch_page("pages/forest.py").run()
    assert not at.exception and at.metric
    assert db.read_bytes() == garbage
