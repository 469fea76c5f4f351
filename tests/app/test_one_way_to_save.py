"""Issue 23, item 1: after any save, every editor on Your data shows the version in use, and an
editor that holds edits of an older version cannot overwrite newer work without asking.

The loss it reproduces: save a cell from the entry form; the "Outcome rows" editor still held the
previous version, and "Use this table" saved a new version without the entry.  Numbers are
synthetic test fixtures (they never enter data/)."""
from __future__ import annotations

import re

from core.store import open_store
from core.store.tables import version_dataset
from tests.app.test_workbench import CELL, SYNTHETIC, open_page, pick, save, type_in


def editor(at):
    tables = [d.value for d in at.dataframe if "study_id" in d.value.columns and "dispersion_type" in d.value.columns]
    assert len(tables) == 1
    return tables[0].reset_index(drop=True)


def entry_rows(df):
    return df[(df["study_id"] == CELL.study_id) & (df["outcome"] == CELL.outcome)
              & (df["timepoint_months"].astype(str).str.replace(".0", "", regex=False) == "12")]


def saved_entry_means(state_dir, ds_id) -> set:
    out = version_dataset(open_store(state_dir=state_dir).get(ds_id)).outcomes
    return set(entry_rows(out.rename(columns={"timepoint": "timepoint_months"}))["mean"])


def texts(at) -> list[str]:
    return [x.value.replace("\\", "") for x in (*at.info, *at.success, *at.error, *at.warning, *at.caption)]


def test_the_editor_shows_an_entry_saved_from_the_form_and_use_keeps_it(state_dir):
    at = open_page()
    assert len(entry_rows(editor(at))) == 0             # the cell is missing in the shipped data
    pick(at)
    type_in(at, SYNTHETIC)
    save(at)
    first = at.query_params["ds"]
    assert {"6.9", "7.4"} <= saved_entry_means(state_dir, first)
    # the editor now holds the version in use, entry included
    assert set(entry_rows(editor(at))["mean"]) == {"6.9", "7.4"}
    assert any(f"every page uses the saved dataset" in t for t in texts(at))
    # "Use this table" saves a version that still has the entry (before the fix: without it)
    at.button(key="yd_apply").click().run()
    assert not at.exception
    second = at.query_params["ds"]
    assert second != first and {"6.9", "7.4"} <= saved_entry_means(state_dir, second)


def test_an_editor_with_edits_of_an_older_version_asks_before_replacing_newer_work(state_dir):
    at = open_page()
    table = editor(at)
    table.loc[0, "n"] = "0"                             # an edit that fails the check: kept in the editor
    at.session_state["yd_edited"] = table
    at.session_state["yd_editor_version"] = at.session_state["yd_editor_version"] + 1
    at.run()
    at.button(key="yd_apply").click().run()
    assert any(re.search(r"\d+ problems? found", e.value) for e in at.error)
    pick(at)                                            # meanwhile a cell is saved from the entry form
    type_in(at, SYNTHETIC)
    save(at)
    first = at.query_params["ds"]
    # the editor keeps the user's edits, and says they were made on an older version
    assert editor(at).loc[0, "n"] == "0"
    stale = [w for w in at.warning if "older version" in w.value]
    assert stale, [w.value for w in at.warning]
    fixed = editor(at)
    fixed.loc[0, "n"] = "10"
    at.session_state["yd_edited"] = fixed
    at.session_state["yd_editor_version"] = at.session_state["yd_editor_version"] + 1
    at.run()
    at.button(key="yd_apply").click().run()           # refused: it would drop the newer entry silently
    assert at.query_params["ds"] == first
    assert any("Not saved" in e.value and "newer" in e.value for e in at.error)
    # asking: the user may load the version in use (discarding the older edits) ...
    at.button(key="yd_reload").click().run()
    assert set(entry_rows(editor(at))["mean"]) == {"6.9", "7.4"} and not [w for w in at.warning
                                                                        if "older version" in w.value]
    assert at.query_params["ds"] == first
