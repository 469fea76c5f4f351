"""A GRADE summary-of-findings table as a plotly figure (pure builder, no statistics), for the page
and as a slide.

``summary_of_findings_figure(sof)`` draws one row per outcome (studies and participants, the
effect with its CI in the outcome's units, the certainty with its symbols and footnote letters, the
plain-language statement), with the lettered footnotes, each stating its reason, under the table.
Plotly tables do not wrap, so every cell is wrapped by hand to its column's width in pixels
(:mod:`core.figures.text_width`), and the figure's height is the sum of its lines: no text is cut at
the width the figure is laid out for.  On the page that is :data:`SCREEN_WIDTH` (the narrowest the
page's column gets at 1280 px; a wider column only adds room).  ``summary_of_findings_slide(sof)``
lays the same table out at 1920 x 1080 with the largest font that fits, and marks it
``slide_native`` so :func:`core.export.slide_figure` adds the caption without rescaling it.
Text is HTML-escaped (a user's reason is shown as typed, never as markup).
"""
from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from core import words
from core.figures import style
from core.figures.style import TEMPLATE   # one house style for every figure
from core.words.formats import plain
from core.figures.text_width import wrap_px
from core.words import SOF_COMPARISONS, population_phrase, timepoint_phrase
from core.words.bayesian import interval_heading

HEADER_FILL = "#1f4e79"
ROW_FILLS = ("#ffffff", "#f2f5f9")
SUBGROUP_FILLS = ("#fbfbf4", "#eef0f0")      # a shade warmer than their outcome's row
COLUMNS = ("outcome", "studies", "effect", "certainty", "statement")
SHARES = (0.14, 0.16, 0.17, 0.17, 0.36)     # of the table's width, in COLUMNS order
SCREEN_WIDTH = 760          # px; the Summary of findings page's column is wider at 1280 and 1440 px
CELL_PAD = 10               # px each side of a cell's text (plotly's table pads 8)
LINE = 1.45                 # line height per px of font in a table cell
NOTE_LINE = 1.35            # line height per px of font in an annotation (plotly spaces lines 1.3)
MARGIN = 16
SLIDE_SIZE = (1920, 1080)
SLIDE_CAPTION_BAND = 150    # px kept free under a slide's table for the caption (4 lines of 22 px)
SLIDE_FONTS = range(24, 9, -1)


@dataclass(frozen=True, slots=True)
class _Fonts:
    table: int
    note: int
    title: int


def sof_title(spec) -> str:
    """The figure's title: comparison, population and time point (words from core.words)."""
    return words.SOF_FIGURE_TITLE.format(comparison=SOF_COMPARISONS[spec.comparison],
                                         population=population_phrase(spec.population),
                                         timepoint=timepoint_phrase(spec.timepoint))


def certainty_cell(row, letters) -> str:
    """'⊕⊕◯◯ Low, provisional (a, b)': the rating, whether it is provisional (its reason is the risk-of-bias
    footnote) and its footnote letters."""
    c = row.certainty
    text = f"{c.symbols} {c.level_label}" + (words.SOF_PROVISIONAL_MARK if c.provisional else "")
    return (text + (f" ({', '.join(letters)})" if letters else "")).strip()


def row_fills(rows) -> list[str]:
    """Alternating fills per outcome; an outcome's subgroup rows share its fill, so they read as its part."""
    fills, i = [], -1
    for r in rows:
        i += 0 if getattr(r, "subgroup", "") else 1
        fills.append(SUBGROUP_FILLS[i % 2] if getattr(r, "subgroup", "") else ROW_FILLS[i % 2])
    return fills


def _columns(sof) -> dict[str, list[str]]:
    """The table's text, column by column (plain text, one entry per outcome)."""
    notes = sof.footnotes()
    cols = {k: [] for k in COLUMNS}
    for row, letters in zip(sof.rows, notes.letters):
        cols["outcome"].append(row.label)
        cols["studies"].append(row.studies_text)
        cols["effect"].append(row.effect or "—")
        cols["certainty"].append(certainty_cell(row, letters))
        cols["statement"].append(row.certainty.statement)
    return cols


def _layout(sof, width: int, fonts: _Fonts):
    """Wrapped cells, header lines, footnote lines and the heights they need at ``width``."""
    inner = width - 2 * MARGIN
    col_px = [share * inner - 2 * CELL_PAD for share in SHARES]
    cols = _columns(sof)
    cells = {k: [wrap_px(t, px, fonts.table) for t in cols[k]] for k, px in zip(COLUMNS, col_px)}
    heads = [wrap_px(interval_heading(words.SOF_HEADINGS[k], sof.spec), px, fonts.table, bold=True)
             for k, px in zip(COLUMNS, col_px)]
    head_lines = max(len(h) for h in heads)
    row_lines = [max(len(cells[k][i]) for k in COLUMNS) for i in range(len(sof.rows))]
    notes = sof.footnotes().notes
    foot = []
    for letter, text in notes:
        for j, part in enumerate(wrap_px(text, inner - 3 * fonts.note, fonts.note)):
            foot.append(f"{letter}   {part}" if j == 0 else f"     {part}")
    foot = foot or [words.SOF_NO_FOOTNOTES]
    row_px = [n * fonts.table * LINE + 2 * CELL_PAD for n in row_lines]
    head_px = head_lines * fonts.table * LINE + 2 * CELL_PAD
    table_px = head_px + sum(row_px)
    foot_px = len(foot) * fonts.note * NOTE_LINE + MARGIN
    title_px = int(fonts.title * 2.6)
    return cells, heads, foot, table_px, foot_px, title_px, head_px


def _build(sof, width: int, fonts: _Fonts, *, title: str | None, bottom: int, height: int | None = None) -> go.Figure:
    cells, heads, foot, table_px, foot_px, title_px, head_px = _layout(sof, width, fonts)
    plot_px = table_px + foot_px
    height = height or int(title_px + plot_px + bottom + MARGIN)
    table_share = table_px / (height - title_px - bottom)
    fig = go.Figure(go.Table(
        columnwidth=list(SHARES), domain=dict(x=[0, 1], y=[1 - table_share, 1]),
        header=dict(values=["<br>".join(f"<b>{plain(x)}</b>" for x in h) for h in heads],
                    fill_color=HEADER_FILL, font=dict(color="white", size=fonts.table), align="left",
                    height=head_px),
        cells=dict(values=[["<br>".join(plain(x) for x in lines) for lines in cells[k]]
                           for k in COLUMNS],
                   align="left", height=fonts.table * LINE + 2 * CELL_PAD, font=dict(size=fonts.table),
                   fill_color=[row_fills(sof.rows)], line_color="#d0d7e1")))
    fig.add_annotation(text="<br>".join(plain(line) for line in foot), xref="paper",
                       yref="paper", x=0, y=1 - table_share, yshift=-MARGIN / 2, xanchor="left", yanchor="top", align="left",
                       showarrow=False, font=dict(size=fonts.note, color="#333333"), name="footnotes")
    fig.update_layout(
        template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", font=dict(style.FONT, size=fonts.table),
        height=height, title=dict(text=plain(title or sof_title(sof.spec)), x=0.01,
                                  font=dict(size=fonts.title)),
        margin=dict(l=MARGIN, r=MARGIN, t=title_px, b=bottom),
        meta={"figure": "summary_of_findings", "outcomes": [str(r.outcome) for r in sof.rows if not r.subgroup],
              "subgroups": [[str(r.outcome), r.subgroup] for r in sof.rows if r.subgroup],
              "footnotes": len(sof.footnotes().notes), "layout_width": width,
              "cells": {k: ["\n".join(lines) for lines in cells[k]] for k in COLUMNS}})
    return fig


def summary_of_findings_figure(sof, *, title: str | None = None, width: int = SCREEN_WIDTH) -> go.Figure:
    """The summary of findings of ``sof`` as a table figure laid out for ``width`` px, footnotes under it.

    ``layout.meta`` holds ``{"figure": "summary_of_findings", "outcomes": [...], "footnotes": n,
    "layout_width": width, "cells": {column: [wrapped text]}}`` so tests and exports can check what it
    shows without parsing the drawing.
    """
    return _build(sof, width, _Fonts(12, 11, 15), title=title, bottom=MARGIN)


def summary_of_findings_slide(sof, *, title: str | None = None) -> go.Figure:
    """The same table as a 1920 x 1080 slide: the largest table font (24 px down to 10 px) at which
    the table, its footnotes and a caption band fit; ``layout.meta["slide_native"]`` tells
    :func:`core.export.slide_figure` to add the caption into that band without rescaling."""
    width, height = SLIDE_SIZE
    for size in SLIDE_FONTS:
        fonts = _Fonts(size, max(10, round(size * 0.8)), size + 6)
        _, _, _, table_px, foot_px, title_px, _ = _layout(sof, width, fonts)
        if title_px + table_px + foot_px + SLIDE_CAPTION_BAND + MARGIN <= height:
            break
    fig = _build(sof, width, fonts, title=title, bottom=SLIDE_CAPTION_BAND, height=height)
    fig.update_layout(width=width, meta={**fig.layout.meta, "slide_native": True, "caption_band": SLIDE_CAPTION_BAND,
                                         "table_font": fonts.table})
    return fig
