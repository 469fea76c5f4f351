"""Your data: complete the evidence (the workbench: pick a missing cell, enter its numbers with
their source, save a new immutable version whose id goes in the URL as ``ds``), see the version
history, give the dataset back (zip of data/ CSVs), or upload / edit outcome rows as before: every
upload or edit is saved as a new version too.

The user's table lives in the editor until it validates; a validation error never discards it.
Everything the user typed is shown as data (editor, tables, plain text), never as HTML.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.evidence import upload as up
from core.errors import DatasetError
from core.words import UPLOAD_READING_NOTES
from core.words.workbench import EDITOR_REPLACE, EDITOR_STALE, EDITOR_STALE_REFUSED
from ui.components import escape_markdown, page_header
from ui.data import USER_DATASET_KEY, current_dataset, shipped_dataset
from ui.datasets import in_use, use_shipped
from ui.coding_form import coding_form
from ui.entry_form import entry_form, saved_notice
from ui.editor_columns import editor_columns
from ui.export import dataset_downloads
from ui.uploads import upload_turn
from ui.workbench import give_back, history, import_zip, persist, pick_cell

VERSION = "yd_editor_version"   # bumped to load a new table into the editor
BASE = "yd_base"                # the table the current editor widget was created with
EDITED = "yd_edited"            # the editor's latest content (survives leaving the page)
STUDIES = "yd_studies"          # studies sheet of an XLSX upload, if any
PROBLEMS = "yd_problems"        # problems of the last failed check (list of str)
PROBLEM_KIND = "yd_problem_kind"  # "file" (unreadable upload) or "table" (rows failed validation)
NOTICE = "yd_notice"            # (kind, text) shown once after a rerun
UPLOAD_ID = "yd_upload_id"      # file_id of the last processed upload
IGNORED = "yd_ignored"          # columns of the last upload that are not part of the format
SOURCE = "yd_source"            # our words for what the editor holds (never the raw file name)
FROM = "yd_from"                # id of the version in use when the editor was loaded (None: shipped data)
PENDING = "yd_pending"          # the editor holds a table that is not in use (a refused upload or edit)
FIRST_COLUMNS = ["study_id", "arm", "outcome", "timepoint_months", "timepoint_label", "n", "mean",
                 "dispersion_type", "disp1", "disp2", "unit", "use"]

page_header("Your data", "Complete the evidence: pick a missing cell, enter its numbers with their source and save; "
                         "or upload your own outcome rows (CSV, XLSX, or a zip this page exported). Each save is a "
                         "new version with its own link; every page recomputes on it.")
state = st.session_state
state.setdefault(VERSION, 0)


def numbered(df: pd.DataFrame) -> pd.DataFrame:
    """Label rows 2, 3, ... as a spreadsheet does (header = row 1), so problem rows match the editor."""
    out = df.reset_index(drop=True)
    out.index = pd.RangeIndex(2, len(out) + 2, name="row")
    return out


def load_into_editor(df, studies=None, source: str = "your edits", *, pending: bool = False) -> None:
    """Put ``df`` in the editor; ``pending``: it is not the data in use (a refused upload or edit)."""
    state[EDITED] = numbered(df)
    state[SOURCE] = source
    state[STUDIES] = studies
    state[VERSION] += 1
    state[FROM], state[PENDING] = in_use().id, pending


def editor_is_stale() -> bool:
    """Keep the editor on the version in use.  After a save made elsewhere (the entry form, a
    judgement, an import), an editor without edits of its own is reloaded; one with edits is kept,
    and True says it holds edits of an older version (the page asks before they replace newer work)."""
    now = in_use().id
    if state.setdefault(FROM, now) == now:
        return False
    own = state.get(PENDING) or (EDITED in state and BASE in state and not state[EDITED].equals(state[BASE]))
    if own:
        return True
    load_into_editor(up.editable_outcomes(current_dataset()), source="the data in use")
    return False


def try_apply(df, *, kind: str) -> bool:
    """Validate the table; on success make it the session's dataset. Returns success."""
    try:
        ds = up.build_dataset(df, shipped_dataset(), studies=state.get(STUDIES), kind=kind)
    except DatasetError as exc:
        state[PROBLEMS], state[PROBLEM_KIND] = exc.problems, "table"
        return False
    refused = persist(ds)
    if refused:
        state[PROBLEMS], state[PROBLEM_KIND] = [refused], "file"
        return False
    state[PROBLEMS], state[FROM], state[PENDING] = [], in_use().id, False
    state.pop("yd_replace", None)
    state[NOTICE] = ("success", f"Every page now uses {ds.name}.")
    return True


def import_upload(raw: bytes, filename: str) -> None:
    """A zip exported by this page: checked, then saved as a new version."""
    try:
        with upload_turn():                      # at most N uploads parse at once; a waiting one says so
            ds, origin = import_zip(raw, filename)
    except DatasetError as exc:
        state[PROBLEMS], state[PROBLEM_KIND] = exc.problems, "file"
        return
    refused = persist(ds, origin)          # the zip's name, and its version as the parent when saved here
    state[PROBLEMS], state[PROBLEM_KIND] = ([refused], "file") if refused else ([], "file")
    if not refused:
        state[NOTICE] = ("success", f"Imported and saved: every page now uses {ds.name}.")
        load_into_editor(up.editable_outcomes(ds), source="your imported zip")
        st.rerun()


notice = state.pop(NOTICE, None)
if notice:
    getattr(st, notice[0])(notice[1], icon=":material/check_circle:")

st.subheader("Complete the evidence")
ds_in_use = current_dataset()
cell = pick_cell(ds_in_use)
saved_notice()                      # after a save: the new version, and what it changed, in one line
if cell is not None:
    entry_form(ds_in_use, cell)
st.subheader("Correct the coded characteristics")
coding_form(ds_in_use)
st.subheader("History of this dataset")
history()
st.subheader("Give it back")
give_back(ds_in_use)
st.caption("To load such a zip (or an outcomes CSV) again, use the file input below: it is checked like any "
           "upload and saved as a new version.")
if in_use().id and st.button("Back to the shipped data", key="wb_shipped", icon=":material/restart_alt:"):
    use_shipped()
    st.rerun()

st.subheader("Upload or edit outcome rows")

with st.expander("Format, template and data dictionary", icon=":material/description:"):
    st.markdown("One row per **study, arm, outcome and time point**, as in `data/outcomes.csv`. Required "
                f"columns: {', '.join(f'`{c}`' for c in up.REQUIRED_OUTCOME_COLUMNS)}. An .xlsx may add a "
                "`studies` sheet to define new studies. Limits: "
                f"{up.MAX_UPLOAD_BYTES // 1_000_000} MB, {up.MAX_UPLOAD_ROWS:,} rows.")
    c = st.container(horizontal=True)
    c.download_button("Template (CSV)", data=up.template_bytes(), file_name="outcomes_template.csv",
                      mime="text/csv", key="yd_template", on_click="ignore", icon=":material/download:")
    c.download_button("Data dictionary (Markdown)", data=up.dictionary_text(), file_name="DATA_DICTIONARY.md",
                      mime="text/markdown", key="yd_dictionary", on_click="ignore", icon=":material/download:")
    st.markdown(up.dictionary_text())     # our own text, not user input

uploaded = st.file_uploader("Upload a CSV, XLSX or exported zip", type=["csv", "xlsx", "zip"], key="yd_upload",
                            help="UTF-8 CSV or an Excel workbook (sheet 'outcomes', optional sheet 'studies'), or a "
                                 "zip downloaded from this page. Up to 5 MB per file (the server's limit); a table "
                                 f"itself is read up to {up.MAX_UPLOAD_BYTES // 1_000_000} MB.")
st.caption(UPLOAD_READING_NOTES)
if uploaded is not None and state.get(UPLOAD_ID) != uploaded.file_id and uploaded.name.lower().endswith(".zip"):
    state[UPLOAD_ID] = uploaded.file_id
    import_upload(uploaded.getvalue(), uploaded.name)
if uploaded is not None and state.get(UPLOAD_ID) != uploaded.file_id:
    state[UPLOAD_ID] = uploaded.file_id
    kind = "XLSX upload" if uploaded.name.lower().endswith(".xlsx") else "CSV upload"
    try:
        with upload_turn():
            tables = up.read_upload(uploaded.getvalue(), uploaded.name)
    except DatasetError as exc:
        state[PROBLEMS], state[PROBLEM_KIND] = exc.problems, "file"   # unreadable file: the editor is unchanged
    else:
        load_into_editor(tables.outcomes, tables.studies, source=f"your {kind}", pending=True)
        state[IGNORED] = tables.ignored_columns
        if try_apply(tables.outcomes, kind=kind):
            st.rerun()

if state.get(IGNORED):      # user-typed names: shown as plain text, never as Markdown
    st.info("Your upload has columns that are not part of the format; they were ignored:", icon=":material/info:")
    st.text(", ".join(state[IGNORED]))

problems = state.get(PROBLEMS) or []
if problems and state.get(PROBLEM_KIND) == "file":
    st.error("The uploaded file could not be read, so nothing changed (neither the editor nor the data in use). "
             "Fix the file and upload it again, or start from the template.", icon=":material/error:")
elif problems:
    st.error(f"{len(problems)} {'problem' if len(problems) == 1 else 'problems'} found, so the data in use did "
             "not change. Your table is kept in the editor below: fix it there and press **Use this table**.",
             icon=":material/error:")
if problems:
    st.dataframe(up.problems_table(problems), hide_index=True, width="stretch", key="yd_problems_table",
                 column_config={"problem": st.column_config.TextColumn("problem (value and what was expected)",
                                                                       width="large")})

own = state.get(USER_DATASET_KEY) is not None
stale = editor_is_stale()
st.subheader("Outcome rows")
using = escape_markdown(state[USER_DATASET_KEY].name) if own else (f"the saved dataset {escape_markdown(in_use().saved.version.name)}"
                                                    if in_use().id else "the shipped data")
st.caption(f"The editor holds {state.get(SOURCE, 'the data in use')}; every page uses {using}. Edit cells, add or "
           "delete rows, then press Use this table. Numbers are typed as text and checked when you press it.")
if stale:
    st.warning(EDITOR_STALE.format(old=state.get(FROM) or "the shipped data", new=in_use().id or "the shipped data"),
               icon=":material/history:")
editor_key = f"yd_editor_{state[VERSION]}"
if editor_key not in state or BASE not in state:
    if EDITED not in state:
        state[EDITED] = numbered(up.editable_outcomes(current_dataset()))
    state[BASE] = numbered(state[EDITED])
base = state[BASE]
order = [c for c in FIRST_COLUMNS if c in base.columns] + [c for c in base.columns if c not in FIRST_COLUMNS]
edited = st.data_editor(base, key=editor_key, num_rows="dynamic", hide_index=False, width="stretch",
                        column_order=order, column_config=editor_columns(base, current_dataset()))
state[EDITED] = edited
if state.get(STUDIES) is not None:
    with st.expander(f"Studies sheet from your upload ({len(state[STUDIES])} rows)"):
        st.dataframe(state[STUDIES], hide_index=True, width="stretch", key="yd_studies_table")

actions = st.container(horizontal=True)
use = actions.button("Use this table", type="primary", key="yd_apply", icon=":material/check:",
                     help="Check every row and, if all is well, make every page use this table")
reset = actions.button("Reset to shipped data", key="yd_reset", icon=":material/restart_alt:",
                       help="Forget your data and your edits; the editor and every page return to the shipped "
                            "dataset")
reload = stale and actions.button("Load the version in use", key="yd_reload", icon=":material/sync:",
                                  help="Discard the editor's edits and show the data every page uses")
replace = stale and st.checkbox(EDITOR_REPLACE, key="yd_replace")
if reload:
    load_into_editor(up.editable_outcomes(current_dataset()), source="the data in use")
    state[PROBLEMS] = []
    st.rerun()
if use and stale and not replace:
    st.error(EDITOR_STALE_REFUSED, icon=":material/error:")
elif use:
    if try_apply(edited, kind="edited data"):
        load_into_editor(edited, state.get(STUDIES), source="your edited data")
    else:       # renumber rows (after added/deleted rows) so the problems' row numbers match the editor
        made_on = state.get(FROM)                   # a stale table stays marked as made on the older version
        load_into_editor(edited, state.get(STUDIES), source=state.get(SOURCE, "your edits"), pending=True)
        state[FROM] = made_on if stale else in_use().id
    st.rerun()
if reset:
    state.pop(USER_DATASET_KEY, None)
    use_shipped()
    state[PROBLEMS] = []
    state[IGNORED] = ()
    load_into_editor(up.editable_outcomes(shipped_dataset()), source="the shipped data")
    state[NOTICE] = ("info", "Back to the shipped dataset on every page.")
    st.rerun()

st.subheader("Download")
st.caption("The table in the editor (including edits not yet in use), in the upload format. Text that a "
           "spreadsheet would run as a formula is prefixed with an apostrophe.")
dataset_downloads(edited.reset_index(drop=True), studies=state.get(STUDIES), key="yd_download")
