"""Plotly builders for the sensitivity page.  Pure: they draw numbers computed elsewhere.

- :func:`interval_forest`: one row per analysis (main analysis, variants, leave-one-out or
  cumulative steps), each with its estimate and CI (diamond or square with whiskers), the
  optional prediction interval, and its numbers printed at the right.
- :func:`r_curve_figure`: the pooled estimate and its CI against the pre-post correlation r.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.figures.style import DIAMOND_COLOUR, FONT, STUDY_COLOUR, TEMPLATE   # one house style
from core.words.formats import plain
from core.words import fmt_ci, fmt_p
from core.workflow.bayes import prior_sensitivity

MAIN_COLOUR = DIAMOND_COLOUR
VARIANT_COLOUR = STUDY_COLOUR
CHANGED_COLOUR = "#d35400"
PI_COLOUR = "#7f8c8d"
BAND_COLOUR = "rgba(31, 78, 121, 0.15)"
ROW_HEIGHT = 26
PLOT_DOMAIN = (0.25, 0.63)   # the plot; row labels sit to its left, numbers to its right
LABEL_X = 0.0
NUMBERS_X = 0.65


def _finite(*xs) -> bool:
    return all(x is not None and np.isfinite(x) for x in xs)


def _diamond(est, lo, hi, y, half=0.32):
    return [lo, est, hi, est, lo, None], [y, y + half, y, y - half, y, None]


def _range(df: pd.DataFrame, cols=("ci_low", "ci_high", "estimate", "pi_low", "pi_high")) -> list[float]:
    vals = [float(v) for c in cols if c in df for v in df[c] if v is not None and np.isfinite(v)]
    if not vals:
        return [-1.0, 1.0]
    lo, hi = min(vals + [0.0]), max(vals + [0.0])
    pad = 0.06 * (hi - lo or 1.0)
    return [lo - pad, hi + pad]


def interval_forest(df: pd.DataFrame, *, title: str, x_title: str, favours: tuple[str, str] | None = None,
                    reference: float | None = None, show_pi: bool = False,
                    font_size: int | None = None, highlight_label: str = "changed") -> go.Figure:
    """Forest of pooled results, top to bottom in ``df`` order.

    Parameters
    ----------
    df : DataFrame
        Columns ``label``, ``estimate``, ``ci_low``, ``ci_high`` (NaN when the row could not
        be pooled; its ``message`` is then printed instead of numbers); optional ``k``,
        ``pvalue``, ``pi_low``, ``pi_high``, ``kind`` ("diamond", "square" or "group", a
        heading row), ``highlight`` (bool: drawn in the "changed" colour), ``message``.
    title, x_title : str
    favours : (left, right), optional
        Labels under the axis, left and right of zero.
    reference : float, optional
        A dashed vertical line (e.g. the main analysis's estimate).
    show_pi : bool
        Draw each row's prediction interval (when finite) as a thin grey line.
    highlight_label : str
        What the "changed" colour means, written as a legend above the plot whenever a row is
        highlighted (a highlight never goes unexplained).

    Returns
    -------
    go.Figure
        Trace names: "Diamonds", "Diamonds (changed)", "Estimates", "Estimates (changed)",
        "Prediction intervals".  ``layout.meta`` = {"labels", "estimates", "k"} in row order.
    """
    df = df.reset_index(drop=True)
    n = len(df)
    font = dict(FONT, size=font_size or FONT["size"])
    kind = list(df["kind"]) if "kind" in df else ["square"] * n
    hl = list(df["highlight"].fillna(False).astype(bool)) if "highlight" in df else [False] * n
    ys = [n - 1 - i for i in range(n)]
    fig = go.Figure()
    for trace in _mark_traces(df, kind, hl, ys, show_pi):
        fig.add_trace(trace)
    ann = _row_annotations(df, kind, hl, ys, font) + _axis_annotations(font, favours)
    if any(hl):
        ann.append(highlight_legend(font, highlight_label))
    shapes = [dict(type="line", x0=0, x1=0, y0=-0.7, y1=n - 0.3, xref="x", yref="y",
                   line=dict(color="#444", width=1))]
    if reference is not None and np.isfinite(reference):
        shapes.append(dict(type="line", x0=reference, x1=reference, y0=-0.7, y1=n - 0.3, xref="x", yref="y",
                           line=dict(color=MAIN_COLOUR, width=1, dash="dot")))
    fig.update_layout(
        template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", font=font, showlegend=False,
        title=dict(text=title, x=0.0, xanchor="left", font=dict(font, size=font["size"] + 3)),
        height=int(130 + ROW_HEIGHT * max(n, 2) * (font["size"] / FONT["size"])),
        margin=dict(l=16, r=16, t=64, b=int(font["size"] * 5.5)), annotations=ann, shapes=shapes,
        xaxis=dict(domain=list(PLOT_DOMAIN), range=_range(df), zeroline=False, showgrid=True, gridcolor="#eeeeee",
                   ticks="outside", showline=True, linecolor="#444",
                   title=dict(text=x_title, font=font, standoff=int(font["size"] * 2.6))),
        yaxis=dict(range=[-0.8, n - 0.2], visible=False, fixedrange=True),
        meta={"labels": df["label"].astype(str).tolist(),
              "estimates": [None if not _finite(v) else round(float(v), 6) for v in df.get("estimate", [])],
              "k": [None if v is None or not np.isfinite(v) else int(v) for v in df.get("k", [np.nan] * n)]},
    )
    return fig


def highlight_legend(font: dict, label: str) -> dict:
    """The legend of the "changed" colour: a square and what it means, above the plot at the right."""
    return dict(x=1.0, y=1.0, xref="paper", yref="paper", xanchor="right", yanchor="bottom", showarrow=False,
                yshift=int(font["size"] * 1.7), name="highlight legend", text=f"■ {label}",
                font=dict(font, size=font["size"] - 1, color=CHANGED_COLOUR))


def _numbers_text(r) -> str:
    """'−0.66 [−1.61, 0.29] · k = 4 · P = 0.17', or why the row could not be pooled."""
    est, lo, hi = r.get("estimate"), r.get("ci_low"), r.get("ci_high")
    if not _finite(est, lo, hi):
        return str(r.get("message") or "not poolable")
    bits = [fmt_ci(est, lo, hi)]
    k = r.get("k")
    if k is not None and np.isfinite(k):
        bits.append(f"k = {int(k)}")
    p = r.get("pvalue")
    if p is not None and np.isfinite(p):
        bits.append(fmt_p(p))
    return " · ".join(bits)


def _row_annotations(df: pd.DataFrame, kind: list, hl: list, ys: list, font: dict) -> list[dict]:
    """Each row's label at the left (bold for a heading) and its numbers at the right."""
    ann = []
    for i, r in df.iterrows():
        colour = CHANGED_COLOUR if hl[i] else font["color"]
        is_group = kind[i] == "group"
        ann.append(dict(x=LABEL_X, y=ys[i], xref="paper", yref="y", xanchor="left", showarrow=False,
                        text=f"<b>{plain(r['label'])}</b>" if is_group else plain(r["label"]),
                        font=dict(font, color=colour)))
        if not is_group:
            ann.append(dict(x=NUMBERS_X, y=ys[i], xref="paper", yref="y", xanchor="left", showarrow=False,
                            text=_numbers_text(r), font=dict(font, size=font["size"] - 1, color=colour)))
    return ann


def _mark_traces(df: pd.DataFrame, kind: list, hl: list, ys: list, show_pi: bool) -> list[go.Scatter]:
    """Prediction intervals, then diamonds and squares (main colour, then the "changed" colour)."""
    dia = {False: ([], []), True: ([], [])}
    sq = {False: ([], [], [], [], []), True: ([], [], [], [], [])}
    pix, piy = [], []
    for i, r in df.iterrows():
        y, est, lo, hi = ys[i], r.get("estimate"), r.get("ci_low"), r.get("ci_high")
        if kind[i] == "group" or not _finite(est, lo, hi):
            continue
        if kind[i] == "diamond":
            dx, dy = _diamond(est, lo, hi, y)
            dia[hl[i]][0].extend(dx)
            dia[hl[i]][1].extend(dy)
        else:
            s = sq[hl[i]]
            s[0].append(est); s[1].append(y); s[2].append(hi - est); s[3].append(est - lo)
            s[4].append(f"{plain(r['label'])}<br>{_numbers_text(r)}")
        if show_pi and _finite(r.get("pi_low"), r.get("pi_high")):
            pix += [r["pi_low"], r["pi_high"], None]
            piy += [y, y, None]
    traces = []
    if pix:
        traces.append(go.Scatter(x=pix, y=piy, mode="lines", name="Prediction intervals",
                                 line=dict(color=PI_COLOUR, width=6), opacity=0.45, hoverinfo="skip",
                                 showlegend=False))
    for changed, (dx, dy) in dia.items():
        if dx:
            colour = CHANGED_COLOUR if changed else MAIN_COLOUR
            traces.append(go.Scatter(x=dx, y=dy, mode="lines", fill="toself", fillcolor=colour,
                                     line=dict(color=colour, width=1), hoverinfo="skip", showlegend=False,
                                     name="Diamonds (changed)" if changed else "Diamonds"))
    for changed, (x, y, plus, minus, hover) in sq.items():
        if x:
            colour = CHANGED_COLOUR if changed else VARIANT_COLOUR
            traces.append(go.Scatter(x=x, y=y, mode="markers", name="Estimates (changed)" if changed else "Estimates",
                                     marker=dict(symbol="square", size=9, color=colour),
                                     error_x=dict(type="data", symmetric=False, array=plus, arrayminus=minus,
                                                  color=colour, thickness=1.4, width=0),
                                     hoverinfo="text", text=hover, showlegend=False))
    return traces


def _axis_annotations(font: dict, favours: tuple[str, str] | None) -> list[dict]:
    """The numbers column's heading, and the "favours" labels under the axis."""
    ann = [dict(x=NUMBERS_X, y=1, xref="paper", yref="paper", yanchor="bottom", xanchor="left",
                showarrow=False, text="<b>Estimate [95% CI] · k · P</b>", font=font)]
    if favours:
        mid = (PLOT_DOMAIN[0] + PLOT_DOMAIN[1]) / 2
        for x, s_, anchor in ((mid - 0.01, favours[0], "right"), (mid + 0.01, favours[1], "left")):
            ann.append(dict(x=x, y=0, xref="paper", yref="paper", text=s_, showarrow=False, xanchor=anchor,
                            yanchor="top", yshift=-int(font["size"] * 2.2), font=dict(font, size=font["size"] - 1)))
    return ann


def r_curve_figure(df: pd.DataFrame, *, title: str, y_title: str, main_r: float | None = None,
                   font_size: int | None = None) -> go.Figure:
    """Pooled estimate and its CI against the pre-post correlation r.

    Parameters
    ----------
    df : DataFrame
        Columns ``r``, ``estimate``, ``ci_low``, ``ci_high`` (rows that could not be pooled
        have NaN and leave a gap); sorted by r here only for drawing.
    main_r : float, optional
        The r of the main analysis, marked with a larger point.

    Returns
    -------
    go.Figure
        Traces "95% CI" (band), "Pooled estimate" (line + markers) and "Main analysis".
        ``layout.meta`` = {"r": [...], "estimates": [...]}.
    """
    d = df.sort_values("r").reset_index(drop=True)
    font = dict(FONT, size=font_size or FONT["size"])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(d["r"]) + list(d["r"][::-1]), y=list(d["ci_high"]) + list(d["ci_low"][::-1]),
                             fill="toself", fillcolor=BAND_COLOUR, line=dict(width=0), name="95% CI",
                             hoverinfo="skip", showlegend=True))
    fig.add_trace(go.Scatter(x=d["r"], y=d["estimate"], mode="lines+markers", name="Pooled estimate",
                             line=dict(color=VARIANT_COLOUR, width=2), marker=dict(size=7),
                             customdata=np.c_[d["ci_low"], d["ci_high"]],
                             hovertemplate="r = %{x:.2f}<br>estimate %{y:.2f} [%{customdata[0]:.2f}, "
                                           "%{customdata[1]:.2f}]<extra></extra>"))
    if main_r is not None:
        m = d[np.isclose(d["r"], main_r)]
        if not m.empty:
            fig.add_trace(go.Scatter(x=m["r"], y=m["estimate"], mode="markers", name="Main analysis",
                                     marker=dict(size=13, color=CHANGED_COLOUR, symbol="diamond",
                                                 line=dict(color=MAIN_COLOUR, width=1)), hoverinfo="skip"))
    fig.add_hline(y=0, line=dict(color="#444", width=1))
    fig.update_layout(
        template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", font=font, height=380,
        title=dict(text=title, x=0.0, xanchor="left", font=dict(font, size=font["size"] + 3)),
        margin=dict(l=60, r=16, t=64, b=50),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=1.0, xanchor="right"),
        xaxis=dict(title=dict(text="Assumed pre-post correlation r", font=font), range=[-0.03, 0.93],
                   dtick=0.1, showline=True, linecolor="#444", ticks="outside"),
        yaxis=dict(title=dict(text=y_title, font=font), showline=True, linecolor="#444", ticks="outside",
                   zeroline=False),
        meta={"r": [round(float(x), 4) for x in d["r"]],
              "estimates": [None if not math.isfinite(v) else round(float(v), 6) for v in d["estimate"]]},
    )
    return fig


def loo_frame(series, overall=None) -> pd.DataFrame:
    """Rows for :func:`interval_forest` from a leave-one-out ``SensitivitySeries``.

    One square per omitted study ("without <study>", k - 1 studies each), then the overall
    result as a diamond when ``overall`` (the MetaResult the series came from) is given.
    """
    d = series.to_frame()
    n = len(d)
    out = pd.DataFrame({"label": [f"without {s}" for s in d["omitted"]], "kind": "square",
                        "estimate": d["estimate"], "ci_low": d["ci_low"], "ci_high": d["ci_high"],
                        "pvalue": d["pvalue"], "k": [n - 1] * n, "highlight": False})
    return _with_overall(out, overall, n)


def cumulative_frame(series, overall=None, years=None) -> pd.DataFrame:
    """Rows for :func:`interval_forest` from a cumulative ``SensitivitySeries``.

    Row i: "+ <study> (<year>)" pooling the first i + 1 studies; ``years`` (optional) maps a
    study label to its year for the row label.
    """
    d = series.to_frame()
    years = years or {}
    labels = [f"+ {s}" + (f" ({years[s]})" if s in years else "") for s in d["added"]]
    out = pd.DataFrame({"label": labels, "kind": "square", "estimate": d["estimate"], "ci_low": d["ci_low"],
                        "ci_high": d["ci_high"], "pvalue": d["pvalue"], "k": list(range(1, len(d) + 1)),
                        "highlight": False})
    return _with_overall(out, overall, len(d))


def _with_overall(out: pd.DataFrame, overall, k: int) -> pd.DataFrame:
    if overall is None:
        return out
    row = pd.DataFrame([{"label": "All studies", "kind": "diamond", "estimate": overall.estimate,
                         "ci_low": overall.ci_low, "ci_high": overall.ci_high, "pvalue": overall.pvalue, "k": k,
                         "highlight": False}])
    return pd.concat([out, row], ignore_index=True)


def prior_sensitivity_figure(a, *, font_size: int | None = None) -> go.Figure:
    """Issue 22's prior-sensitivity figure for a Bayesian view (``a.pooled`` a
    :class:`core.workflow.bayes.BayesPooled`): mu's posterior median and credible interval with the
    half-normal prior's scale at 0.25x, 0.5x, 1x, 2x and 4x the default, the view's own choice highlighted."""
    res, factor = a.pooled, a.spec.prior_factor
    rows = prior_sensitivity(res, res.prior_scale / factor)
    df = pd.DataFrame({"label": [f"{f:g} × default (scale {s:.3g})" for f, s, _ in rows], "kind": "square",
                       "estimate": [r.estimate for _, _, r in rows], "ci_low": [r.ci_low for _, _, r in rows],
                       "ci_high": [r.ci_high for _, _, r in rows], "k": res.k,
                       "highlight": [f == factor for f, _, _ in rows]})
    pct = f"{a.spec.level * 100:g}%"
    fig = interval_forest(df, title=f"Prior sensitivity: posterior median and {pct} credible interval",
                          x_title=a.spec.measure, font_size=font_size, highlight_label="the prior this view uses")
    for ann in fig.layout.annotations:      # a credible interval, and no P value
        if ann.text == "<b>Estimate [95% CI] · k · P</b>":
            ann.text = f"<b>Median [{pct} CrI] · k</b>"
    return fig
