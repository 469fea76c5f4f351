"""Proportions with confidence intervals as a dot-and-whisker plot (pure builder, no statistics).

``events_figure(table)`` takes :func:`core.events.proportions_table` output (columns ``dm_type``,
``event``, ``count``, ``n``, ``proportion``, ``ci_low``, ``ci_high``, fractions) and draws one
row per event with its Wilson CI, in percent.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.figures import style
from core.figures.style import TEMPLATE   # one house style for every figure
from core.vocab import Population
from core.words import EVENT_LABELS

COLOURS = {Population.T1DM: "#2b5797", Population.T2DM: "#a33b3b"}
FONT = dict(style.FONT, size=13)


def events_figure(table: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """One marker per event at the proportion (percent), error bars to the CI bounds; one trace
    per diabetes type (named after it). Axis 0-100 %."""
    need = {"dm_type", "event", "count", "n", "proportion", "ci_low", "ci_high"}
    missing = sorted(need - set(table.columns))
    if missing:
        raise ValueError(f"events table is missing column(s) {', '.join(missing)}")
    fig = go.Figure()
    for dm, g in table.groupby("dm_type", sort=True):
        y = [f"{dm}: {EVENT_LABELS.get(e, e)}" for e in g["event"]]
        p = (100 * g["proportion"].astype(float)).tolist()
        hi = (100 * g["ci_high"].astype(float)).tolist()
        lo = (100 * g["ci_low"].astype(float)).tolist()
        fig.add_trace(go.Scatter(
            x=p, y=y, mode="markers+text", name=str(dm),
            marker=dict(size=11, color=COLOURS.get(str(dm), "#444444"), symbol="square"),
            error_x=dict(type="data", symmetric=False, array=[h - v for h, v in zip(hi, p)],
                         arrayminus=[v - lw for v, lw in zip(p, lo)], thickness=2, width=6),
            text=[f"{c}/{n}" for c, n in zip(g["count"], g["n"])], textposition="top center", cliponaxis=False,
            hovertemplate="%{y}<br>%{x:.1f}% (%{text})<extra></extra>"))
    fig.update_layout(
        template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", font=FONT,
        title=dict(text=title or "Insulin outcomes after MSC therapy: proportion with Wilson 95% CI", x=0.01),
        xaxis=dict(title="Patients (%)", range=[0, 100], ticksuffix="%", zeroline=False),
        yaxis=dict(autorange="reversed"), height=360, margin=dict(l=10, r=20, t=60, b=40),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
    )
    return fig
