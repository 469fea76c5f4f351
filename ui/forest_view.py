"""The Forest plot's display choices (issue 25): the study columns and the order the sidebar's
"Forest plot" expander sets (keys "cols" and "sort", bound to the URL), as the figure needs them."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from core.evidence.dataset import Dataset
from core.figures.forest_columns import study_cells, study_order
from core.workflow.analysis import ForestAnalysis
from core.vocab import FOREST_MAX_COLUMNS
from core.words.characteristics import FOREST_COLUMNS_TOO_MANY, columns_legend
from ui import state as S
from ui.certainty import JUDGEMENTS


@dataclass(frozen=True, slots=True)
class ForestView:
    """``order``: study ids top to bottom within each subgroup; ``columns`` and their ``cells`` (see
    core.figures.forest_columns.study_cells); ``legend``: what the cells' short words mean."""

    order: tuple
    columns: tuple
    cells: tuple
    legend: str


def forest_view(a: ForestAnalysis, dataset: Dataset) -> ForestView:
    """The chosen columns (in the registry's order) and order of the studies of ``a``."""
    chosen = st.session_state.get("cols") or ()
    columns = tuple(c for c in S.OPTIONS["cols"] if c in chosen)
    if len(columns) > FOREST_MAX_COLUMNS:      # e.g. from a URL: say which are shown, never fail
        columns = columns[:FOREST_MAX_COLUMNS]
        st.caption(FOREST_COLUMNS_TOO_MANY.format(n=FOREST_MAX_COLUMNS, shown=", ".join(S.fmt("cols")(c)
                                                                                       for c in columns)))
    sort = st.session_state.get("sort", S.DEFAULTS["sort"])
    sort = sort if sort in S.OPTIONS["sort"] else S.DEFAULTS["sort"]
    order = study_order(a.row_records, sort, dataset.studies) if sort != S.DEFAULTS["sort"] else ()
    cells = ()
    if columns:
        rob = JUDGEMENTS.get(dataset).rob if "rob" in columns else None
        used = dataset.studies[dataset.studies["study_id"].isin([r["study_id"] for r in a.row_records])]
        cells = study_cells(used, columns, rob=rob, comparison=a.spec.comparison)
    return ForestView(order, columns, cells, columns_legend(columns))
