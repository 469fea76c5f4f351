"""Downloads: every figure as a slide (PNG/SVG/PDF), and the current analysis as tables,
scripts, a slide deck and a zip of figures; each row is one element (ui/downloads.py, issue 27).

Rendering happens only when a link or button is clicked (a callable, run by the download route or,
in the fallback, by ``st.download_button(on_click="ignore")``: a click neither reruns the page nor
renders anything in advance), in one persistent kaleido
browser per process (:func:`core.export.ensure_export_browser`).  Rendered files are kept in a
process-wide cache (ui/cache.py) keyed by the figure's JSON, so a second click is instant.

``figure_downloads(fig, name, caption)`` is designed to be called from
``ui.components.show_figure`` for every figure; it also records the figure for the page's deck.
"""
from __future__ import annotations

import functools
import hashlib
from datetime import datetime, timezone

import plotly.graph_objects as go
import streamlit as st

from core import export as ex
from core.vocab import BAYES_MODEL
from core.workflow.analysis import ForestAnalysis
from core.words import FIGURE_FORMAT_LABELS, SLIDE_ROW_LEAD
from core.words.captions import analysis_figure_caption
from core.words.settings import deck_settings_lines
from ui.cache import cached
from ui.certainty import certainty_caption
from ui.data import USER_DATASET_KEY, current_dataset, run_analysis
from ui.datasets import in_use
from ui.downloads import Item, download_row
from ui.state import spec_from_state

_FIG_REGISTRY = "_export_figures"      # session_state: {"page": hash, "figs": {key: (title, fig, caption)}}


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
CACHE_ENTRIES = 48                       # ~0.6 MB per slide PNG


def rendered_slide(key: str, *, fig: go.Figure, caption: str, fmt: str) -> bytes:
    """The slide of ``fig`` with ``caption`` as ``fmt`` bytes (``key`` names all three for the cache)."""
    return ex.render(ex.slide_figure(fig, caption), fmt)


cached_slide = cached(rendered_slide, max_entries=CACHE_ENTRIES, resource=True)


def render_slide(fig: go.Figure, caption: str, fmt: str) -> bytes:
    """The slide version of ``fig`` (with ``caption``) as PNG/SVG/PDF bytes.

    Cached in-process by content (figure JSON, caption, format), so a repeated click, or the
    same figure in the deck and the zip, is not rendered again.
    """
    key = hashlib.sha1("\0".join((fig.to_json(), caption, fmt)).encode()).hexdigest()
    return cached_slide(key, fig=fig, caption=caption, fmt=fmt)


def data_source(ds) -> str:
    """Where the numbers come from, for captions: the shipped extraction, or the user's own data."""
    if st.session_state.get(USER_DATASET_KEY) is not None:
        return f"{ds.name}, supplied in this session (not the shipped extraction of Li et al. 2021)"
    if in_use().id:
        return f"saved dataset {ds.name} (id {in_use().id}; not the shipped extraction of Li et al. 2021)"
    return f"{ds.name}; {ex.DATA_SOURCE}"


def view_caption(spec=None) -> str:
    """The caption of the current view (the shared sidebar choices on the session's dataset)."""
    spec = spec or spec_from_state()
    ds = current_dataset()
    a = run_analysis(spec)
    return ex.slide_caption(a, data_source(ds), certainty=certainty_caption(a, ds))


def analysis_caption(kind: str, spec=None, changes=()) -> str:
    """The caption of an analysis figure of ``kind`` (core.words.captions.FIGURE_SUBJECTS) about ``spec``'s
    analysis (default: the current view)."""
    try:
        about = view_caption(spec)
    except Exception as exc:   # a figure must never lose its buttons over a caption
        about = f"({type(exc).__name__} while describing the analysis.)"
    return analysis_figure_caption(kind, about, changes)


def _page_id() -> str:
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        return ctx.page_script_hash if ctx is not None else ""
    except Exception:  # pragma: no cover - outside a script run
        return ""


def _register(key: str, title: str, fig: go.Figure, caption: str) -> None:
    reg = st.session_state.get(_FIG_REGISTRY)
    page = _page_id()
    if not isinstance(reg, dict) or reg.get("page") != page:
        reg = {"page": page, "figs": {}}
    reg["figs"][key] = (title, fig, caption)
    st.session_state[_FIG_REGISTRY] = reg


def page_figures() -> list[tuple[str, go.Figure, str]]:
    """Figures shown with :func:`figure_downloads` on the current page: (title, figure, caption)."""
    reg = st.session_state.get(_FIG_REGISTRY)
    if not isinstance(reg, dict) or reg.get("page") != _page_id():
        return []
    return list(reg["figs"].values())


def figure_title(fig: go.Figure, name: str) -> str:
    """The title a figure has in the slide deck: its own title, else ``name`` in words."""
    t = fig.layout.title.text if fig.layout.title is not None else None
    return str(t) if t else name.replace("_", " ")


def figure_downloads(fig: go.Figure, name: str, caption: str, *, key: str | None = None) -> None:
    """PNG / SVG / PDF download buttons for ``fig`` as a 16:9 slide (1920 x 1080, PNG at 2x).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The figure as drawn on screen.
    name : str
        File stem (sanitised) and, unless ``key`` is given, the widget key stem.  Call once per
        figure per page with distinct names.
    caption : str
        Text under the plot, naming this figure's own content (no default: a default caption once
        made the events and flow slides describe the Forest view).
    key : str, optional
        Widget key stem when ``name`` is not unique on the page.
    """
    key = key or ex.safe_filename(name)
    _register(key, figure_title(fig, name), fig, caption)
    size = {"png": "3840 × 2160 px"}
    download_row([Item(FIGURE_FORMAT_LABELS[fmt], functools.partial(render_slide, fig, caption, fmt),
                       ex.safe_filename(name, fmt), ex.FORMATS[fmt], f"dl_{key}_{fmt}", icon="download",
                       style="tertiary", help=f"Download as a 16:9 slide ({size.get(fmt, '1920 × 1080')}) with a "
                                              "caption naming the settings and the data source")
                  for fmt in ("png", "svg", "pdf")], key=key, lead=SLIDE_ROW_LEAD)


def _slides(figs):
    """(title, slide figure) pairs and a renderer that reuses the cached slide renders."""
    slides = [(t, ex.slide_figure(f, c)) for t, f, c in figs]
    source = {id(sf): (f, c) for (_, sf), (_, f, c) in zip(slides, figs)}
    return slides, lambda sf, fmt: render_slide(*source[id(sf)], fmt)


def _deck(figs, lines) -> bytes:
    slides, renderer = _slides(figs)
    return ex.deck_pptx(slides, lines, renderer=renderer)


def _zip(figs) -> bytes:
    slides, renderer = _slides(figs)
    return ex.figures_zip(slides, renderer=renderer)


def _table_csv(a: ForestAnalysis) -> bytes:
    return ex.to_csv_bytes(ex.analysis_table(a))


def _table_xlsx(a: ForestAnalysis) -> bytes:
    return ex.to_xlsx_bytes(ex.analysis_table(a), "analysis")


def analysis_downloads(a: ForestAnalysis, figures: list | None = None, *, key: str = "analysis") -> None:
    """Downloads for the current analysis: table (CSV, XLSX), reproduce scripts (Python, R), slide
    deck (.pptx) and a zip of the figures.

    ``figures`` is a list of (title, figure) or (title, figure, caption); default: the figures
    this page showed with :func:`figure_downloads` so far in this run.
    """
    ds = current_dataset()
    spec = a.spec
    stem = ex.safe_filename(f"{spec.outcome}_{spec.comparison}_{spec.population}_{spec.measure}")
    caption = ex.slide_caption(a, data_source(ds), certainty=certainty_caption(a, ds))
    figs = page_figures() if figures is None else [
        (f[0], f[1], f[2] if len(f) > 2 else caption) for f in figures]
    lines = deck_settings_lines(spec, a, ds.study_labels()) + [f"Data: {data_source(ds)}"]   # words, not codes
    bayes = spec.model == BAYES_MODEL       # the Bayesian model's script uses bayesmeta (issue 22)
    # The tables are built on click, not on every rerun (~6 ms each time, issue 13).
    download_row([
        Item("Table (CSV)", functools.partial(_table_csv, a), f"{stem}.csv", "text/csv", f"{key}_csv", icon="table",
             help="Per-study effects and weights, subgroup and overall pooled rows (full precision)"),
        Item("Table (XLSX)", functools.partial(_table_xlsx, a), f"{stem}.xlsx", XLSX, f"{key}_xlsx", icon="table"),
        Item("Python script", functools.partial(ex.python_script, ds, spec), f"reproduce_{stem}.py", "text/x-python",
             f"{key}_py", icon="code", help="Recomputes this view with the project's core library (data inline); "
                                            "run it from the project folder"),
        Item("R script (bayesmeta)" if bayes else "R script (metafor)", functools.partial(ex.r_script, ds, spec),
             f"reproduce_{stem}.R", "text/plain", f"{key}_r", icon="code",
             help=("Recomputes this view with metafor's escalc and bayesmeta (data inline; installs from CRAN)"
                   if bayes else "Recomputes this view with metafor's escalc + rma (data inline)")),
        Item(f"Slide deck (.pptx, {len(figs) + 1} slides)", functools.partial(_deck, figs, lines), f"{stem}.pptx",
             PPTX, f"{key}_pptx", icon="slideshow", disabled=not figs,
             help="A title slide with the settings, then one slide per figure"),
        Item(f"All figures (.zip, {len(figs)} × PNG/SVG/PDF)", functools.partial(_zip, figs), f"{stem}_figures.zip",
             "application/zip", f"{key}_zip", icon="folder_zip", disabled=not figs),
    ], key=key)


def dataset_downloads(table, *, studies=None, key: str = "dataset") -> None:
    """Outcome rows in the upload format (a DataFrame) as CSV and XLSX, formula-like text neutralised.

    Pass ``core.evidence.upload.editable_outcomes(dataset)`` for a Dataset, or the editor's content.  With
    ``studies`` (the studies sheet of an upload) the XLSX has an ``outcomes`` and a ``studies``
    sheet, so it uploads again as it is; the CSV holds the outcome rows only.
    """
    stamp = f"{datetime.now(timezone.utc):%Y%m%d}"
    sheets = {"outcomes": table} if studies is None else {"outcomes": table, "studies": studies}
    download_row([
        Item("Dataset (CSV)", functools.partial(ex.to_csv_bytes, table), f"outcomes_{stamp}.csv", "text/csv",
             f"{key}_csv", icon="download"),
        Item("Dataset (XLSX)" + ("" if studies is None else ", with the studies sheet"),
             functools.partial(ex.to_xlsx_sheets, sheets), f"outcomes_{stamp}.xlsx", XLSX, f"{key}_xlsx",
             icon="download"),
    ], key=key)


def table_downloads(sheets: dict, stem: str, *, key: str, deck_lines: list | None = None) -> None:
    """A table as CSV (the first sheet) and XLSX (every sheet), formula-like text neutralised, and,
    with ``deck_lines``, the slide deck of this page's figures (a title slide with those lines)."""
    first = next(iter(sheets.values()))
    items = [Item("Table (CSV)", functools.partial(ex.to_csv_bytes, first), f"{stem}.csv", "text/csv", f"{key}_csv",
                  icon="table"),
             Item("Table (XLSX)", functools.partial(ex.to_xlsx_sheets, sheets), f"{stem}.xlsx", XLSX, f"{key}_xlsx",
                  icon="table")]
    if deck_lines is not None:
        figs = page_figures()
        items.append(Item(f"Slide deck (.pptx, {len(figs) + 1} slides)", functools.partial(_deck, figs, deck_lines),
                          f"{stem}.pptx", PPTX, f"{key}_pptx", icon="slideshow", disabled=not figs,
                          help="A title slide with the settings, then one slide per figure on this page"))
    download_row(items, key=key)
