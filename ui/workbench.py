"""The extraction workbench on the "Your data" page: start from what is missing (the completeness
map, or the list of missing cells), enter a cell's numbers (ui/entry_form.py), see the version
chain's history, and give the dataset back as a zip of data/ CSVs (or import one)."""
from __future__ import annotations

import functools
import textwrap

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.errors import DatasetError
from core.evidence.bundle import read_bundle
from core.evidence.changes import dataset_changes
from core.evidence.cells import Cell, cell_of, missing_cells as core_missing_cells
from core.evidence.origin import Origin, read_origin
from core.export.bundle import dataset_zip
from core.figures.completeness import completeness_figure
from core.store.history import history_frame
from core.vocab import StudySet
from ui.check import completeness
from ui.components import escape_markdown, show_figure
from ui.data import USER_DATASET_KEY, current_dataset, shipped_dataset
from ui.datasets import SAVE_ERRORS, in_use, lineage, load_saved, save_new_version, store_status
from ui.export import data_source

PICKED_KEY = "wb_cell"         # the cell picked last (from the map or the list)
CELLS_COLUMNS = {"label": "Study", "outcome_short": "Outcome", "time_bin": "Time point", "detail": "Why it is missing"}


def missing_cells(ds) -> pd.DataFrame:
    """The paper's study × outcome × time-point cells without numbers (baseline, 3, 6, 12 months)."""
    return core_missing_cells(completeness(ds, StudySet.PAPER))


def _from_map(event, miss: pd.DataFrame):
    points = getattr(getattr(event, "selection", None), "points", None) or []
    for p in points:
        hit = miss[(miss["x"] == p.get("x")) & (miss["y"] == p.get("y"))]
        if len(hit):
            return cell_of(hit.iloc[0])
    return None


def clickable_map(cmap: pd.DataFrame, miss: pd.DataFrame):
    """The completeness map with a clickable (invisible) marker on each missing cell: plotly
    selects points of a scatter trace, not cells of a heatmap."""
    fig = completeness_figure(cmap)
    fig.add_trace(go.Scatter(x=miss["x"], y=miss["y"], mode="markers", name="pick a missing cell",
                             showlegend=False, customdata=[f"<b>{y}</b> · {x}<br>missing: click to enter its numbers<br>"
                                                           + "<br>".join(textwrap.wrap(str(d), 70))
                                                           for x, y, d in zip(miss["x"], miss["y"], miss["detail"])],
                             hovertemplate="%{customdata}<extra></extra>",
                             marker=dict(symbol="square", size=26, opacity=0.01, color="#000")))
    return fig


def pick_cell(ds) -> Cell | None:
    """The completeness map and the list of missing cells; a click on either picks a cell."""
    miss = missing_cells(ds)
    cmap = completeness(ds, StudySet.PAPER)
    st.caption(f"{len(miss)} of {len(cmap)} cells of the paper's studies have no numbers. Click a missing "
               "(pink) cell on the map, or select a row of the list, to enter its numbers.")
    event = show_figure(clickable_map(cmap, miss), key="wb_map", filename="completeness_map", on_select="rerun",
                        caption=f"Completeness of the paper's studies: {len(miss)} of {len(cmap)} cells without numbers. "
                                f"Data: {data_source(ds)}.")
    picked = _from_map(event, miss)
    with st.expander(f"Missing cells ({len(miss)})", expanded=picked is None):
        sel = st.dataframe(miss[list(CELLS_COLUMNS)].rename(columns=CELLS_COLUMNS), hide_index=True,
                           width="stretch", key="wb_cells", on_select="rerun", selection_mode="single-row",
                           height=240)
    rows = sel.selection.rows if sel is not None and hasattr(sel, "selection") else []
    if picked is None and rows:
        picked = cell_of(miss.iloc[int(rows[0])])
    if picked is not None:
        st.session_state[PICKED_KEY] = picked
    last = st.session_state.get(PICKED_KEY)
    if last is None:
        return None
    # The picked cell only while it is still missing; the list cuts long reasons, so its reason is shown whole.
    reason = next((r["detail"] for _, r in miss.iterrows() if cell_of(r).place == last.place), None)
    if reason is None:
        return None
    st.caption(escape_markdown(f"{last.label}: why it is missing — {reason}"))
    return last


def history() -> None:
    """Every edit of the version chain in use: version, cell, old, new, source, time."""
    try:
        chain = lineage()
    except SAVE_ERRORS as exc:
        st.error(escape_markdown(f"The history could not be read: {exc}"), icon=":material/error:")
        return
    if chain is None:
        st.caption("The shipped data are in use: no saved version, no history yet.")
        return
    table = history_frame(chain, current_dataset().study_labels())   # 'Guan 2015 · MSC arm · HbA1c · baseline · n'
    st.caption(f"{len(chain)} version(s) in this chain, newest first; {len(table)} edited cell(s). "
               "Versions are never changed: each edit saved a new one (an operator may only redact one).")
    st.dataframe(table, hide_index=True, width="stretch", key="wb_history")


def give_back(ds) -> None:
    """Download the dataset in use as a zip of data/ CSVs with the list of changes."""
    saved = in_use().saved
    name = escape_markdown(saved.version.name) if saved else "the shipped data"
    origin = Origin(saved.version.name, saved.version.id, saved.version.parent_id) if saved else None
    st.download_button("Download this dataset (.zip of data/ CSVs + CHANGES.txt)",
                       data=functools.partial(dataset_zip, ds, shipped_dataset(), origin),
                       file_name=f"mscdm_dataset_{in_use().id or 'shipped'}.zip", mime="application/zip",
                       key="wb_zip", on_click="ignore", icon=":material/folder_zip:",
                       help=f"The data/ tables of {name} in the shipped schema, with the provenance columns, and "
                            "a plain-text list of every cell added or changed against the shipped data")


def _origin_version(origin: Origin | None):
    """The saved version an imported zip was exported from, when this store has it (else None)."""
    if origin is None:
        return None
    try:
        return load_saved(origin.id)
    except SAVE_ERRORS:
        return None


def persist(ds, origin: Origin | None = None) -> str | None:
    """Save an uploaded, edited or imported dataset as a new version (parent: the one in use, or
    the version an imported zip came from when this store has it; name: the zip's) and make it the
    one in use; None when done, else the sentence saying why not.  Without a store it is used for
    this session only (the page's error banner says the store is unavailable)."""
    if store_status().store is None:
        st.session_state[USER_DATASET_KEY] = ds
        return None

    parent = _origin_version(origin)
    try:
        save_new_version(ds, name=origin.name if origin else None, parent=parent,
                         edits=dataset_changes(parent.dataset if parent else current_dataset(), ds))
    except SAVE_ERRORS as exc:
        return f"Not saved: {exc}"
    st.session_state.pop(USER_DATASET_KEY, None)
    return None


def import_zip(raw: bytes, filename: str):
    """A zip made by the download (or any with data/outcomes.csv) as a checked Dataset and the
    version it was exported from (None if it does not say); raises DatasetError."""
    return read_bundle(raw, filename, shipped_dataset()), read_origin(raw, filename)


__all__ = ["DatasetError", "give_back", "history", "import_zip", "missing_cells", "persist", "pick_cell"]
