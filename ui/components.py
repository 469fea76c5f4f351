"""Reusable page pieces: the page header (dataset banner, URL notices) and figure display."""
from __future__ import annotations

import streamlit as st

from core.workflow.analysis import AnalysisSpec, ForestAnalysis
from core.words import SET_LABELS, view_line
from ui.data import USER_DATASET_KEY, current_dataset, run_analysis
from ui.datasets import banner_text as saved_banner, store_error_text
from ui.state import spec_from_state
from ui.text import md

# The modebar's own "Download plot as PNG" gives a 16:9 slide-sized image.


# Text from a URL, a file or a dataset shown in Markdown: the one escaping path, ui.text.md.
escape_markdown = md


def ensure_shell_ran() -> None:
    """Re-enter the page through app.py when Streamlit ran the page script on its own.

    Streamlit decides per process whether ``pages/`` is a v1 multipage folder, and only
    ``st.navigation`` (called in app.py) switches that off.  Until app.py has run once in the
    process, a request for a page URL (a shared deep link to a freshly started server) executes
    ``pages/<page>.py`` directly, without app.py's sidebar.  Such a run switches v1 off and
    re-enters the same page with the link's query parameters (none is bound to a widget yet,
    since app.py has not drawn any), so the shared sidebar and the link's settings apply.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if not PagesManager.uses_pages_directory:
        return
    PagesManager.uses_pages_directory = False
    ctx = get_script_run_ctx()
    page = ctx.pages_manager.get_pages().get(ctx.page_script_hash) if ctx else None
    if page and page.get("script_path"):
        st.switch_page(page["script_path"], query_params={k: st.query_params.get_all(k) for k in st.query_params})
    st.rerun()


def page_header(title: str, intro: str | None = None) -> AnalysisSpec:
    """Title, dataset banner and URL notices; returns the shared choices as an AnalysisSpec."""
    ensure_shell_ran()
    st.title(md(title))
    ds = current_dataset()
    spec = spec_from_state()
    own = st.session_state.get(USER_DATASET_KEY) is not None
    set_label = SET_LABELS[spec.study_set]
    banner = f"Dataset: {md(ds.name)} · {set_label}"
    saved = None if own else saved_banner()
    if store_error_text():
        st.error(escape_markdown(store_error_text()), icon=":material/error:")
    if own:
        st.warning(banner + " · reset on the Your data page", icon=":material/dataset:")
    elif saved:
        st.info(escape_markdown(f"{saved} · {set_label}"), icon=":material/dataset:")
    notices = st.session_state.get("_url_notices", [])
    # The banner and the intro are one caption (one element per rerun, not two) unless notices sit between.
    lines = [banner] if not (own or saved) else []
    if notices and lines:
        captions(*lines)
        lines = []
    for notice in notices:
        st.info(escape_markdown(notice), icon=":material/link_off:")
    captions(*lines, intro)
    return spec


def captions(*paragraphs: str | None) -> None:
    """Several captions in a row as ONE element, a paragraph each (empty ones left out).

    Every element is a delta the browser decodes and reconciles into the page on each rerun, changed
    or not; a run of small captions costs it as many (issue 27 item 3).  Text from a dataset or a
    user must already be escaped (``md``)."""
    shown = [p for p in paragraphs if p]
    if shown:
        st.caption("\n\n".join(shown))


def section(title: str, *paragraphs: str | None, lead: str | None = None, level: int = 3) -> None:
    """A heading (``level`` 2 as st.header, 3 as st.subheader), a grey lead line and paragraphs, as ONE
    Markdown element instead of one each (issue 27 item 3).  The heading keeps its anchor (the slug of
    its words).  Text from a dataset or a user must already be escaped (``md``); ``lead`` holds no
    square brackets (it is wrapped in a colour directive)."""
    parts = [f"{'#' * level} {title}", f":gray[:small[{lead}]]" if lead else None, *paragraphs]
    st.markdown("\n\n".join(p for p in parts if p))


def analysis_header(spec: AnalysisSpec, *, label: str | None = None) -> ForestAnalysis:
    """Run the sidebar's analysis and name it in one line (after ``label``, e.g. 'Main analysis
    (sidebar)'); when nothing can be pooled, say why and stop the page."""
    a = run_analysis(spec)
    line = view_line(spec, a.method or None)
    st.markdown(f"**{md(label)}:** {line}" if label else f"**{line}**")
    if a.pooled is None:
        st.warning(a.message + " Choose another outcome, comparison or time point in the sidebar.",
                   icon=":material/info:")
        st.stop()
    return a


def show_figure(fig, key: str, filename: str, caption: str, *, slide=None, on_select=None):
    """Draw a figure exactly as exported (explicit template, no Streamlit theme), with PNG/SVG/PDF
    slide downloads under it: the one way every figure of the app is shown.

    ``caption`` is printed under the exported slide and names this figure's content (the Forest view's
    caption for the forest plot, core.words.captions for the others).  ``slide``: a figure laid
    out for the slide itself (e.g. the summary of findings), exported instead of ``fig``.
    ``on_select``: a callback (or "rerun") for a click on a point; then the selection is returned
    (``.selection.points``).  The figure is updated in place on later reruns (ui/chart.py).
    """
    from ui.chart import chart_config, draw
    from ui.export import figure_downloads

    event = draw(fig, key, chart_config(selecting=on_select is not None), on_select=on_select)
    figure_downloads(fig if slide is None else slide, filename, caption, key=key)
    return event
