"""The forest plot's optional study columns and study order (issue 25).

``study_cells`` writes each study's characteristics (coded in data/studies.csv) and its overall
risk-of-bias judgement as short cells; ``study_order`` orders the studies by effect, year, weight or a
characteristic; ``add_columns`` makes room for the cells right of the study names by moving the rest
of a drawn forest figure (text columns and plot) right and narrowing it by one factor, so the figure
keeps its width (on screen and on the 16:9 slide) whatever the number of columns.
"""
from __future__ import annotations

import math

import plotly.graph_objects as go

from core.vocab import CATEGORICAL_CHARACTERISTICS, NOT_REPORTED, ForestSort
from core.words.characteristics import FOREST_COLUMN_HEADINGS, SHORT_NOT_REPORTED, code_label

# Paper x where the first column starts (the study names end), each column's width, and where the
# moved part starts in the figure as forest.py draws it (its first arm column).
NAMES_END = 0.14
COLUMN_WIDTH = 0.052
MOVED_FROM = 0.205
PLOT_FROM = 0.735          # where forest.py's plot starts (its PLOT_DOMAIN)
RIGHT_EDGE = 0.99
# The plot keeps at least this share of the width; the text columns, which crowd first, give more.
MIN_PLOT_WIDTH = 0.17


def study_cells(studies, columns, *, rob=None, comparison: str = "") -> tuple:
    """``((study_id, (cell, ...)), ...)`` for every study of the ``studies`` table: the short words of each
    of ``columns`` (core.vocab.FOREST_COLUMNS), hashable so a cache can key on it.  "rob" needs ``rob``
    (a :class:`core.evidence.risk_of_bias.RiskOfBias`) and the comparison it is judged for."""
    out = []
    for rec in studies.to_dict("records"):
        cells = []
        for column in columns:
            if column == "rob":
                level = rob.overall(rec["study_id"], comparison).level if rob is not None else ""
                cells.append(code_label("rob", str(level), short=True) if level else SHORT_NOT_REPORTED)
            elif column == "dose_per_kg":
                value = str(rec.get(column, "") or "")
                cells.append(SHORT_NOT_REPORTED if value in ("", NOT_REPORTED) else value)
            else:
                cells.append(code_label(column, str(rec.get(column, "") or ""), short=True))
        out.append((rec["study_id"], tuple(cells)))
    return tuple(out)


def _sort_value(row: dict, key: str, values: dict):
    if key == "effect":
        return row["yi"]
    if key == "weight":
        return -row["weight_pct"]           # heaviest first
    if key == "year":
        return row["year"]
    value = values.get(row["study_id"], "")
    if key in CATEGORICAL_CHARACTERISTICS:
        order = CATEGORICAL_CHARACTERISTICS[key]
        return order.index(value) if value in order else len(order)     # not reported last
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.inf


def study_order(rows, key: str, studies=None) -> tuple[str, ...]:
    """The study ids of ``rows`` (an analysis's row records) in the order ``key`` asks for: "paper"
    keeps the analysis's order (diabetes type, year, name, as Li et al. 2021 list them); "effect",
    "year", "weight" (heaviest first) or a characteristic of ``studies`` (codes in registry order, not
    reported last; numbers ascending).  Ties keep the paper's order."""
    rows = list(rows)
    if key == ForestSort.PAPER:
        return tuple(r["study_id"] for r in rows)
    values = {}
    if studies is not None and key in studies.columns:
        values = dict(zip(studies["study_id"], studies[key]))
    ranked = sorted(enumerate(rows), key=lambda ir: (_sort_value(ir[1], key, values), ir[0]))
    return tuple(r["study_id"] for _, r in ranked)


def _mover(n: int):
    """Paper x as drawn -> paper x with n columns: the names stay, the arm and effect columns and the
    plot move right, each narrowed (the plot less, down to MIN_PLOT_WIDTH)."""
    start = NAMES_END + n * COLUMN_WIDTH
    uniform = (RIGHT_EDGE - start) / (RIGHT_EDGE - MOVED_FROM)
    plot = min(RIGHT_EDGE - PLOT_FROM, max(MIN_PLOT_WIDTH, (RIGHT_EDGE - PLOT_FROM) * uniform))
    text_end = RIGHT_EDGE - plot
    text = (text_end - start) / (PLOT_FROM - MOVED_FROM)

    def move(x: float) -> float:
        if x < MOVED_FROM:
            return x
        if x <= PLOT_FROM:
            return start + (x - MOVED_FROM) * text
        return text_end + (x - PLOT_FROM) * plot / (RIGHT_EDGE - PLOT_FROM)
    return move


def add_columns(fig: go.Figure, columns, cells: dict, study_ys: list[tuple[str, float]], heading_y: float,
                font: dict) -> None:
    """Put ``columns`` (their cells: study_id -> texts) right of the study names of a drawn forest
    ``fig`` whose study rows sit at ``study_ys`` ((study_id, y), ...); the rest moves right."""
    n = len(columns)
    if not n:
        return
    move = _mover(n)
    font = dict(font, size=font["size"] - 1)        # the table gets narrower: all its text a point smaller
    for trace in fig.data:
        if trace.xaxis == "x2":
            trace.x = [move(x) for x in trace.x]
            size = trace.textfont.size
            trace.textfont.size = [v - 1 for v in size] if isinstance(size, (list, tuple)) else size - 1
    for ann in fig.layout.annotations:
        if ann.xref == "paper":
            ann.x = move(ann.x)
    text_end = move(fig.layout.xaxis2.domain[1])
    fig.layout.xaxis2.domain = [0, text_end]
    fig.layout.xaxis2.range = [0, text_end]
    fig.layout.xaxis.domain = [text_end, move(fig.layout.xaxis.domain[1])]
    xs = [NAMES_END + (j + 0.5) * COLUMN_WIDTH for j in range(n)]
    head = go.Scatter(x=xs, y=[heading_y] * n, text=[f"<b>{FOREST_COLUMN_HEADINGS[c]}</b>" for c in columns],
                      mode="text", xaxis="x2", name="Text: column headings", textposition="middle center",
                      cliponaxis=False, hoverinfo="skip", showlegend=False, textfont=dict(font))
    body_x, body_y, body_text = [], [], []
    for study_id, y in study_ys:
        for x, text in zip(xs, cells.get(study_id, ("",) * n)):
            body_x.append(x)
            body_y.append(y)
            body_text.append(text)
    body = go.Scatter(x=body_x, y=body_y, text=body_text, mode="text", xaxis="x2", name="Text: study columns",
                      textposition="middle center", cliponaxis=False, hoverinfo="skip", showlegend=False,
                      textfont=dict(font))
    fig.add_traces([head, body])
    fig.update_layout(meta={**(fig.layout.meta or {}), "columns": list(columns)})
