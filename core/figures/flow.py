"""Study-selection flow diagram (Li et al. 2021, Fig. 1) as a pure plotly builder.

``flow_figure(flow_df)`` draws boxes (layout shapes) and arrows (annotations) from the tidy
``data/flow.csv`` table (columns ``stage``, ``count``, ``note``, ``locator``). It computes no
statistics; it only places the reported counts, in the PRISMA layout (main column of records
kept, side boxes for exclusions).

References
----------
.. [1] Moher D, Liberati A, Tetzlaff J, Altman DG; PRISMA Group. Preferred reporting items for
   systematic reviews and meta-analyses: the PRISMA statement. BMJ 2009;339:b2535, Figure 1
   (flow diagram layout).
.. [2] Li Y et al. Stem Cell Res Ther 2021;12:273, Results 'Search results' and Fig. 1.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from core.figures.style import TEMPLATE   # one house style for every figure

BOX_FILL = "#eef3fb"
BOX_LINE = "#2b5797"
SIDE_FILL = "#fbeeee"
SIDE_LINE = "#a33b3b"
SPLIT_FILL = "#eef7ee"
SPLIT_LINE = "#2e7d32"
ARROW = "#444444"
FONT_SIZE = 13
HEIGHT = 620
WIDTH = 900
X_PAD = 0.2   # axis units either side of the outermost boxes

#: stage -> (label template, x centre, y centre, width, height, kind); axes run 0..10.
LAYOUT = {
    "records_identified": ("Records identified through database searching<br><b>n = {n}</b>",
                           3.2, 9.2, 4.6, 1.0, "main"),
    "excluded_title_abstract": ("Excluded after reading titles and abstracts<br><b>n = {n}</b>",
                                8.0, 7.5, 3.6, 1.0, "side"),
    "full_texts_assessed": ("Full-text articles assessed for eligibility<br><b>n = {n}</b>",
                            3.2, 5.8, 4.6, 1.0, "main"),
    "excluded_full_text": ("Full-text articles excluded<br><b>n = {n}</b> (reasons not given)",
                           8.0, 4.1, 3.6, 1.0, "side"),
    "studies_included": ("Studies included in the meta-analysis<br><b>n = {n}</b>",
                         3.2, 2.4, 4.6, 1.0, "main"),
    "participants_t1dm": ("T1DM<br><b>{n} participants</b>", 1.6, 0.6, 2.6, 0.9, "split"),
    "participants_t2dm": ("T2DM<br><b>{n} participants</b>", 4.8, 0.6, 2.6, 0.9, "split"),
}
#: extra line under the included box, filled from these stages when present
PARTICIPANT_STAGES = ("participants_total", "participants_msc", "participants_control")
#: optional study counts shown in the T1DM / T2DM boxes
STUDY_COUNT_STAGES = {"participants_t1dm": "studies_t1dm", "participants_t2dm": "studies_t2dm"}
ARROWS = (  # (from stage, to stage, side arrow?)
    ("records_identified", "full_texts_assessed", False),
    ("records_identified", "excluded_title_abstract", True),
    ("full_texts_assessed", "studies_included", False),
    ("full_texts_assessed", "excluded_full_text", True),
    ("studies_included", "participants_t1dm", False),
    ("studies_included", "participants_t2dm", False),
)
REQUIRED_STAGES = tuple(LAYOUT)


def _validate_flow(flow_df: pd.DataFrame) -> dict[str, int]:
    if not isinstance(flow_df, pd.DataFrame):
        raise TypeError(f"`flow_df` must be a pandas DataFrame; got {type(flow_df).__name__}")
    missing_cols = [c for c in ("stage", "count") if c not in flow_df.columns]
    if missing_cols:
        raise ValueError(f"`flow_df` is missing column(s) {', '.join(missing_cols)}")
    dupes = sorted(flow_df["stage"][flow_df["stage"].duplicated()].astype(str))
    if dupes:
        raise ValueError(f"`flow_df` has duplicate stage(s): {', '.join(dupes)}")
    counts: dict[str, int] = {}
    for i, (stage, count) in enumerate(zip(flow_df["stage"], flow_df["count"])):
        try:
            value = float(count)
        except (TypeError, ValueError):
            raise ValueError(f"`count` must be a whole number >= 0; got {count!r} for stage "
                             f"{stage!r} (row {i + 1})") from None
        if not value >= 0 or not float(value).is_integer():
            raise ValueError(f"`count` must be a whole number >= 0; got {count!r} for stage "
                             f"{stage!r} (row {i + 1})")
        counts[str(stage)] = int(value)
    missing = [s for s in REQUIRED_STAGES if s not in counts]
    if missing:
        raise ValueError(f"`flow_df` is missing stage(s) {', '.join(missing)}; required: "
                         f"{', '.join(REQUIRED_STAGES)}")
    return counts


def _fmt_n(n: int) -> str:
    return f"{n:,}"


def flow_figure(flow_df: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Draw the study-selection flow diagram.

    Parameters
    ----------
    flow_df : pandas.DataFrame, shape (n_stages, >= 2)
        Columns ``stage`` and ``count`` (whole numbers >= 0); the stages in
        :data:`REQUIRED_STAGES` must be present; ``participants_total``, ``participants_msc``
        and ``participants_control`` are added under the included box when present.
    title : str, optional
        Figure title; default "Study selection (Li et al. 2021, Fig. 1)".

    Returns
    -------
    plotly.graph_objects.Figure
        One rectangle shape per box (``layout.shapes``, each named after its stage), one
        annotation per box label, and one arrow annotation per edge (``showarrow=True``);
        template "plotly_white", white paper and plot background, hidden axes.

    Raises
    ------
    ValueError
        Missing column or stage, duplicate stage, or a count that is not a whole number >= 0.
    """
    counts = _validate_flow(flow_df)
    fig = go.Figure()
    colours = {"main": (BOX_FILL, BOX_LINE), "side": (SIDE_FILL, SIDE_LINE),
               "split": (SPLIT_FILL, SPLIT_LINE)}
    for stage, (label, x, y, w, h, kind) in LAYOUT.items():
        fill, line = colours[kind]
        text = label.format(n=_fmt_n(counts[stage]))
        if stage == "studies_included" and all(s in counts for s in PARTICIPANT_STAGES):
            text += (f"<br>{_fmt_n(counts['participants_total'])} participants: "
                     f"{_fmt_n(counts['participants_msc'])} MSC-treated, "
                     f"{_fmt_n(counts['participants_control'])} controls")
        if stage in STUDY_COUNT_STAGES and STUDY_COUNT_STAGES[stage] in counts:
            n_st = counts[STUDY_COUNT_STAGES[stage]]
            text = text.replace("<br>", f": {n_st} studies<br>", 1)
        fig.add_shape(type="rect", x0=x - w / 2, x1=x + w / 2, y0=y - h / 2, y1=y + h / 2,
                      xref="x", yref="y", fillcolor=fill, line=dict(color=line, width=1.5),
                      layer="below", name=stage)
        fig.add_annotation(x=x, y=y, xref="x", yref="y", text=text, showarrow=False,
                           font=dict(size=FONT_SIZE, color="#222222"), align="center",
                           name=f"label:{stage}")
    for src, dst, side in ARROWS:
        _, sx, sy, sw, sh, _ = LAYOUT[src]
        _, dx, dy, dw, dh, _ = LAYOUT[dst]
        if side:   # from the main column's arrow shaft, horizontally to the side box
            ax, ay = sx, dy
            x, y = dx - dw / 2, dy
        else:
            ax, ay = sx if dx == sx else dx, sy - sh / 2
            x, y = dx, dy + dh / 2
        fig.add_annotation(x=x, y=y, ax=ax, ay=ay, xref="x", yref="y", axref="x", ayref="y",
                           text="", showarrow=True, arrowhead=2, arrowsize=1.2, arrowwidth=1.5,
                           arrowcolor=ARROW, name=f"arrow:{src}->{dst}")
    # The drawing is centred in the container's width: equal margins either side of the outermost boxes.
    left = min(x - w / 2 for _, x, _, w, _, _ in LAYOUT.values())
    right = max(x + w / 2 for _, x, _, w, _, _ in LAYOUT.values())
    fig.update_xaxes(range=[left - X_PAD, right + X_PAD], visible=False, fixedrange=True)
    fig.update_yaxes(range=[0, 9.9], visible=False, fixedrange=True)
    fig.update_layout(
        template=TEMPLATE, paper_bgcolor="white", plot_bgcolor="white",
        title=dict(text=title or "Study selection (Li et al. 2021, Fig. 1)", x=0.02),
        height=HEIGHT, width=None, margin=dict(l=10, r=10, t=50, b=10), showlegend=False,
    )
    return fig
