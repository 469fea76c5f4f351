"""Open an analysis on the Forest plot page, from any page (a table row, a chart point, a button).

Widget values can only be set before app.py draws the sidebar widgets, i.e. in a widget callback:
the callback calls :func:`request_forest` with the settings, and the page calls
:func:`switch_if_requested` in its body, which switches page on that same rerun.
"""
from __future__ import annotations

import streamlit as st

from core.workflow.analysis import AnalysisSpec
from ui import state as S

FOREST_PAGE = "pages/forest.py"
REQUEST_KEY = "_open_in_forest"    # session_state flag set by the callback, consumed by the page
# The sidebar choices that name which analysis the Forest plot shows (the model details stay).
VIEW_KEYS = ("outcome", "comparison", "population", "measure", "model", "timepoint", "set", "design", "exclude")


def request_forest(**settings) -> None:
    """Call from a widget callback: set the shared choices (widget keys or AnalysisSpec field
    names) and ask the page to switch to the Forest plot."""
    S.apply_settings(**settings)
    st.session_state[REQUEST_KEY] = True


def request_forest_for(spec: AnalysisSpec) -> None:
    """Call from a widget callback: open the analysis ``spec`` names on the Forest plot."""
    request_forest(**S.widget_values(spec, VIEW_KEYS))


def switch_if_requested() -> None:
    """In the page body: switch to the Forest plot if a callback asked for it."""
    if st.session_state.pop(REQUEST_KEY, False):
        # query_params={} replaces the URL's parameters without clear(), which Streamlit refuses
        # while they are bound to the sidebar widgets; the widgets then write their new values back.
        st.switch_page(FOREST_PAGE, query_params={})
