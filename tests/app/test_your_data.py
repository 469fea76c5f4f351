"""The Your data page through AppTest: edits that fail validation are listed and kept; valid edits
become the dataset of every page (banner, recomputed numbers); reset returns to the shipped data.

AppTest cannot type into st.data_editor or upload a file, so the editor's content is set
through session state, exactly where the page keeps it (``yd_edited`` + a new editor version).
"""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.evidence.upload import editable_outcomes
from ui.data import USER_DATASET_KEY
from core.evidence.dataset import load_dataset

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGE = "pages/your_data.py"
SHIPPED = editable_outcomes(load_dataset())


def cai_after_row(df):
    """Row index of Cai 2016's MSC-arm HbA1c at 12 months (the default forest view's 'after')."""
    hit = df[(df["study_id"] == "Cai2016") & (df["arm"] == "msc") & (df["outcome"] == "hba1c")
             & (df["timepoint_months"] == "12")]
    assert len(hit) == 1
    return hit.index[0]


@pytest.fixture
def at():
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.switch_page(PAGE).run()
    assert not app.exception
    return app


def load_table(at, df):
    """Put ``df`` into the page's editor, as an upload or edits would."""
    at.session_state["yd_edited"] = df
    at.session_state["yd_editor_version"] = at.session_state["yd_editor_version"] + 1
    at.run()


def editor_table(at):
    tables = [d.value for d in at.dataframe if "study_id" in d.value.columns and "dispersion_type" in d.value.columns]
    assert len(tables) == 1
    assert list(tables[0].index[:2]) == [2, 3]               # rows labelled as in a spreadsheet (header = 1)
    return tables[0].reset_index(drop=True)


def banner(at) -> str:
    texts = [c.value for c in at.caption] + [w.value for w in at.warning] + [i.value for i in at.info]
    return next(t for t in texts if t.startswith("Dataset: "))


def test_default_is_the_shipped_data(at):
    assert at.title[0].value == "Your data"
    assert banner(at).startswith("Dataset: shipped dataset")
    assert len(editor_table(at)) == len(SHIPPED) == 48
    assert not at.error


def test_invalid_edits_are_listed_and_kept_in_the_editor(at):
    bad = SHIPPED.copy()
    bad.loc[0, "n"] = "0"
    bad.loc[1, "mean"] = "7,5"
    bad.loc[2, "arm"] = "<script>alert(1)</script>"
    load_table(at, bad)
    at.button(key="yd_apply").click().run()
    assert not at.exception
    assert "3 problems found" in at.error[0].value
    problems = next(d.value for d in at.dataframe if "problem" in d.value.columns)
    got = {(r.row, r.column) for r in problems.itertuples()}
    assert {("2", "n"), ("3", "mean"), ("4", "arm")} <= got
    assert any("'7,5' is not a finite number" in p for p in problems["problem"])
    kept = editor_table(at)
    assert kept.loc[1, "mean"] == "7,5" and kept.loc[2, "arm"] == "<script>alert(1)</script>"
    assert USER_DATASET_KEY not in at.session_state
    assert banner(at).startswith("Dataset: shipped dataset")
    # nothing the user typed reaches Markdown: the script tag only appears inside data tables
    assert all("<script>" not in m.value for m in at.markdown)


def test_valid_edits_are_saved_as_a_version_every_page_uses_and_reset_restores(at):
    edited = SHIPPED.copy()
    edited.loc[cai_after_row(edited), "mean"] = "7.0"          # Cai 2016 MSC HbA1c at 12 months: 7.5 -> 7.0
    load_table(at, edited)
    at.button(key="yd_apply").click().run()
    assert not at.exception
    assert "Every page now uses your edited data (48 outcome rows)." in at.success[0].value
    ds = at.query_params["ds"]                                 # saved: a new version, its id in the URL
    assert banner(at).replace("\\", "").startswith(f"Dataset: saved dataset “My extraction” (id {ds})")
    assert USER_DATASET_KEY not in at.session_state

    at.switch_page("pages/forest.py").run()
    assert at.query_params["ds"] == ds
    # default view = Cai 2016 pre-post MD, after - before = 7.0 - 8.6 (shipped: 7.5 - 8.6 = -1.10)
    assert at.metric[0].value == "\u22121.60"

    at.switch_page(PAGE).run()
    assert editor_table(at).loc[cai_after_row(SHIPPED), "mean"] == "7.0"     # edits survive leaving the page
    history = next(d.value for d in at.dataframe if "cell" in d.value.columns and "old" in d.value.columns)
    assert ("Cai 2016 · MSC arm · HbA1c · 12 months · mean", "7.5", "7.0") in set(zip(history["cell"], history["old"],
                                                                                      history["new"]))
    at.button(key="yd_reset").click().run()
    assert "ds" not in at.query_params
    assert banner(at).startswith("Dataset: shipped dataset")
    assert editor_table(at).loc[cai_after_row(SHIPPED), "mean"] == "7.5"
    at.switch_page("pages/forest.py").run()
    assert at.metric[0].value == "\u22121.10"


def test_formula_like_text_is_accepted(at):
    edited = SHIPPED.copy()
    edited.loc[0, "use_note"] = '=HYPERLINK("http://example.invalid","x")'
    load_table(at, edited)
    at.button(key="yd_apply").click().run()
    assert not at.error
    from ui.datasets import load_saved

    saved = load_saved(at.query_params["ds"]).dataset
    assert saved.outcomes.loc[0, "use_note"].startswith("=HYPERLINK")
