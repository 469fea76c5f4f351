"""ui.export's buttons in a minimal script (AppTest): the figure buttons and the view downloads
exist with the right file names, nothing is rendered until a click, and the deck counts the
figures the page showed.  (AppTest does not call ``data=callable``; browser tests download.)"""
from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _script():
    import streamlit as st

    from core.workflow.analysis import AnalysisSpec
    from core.figures.forest import forest_figure
    from ui.data import run_analysis
    from ui.export import analysis_downloads, figure_downloads, page_figures

    a = run_analysis(AnalysisSpec(outcome="hba1c", comparison="vs_control", study_set="all"))
    fig = forest_figure(a)
    st.plotly_chart(fig, key="f1", theme=None)
    figure_downloads(fig, "forest_hba1c", caption="my caption")
    figure_downloads(fig, "forest copy/2", caption="second")
    st.write(f"registered {len(page_figures())}")
    analysis_downloads(a)


def test_buttons_names_and_deck_count():
    import core.export as ex

    calls = []
    original = ex.render
    ex.render = lambda *a, **k: calls.append(a) or original(*a, **k)
    try:
        at = AppTest.from_function(_script, default_timeout=60).run()
    finally:
        ex.render = original
    assert not at.exception
    buttons = {b.key: b for b in at.get("download_button")}
    for fmt in ("png", "svg", "pdf"):
        assert f"dl_forest_hba1c_{fmt}" in buttons and f"dl_forest_copy_2_{fmt}" in buttons
    labels = [b.proto.label for b in buttons.values()]
    assert {"PNG", "SVG", "PDF", "Table (CSV)", "Table (XLSX)", "Python script", "R script (metafor)"} <= set(labels)
    assert "Slide deck (.pptx, 3 slides)" in labels                 # title slide + the 2 figures shown
    assert "All figures (.zip, 2 × PNG/SVG/PDF)" in labels
    assert at.markdown[0].value == "registered 2"
    assert calls == []                                             # nothing rendered before a click


def test_deck_and_zip_reuse_cached_slide_renders():
    import io
    import zipfile

    from pptx import Presentation

    import core.export as ex
    import plotly.graph_objects as go
    from ui import export as uex

    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))
    figs = [("Bars", fig, "cap one"), ("Bars", fig, "cap two")]
    calls = []
    original = ex.render
    ex.render = lambda *a, **k: calls.append(a[1]) or original(*a, **k)
    try:
        png = uex.render_slide(fig, "cap one", "png")
        deck = uex._deck(figs, ["line"])
        assert calls == ["png", "png"]                 # the second figure only: the first came from the cache
        names = zipfile.ZipFile(io.BytesIO(uex._zip(figs))).namelist()
        assert len(calls) == 2 + 4                     # zip: the two PNGs are cached, SVG and PDF are new
    finally:
        ex.render = original
    prs = Presentation(io.BytesIO(deck))
    assert len(prs.slides) == 3
    assert prs.slides[1].shapes[0].image.blob == png
    assert names == ["Bars.png", "Bars.svg", "Bars.pdf", "Bars_.png", "Bars_.svg", "Bars_.pdf"]


def _caption_script():
    import streamlit as st

    from ui.export import view_caption

    st.text(view_caption())


def test_caption_names_the_users_data_when_in_use():
    from core.evidence.dataset import Dataset, load_dataset
    from ui.data import USER_DATASET_KEY

    at = AppTest.from_function(_caption_script, default_timeout=60).run()
    assert "Data: shipped dataset (Li et al. 2021 + extraction); Li et al. 2021, Stem Cell Res Ther" in at.text[0].value
    ds = load_dataset()
    at.session_state[USER_DATASET_KEY] = Dataset(ds.studies, ds.outcomes, ds.events, ds.gaps, ds.reported,
                                                 name="your CSV upload (48 outcome rows)")
    at.run()
    assert ("Data: your CSV upload (48 outcome rows), supplied in this session (not the shipped extraction of "
            "Li et al. 2021).") in at.text[0].value
