"""Exports: slide-ready figures, image rendering, slide decks, tables and reproducible scripts.

Pure Python (no streamlit), one module per role:

- :mod:`~core.export.slides`: ``slide_figure`` restyles any plotly figure as a 16:9 slide with a
  caption under the plot (the caption's words: :func:`core.words.slide_caption`);
- :mod:`~core.export.rendering`: ``render`` turns a figure into PNG / SVG / PDF bytes through ONE
  persistent headless Chromium (kaleido) per process, started lazily, with no network;
- :mod:`~core.export.decks`: ``figures_zip`` and ``deck_pptx`` bundle several figures;
- :mod:`~core.export.tables`: ``analysis_table`` and the one neutralising CSV/XLSX writer
  (``to_csv_bytes``, ``to_xlsx_bytes``, ``to_xlsx_sheets``);
- :mod:`~core.export.reproduce_python` and :mod:`~core.export.reproduce_r`: a short script that
  recomputes the current view (with ``core``, or with R's metafor) from data written inline.

``from core import export as ex; ex.render(...)`` reaches every public name, imported below from its
module.  Kaleido (and its Chromium) is imported only when the first render starts it
(:func:`~core.export.rendering.ensure_export_browser`), python-pptx only when a deck is built.
"""
from __future__ import annotations

from core.export.decks import deck_pptx, figures_zip
from core.export.rendering import FORMATS, NO_NETWORK_PROXY, PNG_SCALE, ensure_export_browser, render
from core.export.reproduce_python import (SCRIPT_OUTCOME_COLUMNS, SCRIPT_STUDY_COLUMNS, python_script,
                                          result_json_from_output)
from core.export.reproduce_r import R_METHODS, r_number, r_script, r_string
from core.export.slides import (CAPTION_CHARS_PER_LINE, CAPTION_FONT_SIZE, SLIDE_FONT, SLIDE_HEIGHT, SLIDE_MIN_FONT,
                                SLIDE_TEMPLATE, SLIDE_WIDTH, slide_figure, wrap_caption)
from core.export.tables import (TABLE_COLUMNS, analysis_table, neutralise_cell, neutralise_frame, safe_filename,
                                to_csv_bytes, to_xlsx_bytes, to_xlsx_sheets)
from core.words import DATA_SOURCE, settings_lines, slide_caption

__all__ = [
    "CAPTION_CHARS_PER_LINE", "CAPTION_FONT_SIZE", "DATA_SOURCE", "FORMATS", "NO_NETWORK_PROXY", "PNG_SCALE",
    "R_METHODS", "SCRIPT_OUTCOME_COLUMNS", "SCRIPT_STUDY_COLUMNS", "SLIDE_FONT", "SLIDE_HEIGHT", "SLIDE_MIN_FONT",
    "SLIDE_TEMPLATE", "SLIDE_WIDTH", "TABLE_COLUMNS", "analysis_table", "deck_pptx", "ensure_export_browser",
    "figures_zip", "neutralise_cell", "neutralise_frame", "python_script", "r_number", "r_script", "r_string",
    "render", "result_json_from_output", "safe_filename", "settings_lines", "slide_caption", "slide_figure",
    "to_csv_bytes", "to_xlsx_bytes", "to_xlsx_sheets", "wrap_caption",
]
