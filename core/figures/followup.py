"""Plotly builder for the follow-up page: pooled effect and CI against months, one line per
population, with k printed at each point.  Pure: it draws a TrajectoryResult."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.figures.style import FONT, TEMPLATE   # one house style for every figure
from core.vocab import Population, TimePoint
from core.words import fmt_ci, population_phrase, timepoint_phrase

COLOURS = {Population.T1DM: "#1f77b4", Population.T2DM: "#d35400", Population.ALL: "#111111"}
# Horizontal offsets (months) so that the three populations' CIs at one time point don't overlap.
DODGE = {Population.T1DM: -0.45, Population.T2DM: 0.45, Population.ALL: 0.0}
# Drawing order: each diabetes type, then both together.
DRAW_ORDER = (Population.T1DM, Population.T2DM, Population.ALL)
END_GAP = 4.0   # "end of follow-up" is drawn this many months right of the last dated point


def end_position(points: pd.DataFrame) -> float:
    """x position of the "end of follow-up" column."""
    months = points["months"].dropna()
    return float((months.max() if not months.empty else 12.0) + END_GAP)


def trajectory_figure(result, *, title: str, y_title: str, font_size: int | None = None) -> go.Figure:
    """Pooled estimate (with CI whiskers) by time point, one line per population.

    ``result`` is a :class:`core.workflow.trajectory.TrajectoryResult`.  Rows without a pooled
    estimate leave a gap.  Each marker's ``customdata`` is [population, timepoint code], so a
    click can open that forest plot.  ``layout.meta`` = {"points": [[population, timepoint,
    k, estimate], ...]} for the pooled points.
    """
    pts = result.points
    font = dict(FONT, size=font_size or FONT["size"])
    x_end = end_position(pts)
    fig = go.Figure()
    meta = []
    shown = pts[~repeated_points(pts)]
    drawn = [p for p in DRAW_ORDER if np.isfinite(shown.loc[shown["population"] == p, "estimate"]).any()]
    # A few points are labelled with their value, and a lone population needs no legend (issue 26 item 14: one
    # point on an empty axis with a one-entry legend said nothing).
    few = int(np.isfinite(shown["estimate"].to_numpy(dtype=float)).sum()) <= 3
    for pop in DRAW_ORDER:
        d = shown[shown["population"] == pop]
        if d.empty or not np.isfinite(d["estimate"]).any():
            continue
        dated_shown = np.isfinite(d.loc[d["timepoint"] != TimePoint.END, "estimate"]).any()
        one_dated = int(np.isfinite(d.loc[d["timepoint"] != TimePoint.END, "estimate"]).sum()) == 1
        for part, is_end in ((d[d["timepoint"] != TimePoint.END], False), (d[d["timepoint"] == TimePoint.END], True)):
            if part.empty or not np.isfinite(part["estimate"]).any():
                continue
            x = (np.full(len(part), x_end) if is_end else part["months"].to_numpy(dtype=float)) + DODGE[pop]
            # End of follow-up mixes each trial's last time, so it is not joined to the dated points;
            # it has a legend entry only when the population has no dated point.
            fig.add_trace(_points_trace(part, pop, x, is_end or one_dated,
                                        showlegend=len(drawn) > 1 and (not is_end or not dated_shown)))
            fig.add_trace(_k_labels(part, pop, x, font, with_value=few, left=is_end))
    d_all = pts[np.isfinite(pts["estimate"].to_numpy(dtype=float))]
    meta = [[p, tp, int(k), round(float(e), 6)] for p, tp, k, e in zip(d_all["population"], d_all["timepoint"],
                                                                        d_all["k"], d_all["estimate"])]
    months = sorted(set(pts["months"].dropna()))
    for m in empty_months(pts):
        fig.add_annotation(x=m, y=0, yref="paper", yanchor="bottom", showarrow=False, text="no data",
                           name="no data", font=dict(font, size=font["size"] - 2, color="#777777"))
    # A population with no pooled point at any time is named, so its absence reads as 'no data', not as nothing.
    absent = [p for p in DRAW_ORDER if p in set(pts["population"]) and p not in drawn
              and not np.isfinite(pts.loc[pts["population"] == p, "estimate"]).any()]
    for i, pop in enumerate(absent):
        fig.add_annotation(x=0.0, xref="paper", xanchor="left", y=1.0 - 0.07 * i, yref="paper", yanchor="top",
                           showarrow=False, name="no data", text=f"{population_phrase(pop)}: no data at any time point",
                           font=dict(font, size=font["size"] - 1, color=COLOURS[pop]))
    fig.add_hline(y=0, line=dict(color="#444", width=1))
    if few and drawn:       # room above the whiskers for the value labels, and the zero line in view
        d = shown[np.isfinite(shown["estimate"].to_numpy(dtype=float))]
        low, high = min(float(d["ci_low"].min()), 0.0), max(float(d["ci_high"].max()), 0.0)
        span = (high - low) or 1.0
        fig.update_yaxes(range=[low - 0.15 * span, high + 0.45 * span])
    fig.add_vline(x=x_end - END_GAP / 2, line=dict(color="#bbbbbb", width=1, dash="dash"))
    fig.update_layout(
        template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", font=font, height=440,
        title=dict(text=title, x=0.0, xanchor="left", font=dict(font, size=font["size"] + 3)),
        margin=dict(l=60, r=16, t=64, b=56), clickmode="event+select", dragmode=False,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=1.0, xanchor="right"),
        xaxis=dict(title=dict(text="Months after MSC transplantation", font=font),
                   tickvals=[*months, x_end], ticktext=[*(f"{m:g}" for m in months), "End of<br>follow-up"],
                   range=[min(months + [3.0]) - 1.5, x_end + 1.5], zeroline=False, showline=True, linecolor="#444",
                   ticks="outside",
                   showgrid=False),
        yaxis=dict(title=dict(text=y_title, font=font), showline=True, linecolor="#444", ticks="outside",
                   zeroline=False),
        meta={"points": meta},
    )
    return fig


def repeated_points(pts: pd.DataFrame) -> pd.Series:
    """Points that would draw the same trials' same result again: "both types" where one type's trials
    are all there are, and "end of follow-up" where it is the same trials at a dated time point.
    Drawn once, a single trial does not look like four (issue 14)."""
    est = pts["estimate"].to_numpy(dtype=float)
    key = [(s, round(e, 9)) if np.isfinite(e) else None for s, e in zip(pts["studies"], est)]
    out = []
    for i, (pop, tp) in enumerate(zip(pts["population"], pts["timepoint"])):
        same = [j for j, k in enumerate(key) if key[i] is not None and k == key[i] and j != i]
        out.append(any((pop == Population.ALL and pts["population"].iat[j] != Population.ALL
                        and pts["timepoint"].iat[j] == tp)
                       or (tp == TimePoint.END and pts["timepoint"].iat[j] != TimePoint.END
                           and pts["population"].iat[j] == pop)
                       or (tp == TimePoint.END and pop == Population.ALL and pts["timepoint"].iat[j] != TimePoint.END)
                       for j in same))
    return pd.Series(out, index=pts.index)


def empty_months(pts: pd.DataFrame) -> list[float]:
    """The dated time points where no population has a pooled estimate (marked "no data")."""
    dated = pts[pts["timepoint"] != TimePoint.END]
    ok = dated.assign(ok=np.isfinite(dated["estimate"].to_numpy(dtype=float))).groupby("months")["ok"].any()
    return [float(m) for m, has in ok.items() if not has]


def _points_trace(part: pd.DataFrame, pop: str, x: np.ndarray, is_end: bool, *, showlegend: bool) -> go.Scatter:
    """A population's pooled estimates with CI whiskers; ``customdata`` = [population, time point]."""
    name = population_phrase(pop)
    est = part["estimate"].to_numpy(dtype=float)
    hover = [(f"{name}, {timepoint_phrase(tp)}<br>"
              f"{fmt_ci(e, lo, hi)} · k = {k}<br>{s}<br><i>click to open the forest plot</i>")
             if np.isfinite(e) else ""
             for tp, e, lo, hi, k, s in zip(part["timepoint"], est, part["ci_low"], part["ci_high"],
                                            part["k"], part["studies"])]
    both = pop == Population.ALL
    return go.Scatter(
        x=x, y=est, mode="markers" if is_end else "lines+markers", name=name, legendgroup=pop,
        showlegend=showlegend, connectgaps=False,
        line=dict(color=COLOURS[pop], width=2, dash="dot" if both else "solid"),
        marker=dict(size=9, color=COLOURS[pop], symbol="diamond" if both else "circle"),
        error_y=dict(type="data", symmetric=False, array=(part["ci_high"] - part["estimate"]).to_numpy(),
                     arrayminus=(part["estimate"] - part["ci_low"]).to_numpy(), color=COLOURS[pop],
                     thickness=1.3, width=4),
        customdata=np.c_[part["population"], part["timepoint"]], hovertext=hover, hoverinfo="text")


def _k_labels(part: pd.DataFrame, pop: str, x: np.ndarray, font: dict, *, with_value: bool = False,
              left: bool = False) -> go.Scatter:
    """'k=3' above each pooled point's whisker; with ``with_value``, the population, estimate and CI too (to the
    ``left`` of the last column, so it is not cut at the plot's right edge)."""
    ok = np.isfinite(part["estimate"].to_numpy(dtype=float))
    if with_value:
        text = [f"{population_phrase(pop)}: {fmt_ci(e, lo, hi)}<br>k = {int(k)}" for e, lo, hi, k in
                zip(part["estimate"].to_numpy()[ok], part["ci_low"].to_numpy()[ok], part["ci_high"].to_numpy()[ok],
                    part["k"].to_numpy()[ok])]
        return go.Scatter(
            x=x[ok], y=part["ci_high"].to_numpy(dtype=float)[ok], mode="text", legendgroup=pop, showlegend=False,
            hoverinfo="skip", name=f"k: {population_phrase(pop)}", text=text,
            textposition="top left" if left else "top center",
            textfont=dict(font, size=font["size"] - 1, color=COLOURS[pop]))
    return go.Scatter(
        x=x[ok], y=part["ci_high"].to_numpy(dtype=float)[ok], mode="text", legendgroup=pop,
        showlegend=False, hoverinfo="skip", name=f"k: {population_phrase(pop)}",
        text=[f"k={int(k)}" for k in part["k"].to_numpy()[ok]], textposition="top center",
        textfont=dict(font, size=font["size"] - 2, color=COLOURS[pop]))
