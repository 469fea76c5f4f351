"""App-layer helpers for the "check the paper" pages (reproduce, studies, events, flow):
st.cache_data wrappers around core calls, and the row -> Forest-plot navigation."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.evidence import paper_tables
from core.analysis import AnalysisSpec
from core.audit import audit_comparison_claims, audit_reported
from core.evidence.completeness import completeness_table
from core.evidence.dataset import Dataset
from core.reproduce import classify_reproduction, recomputer, spec_for_row
from ui import state as S
from ui.cache import run_analysis
from ui.data import dataset_key

FOREST_PAGE = "pages/forest.py"
_GOTO = "_check_goto_forest"


@st.cache_data(show_spinner=False)
def flow_table() -> pd.DataFrame:
    return paper_tables.load_flow()


@st.cache_data(show_spinner=False)
def events_reported() -> pd.DataFrame:
    return paper_tables.load_events_reported()


@st.cache_data(show_spinner=False)
def adverse_events() -> pd.DataFrame:
    return paper_tables.load_adverse_events()


@st.cache_data(max_entries=16, show_spinner=False)
def _claims(ds_key: str, _reported: pd.DataFrame) -> pd.DataFrame:
    return audit_comparison_claims(paper_tables.load_comparison_claims(), _reported)


def comparison_claims(ds: Dataset) -> pd.DataFrame:
    """Cached :func:`core.audit.audit_comparison_claims` of the paper's subgroup claims."""
    return _claims(dataset_key(ds), ds.reported)


@st.cache_data(max_entries=16, show_spinner=False)
def _audit(ds_key: str, _reported: pd.DataFrame) -> pd.DataFrame:
    return audit_reported(_reported)


def paper_audit(ds: Dataset) -> pd.DataFrame:
    """Cached :func:`core.audit.audit_reported` of the dataset's reported-results table."""
    return _audit(dataset_key(ds), ds.reported)


@st.cache_data(max_entries=16, show_spinner=False)
def _completeness(ds_key: str, study_set: str, _ds: Dataset) -> pd.DataFrame:
    return completeness_table(_ds, study_set=study_set)


def completeness(ds: Dataset, study_set: str) -> pd.DataFrame:
    return _completeness(dataset_key(ds), study_set, ds)


def reproduction(ds: Dataset, base: AnalysisSpec) -> pd.DataFrame:
    """Every reported row next to its recomputation (cached analyses via ui.cache)."""
    return classify_reproduction(ds.reported, recomputer(ds, analyse_fn=lambda d, s: run_analysis(s, d),
                                                         base=base))


def forest_settings(row: pd.Series, base: AnalysisSpec) -> dict:
    """Sidebar settings (widget keys) that open ``row``'s analysis on the Forest plot page."""
    spec = spec_for_row(row, base)
    return {"outcome": spec.outcome, "comparison": spec.comparison, "population": spec.population,
            "measure": spec.measure, "model": spec.model, "timepoint": spec.timepoint, "set": spec.study_set,
            "design": spec.design, "exclude": list(spec.excluded)}


def request_open_in_forest(row: pd.Series, base: AnalysisSpec) -> None:
    """Call from a widget callback: set the shared choices, and ask the page to switch.

    Widget values can only be set before the sidebar widgets are drawn, i.e. in a callback;
    the page then calls :func:`maybe_switch_to_forest` in its body.
    """
    S.apply_settings(**forest_settings(row, base))
    st.session_state[_GOTO] = True


def maybe_switch_to_forest() -> None:
    if st.session_state.pop(_GOTO, False):
        # query_params={} replaces the URL's parameters without clear(), which Streamlit refuses
        # while they are bound to the sidebar widgets; the widgets then write their new values back.
        st.switch_page(FOREST_PAGE, query_params={})
