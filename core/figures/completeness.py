"""Completeness map figure: study × (outcome, time point) coloured by data status.

``completeness_figure(table)`` takes :func:`core.evidence.completeness.completeness_table` output and draws
a categorical heatmap (one colour per status, a legend built from invisible marker traces) whose
hover text gives the detail: how a number was obtained, or why it is missing. No statistics.
"""
from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from core.evidence.cells import cell_axes
from core.evidence.completeness import STATUSES, TIME_BINS
from core.figures.style import FONT, TEMPLATE   # one house style for every figure
from core.words.formats import plain
from core.vocab import OUTCOMES, OUTCOME_SHORT, CellStatus
from core.words.phrases import INFERRED_MARK  # noqa: F401  (pages and tests import it from here)

STATUS_COLOURS = {CellStatus.REPORTED: "#2e7d32", CellStatus.CONVERTED: "#f9a825", CellStatus.NOT_USED: "#9e9e9e",
                  CellStatus.MISSING: "#f3d9d9"}


def _wrap(text: str, width: int = 70) -> str:
    return "<br>".join(textwrap.wrap(str(text), width)) or ""


def completeness_figure(table: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Draw the completeness map.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``label``, ``id_confidence``, ``outcome``, ``time_bin``, ``status``, ``detail``
        (as from :func:`core.evidence.completeness.completeness_table`).

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap trace (``z`` = index into :data:`core.evidence.completeness.STATUSES`, ``customdata``
        = hover detail) plus one legend-only scatter trace per status; studies whose identity is
        inferred (``id_confidence`` != "high") carry a dagger in their label.
    """
    need = {"label", "id_confidence", "outcome", "time_bin", "status", "detail"}
    missing = sorted(need - set(table.columns))
    if missing:
        raise ValueError(f"completeness table is missing column(s) {', '.join(missing)}")
    t = table.copy()
    t["x"], t["y"] = cell_axes(t)
    xs = [f"{OUTCOME_SHORT.get(o, o)} · {b}" for o in OUTCOMES for b in TIME_BINS
          if f"{OUTCOME_SHORT.get(o, o)} · {b}" in set(t["x"])]
    ys = list(dict.fromkeys(t["y"]))
    code = {s: i for i, s in enumerate(STATUSES)}
    z = [[None] * len(xs) for _ in ys]
    hover = [[""] * len(xs) for _ in ys]
    xi = {x: i for i, x in enumerate(xs)}
    yi = {y: i for i, y in enumerate(ys)}
    for r in t.itertuples():
        z[yi[r.y]][xi[r.x]] = code[r.status]
        hover[yi[r.y]][xi[r.x]] = (f"<b>{r.y}</b> · {r.x}<br>{r.status}<br>{_wrap(plain(r.detail))}")
    n = len(STATUSES)
    scale = []
    for i, s in enumerate(STATUSES):
        scale += [[i / n, STATUS_COLOURS[s]], [(i + 1) / n, STATUS_COLOURS[s]]]
    fig = go.Figure(go.Heatmap(
        z=z, x=xs, y=ys, customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        colorscale=scale, zmin=-0.5, zmax=n - 0.5, showscale=False, xgap=2, ygap=2, name="status"))
    for s in STATUSES:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=s, showlegend=True,
                                 marker=dict(symbol="square", size=12, color=STATUS_COLOURS[s])))
    fig.update_layout(
        template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", font=FONT,
        title=dict(text=title or "Data completeness: study × outcome × time point", x=0.01),
        height=max(320, 34 * len(ys) + 170), margin=dict(l=10, r=10, t=60, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
        xaxis=dict(side="bottom", tickangle=-45, showgrid=False, categoryorder="array",
                   categoryarray=xs),
        yaxis=dict(autorange="reversed", showgrid=False, categoryorder="array", categoryarray=ys),
    )
    return fig
