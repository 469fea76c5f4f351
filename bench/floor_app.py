"""The forest plot alone (bench/bench_ui.py's "floor:forest" rows): one checkbox that swaps two
forest figures the core built once (the Forest page's default view, "Paper + newer trials", fixed
effect vs random effects), with no sidebar, no computation and no other element.  Its click ->
redrawn time, against bench/trivial_app.py's, is the floor the forest figure itself sets in the
browser; the Forest page's rows above it are what the rest of the page adds.  Drawn as the app
draws it (ui/chart.py: in place; with MSCDM_CHARTS=native, st.plotly_chart, which remounts it)."""
import streamlit as st

from core.evidence.dataset import load_dataset
from core.figures.forest import forest_figure
from core.workflow.analysis import AnalysisSpec, analyse
from ui.chart import chart_config, draw


@st.cache_resource
def figures() -> tuple:
    ds = load_dataset()
    return tuple(forest_figure(analyse(ds, AnalysisSpec(study_set="all", model=m))) for m in ("fixed", "random"))


on = st.checkbox("Toggle", key="toggle")
draw(figures()[int(on)], "floor_chart", chart_config())
