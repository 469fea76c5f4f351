"""Exports: slide-ready figures, image rendering, slide decks, tables and reproducible scripts.

Pure Python (no streamlit), one module per role:

- :mod:`~core.export.slides`: ``slide_figure`` restyles any plotly figure as a 16:9 slide with a
  caption under the plot (the caption's words: :func:`core.words.slide_caption`);
- :mod:`~core.export.rendering`: ``render`` turns a figure into PNG / SVG / PDF bytes through ONE
  persistent headless Chromium (kaleido) per process, started lazily, with no network;
- :mod:`~core.export.decks`: ``figures_zip`` and ``deck_pptx`` bundle several figures;
- :mod:`~core.export.tables`: ``analysis_table`` and the one neutralising CSV/XLSX writer
  (``to_csv_bytes``, ``to_xlsx_bytes``, ``to_xlsx_sheets``); no plotly, no kaleido;
- :mod:`~core.export.reproduce_python` and :mod:`~core.export.reproduce_r`: a short script that
  recomputes the current view (with ``core``, or with R's metafor) from data written inline.

``from core import export as ex; ex.render(...)`` reaches every public name.  Each is loaded on
first use, so that importing :mod:`core.export.tables` alone never starts plotly or kaleido.
"""
from __future__ import annotations

import importlib

_PUBLIC = {
    "core.export.slides": ("SLIDE_WIDTH", "SLIDE_HEIGHT", "SLIDE_TEMPLATE", "SLIDE_FONT", "SLIDE_MIN_FONT",
                           "CAPTION_FONT_SIZE", "CAPTION_CHARS_PER_LINE", "slide_figure", "wrap_caption"),
    "core.export.rendering": ("PNG_SCALE", "FORMATS", "NO_NETWORK_PROXY", "ensure_export_browser", "render"),
    "core.export.decks": ("figures_zip", "deck_pptx"),
    "core.export.tables": ("TABLE_COLUMNS", "analysis_table", "safe_filename", "neutralise_cell",
                           "neutralise_frame", "to_csv_bytes", "to_xlsx_bytes", "to_xlsx_sheets"),
    "core.export.reproduce_python": ("SCRIPT_STUDY_COLUMNS", "SCRIPT_OUTCOME_COLUMNS", "python_script",
                                     "result_json_from_output"),
    "core.export.reproduce_r": ("R_METHODS", "r_script", "r_string", "r_number"),
    "core.words": ("DATA_SOURCE", "slide_caption", "settings_lines"),
}
_HOME = {name: module for module, names in _PUBLIC.items() for name in names}
__all__ = sorted(_HOME)


def __getattr__(name: str):
    """Load a public name from its module on first use (PEP 562) and keep it here."""
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
