"""A GRADE summary-of-findings table as a plotly figure (pure builder, no statistics), so the table
exports as a slide like every other figure.

``summary_of_findings_figure(sof)`` takes a :class:`core.certainty.SummaryOfFindings` and draws one
row per outcome (studies and participants, the effect with its CI in the outcome's units, the
certainty with its symbols and footnote letters, the plain-language statement), with the lettered
footnotes, each stating its reason, under the table.  Text is HTML-escaped (a user's reason is
shown as typed, never as markup) and wrapped into lines by hand (plotly tables do not wrap).
"""
from __future__ import annotations

import html
import textwrap

import plotly.graph_objects as go

from core import words
from core.figures import style
from core.figures.style import TEMPLATE   # one house style for every figure
from core.words import COMPARISON_LABELS, population_phrase, timepoint_phrase

FONT = dict(style.FONT, size=13)
HEADER_FILL = "#1f4e79"
ROW_FILLS = ("#ffffff", "#f2f5f9")
# Characters per line in each column (wrapped by hand), and the columns' relative widths.
WRAP = {"outcome": 24, "studies": 14, "effect": 30, "certainty": 28, "statement": 64}
WIDTHS = [1.4, 0.9, 1.8, 1.6, 3.6]
FOOTNOTE_CHARS = 190
LINE_PX = 19            # one line of 13 px text in a table cell, with leading
CELL_PAD_PX = 12
TITLE_PX, MARGIN_PX = 70, 16


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(str(text), width=width) or [""]


def _cell(text: str, width: int) -> str:
    return "<br>".join(html.escape(line, quote=False) for line in _wrap(text, width))


def sof_title(spec) -> str:
    """The figure's title: comparison, population and time point (words from core.words)."""
    return words.SOF_FIGURE_TITLE.format(comparison=COMPARISON_LABELS[spec.comparison],
                                         population=population_phrase(spec.population),
                                         timepoint=timepoint_phrase(spec.timepoint))


def _columns(sof) -> dict[str, list[str]]:
    """The table's text, column by column (plain text, one entry per outcome)."""
    notes = sof.footnotes()
    cols = {k: [] for k in WRAP}
    for row, letters in zip(sof.rows, notes.letters):
        c = row.certainty
        cols["outcome"].append(row.label)
        cols["studies"].append(f"{c.k} ({c.participants})" if c.k else "0")
        cols["effect"].append(row.effect or "—")
        marks = f" ({', '.join(letters)})" if letters else ""
        cols["certainty"].append(f"{c.symbols} {c.label}{marks}".strip())
        cols["statement"].append(c.statement)
    return cols


def summary_of_findings_figure(sof, *, title: str | None = None) -> go.Figure:
    """The summary of findings of ``sof`` as a table figure, footnotes under it.

    ``layout.meta`` holds ``{"figure": "summary_of_findings", "outcomes": [...], "footnotes": n}``
    so tests and exports can check what it shows without parsing the drawing.
    """
    cols = _columns(sof)
    cells = [[_cell(t, WRAP[k]) for t in texts] for k, texts in cols.items()]
    lines = [max(len(_wrap(cols[k][i], WRAP[k])) for k in WRAP) for i in range(len(sof.rows))]
    notes = sof.footnotes().notes
    foot_lines = [f"{letter}  {part}" if j == 0 else f"    {part}"
                  for letter, text in notes for j, part in enumerate(_wrap(text, FOOTNOTE_CHARS))]
    foot_lines = foot_lines or [words.SOF_NO_FOOTNOTES]
    table_px = (2 * LINE_PX + CELL_PAD_PX) + sum(n * LINE_PX + CELL_PAD_PX for n in lines)
    foot_px = len(foot_lines) * 17 + 2 * MARGIN_PX
    height = TITLE_PX + table_px + foot_px + 2 * MARGIN_PX
    foot_share = foot_px / (table_px + foot_px)
    fig = go.Figure(go.Table(
        columnwidth=WIDTHS, domain=dict(x=[0, 1], y=[foot_share, 1]),
        header=dict(values=[f"<b>{html.escape(words.SOF_HEADINGS[k])}</b>" for k in WRAP], fill_color=HEADER_FILL,
                    font=dict(color="white"), align="left", height=2 * LINE_PX + CELL_PAD_PX),
        cells=dict(values=cells, align="left", height=LINE_PX + CELL_PAD_PX,
                   fill_color=[[ROW_FILLS[i % 2] for i in range(len(sof.rows))]], line_color="#d0d7e1")))
    fig.add_annotation(text="<br>".join(html.escape(line, quote=False) for line in foot_lines), xref="paper",
                       yref="paper", x=0, y=foot_share, xanchor="left", yanchor="top", align="left",
                       showarrow=False, font=dict(size=11, color="#333333"), name="footnotes")
    fig.update_layout(
        template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", font=FONT, height=height,
        title=dict(text=html.escape(title or sof_title(sof.spec)), x=0.01),
        margin=dict(l=MARGIN_PX, r=MARGIN_PX, t=TITLE_PX, b=MARGIN_PX),
        meta={"figure": "summary_of_findings", "outcomes": [str(r.outcome) for r in sof.rows],
              "footnotes": len(notes)})
    return fig
