"""Plotly builder for the small-study-effects page: a contour-enhanced funnel plot.

Pure: it draws a :class:`core.bias.FunnelData` and, optionally, a
:class:`core.bias.TrimFillResult` (filled studies drawn hollow).  Shading follows Peters et
al. (2008) J Clin Epidemiol 61:991-996: the darker a region, the smaller the P value of a
study placed there (contours at the levels in ``FunnelData.contour_levels``, around 0).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from core.figures.style import FONT, TEMPLATE   # one house style for every figure
from core.words.formats import plain

FILLED_COLOUR = "#d35400"
# Shade of the region *outside* each contour (P below 1 - level), darkest for the smallest P.
# Light greys (issue 26 item 15: a navy dot on the old #969696 read as a dark blot on dark grey): the bands stay
# apart while every one of them is light behind the dot.
SHADES = ("#f6f6f6", "#e8e8e8", "#d9d9d9", "#c8c8c8")
# A study's dot: a clear blue, not navy, with WCAG contrast >= 5 against every shade, ringed in white so it stands
# off the pooled line; with a few studies each dot is also named beside it.
STUDY_MARKER = "#0047a3"
LABEL_MAX_K = 5


def _x_range(fd, tf) -> list[float]:
    se_max = float(fd.se_grid.max()) if fd.se_grid.size else 1.0
    widest = max(fd.contours.values(), key=lambda a: float(a.max())) if fd.contours else np.array([0.0])
    vals = [*fd.yi, fd.estimate, float(widest.max()), -float(widest.max()), *fd.ci_low, *fd.ci_high]
    if tf is not None:
        vals += list(tf.filled_yi) + [tf.filled.estimate]
    lo, hi = min(vals), max(vals)
    pad = 0.05 * (hi - lo or se_max or 1.0)
    return [lo - pad, hi + pad]


def funnel_figure(fd, trimfill=None, *, title: str, x_title: str, font_size: int | None = None) -> go.Figure:
    """Contour-enhanced funnel plot: effect (x) against standard error (y, 0 at the top).

    Parameters
    ----------
    fd : core.bias.FunnelData
    trimfill : core.bias.TrimFillResult, optional
        When given and k0 > 0, the imputed studies are drawn as hollow circles and the
        adjusted estimate as a dashed line.

    Returns
    -------
    go.Figure
        Trace names: "P < 0.01" etc. (contour bands), "Pseudo 95% CI", "Studies", "Filled
        studies (trim and fill)", "Pooled estimate", "Adjusted estimate".  ``layout.meta`` =
        {"k", "k0", "estimate", "adjusted"}.
    """
    font = dict(FONT, size=font_size or FONT["size"])
    se = fd.se_grid
    se_top = float(se.max()) if se.size else 1.0
    xr = _x_range(fd, trimfill)
    fig = go.Figure()
    levels = sorted(fd.contour_levels, reverse=True)            # e.g. 0.99, 0.95, 0.90
    # Darkest band: the whole plot area (P < 1 - highest level); lighter wedges drawn on top.
    fig.add_trace(go.Scatter(x=[xr[0], xr[1], xr[1], xr[0], xr[0]], y=[0, 0, se_top, se_top, 0], fill="toself",
                             fillcolor=SHADES[-1], line=dict(width=0), mode="lines", hoverinfo="skip",
                             name=f"P < {1 - levels[0]:.2g}" if levels else "region"))
    for i, lv in enumerate(levels):
        h = fd.contours[lv]
        colour = "white" if i == len(levels) - 1 else SHADES[len(SHADES) - 2 - i]
        upper = 1 - levels[i + 1] if i + 1 < len(levels) else None
        name = (f"{1 - lv:.2g} < P < {upper:.2g}" if upper is not None else f"P > {1 - lv:.2g}")
        fig.add_trace(go.Scatter(x=np.r_[-h, h[::-1], -h[:1]], y=np.r_[se, se[::-1], se[:1]], fill="toself",
                                 fillcolor=colour, line=dict(width=0), mode="lines", hoverinfo="skip", name=name))
    fig.add_trace(go.Scatter(x=np.r_[fd.ci_low, [None], fd.ci_high], y=np.r_[se, [None], se], mode="lines",
                             line=dict(color="#555", width=1, dash="dash"), hoverinfo="skip",
                             name=f"Pseudo {fd.level * 100:g}% CI"))
    fig.add_trace(go.Scatter(x=[fd.estimate, fd.estimate], y=[0, se_top], mode="lines",
                             line=dict(color="#111", width=1.5), name="Pooled estimate", hoverinfo="skip"))
    k0 = 0
    adjusted = None
    if trimfill is not None and trimfill.k0 > 0:
        k0 = int(trimfill.k0)
        adjusted = float(trimfill.filled.estimate)
        fig.add_trace(go.Scatter(x=[adjusted, adjusted], y=[0, se_top], mode="lines",
                                 line=dict(color=FILLED_COLOUR, width=1.5, dash="dot"), name="Adjusted estimate",
                                 hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=trimfill.filled_yi, y=np.sqrt(trimfill.filled_vi), mode="markers",
                                 name="Filled studies (trim and fill)",
                                 marker=dict(size=10, color="white", line=dict(color=FILLED_COLOUR, width=2)),
                                 hovertemplate="imputed study<br>effect %{x:.2f}, SE %{y:.2f}<extra></extra>"))
    named = len(fd.yi) <= LABEL_MAX_K
    fig.add_trace(go.Scatter(x=fd.yi, y=fd.sei, mode="markers+text" if named else "markers", name="Studies",
                             text=[plain(s) for s in fd.labels], textposition="middle right",
                             textfont=dict(font, size=font["size"] - 1, color=STUDY_MARKER),
                             marker=dict(size=13, color=STUDY_MARKER, line=dict(color="white", width=2)),
                             hovertemplate="%{text}<br>effect %{x:.2f}, SE %{y:.2f}<extra></extra>"))
    fig.update_layout(
        template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", font=font, height=520,
        title=dict(text=title, x=0.0, xanchor="left", font=dict(font, size=font["size"] + 3)),
        margin=dict(l=64, r=16, t=64, b=56),
        legend=dict(orientation="v", x=1.01, xanchor="left", y=1.0, font=dict(font, size=font["size"] - 1)),
        xaxis=dict(title=dict(text=x_title, font=font), range=xr, showline=True, linecolor="#444", ticks="outside",
                   zeroline=False, showgrid=False),
        yaxis=dict(title=dict(text="Standard error", font=font), range=[se_top, 0], showline=True,
                   linecolor="#444", ticks="outside", showgrid=False, zeroline=False),
        meta={"k": int(fd.yi.size), "k0": k0, "estimate": round(float(fd.estimate), 6),
              "adjusted": None if adjusted is None else round(adjusted, 6)},
    )
    return fig
