"""Plotly figure builders.  Pure functions of a result: they draw, they compute no statistics.

``forest_figure(analysis)`` draws a RevMan 5-style forest plot: text columns for each study's
arm-level numbers, weight and effect with its 95% CI; squares sized by weight; diamonds for
subgroups and the total; heterogeneity and overall-effect lines; the paper's own reported
diamond (hollow) for comparison; "Favours ..." labels on the correct sides.
"""
from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from core import words as lab
from core.analysis import COMPARISON_LABELS, OUTCOME_LABELS, ForestAnalysis

from core.figures.style import (DIAMOND_COLOUR, FONT, REPORTED_COLOUR, STUDY_COLOUR, SUBTOTAL_COLOUR,
                                 TEMPLATE)

ROW_HEIGHT = 22
PLOT_DOMAIN = (0.735, 0.99)
# x positions (paper coordinates) of the text columns, left to right (numeric columns are
# right-aligned at x + 0.04).
COLS = {"study": 0.0, "m1": 0.22, "sd1": 0.27, "n1": 0.315, "m2": 0.37, "sd2": 0.42, "n2": 0.465,
        "weight": 0.52, "effect": 0.575}


def _row_texts(r, digits=2):
    return {"m1": lab.fmt_num(r["m1"], digits), "sd1": lab.fmt_num(r["sd1"], digits), "n1": f"{int(r['n1'])}",
            "m2": lab.fmt_num(r["m2"], digits), "sd2": lab.fmt_num(r["sd2"], digits), "n2": f"{int(r['n2'])}",
            "weight": f"{r['weight_pct']:.1f}%", "effect": lab.fmt_ci(r["yi"], r["ci_low"], r["ci_high"])}


def _diamond(est, low, high, y, half=0.38):
    return [low, est, high, est, low], [y, y + half, y, y - half, y]


def forest_rows(a: ForestAnalysis, *, show_pi: bool = False) -> list[dict]:
    """The forest plot's rows, top to bottom, as plain dicts (kind, texts, marks).

    Kinds: 'group' (subgroup heading), 'study', 'subtotal', 'text', 'total', 'pi' (prediction
    interval of the total), 'reported'.
    """
    rows: list[dict] = []
    spec = a.spec
    measure = "MD" if spec.measure == "MD" else "SMD"
    pooled_label = f"{'Subtotal' if a.subgroups else 'Total'} ({int(spec.level * 100)}% CI)"

    def add_study_block(df, res, heading=None, subtotal=True):
        if heading:
            rows.append({"kind": "group", "study": heading})
        for _, r in df.iterrows():
            flag = " †" if r.get("id_confidence", "high") != "high" else ""
            rows.append({"kind": "study", "study": f"{r['label']}{flag}", **_row_texts(r), "yi": r["yi"],
                         "lo": r["ci_low"], "hi": r["ci_high"], "w": r["weight_pct"],
                         "hover": f"{r['label']} ({r['dm_type']}, {r['design_class']})<br>"
                                  f"{measure} {lab.fmt_ci(r['yi'], r['ci_low'], r['ci_high'])}<br>"
                                  f"time point: {r['timepoint_label']}" + (f"<br>{r['notes']}" if r['notes'] else "")})
        if subtotal and res is not None:
            n = int(df["n1"].sum() + (df["n2"].sum() if spec.comparison == "vs_control" else 0))
            rows.append({"kind": "subtotal", "study": pooled_label, "n1": f"{int(df['n1'].sum())}",
                         "n2": f"{int(df['n2'].sum())}" if spec.comparison == "vs_control" else "",
                         "weight": f"{df['weight_pct'].sum():.1f}%",
                         "effect": lab.fmt_ci(res.estimate, res.ci_low, res.ci_high),
                         "est": res.estimate, "lo": res.ci_low, "hi": res.ci_high, "participants": n})
            rows.append({"kind": "text", "study": lab.heterogeneity_line(res)})
            rows.append({"kind": "text", "study": lab.overall_effect_line(res)})

    def add_total(res):
        rows.append({"kind": "total", "study": f"Total ({int(spec.level * 100)}% CI)",
                     "n1": f"{int(a.rows['n1'].sum())}",
                     "n2": f"{int(a.rows['n2'].sum())}" if spec.comparison == "vs_control" else "",
                     "weight": "100.0%", "effect": lab.fmt_ci(res.estimate, res.ci_low, res.ci_high),
                     "est": res.estimate, "lo": res.ci_low, "hi": res.ci_high})
        _add_pi(rows, res, show_pi)
        rows.append({"kind": "text", "study": lab.heterogeneity_line(res)})
        rows.append({"kind": "text", "study": lab.overall_effect_line(res)})

    if a.subgroups is not None:
        for g in a.subgroups.groups:
            add_study_block(a.rows[a.rows["dm_type"] == g], a.subgroups.subgroups[g], heading=g)
        rows.append({"kind": "spacer"})
        add_total(a.pooled)
        rows.append({"kind": "text", "study": lab.subgroup_test_line(a.subgroups)})
    elif a.pooled is not None:
        add_study_block(a.rows, a.pooled, subtotal=False)
        add_total(a.pooled)
    rep = a.reported[a.reported["same_timepoint"]] if not a.reported.empty else a.reported
    # The abstract repeats some Results numbers: draw each distinct reported result once.
    rep = rep.drop_duplicates(subset=["population", "measure", "estimate", "ci_low", "ci_high"])
    for _, r in rep.iterrows():
        try:
            est, lo, hi = float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"])
        except (TypeError, ValueError):
            continue
        rows.append({"kind": "reported", "study": f"Paper reports ({r['population']}, {r['measure']})",
                     "effect": lab.fmt_ci(est, lo, hi), "est": est, "lo": min(lo, hi), "hi": max(lo, hi),
                     "hover": f"Li 2021, {r['locator']}<br>{r['measure']} {lab.fmt_ci(est, lo, hi)}, "
                              f"P {r['pvalue']}"})
    return rows


def _add_pi(rows: list, res, show_pi: bool) -> None:
    if not show_pi:
        return
    row = {"kind": "pi", "study": lab.prediction_interval_line(res)}
    if res.method != "FE" and np.isfinite(res.pi_low):
        row.update(lo=res.pi_low, hi=res.pi_high, est=res.estimate,
                   effect=f"[{lab.fmt_num(res.pi_low)}, {lab.fmt_num(res.pi_high)}]")
    rows.append(row)


def _axis_range(rows) -> tuple[float, float]:
    vals = [v for r in rows for v in (r.get("lo"), r.get("hi"), r.get("est"), r.get("yi")) if v is not None
            and np.isfinite(v)]
    m = max([abs(v) for v in vals] + [0.5])
    nice = 10 ** math.floor(math.log10(m))
    m = math.ceil(m * 1.08 / nice) * nice
    return -m, m


def forest_figure(a: ForestAnalysis, *, title: str | None = None, font_size: int | None = None,
                  show_pi: bool = False) -> go.Figure:
    """RevMan-style forest plot of one :class:`~core.analysis.ForestAnalysis`.

    Trace names are stable ('Studies', 'Diamond: T1DM', 'Diamond: Total', 'Reported (paper)')
    so tests can find them.  ``layout.meta`` carries k, the estimate and the model for tests.
    """
    spec = a.spec
    rows = forest_rows(a, show_pi=show_pi)
    n = len(rows) + 2                      # two header rows
    ys = {i: n - 3 - i for i in range(len(rows))}
    xr = _axis_range(rows)
    font = dict(FONT, size=font_size or FONT["size"])
    fig = go.Figure()
    ann = []

    def text(x, y, s, *, anchor="left", bold=False, size=None, colour=None):
        ann.append(dict(x=x, y=y, xref="paper", yref="y", text=f"<b>{s}</b>" if bold else s, showarrow=False,
                        xanchor=anchor, font=dict(font, size=size or font["size"], color=colour or font["color"])))

    g1, g2 = ("MSC", "Control") if spec.comparison == "vs_control" else ("After MSC", "Before MSC")
    unit = f" ({a.unit})" if spec.measure == "MD" and a.unit else ""
    measure_head = f"{'Mean Difference' if spec.measure == 'MD' else 'Std. Mean Difference'}"
    top = n - 1
    text(COLS["sd1"] + 0.02, top, g1, anchor="center", bold=True)
    text(COLS["sd2"] + 0.02, top, g2, anchor="center", bold=True)
    text(COLS["effect"], top, measure_head, bold=True)
    text((PLOT_DOMAIN[0] + PLOT_DOMAIN[1]) / 2, top, measure_head, anchor="center", bold=True, colour="#222")
    for key, head in (("study", "Study or Subgroup"), ("m1", "Mean"), ("sd1", "SD"), ("n1", "Total"),
                      ("m2", "Mean"), ("sd2", "SD"), ("n2", "Total"), ("weight", "Weight"),
                      ("effect", f"IV, {'Fixed' if a.method == 'FE' else 'Random'}, 95% CI")):
        text(COLS[key] if key in ("study", "effect") else COLS[key] + 0.04, top - 1, head, bold=True,
             anchor="left" if key in ("study", "effect") else "right")
    text((PLOT_DOMAIN[0] + PLOT_DOMAIN[1]) / 2, top - 1, f"IV, {'Fixed' if a.method == 'FE' else 'Random'}, "
         f"95% CI{unit}", anchor="center", bold=True)

    sq_x, sq_y, sq_lo, sq_hi, sq_size, sq_hover = [], [], [], [], [], []
    max_w = max([r["w"] for r in rows if r["kind"] == "study"] + [1])
    for i, r in enumerate(rows):
        y = ys[i]
        kind = r["kind"]
        if kind == "spacer":
            continue
        bold = kind in ("group", "subtotal", "total")
        size = font["size"] - 1 if kind in ("text", "pi") else None
        text(COLS["study"] + (0.01 if kind in ("text", "pi") else 0), y, r["study"], bold=bold, size=size,
             colour=REPORTED_COLOUR if kind == "reported" else None)
        for key in ("m1", "sd1", "n1", "m2", "sd2", "n2", "weight"):
            if r.get(key):
                text(COLS[key] + 0.04, y, r[key], anchor="right", bold=bold)
        if r.get("effect"):
            text(COLS["effect"], y, r["effect"], bold=bold, colour=REPORTED_COLOUR if kind == "reported" else None)
        if kind == "study":
            sq_x.append(r["yi"]); sq_y.append(y)
            sq_lo.append(r["yi"] - r["lo"]); sq_hi.append(r["hi"] - r["yi"])
            sq_size.append(7 + 13 * math.sqrt(r["w"] / max_w)); sq_hover.append(r["hover"])
        elif kind in ("subtotal", "total"):
            dx, dy = _diamond(r["est"], r["lo"], r["hi"], y)
            name = "Diamond: Total" if kind == "total" else f"Diamond: {_group_of(rows, i)}"
            fig.add_trace(go.Scatter(x=dx, y=dy, fill="toself", mode="lines", name=name,
                                     fillcolor=DIAMOND_COLOUR if kind == "total" else SUBTOTAL_COLOUR,
                                     line=dict(color=DIAMOND_COLOUR, width=1), hoverinfo="text",
                                     text=f"{r['study']}: {r['effect']}", showlegend=False))
        elif kind == "pi" and "lo" in r:
            fig.add_trace(go.Scatter(x=[r["lo"], r["hi"]], y=[y, y], mode="lines+markers", name="Prediction interval",
                                     line=dict(color=DIAMOND_COLOUR, width=2), marker=dict(symbol="line-ns-open",
                                                                                          size=10),
                                     hoverinfo="text", text=r["study"], showlegend=False))
        elif kind == "reported":
            dx, dy = _diamond(r["est"], r["lo"], r["hi"], y)
            fig.add_trace(go.Scatter(x=dx, y=dy, mode="lines", name="Reported (paper)",
                                     line=dict(color=REPORTED_COLOUR, width=1.5, dash="dot"), hoverinfo="text",
                                     text=r["hover"], showlegend=False))
    if sq_x:
        fig.add_trace(go.Scatter(x=sq_x, y=sq_y, mode="markers", name="Studies",
                                 marker=dict(symbol="square", size=sq_size, color=STUDY_COLOUR),
                                 error_x=dict(type="data", symmetric=False, array=sq_hi, arrayminus=sq_lo,
                                              color=STUDY_COLOUR, thickness=1.3, width=0),
                                 hoverinfo="text", text=sq_hover, showlegend=False))
    left, right = lab.favours_labels(a.lower_is_better, spec.comparison)
    mid = PLOT_DOMAIN[0] + (PLOT_DOMAIN[1] - PLOT_DOMAIN[0]) / 2
    for x, s_, anchor in ((mid - 0.01, left, "right"), (mid + 0.01, right, "left")):
        ann.append(dict(x=x, y=0, xref="paper", yref="paper", text=s_, showarrow=False, xanchor=anchor,
                        yanchor="top", yshift=-int(font["size"] * 2.2), font=dict(font, size=font["size"] - 1)))
    study_ys = [ys[i] for i, r in enumerate(rows) if r["kind"] in ("study", "subtotal", "total", "reported")]
    y0 = min(study_ys + [0]) - 0.6
    fig.add_shape(type="line", x0=0, x1=0, y0=y0, y1=top - 1.5, xref="x", yref="y",
                  line=dict(color="#444", width=1))
    ttl = title or (f"{OUTCOME_LABELS[spec.outcome]} · {COMPARISON_LABELS[spec.comparison]} · "
                    f"{'T1DM + T2DM' if spec.population == 'all' else spec.population}")
    fig.update_layout(
        template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", font=font,
        title=dict(text=ttl, x=0.0, xanchor="left", font=dict(font, size=font["size"] + 3)),
        height=int(110 + ROW_HEIGHT * (n + 3) * (font["size"] / FONT["size"])),
        margin=dict(l=16, r=16, t=56, b=int(font["size"] * 4.5)), annotations=ann, showlegend=False,
        xaxis=dict(domain=list(PLOT_DOMAIN), range=list(xr), zeroline=False, showgrid=False, ticks="outside",
                   showline=True, linecolor="#444", tickfont=dict(font, size=font["size"] - 1), anchor="free",
                   position=0.0),
        yaxis=dict(range=[y0 - 0.4, top + 0.6], visible=False, fixedrange=True),
        meta={"k": a.k, "estimate": None if a.pooled is None else round(a.pooled.estimate, 6),
              "method": a.method, "population": spec.population, "measure": spec.measure,
              "studies": a.rows["label"].tolist() if a.k else []},
    )
    return fig


def _group_of(rows, i) -> str:
    for j in range(i, -1, -1):
        if rows[j]["kind"] == "group":
            return rows[j]["study"]
    return "Total"
