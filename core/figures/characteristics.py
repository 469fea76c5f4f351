"""Figures of "does a characteristic matter?" (issue 25): the forest plot split by a characteristic, and
the meta-regression bubble plot.  Pure functions of core.workflow.characteristics results; they draw,
they compute nothing but the fitted line's points."""
from __future__ import annotations

import math
import textwrap

import numpy as np
import plotly.graph_objects as go
from scipy import special

from core import words
from core.figures.style import DIAMOND_COLOUR, FONT, STUDY_COLOUR, SUBTOTAL_COLOUR, TEMPLATE
from core.words.formats import plain
from core.words.characteristics import (CHARACTERISTIC_LABELS, PERMUTATION_EXACT, PERMUTATION_RANDOM,
                                        REGRESSION_LINE, REGRESSION_UNITS, SUBGROUP_CAUTION, SUBGROUP_TEST_COMMON,
                                        SUBGROUP_TEST_FIXED_SUFFIX, SUBGROUP_TEST_SEPARATE_PREFIX)
from core.vocab import Tau2, Test

PLOT_DOMAIN = (0.56, 0.99)
TEXT_X = {"study": 0.0, "k": 0.30, "effect": 0.34}
ROW_HEIGHT = 22
NOTE_WIDTH = 120      # characters of a note line (tests, caution) before it wraps


def common_test_line(common) -> str:
    """The common-tau^2 test for subgroup differences (QM, or F with HKSJ); '' without one."""
    if common is None:
        return ""
    stat = "F" if common.test == Test.HKSJ else "Chi²"
    df = f"{common.df_between}, {common.model.df:g}" if common.test == Test.HKSJ else f"{common.df_between}"
    return SUBGROUP_TEST_COMMON.format(tau2=words.fmt_num(common.tau2, 3), stat=stat,
                                       value=words.fmt_num(common.q_between), df=df, p=words.fmt_p(common.p_between))


def split_lines(split) -> list[str]:
    """The test lines (separate, then common tau^2) and the Handbook's caution, as the figure prints them."""
    if split.separate.overall.method == Tau2.FE:
        lines = [words.subgroup_test_line(split.separate) + SUBGROUP_TEST_FIXED_SUFFIX]
    else:
        lines = [SUBGROUP_TEST_SEPARATE_PREFIX + words.subgroup_test_line(split.separate)]
        if split.common is not None:
            lines.append(common_test_line(split.common))
    lines.append(SUBGROUP_CAUTION.format(k=split.k, g=len(split.separate.groups)))
    return lines


def _rows(split, a) -> list[dict]:
    by_label = {r["label"]: r for r in a.row_records}
    interval = "CrI" if split.separate.overall.is_bayesian else "CI"   # Bayesian: credible
    rows = [{"kind": "header", "text": "Study or subgroup", "k": "Weight",
             "effect": f"{a.spec.measure} ({int(a.spec.level * 100)}% {interval})"}]
    for g in split.separate.groups:
        res = split.separate.subgroups[g]
        rows.append({"kind": "group", "text": f"{g}"})
        for label, w in zip(res.labels, res.weights):
            r = by_label[label]
            rows.append({"kind": "study", "text": plain(label), "k": f"{w:.1f}%", "est": r["yi"], "lo": r["ci_low"],
                         "hi": r["ci_high"], "effect": words.fmt_ci(r["yi"], r["ci_low"], r["ci_high"])})
        rows.append({"kind": "subtotal", "text": f"Subtotal (k = {res.k})", "est": res.estimate, "lo": res.ci_low,
                     "hi": res.ci_high, "effect": words.fmt_ci(res.estimate, res.ci_low, res.ci_high)})
        rows.append({"kind": "note", "text": words.heterogeneity_line(res)})
    total = split.separate.overall
    rows.append({"kind": "total", "text": f"Total (k = {total.k})", "est": total.estimate, "lo": total.ci_low,
                 "hi": total.ci_high, "effect": words.fmt_ci(total.estimate, total.ci_low, total.ci_high)})
    return rows + [{"kind": "note", "text": part} for line in split_lines(split)
                   for part in textwrap.wrap(line, NOTE_WIDTH)]


def split_forest_figure(split, a, *, title: str = "") -> go.Figure:
    """The studies of analysis ``a`` in the subgroups of ``split``: each study, each subgroup's total
    (diamond), the overall total, both tests for subgroup differences and the small-k caution."""
    rows = _rows(split, a)
    n = len(rows) + 1
    ys = [n - 2 - i for i in range(len(rows))]
    texts: dict = {}
    for r, y in zip(rows, ys):
        bold = r["kind"] in ("header", "group", "subtotal", "total")
        for col in ("text", "k", "effect"):
            if r.get(col):
                xs, yv, tv = texts.setdefault((col, bold), ([], [], []))
                xs.append(TEXT_X["study" if col == "text" else col] + (0.01 if r["kind"] == "note" else 0))
                yv.append(y)
                tv.append(f"<b>{r[col]}</b>" if bold else r[col])
    data = [go.Scatter(x=x, y=y, text=t, mode="text", xaxis="x2", textposition="middle left" if col == "k" else
                       "middle right", cliponaxis=False, hoverinfo="skip", showlegend=False, name=f"Text: {col}",
                       textfont=dict(FONT, size=FONT["size"] - (1 if col == "text" and not bold else 0)))
            for (col, bold), (x, y, t) in texts.items()]
    studies = [(r, y) for r, y in zip(rows, ys) if r["kind"] == "study"]
    data.append(go.Scatter(x=[r["est"] for r, _ in studies], y=[y for _, y in studies], mode="markers", name="Studies",
                           marker=dict(symbol="square", size=9, color=STUDY_COLOUR), hoverinfo="skip",
                           error_x=dict(type="data", symmetric=False, array=[r["hi"] - r["est"] for r, _ in studies],
                                        arrayminus=[r["est"] - r["lo"] for r, _ in studies], width=0,
                                        color=STUDY_COLOUR)))
    for r, y in zip(rows, ys):
        if r["kind"] in ("subtotal", "total"):
            data.append(go.Scatter(x=[r["lo"], r["est"], r["hi"], r["est"], r["lo"]],
                                   y=[y, y + 0.38, y, y - 0.38, y], fill="toself", mode="lines", hoverinfo="skip",
                                   name=f"Diamond: {r['text']}", showlegend=False, line=dict(color=DIAMOND_COLOUR),
                                   fillcolor=DIAMOND_COLOUR if r["kind"] == "total" else SUBTOTAL_COLOUR))
    marks = [v for r in rows for v in (r.get("lo"), r.get("hi")) if v is not None and np.isfinite(v)]
    m = max([abs(v) for v in marks] + [0.5]) * 1.1
    heading = f"By {CHARACTERISTIC_LABELS[split.key].lower()} · {words.view_title(a.spec)}"
    fig = go.Figure(data)
    fig.add_shape(type="line", x0=0, x1=0, y0=min(ys) - 0.5, y1=n - 1.5, xref="x", yref="y", line=dict(color="#444"))
    fig.update_layout(template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", font=FONT, showlegend=False,
                      title=dict(text=title or heading, x=0, xanchor="left"), height=int(100 + ROW_HEIGHT * (n + 2)),
                      margin=dict(l=16, r=16, t=56, b=48),
                      xaxis=dict(domain=list(PLOT_DOMAIN), range=[-m, m], zeroline=False, showgrid=False,
                                 ticks="outside", showline=True, linecolor="#444"),
                      xaxis2=dict(domain=[0, PLOT_DOMAIN[0]], range=[0, PLOT_DOMAIN[0]], visible=False,
                                  fixedrange=True, anchor="y"),
                      yaxis=dict(range=[min(ys) - 1, n - 0.5], visible=False, fixedrange=True),
                      meta={"key": split.key, "groups": list(split.separate.groups), "k": split.k})
    left, right = words.favours_labels(a.lower_is_better, a.spec.comparison)
    mid = (PLOT_DOMAIN[0] + PLOT_DOMAIN[1]) / 2
    fig.update_layout(annotations=[dict(x=x, y=0, xref="paper", yref="paper", text=t, showarrow=False, xanchor=side,
                                        yanchor="top", yshift=-28, font=dict(FONT, size=FONT["size"] - 1))
                                   for x, t, side in ((mid - 0.01, left, "right"), (mid + 0.01, right, "left"))])
    return fig


def regression_line(reg, level: float = 0.95) -> str:
    """Slope with CI and test, the permutation p-value, R^2 and k, in one line."""
    fit, perm = reg.fit, reg.permutation
    crit = special.ndtri(0.5 + level / 2) if math.isinf(fit.df) else special.stdtrit(fit.df, 0.5 + level / 2)
    stat = f"z = {words.fmt_num(fit.statistic[1])}" if math.isinf(fit.df) else \
        f"t = {words.fmt_num(fit.statistic[1])}, df = {fit.df:g}"
    kind = PERMUTATION_EXACT.format(n=perm.iterations) if perm.exact else \
        PERMUTATION_RANDOM.format(n=perm.iterations, seed=perm.seed)
    return REGRESSION_LINE.format(slope=words.fmt_num(fit.beta[1], 3), unit=REGRESSION_UNITS[reg.key],
                                  level=int(level * 100), low=words.fmt_num(fit.beta[1] - crit * fit.se[1], 3),
                                  high=words.fmt_num(fit.beta[1] + crit * fit.se[1], 3), stat=stat,
                                  p=words.fmt_p(fit.pvalue[1]), perm_p=words.fmt_p(perm.pvalues[1]), perm_kind=kind,
                                  r2=f"{reg.r2:.0f}%", k=len(reg.x))


def bubble_figure(reg, *, measure: str, title: str = "", level: float = 0.95) -> go.Figure:
    """Effect against the characteristic: bubbles sized by the random-effects weight 1/(vi + tau^2),
    the fitted line and its pointwise CI (Viechtbauer 2010, predict.rma)."""
    fit = reg.fit
    w = 1.0 / (reg.vi + fit.tau2)
    size = 12 + 30 * np.sqrt(w / w.max())
    lo, hi = float(reg.x.min()), float(reg.x.max())
    pad = (hi - lo) * 0.08
    grid = np.linspace(lo - pad, hi + pad, 60)
    G = np.column_stack([np.ones(grid.size), grid])
    pred = G @ fit.beta
    se = np.sqrt(np.einsum("ij,jk,ik->i", G, fit.vcov, G))
    crit = special.ndtri(0.5 + level / 2) if math.isinf(fit.df) else special.stdtrit(fit.df, 0.5 + level / 2)
    data = [go.Scatter(x=np.r_[grid, grid[::-1]], y=np.r_[pred + crit * se, (pred - crit * se)[::-1]], fill="toself",
                       mode="lines", line=dict(width=0), fillcolor="rgba(120,120,120,0.18)", hoverinfo="skip",
                       name="Confidence band"),
            go.Scatter(x=grid, y=pred, mode="lines", line=dict(color=DIAMOND_COLOUR, width=2), name="Fitted line",
                       hoverinfo="skip"),
            go.Scatter(x=reg.x, y=reg.yi, mode="markers+text", text=[plain(s) for s in reg.labels], textposition="top center",
                       marker=dict(size=size, color="rgba(70,110,160,0.55)", line=dict(color=STUDY_COLOUR, width=1)),
                       name="Studies", hovertemplate="%{text}: x = %{x}, effect = %{y:.2f}<extra></extra>")]
    fig = go.Figure(data)
    fig.add_hline(y=0, line=dict(color="#444", width=1, dash="dot"))
    fig.update_layout(template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", font=FONT, showlegend=False,
                      title=dict(text=title or CHARACTERISTIC_LABELS[reg.key], x=0, xanchor="left"), height=460,
                      margin=dict(l=60, r=20, t=56, b=90),
                      xaxis=dict(title=CHARACTERISTIC_LABELS[reg.key], showgrid=False, zeroline=False, showline=True),
                      yaxis=dict(title=measure, showgrid=False, zeroline=False, showline=True),
                      annotations=[dict(x=0, y=-0.2, xref="paper", yref="paper", showarrow=False, xanchor="left",
                                        text=regression_line(reg, level), font=dict(FONT, size=FONT["size"] - 1))],
                      meta={"key": reg.key, "k": len(reg.x), "slope": float(fit.beta[1]),
                            "permutation_p": float(reg.permutation.pvalues[1]), "r2": float(reg.r2)})
    return fig
