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

from core import words
from core.workflow.analysis import ForestAnalysis, same_measure_reports
from core.figures.forest_columns import add_columns
from core.figures.style import (DIAMOND_COLOUR, FONT, REPORTED_COLOUR, STUDY_COLOUR, SUBTOTAL_COLOUR,
                                TEMPLATE)
from core.words.formats import plain
from core.vocab import BAYES_MODEL, POPULATIONS, Comparison, Measure, Population, Tau2

ROW_HEIGHT = 22
PLOT_DOMAIN = (0.735, 0.99)
# x positions (paper coordinates) of the text columns, left to right (numeric columns are
# right-aligned at x + 0.04).
# The arm columns sit 0.015 left of RevMan's spacing so that "Weight" (six characters, "100.0%") keeps a gap
# from the second arm's "Total" at 1280 px, where they touched.
COLS = {"study": 0.0, "m1": 0.205, "sd1": 0.255, "n1": 0.30, "m2": 0.355, "sd2": 0.405, "n2": 0.45,
        "weight": 0.515, "effect": 0.575}
NUMBER_COLUMNS = ("m1", "sd1", "n1", "m2", "sd2", "n2", "weight")


def _row_texts(r, digits=2):
    return {"m1": words.fmt_num(r["m1"], digits), "sd1": words.fmt_num(r["sd1"], digits), "n1": f"{int(r['n1'])}",
            "m2": words.fmt_num(r["m2"], digits), "sd2": words.fmt_num(r["sd2"], digits), "n2": f"{int(r['n2'])}",
            "weight": f"{r['weight_pct']:.1f}%", "effect": words.fmt_ci(r["yi"], r["ci_low"], r["ci_high"])}


def _diamond(est, low, high, y, half=0.38):
    return [low, est, high, est, low], [y, y + half, y, y - half, y]


def forest_rows(a: ForestAnalysis, *, show_pi: bool = False, order: tuple = ()) -> list[dict]:
    """The forest plot's rows, top to bottom, as plain dicts (kind, texts, marks).

    Kinds: 'group' (subgroup heading), 'study', 'subtotal', 'text', 'total', 'pi' (prediction
    interval of the total), 'reported', 'spacer'.  ``order``: the study ids in the order to show them
    within each subgroup (core.figures.forest_columns.study_order); empty: the analysis's order.
    """
    rows: list[dict] = []
    if a.subgroups is not None:
        for g in _subgroups_shown(a):
            if g not in a.subgroups.groups:        # a population the view names but no study can fill
                missing = sum(r["dm_type"] == g for r in a.unavailable_records)
                rows += [{"kind": "group", "study": g},
                         {"kind": "text", "study": words.EMPTY_SUBGROUP.format(population=g, n=missing)}]
                continue
            block = a.rows[a.rows["dm_type"] == g]
            rows += [{"kind": "group", "study": g}, *_study_rows(a, block, order),
                     *_subtotal_rows(a, block, a.subgroups.subgroups[g])]
        rows.append({"kind": "spacer"})
        rows += _total_rows(a, show_pi, only=_only_subgroup(a))
        rows.append({"kind": "text", "study": words.subgroup_test_line(a.subgroups)})
    elif a.pooled is not None:
        rows += _study_rows(a, a.rows, order) + _total_rows(a, show_pi)
    return rows + _reported_rows(same_measure_reports(a))


def _level_label(a: ForestAnalysis, name: str) -> str:
    kind = "CrI" if a.spec.model == BAYES_MODEL else "CI"     # the Bayesian model's credible interval
    return f"{name} ({int(a.spec.level * 100)}% {kind})"


def _study_rows(a: ForestAnalysis, df, order: tuple = ()) -> list[dict]:
    """One row per study: its arm-level numbers, weight and effect; a dagger when its identity is inferred."""
    rows = []
    if order:
        df = df.iloc[sorted(range(len(df)), key=lambda i: order.index(df["study_id"].iloc[i]))]
    for _, r in df.iterrows():
        flag = " †" if r.get("id_confidence", "high") != "high" else ""
        label = plain(r["label"])
        rows.append({"kind": "study", "study": f"{label}{flag}", "study_id": r["study_id"], **_row_texts(r),
                     "yi": r["yi"],
                     "lo": r["ci_low"], "hi": r["ci_high"], "w": r["weight_pct"],
                     "hover": f"{label} ({r['dm_type']}, "
                              f"{words.DESIGN_CLASS_LABELS.get(r['design_class'], r['design_class'])})<br>"
                              f"{a.spec.measure} {words.fmt_ci(r['yi'], r['ci_low'], r['ci_high'])}<br>"
                              f"time point: {plain(r['timepoint_label'])}"
                              + (f"<br>{plain(r['notes'])}" if r['notes'] else "")})
    return rows


def _pooled_row(a: ForestAnalysis, kind: str, label: str, df, res, weight: str) -> dict:
    """A subtotal or total row: participants per arm, weight, and the pooled effect (a diamond)."""
    vs = a.spec.comparison == Comparison.VS_CONTROL
    return {"kind": kind, "study": _level_label(a, label), "n1": f"{int(df['n1'].sum())}",
            "n2": f"{int(df['n2'].sum())}" if vs else "", "weight": weight,
            "effect": words.fmt_ci(res.estimate, res.ci_low, res.ci_high),
            "est": res.estimate, "lo": res.ci_low, "hi": res.ci_high}


def _result_lines(res) -> list[dict]:
    return [{"kind": "text", "study": words.heterogeneity_line(res)},
            {"kind": "text", "study": words.overall_effect_line(res)}]


def _subtotal_rows(a: ForestAnalysis, df, res) -> list[dict]:
    if res is None:
        return []
    row = _pooled_row(a, "subtotal", "Subtotal", df, res, f"{df['weight_pct'].sum():.1f}%")
    row["participants"] = int(df["n1"].sum() + (df["n2"].sum() if a.spec.comparison == Comparison.VS_CONTROL
                                                 else 0))
    return [row, *_result_lines(res)]


def _subgroups_shown(a: ForestAnalysis) -> list[str]:
    """The subgroups drawn: with both diabetes types chosen, each type, even one without a usable study."""
    if a.spec.population != Population.ALL:
        return list(a.subgroups.groups)
    return [str(p) for p in POPULATIONS if p != Population.ALL]


def _only_subgroup(a: ForestAnalysis) -> str:
    """The one population a 'both types' total rests on, when the other has no usable study; '' otherwise."""
    shown = _subgroups_shown(a)
    return a.subgroups.groups[0] if len(a.subgroups.groups) == 1 and len(shown) > 1 else ""


def _total_rows(a: ForestAnalysis, show_pi: bool, *, only: str = "") -> list[dict]:
    label = words.TOTAL_ONLY.format(population=only) if only else "Total"
    rows = [_pooled_row(a, "total", label, a.rows, a.pooled, "100.0%")]
    _add_pi(rows, a.pooled, show_pi)
    return rows + _result_lines(a.pooled)


def _reported_rows(reported) -> list[dict]:
    """The paper's own results at the same time point (hollow diamonds), each distinct one once
    (the abstract repeats some Results numbers)."""
    rep = reported[reported["same_timepoint"]] if not reported.empty else reported
    rep = rep.drop_duplicates(subset=["population", "measure", "estimate", "ci_low", "ci_high"])
    rows = []
    for _, r in rep.iterrows():
        try:
            est, lo, hi = float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"])
        except (TypeError, ValueError):
            continue
        population = words.BOTH_TYPES if r["population"] == Population.ALL else r["population"]
        rows.append({"kind": "reported", "study": f"Paper reports ({population}, {r['measure']})",
                     "effect": words.fmt_ci(est, lo, hi), "est": est, "lo": min(lo, hi), "hi": max(lo, hi),
                     "hover": f"Li 2021, {r['locator']}<br>{r['measure']} {words.fmt_ci(est, lo, hi)}, "
                              f"P {r['pvalue']}"})
    return rows


def _add_pi(rows: list, res, show_pi: bool) -> None:
    if not show_pi:
        return
    row = {"kind": "pi", "study": words.prediction_interval_line(res)}
    if res.method != Tau2.FE and np.isfinite(res.pi_low):
        row.update(lo=res.pi_low, hi=res.pi_high, est=res.estimate,
                   effect=f"[{words.fmt_num(res.pi_low)}, {words.fmt_num(res.pi_high)}]")
    rows.append(row)


def _axis_range(rows) -> tuple[float, float]:
    vals = [v for r in rows for v in (r.get("lo"), r.get("hi"), r.get("est"), r.get("yi")) if v is not None
            and np.isfinite(v)]
    m = max([abs(v) for v in vals] + [0.5])
    nice = 10 ** math.floor(math.log10(m))
    m = math.ceil(m * 1.08 / nice) * nice
    return -m, m


def forest_figure(a: ForestAnalysis, *, title: str | None = None, font_size: int | None = None,
                  show_pi: bool = False, order: tuple = (), columns: tuple = (),
                  column_cells: tuple = ()) -> go.Figure:
    """RevMan-style forest plot of one :class:`~core.workflow.analysis.ForestAnalysis`.

    Trace names are stable ('Studies', 'Diamond: T1DM', 'Diamond: Total', 'Reported (paper)', and
    'Text: left' / 'Text: right' / 'Text: center' for the text columns, each point's column named in the
    trace's ``meta``: :func:`column_texts`) so tests can find them.  ``layout.meta`` carries k, the estimate and
    the model for tests.
    """
    rows = forest_rows(a, show_pi=show_pi, order=order)
    n = len(rows) + 2                      # two header rows
    top = n - 1
    ys = [n - 3 - i for i in range(len(rows))]
    font = dict(FONT, size=font_size or FONT["size"])
    cells = _Cells(font)
    headings = _header_labels(a, cells, top)
    for r, y in zip(rows, ys):
        if r["kind"] != "spacer":
            _row_labels(r, y, cells)
    fig = go.Figure(data=cells.traces() + _mark_traces(rows, ys))
    study_ys = [y for r, y in zip(rows, ys) if r["kind"] in ("study", "subtotal", "total", "reported")]
    y0 = min(study_ys + [0]) - 0.6
    fig.add_shape(type="line", x0=0, x1=0, y0=y0, y1=top - 1.5, xref="x", yref="y",
                  line=dict(color="#444", width=1))
    fig.update_layout(
        template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white", font=font,
        title=dict(text=title or words.view_title(a.spec), x=0.0, xanchor="left",
                   font=dict(font, size=font["size"] + 3)),
        height=int(110 + ROW_HEIGHT * (n + 3) * (font["size"] / FONT["size"])),
        margin=dict(l=16, r=16, t=56, b=int(font["size"] * 4.5)), annotations=headings + _favours_labels(a, font),
        showlegend=False, xaxis2=TEXT_AXIS,
        xaxis=dict(domain=list(PLOT_DOMAIN), range=list(_axis_range(rows)), zeroline=False, showgrid=False,
                   ticks="outside", showline=True, linecolor="#444", tickfont=dict(font, size=font["size"] - 1),
                   anchor="free", position=0.0),
        yaxis=dict(range=[y0 - 0.4, top + 0.6], visible=False, fixedrange=True),
        meta=_figure_meta(a),
    )
    # Optional study columns (issue 25); ``column_cells`` from core.figures.forest_columns.study_cells.
    add_columns(fig, columns, dict(column_cells),
                [(r["study_id"], y) for r, y in zip(rows, ys) if r["kind"] == "study"], top - 1, font)
    return fig


def _figure_meta(a: ForestAnalysis) -> dict:
    return {"k": a.k, "estimate": None if a.pooled is None else round(a.pooled.estimate, 6),
            "method": a.method, "population": a.spec.population, "measure": a.spec.measure,
            "studies": a.rows["label"].tolist() if a.k else []}


# The text columns are scatter text traces (mode="text"), not ~150 annotations (the browser lays out
# each annotation as its own group: most of a redraw's cost), and one trace per alignment, not per
# column: plotly's redraw costs per trace too (issue 27: 3 traces instead of 10 cut the forest's
# Plotly.react by ~10 %, docs/performance.md); a point's column is in the trace's ``meta``.  They sit on
# an invisible x axis left of the plot whose range equals its domain, so a value on it is a paper
# x; it ends where the plot starts, so the plot's own hover and zoom stay as they were.  The two
# headings centred over the plot stay annotations (a point outside its axis range is not drawn).
TEXT_AXIS = dict(domain=[0, PLOT_DOMAIN[0]], range=[0, PLOT_DOMAIN[0]], anchor="y", visible=False, fixedrange=True)
TEXT_POSITION = {"left": "middle right", "right": "middle left", "center": "middle center"}


class _Cells:
    """The figure's text, gathered per alignment (each point's column kept), then drawn as traces."""

    def __init__(self, font: dict):
        self.font, self.columns = font, {}

    def add(self, column: str, x, y, s, *, anchor="left", bold=False, size=None, colour=None) -> None:
        """One text at paper ``x`` and data ``y`` (anchor: which side of the text ``x`` is)."""
        c = self.columns.setdefault(anchor, {"x": [], "y": [], "text": [], "size": [], "color": [], "column": []})
        c["x"].append(x)
        c["y"].append(y)
        c["text"].append(f"<b>{s}</b>" if bold else s)
        c["size"].append(size or self.font["size"])
        c["color"].append(colour or self.font["color"])
        c["column"].append(column)

    def traces(self) -> list[go.Scatter]:
        return [go.Scatter(x=c["x"], y=c["y"], text=c["text"], mode="text", xaxis="x2", name=f"Text: {anchor}",
                           meta=c["column"], textposition=TEXT_POSITION[anchor], cliponaxis=False,
                           hoverinfo="skip", showlegend=False,
                           textfont=dict(family=self.font["family"], size=c["size"], color=c["color"]))
                for anchor, c in self.columns.items()]


def column_texts(fig, column: str) -> list[tuple[float, float, str, str]]:
    """The texts of one column of a forest figure (a ``go.Figure`` or its JSON as a dict), top to
    bottom as drawn: (x, y, text, textposition) each; columns: study, m1 ... weight, effect, heading."""
    data = fig["data"] if isinstance(fig, dict) else [t.to_plotly_json() for t in fig.data]
    return [(x, y, s, t["textposition"]) for t in data if t.get("name", "").startswith("Text: ")
            for x, y, s, c in zip(t["x"], t["y"], t["text"], t.get("meta") or ()) if c == column]


def _plot_heading(font: dict, y, s, colour=None) -> dict:
    """A bold heading centred over the plot (an annotation at paper x, data y)."""
    return dict(x=(PLOT_DOMAIN[0] + PLOT_DOMAIN[1]) / 2, y=y, xref="paper", yref="y", text=f"<b>{s}</b>",
                showarrow=False, xanchor="center", font=dict(font, color=colour or font["color"]))


def _header_labels(a: ForestAnalysis, cells: _Cells, top: int) -> list[dict]:
    """The two header rows: the groups and the measure, then each column's heading; returns the
    two headings over the plot (annotations)."""
    spec = a.spec
    g1, g2 = ("MSC", "Control") if spec.comparison == Comparison.VS_CONTROL else ("After MSC", "Before MSC")
    measure_head = "Mean Difference" if spec.measure == Measure.MD else "Std. Mean Difference"
    model_head = f"IV, {'Fixed' if a.method == Tau2.FE else 'Random'}, 95% CI"
    if spec.model == BAYES_MODEL:
        model_head = f"Bayesian, {spec.level * 100:g}% CrI"
    cells.add("heading", COLS["sd1"] + 0.02, top, g1, anchor="center", bold=True)
    cells.add("heading", COLS["sd2"] + 0.02, top, g2, anchor="center", bold=True)
    cells.add("effect", COLS["effect"], top, measure_head, bold=True)
    for key, head in (("study", "Study or Subgroup"), ("m1", "Mean"), ("sd1", "SD"), ("n1", "Total"),
                      ("m2", "Mean"), ("sd2", "SD"), ("n2", "Total"), ("weight", "Weight"), ("effect", model_head)):
        text_column = key in ("study", "effect")
        cells.add(key, COLS[key] if text_column else COLS[key] + 0.04, top - 1, head, bold=True,
                  anchor="left" if text_column else "right")
    return [_plot_heading(cells.font, top, measure_head, colour="#222"),
            _plot_heading(cells.font, top - 1, model_head + words.unit_suffix(spec.measure, a.unit))]


def _row_labels(r: dict, y: float, cells: _Cells) -> None:
    """A row's texts: its name, its numbers (right-aligned) and its effect with CI."""
    kind = r["kind"]
    bold = kind in ("group", "subtotal", "total")
    small = kind in ("text", "pi")
    colour = REPORTED_COLOUR if kind == "reported" else None
    cells.add("study", COLS["study"] + (0.01 if small else 0), y, r["study"], bold=bold,
              size=cells.font["size"] - 1 if small else None, colour=colour)
    for key in NUMBER_COLUMNS:
        if r.get(key):
            cells.add(key, COLS[key] + 0.04, y, r[key], anchor="right", bold=bold)
    if r.get("effect"):
        cells.add("effect", COLS["effect"], y, r["effect"], bold=bold, colour=colour)


def _mark_traces(rows: list[dict], ys: list[float]) -> list[go.Scatter]:
    """The diamonds, prediction interval and reported diamonds in row order, then the study squares."""
    traces = []
    for i, (r, y) in enumerate(zip(rows, ys)):
        kind = r["kind"]
        if kind in ("subtotal", "total"):
            dx, dy = _diamond(r["est"], r["lo"], r["hi"], y)
            total = kind == "total"
            traces.append(go.Scatter(x=dx, y=dy, fill="toself", mode="lines",
                                     name="Diamond: Total" if total else f"Diamond: {_group_of(rows, i)}",
                                     fillcolor=DIAMOND_COLOUR if total else SUBTOTAL_COLOUR,
                                     line=dict(color=DIAMOND_COLOUR, width=1), hoverinfo="text",
                                     text=f"{r['study']}: {r['effect']}", showlegend=False))
        elif kind == "pi" and "lo" in r:
            traces.append(go.Scatter(x=[r["lo"], r["hi"]], y=[y, y], mode="lines+markers", name="Prediction interval",
                                     line=dict(color=DIAMOND_COLOUR, width=2),
                                     marker=dict(symbol="line-ns-open", size=10),
                                     hoverinfo="text", text=r["study"], showlegend=False))
    reported = [(r, y) for r, y in zip(rows, ys) if r["kind"] == "reported"]
    if reported:        # the last rows: drawn after the diamonds, as before
        traces.append(_reported_diamonds(reported))
    studies = [(r, y) for r, y in zip(rows, ys) if r["kind"] == "study"]
    if studies:
        traces.append(_study_squares(studies))
    return traces


def _reported_diamonds(reported: list[tuple[dict, float]]) -> go.Scatter:
    """The paper's own results, hollow dotted diamonds: one trace, the diamonds apart by a gap (plotly's
    redraw costs per trace, issue 27), each vertex hovering with its diamond's text."""
    x, y, text = [], [], []
    for r, ry in reported:
        dx, dy = _diamond(r["est"], r["lo"], r["hi"], ry)
        x += dx + [None]
        y += dy + [None]
        text += [r["hover"]] * len(dx) + [None]
    return go.Scatter(x=x[:-1], y=y[:-1], text=text[:-1], mode="lines", name="Reported (paper)", hoverinfo="text",
                      line=dict(color=REPORTED_COLOUR, width=1.5, dash="dot"), showlegend=False)


def _study_squares(studies: list[tuple[dict, float]]) -> go.Scatter:
    """One square per study, its area growing with the study's weight, with CI whiskers."""
    max_w = max([r["w"] for r, _ in studies] + [1])
    return go.Scatter(x=[r["yi"] for r, _ in studies], y=[y for _, y in studies], mode="markers", name="Studies",
                      marker=dict(symbol="square", size=[7 + 13 * math.sqrt(r["w"] / max_w) for r, _ in studies],
                                  color=STUDY_COLOUR),
                      error_x=dict(type="data", symmetric=False, array=[r["hi"] - r["yi"] for r, _ in studies],
                                   arrayminus=[r["yi"] - r["lo"] for r, _ in studies], color=STUDY_COLOUR,
                                   thickness=1.3, width=0),
                      hoverinfo="text", text=[r["hover"] for r, _ in studies], showlegend=False)


def _favours_labels(a: ForestAnalysis, font: dict) -> list[dict]:
    """'Favours ...' under the axis, left and right of zero."""
    left, right = words.favours_labels(a.lower_is_better, a.spec.comparison)
    mid = PLOT_DOMAIN[0] + (PLOT_DOMAIN[1] - PLOT_DOMAIN[0]) / 2
    return [dict(x=x, y=0, xref="paper", yref="paper", text=s_, showarrow=False, xanchor=anchor, yanchor="top",
                 yshift=-int(font["size"] * 2.2), font=dict(font, size=font["size"] - 1))
            for x, s_, anchor in ((mid - 0.01, left, "right"), (mid + 0.01, right, "left"))]


def _group_of(rows, i) -> str:
    for j in range(i, -1, -1):
        if rows[j]["kind"] == "group":
            return rows[j]["study"]
    return "Total"
