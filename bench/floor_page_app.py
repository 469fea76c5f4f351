"""The Forest plot page's shape with none of its work (bench/bench_ui.py's "floor:page" row): the same
sidebar (every widget of ui.controls.SIDEBAR, drawn by the same function, bound to the URL as app.py
binds them, and the copy-link element), and a main area of the same elements, in the same order, as
the Forest plot page sends for its default view with "Paper + newer trials" (bench/count_deltas.py: a
title, the banner, the view line, two notices, four metrics in a row, the certainty line, the figure
and its slide-download row, the notes, the "Download this view" row (a row: one element), the paper's table, its
notes and the list of studies without numbers), with fixed words of about the same length.  Nothing is
computed: the sidebar's "Model" swaps two forest figures the core built once (fixed vs random effects),
as bench/floor_app.py does with a check box.

Its click -> redrawn time, against bench/trivial_app.py's, is what Streamlit and plotly cost for a page
of this shape; the Forest plot's "forest:radio" row, against it, is what the app's own work adds.

``FLOOR_SHAPE`` (bench/page_shape.py) leaves parts out, to price each: ``no-expanders`` (the sidebar without
the widgets in its two expanders), ``no-sidebar`` (only the "Model" radio in the sidebar), ``no-main`` (the
sidebar and the figure, no other element), ``figure`` (the "Model" radio and the figure); default ``full``."""
import os

import pandas as pd
import streamlit as st

from core.evidence.dataset import load_dataset
from core.figures.forest import forest_figure
from core.workflow.analysis import AnalysisSpec, analyse
from ui.chart import chart_config, draw
from ui.controls import SIDEBAR, draw as draw_choice
from ui.downloads import Item, download_row, serving
from ui.share import copy_link_control

WORDS = ("Dose, route and cell source differ between trials; this row reports the study as published, with "
         "its own follow-up and its own measure of spread.")


@st.cache_resource
def figures() -> tuple:
    ds = load_dataset()
    return ds, tuple(forest_figure(analyse(ds, AnalysisSpec(study_set="all", model=m))) for m in ("fixed", "random"))


def noop() -> bytes:
    return b""


def links_row(labels, key: str, lead: str | None = None, style: str = "secondary") -> None:
    """A download row as the app draws it (one element of links; never clicked here)."""
    items = [Item(label, noop, "x.txt", "text/plain", f"{key}_{i}", style=style) for i, label in enumerate(labels)]
    download_row(items, key=key, lead=lead)


serving()                         # rows as the served app draws them (its route is not needed: nothing is clicked)


SHAPE = os.environ.get("FLOOR_SHAPE", "full")
st.set_page_config(page_title="MSC-DM Evidence Explorer", layout="wide")     # as app.py
ds, figs = figures()
ids = ds.studies["study_id"].tolist()
for heading, keys in SIDEBAR if SHAPE not in ("no-sidebar", "figure") else ((None, ("model",)),):
    if heading is not None and SHAPE == "no-expanders":
        continue
    box = st.sidebar if heading is None else st.sidebar.expander(heading)
    for key in keys:
        draw_choice(key, container=box, bind="query-params", **({"options": ids} if key == "exclude" else {}))
if SHAPE not in ("no-sidebar", "figure"):
    copy_link_control()


def forest_shape() -> None:
    """The main area (the Forest plot page's elements), or the figure alone."""
    if SHAPE in ("no-main", "figure"):
        draw(figs[int(st.session_state.get("model") != "fixed")], "floor_page_chart", chart_config())
        return

    st.title("Forest plot")
    st.caption("Dataset: shipped dataset (Li et al. 2021 + extraction) · Paper + newer trials\n\n" + WORDS)
    st.markdown("**HbA1c · MSC after vs before treatment · both types · end of follow-up · MD · model**")
    st.info("Fixed effect (inverse variance), as chosen.", icon=":material/rule:")
    st.warning("3 of 21 studies have usable numbers for this view: see the list below. " + WORDS,
               icon=":material/info:")
    row = st.container(horizontal=True, gap="medium")
    for label, value in (("Pooled MD", "−1.21"), ("95% CI", "[−1.44, −0.98]"),
                         ("P (overall effect)", "< 0.00001"), ("Studies · participants", "3 · 82")):
        row.metric(label, value)
    line = st.container(horizontal=True)
    line.markdown("Certainty of this evidence (GRADE): ⊕◯◯◯ Very low — " + WORDS)
    line.markdown("Why: the Summary of findings page")
    slot = st.container()
    st.caption(WORDS + " " + WORDS)
    st.subheader("Download this view")
    links_row(("Table (CSV)", "Table (XLSX)", "Python script", "R script (metafor)", "Slide deck (.pptx, 2 slides)",
              "All figures (.zip, 1 × PNG/SVG/PDF)"), "view")
    st.subheader("What the paper reports")
    st.table(pd.DataFrame({"Outcome": ["HbA1c"] * 4, "Population": ["T1DM", "T2DM", "Both types", "T2DM"],
                           "MD [95% CI]": ["−0.80 [−1.22, −0.38]"] * 4, "Where in the paper": [WORDS[:60]] * 4}),
             hide_index=True)
    st.markdown("\n".join(f"- **Abstract, Results**: {WORDS}" for _ in range(4)))
    st.markdown("### Included studies without usable numbers\n\n"
                + "\n".join(f"- **Study {i}** (T2DM, RCT): {WORDS}" for i in range(18)))
    with slot:
        draw(figs[int(st.session_state.get("model") != "fixed")], "floor_page_chart", chart_config())
        links_row(("PNG", "SVG", "PDF"), "slide", lead="Slide 16:9 with caption:", style="tertiary")


def nothing() -> None:
    """The app's other pages, listed in the navigation as app.py lists them (never opened here)."""


# The navigation as app.py draws it: the Forest plot's shape first, the app's other page titles after it.
OTHER_PAGES = ("Sensitivity", "Which MSC therapy?", "Follow-up", "Small-study effects", "Summary of findings",
               "Check the paper", "Studies", "Events", "Study flow", "Your data")
st.navigation([st.Page(forest_shape, title="Forest plot", default=True),
               *(st.Page(nothing, title=t, url_path=f"p{i}") for i, t in enumerate(OTHER_PAGES))]).run()
