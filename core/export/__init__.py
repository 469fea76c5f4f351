"""Exports: slide-ready figures, image rendering, slide decks, tables and reproducible scripts.

Pure Python (no streamlit).  ``slide_figure`` restyles any plotly figure as a 16:9 slide
(1920 x 1080, large fonts, white background, explicit template) with a caption under the plot;
``render`` turns a figure into PNG / SVG / PDF bytes with kaleido, through ONE persistent
headless Chromium per process, started lazily on first use; ``deck_pptx`` and
``figures_zip`` bundle several figures; ``analysis_table`` gives the per-study and pooled rows
of an analysis; ``to_csv_bytes`` / ``to_xlsx_bytes`` write tables with spreadsheet formula
injection neutralised; ``python_script`` and ``r_script`` write a short script that
recomputes the current view (with ``core``, or with R's metafor) from data written inline.
"""
from __future__ import annotations

import html
import io
import json
import math
import re
import textwrap
import threading
import zipfile
from dataclasses import fields
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.analysis import COMPARISON_LABELS, OUTCOME_LABELS, AnalysisSpec, ForestAnalysis, analyse
from core.evidence.dataset import Dataset

# --------------------------------------------------------------------------------------------
# Slide preset
# --------------------------------------------------------------------------------------------
SLIDE_WIDTH = 1920
SLIDE_HEIGHT = 1080
PNG_SCALE = 2                      # PNG at 2x: 3840 x 2160 pixels
SLIDE_TEMPLATE = "plotly_white"    # explicit, so the Streamlit theme / dark mode never leaks in
SLIDE_FONT = dict(family="Arial, Helvetica, sans-serif", color="#222222")
SLIDE_MIN_FONT = 22                # body text size the preset aims for (px at 1920 wide)
CAPTION_FONT_SIZE = 22
CAPTION_COLOUR = "#333333"
CAPTION_CHARS_PER_LINE = 165       # about 0.48 em per character at 22 px over 1750 px
MAX_FONT_FACTOR = 2.2
PLOTLY_DEFAULT_HEIGHT = 450        # plotly.js default when layout.height is unset
PLOTLY_DEFAULT_FONT = 12
DATA_SOURCE = "Li et al. 2021, Stem Cell Res Ther 12:273 (trial-level numbers re-extracted; see data/)"
FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


def slide_caption(a: ForestAnalysis, data_source: str = DATA_SOURCE, *, dataset_name: str | None = None) -> str:
    """The caption printed under an exported figure: what was pooled, how, and from what.

    Names the outcome, population, comparison, time point, measure (with unit), model,
    tau^2 estimator, CI test, k and participants, and the data source.
    """
    spec = a.spec
    pop = "T1DM + T2DM (subgroups)" if spec.population == "all" else spec.population
    tp = "end of follow-up" if spec.timepoint == "end" else f"{spec.timepoint} months"
    unit = f" ({a.unit})" if spec.measure == "MD" and a.unit else ""
    measure = {"MD": "mean difference", "SMD": "standardised mean difference (Hedges' g)"}[spec.measure]
    if spec.comparison == "pre_post" and spec.prepost == "independent":
        measure += ", after vs baseline as independent groups"
    elif spec.comparison == "pre_post":
        measure = ("mean change from baseline" if spec.measure == "MD"
                   else "standardised mean change (raw-score)") + f", r = {spec.r:g}"
    method = a.method or ""
    if method == "FE":
        model, tau = "fixed effect (inverse variance)", "τ² not estimated (fixed effect)"
    elif method:
        model, tau = "random effects (inverse variance)", f"τ² estimator {method}"
    else:
        model, tau = f"{spec.model} (nothing pooled)", f"τ² estimator {spec.tau2_method}"
    test = "Hartung–Knapp (HKSJ) CI" if a.pooled is not None and a.pooled.test == "knha" else "Wald z CI"
    auto = " (paper's rule)" if spec.model == "auto" else ""
    source = data_source if dataset_name is None else f"{dataset_name}; {data_source}"
    parts = [
        f"{OUTCOME_LABELS[spec.outcome]} · {COMPARISON_LABELS[spec.comparison]} · {pop} · {tp}.",
        f"Measure: {spec.measure}{unit}, {measure}. Model: {model}{auto}; {tau}; {test}.",
        f"k = {a.k} {'study' if a.k == 1 else 'studies'}, {a.participants} participants.",
        f"Data: {source}.",
    ]
    return " ".join(parts)


def _scaled(size, factor, default):
    return max(1, int(round((size or default) * factor)))


def _wrap_caption(caption: str, width: int = CAPTION_CHARS_PER_LINE) -> list[str]:
    lines: list[str] = []
    for para in str(caption).splitlines() or [""]:
        lines += textwrap.wrap(para, width=width) or [""]
    return lines


def slide_figure(fig: go.Figure, caption: str, *, width: int = SLIDE_WIDTH, height: int = SLIDE_HEIGHT) -> go.Figure:
    """A copy of ``fig`` restyled as a 16:9 slide with ``caption`` under the plot.

    The figure is set to ``width`` x ``height`` (default 1920 x 1080), a white background and
    an explicit template.  Every font (global, title, axes, legend, annotations, trace text)
    and marker is enlarged by one factor: enough to bring 12 px text up to about
    ``SLIDE_MIN_FONT`` px, limited so that the original layout still fits the slide height.
    The caption (HTML-escaped, wrapped) sits in the bottom margin, left-aligned.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Any figure; it is not modified.
    caption : str
        Plain text; line breaks are kept, long lines wrapped.

    Returns
    -------
    plotly.graph_objects.Figure
        ``layout.meta["slide_caption"]`` holds the caption text.
    """
    d = fig.to_dict()                                        # a deep copy; the input is not touched
    lay = d.setdefault("layout", {})
    lay.pop("template", None)
    base_font = lay.get("font", {}).get("size") or PLOTLY_DEFAULT_FONT
    orig_h = lay.get("height") or PLOTLY_DEFAULT_HEIGHT
    lines = _wrap_caption(caption)
    cap_px = int(len(lines) * CAPTION_FONT_SIZE * 1.35) + 24
    m = lay.get("margin", {})
    orig_b = m.get("b", 80)
    fit = (height - cap_px) / orig_h                         # the whole original figure must fit
    factor = max(1.0, min(SLIDE_MIN_FONT / base_font, fit, MAX_FONT_FACTOR))

    def scale_font(obj: dict, key: str = "font", default: float = base_font) -> None:
        f = obj.setdefault(key, {})
        f["size"] = _scaled(f.get("size"), factor, default)

    font = lay.get("font", {})
    lay.update(paper_bgcolor="white", plot_bgcolor="white", width=width, height=height, autosize=False,
               font=dict(font, family=font.get("family") or SLIDE_FONT["family"],
                         color=font.get("color") or SLIDE_FONT["color"], size=_scaled(base_font, factor, base_font)),
               margin=dict(m, l=_scaled(m.get("l", 80), factor, 80), r=_scaled(m.get("r", 80), factor, 80),
                           t=_scaled(m.get("t", 80), factor, 80), b=int(orig_b * factor) + cap_px))
    title = lay.get("title")
    if isinstance(title, dict) and title.get("text"):
        scale_font(title, default=base_font * 1.2)
        if (title.get("x") or 0) <= 0.05:        # a left title lines up with the plot and the caption
            title.update(x=0, xref="paper", xanchor="left")
    scale_font(lay.setdefault("legend", {}))
    for name in [k for k in lay if re.fullmatch(r"[xy]axis\d*", k)]:
        ax = lay[name]
        scale_font(ax, "tickfont")
        if isinstance(ax.get("title"), dict) and ax["title"].get("text"):
            scale_font(ax["title"])
    anns = lay.get("annotations", [])
    for a in anns:
        scale_font(a)
        for key in ("yshift", "xshift"):
            if a.get(key):
                a[key] = a[key] * factor
    anns.append(dict(text="<br>".join(html.escape(line, quote=False) for line in lines), xref="paper",
                     yref="paper", x=0, y=0, xanchor="left", yanchor="top", align="left", showarrow=False,
                     yshift=-int(orig_b * factor) - 8, name="slide_caption",
                     font=dict(SLIDE_FONT, size=CAPTION_FONT_SIZE, color=CAPTION_COLOUR)))
    lay["annotations"] = anns
    for tr in d.get("data", []):
        _scale_trace(tr, factor)
    meta = lay.get("meta")
    meta = meta if isinstance(meta, dict) else ({"meta": meta} if meta is not None else {})
    lay["meta"] = {**meta, "slide_caption": caption, "slide_font_factor": round(factor, 4)}
    out = go.Figure(d)
    out.update_layout(template=SLIDE_TEMPLATE)
    return out


def _scale_trace(tr: dict, factor: float) -> None:
    """Enlarge a trace's markers, lines, text and error bars by ``factor`` (in place, dict form)."""
    for attr, key in (("marker", "size"), ("textfont", "size"), ("line", "width")):
        obj = tr.get(attr)
        if not isinstance(obj, dict) or obj.get(key) is None:
            continue
        val = obj[key]
        if isinstance(val, (int, float)):
            obj[key] = val * factor
        elif isinstance(val, (list, tuple, np.ndarray)):
            obj[key] = [v * factor for v in val]
    for bar in ("error_x", "error_y"):
        ex_ = tr.get(bar)
        if isinstance(ex_, dict) and ex_.get("thickness"):
            ex_["thickness"] = ex_["thickness"] * factor


# --------------------------------------------------------------------------------------------
# Rendering with kaleido: one persistent export browser per process
# --------------------------------------------------------------------------------------------
_SERVER_LOCK = threading.Lock()
_RENDER_LOCK = threading.Lock()   # kaleido's sync server has one task/return queue: serialise calls
_server_started = False
NO_NETWORK_PROXY = "127.0.0.1:9"   # discard port on loopback: nothing listens, nothing leaves the machine


def ensure_export_browser() -> None:
    """Start kaleido's sync server (one headless Chromium) once per process.

    ``pio.defaults.headers = None`` stops plotly passing kopts that the server would ignore
    (with a warning); ``mathjax=False`` stops the CDN look-up (no network is needed); a dead
    loopback proxy (``--proxy-server=127.0.0.1:9``) stops Chromium's own DNS look-ups
    (found by the issue-8 no-network test; rendering needs no network).  The server is
    stopped by kaleido's own atexit hook.  See /work/shared/TOOLCHAIN.md section 3.
    """
    global _server_started
    if _server_started:
        return
    with _SERVER_LOCK:
        if _server_started:
            return
        import kaleido
        import plotly.io as pio

        pio.defaults.headers = None
        kaleido.start_sync_server(mathjax=False, silence_warnings=True, proxy_server=NO_NETWORK_PROXY)
        _server_started = True


def render(fig: go.Figure | dict, fmt: str, *, width: int | None = None, height: int | None = None,
           scale: float | None = None) -> bytes:
    """PNG / SVG / PDF bytes of ``fig`` (a Figure or its dict; size from its layout unless given;
    PNG at 2x).  Calls are serialised: kaleido's sync server has a single task queue.

    Raises
    ------
    ValueError
        When ``fmt`` is not one of png, svg, pdf.
    """
    import plotly.io as pio

    fmt = str(fmt).lower()
    if fmt not in FORMATS:
        raise ValueError(f"`fmt` must be one of {tuple(FORMATS)}; got {fmt!r}")
    layout = fig.get("layout", {}) if isinstance(fig, dict) else fig.layout
    width = width or (layout["width"] if "width" in layout else None) or SLIDE_WIDTH
    height = height or (layout["height"] if "height" in layout else None) or SLIDE_HEIGHT
    scale = scale or (PNG_SCALE if fmt == "png" else 1)
    ensure_export_browser()
    with _RENDER_LOCK:
        return pio.to_image(fig, format=fmt, width=int(width), height=int(height), scale=scale, validate=False)


def safe_filename(name: str, ext: str = "") -> str:
    """A file name made only of letters, digits, '-', '_' and '.' (from any text)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._") or "figure"
    return f"{stem[:80]}.{ext}" if ext else stem[:80]


def figures_zip(figures, formats=("png", "svg", "pdf"), *, renderer=None) -> bytes:
    """A zip with every figure in every format: ``figures`` is a list of (name, figure).

    ``renderer(fig, fmt) -> bytes`` defaults to :func:`render` (the app passes a cached one).
    """
    renderer = renderer or render
    buf = io.BytesIO()
    used: set[str] = set()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, fig in figures:
            stem = safe_filename(name)
            while stem in used:
                stem += "_"
            used.add(stem)
            for fmt in formats:
                zf.writestr(f"{stem}.{fmt}", renderer(fig, fmt))
    return buf.getvalue()


def deck_pptx(figures, settings_summary, *, title: str = "MSC-DM Evidence Explorer", renderer=None) -> bytes:
    """A 16:9 PowerPoint deck: a title slide summarising the settings, then one slide per figure.

    Parameters
    ----------
    figures : list of (str, plotly.graph_objects.Figure)
        (slide title, figure) pairs, usually already passed through :func:`slide_figure`.
        Each figure is rendered as a PNG filling the slide; its title and caption go into the
        slide's speaker notes as well.
    settings_summary : str or list of str
        Lines shown on the title slide.
    renderer : callable, optional
        ``renderer(fig, "png") -> bytes``; default :func:`render` (the app passes a cached one).

    Returns
    -------
    bytes
        The .pptx file: ``1 + len(figures)`` slides, 13.333 x 7.5 inches.
    """
    from pptx import Presentation
    from pptx.util import Emu, Inches, Pt

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    first = prs.slides.add_slide(prs.slide_layouts[1])          # "Title and Content"
    first.shapes.title.text = title
    first.shapes.title.text_frame.paragraphs[0].font.size = Pt(36)
    body = first.placeholders[1]
    body.left, body.top, body.width, body.height = Inches(0.7), Inches(1.6), Inches(11.9), Inches(5.4)
    first.shapes.title.left, first.shapes.title.top = Inches(0.7), Inches(0.4)
    first.shapes.title.width, first.shapes.title.height = Inches(11.9), Inches(1.0)
    lines = [settings_summary] if isinstance(settings_summary, str) else list(settings_summary)
    lines.append(f"Exported {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {len(figures)} figure slide(s)")
    tf = body.text_frame
    tf.word_wrap = True
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.text = str(line)
        p.font.size = Pt(20)
    blank = prs.slide_layouts[6]
    for name, fig in figures:
        slide = prs.slides.add_slide(blank)
        png = (renderer or render)(fig, "png")
        w, h = fig.layout.width or SLIDE_WIDTH, fig.layout.height or SLIDE_HEIGHT
        sw, sh = prs.slide_width, prs.slide_height
        k = min(sw / w, sh / h)
        pw, ph = int(w * k), int(h * k)
        slide.shapes.add_picture(io.BytesIO(png), Emu((sw - pw) // 2), Emu((sh - ph) // 2), Emu(pw), Emu(ph))
        cap = (fig.layout.meta or {}).get("slide_caption", "") if isinstance(fig.layout.meta, dict) else ""
        slide.notes_slide.notes_text_frame.text = f"{name}\n{cap}".strip()
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------
TABLE_COLUMNS = ("row_type", "group", "study_id", "label", "dm_type", "design_class", "year", "timepoint",
                 "n1", "mean1", "sd1", "n2", "mean2", "sd2", "unit", "measure", "estimate", "se", "vi",
                 "ci_low", "ci_high", "weight_pct", "method", "test", "tau2", "q", "q_df", "q_pvalue", "i2",
                 "statistic", "pvalue", "k", "notes")


def _pooled_row(res, row_type: str, group: str, label: str, measure: str, unit: str, n1, n2) -> dict:
    return {"row_type": row_type, "group": group, "label": label, "n1": n1, "n2": n2, "unit": unit,
            "measure": measure, "estimate": res.estimate, "se": res.se, "vi": res.se ** 2,
            "ci_low": res.ci_low, "ci_high": res.ci_high, "weight_pct": float(np.sum(res.weights))
            if row_type == "overall" else np.nan, "method": res.method, "test": res.test, "tau2": res.tau2,
            "q": res.q, "q_df": res.q_df, "q_pvalue": res.q_pvalue, "i2": res.i2, "statistic": res.statistic,
            "pvalue": res.pvalue, "k": res.k, "notes": "; ".join(res.notes)}


def analysis_table(a: ForestAnalysis) -> pd.DataFrame:
    """Per-study effects and weights, then the pooled rows (subgroups, overall) of ``a``.

    ``row_type`` is 'study', 'subgroup' or 'overall'.  For pre-post analyses group 1
    (n1, mean1, sd1) is after treatment and group 2 the baseline.  Numbers keep full
    precision (round for display, not here).  ``weight_pct`` of a study is its weight in the
    overall result; of a subgroup, the sum of its studies' overall weights.
    """
    spec = a.spec
    rows: list[dict] = []
    unit = a.unit if spec.measure == "MD" else ""
    for _, r in a.rows.iterrows():
        rows.append({"row_type": "study", "group": r["dm_type"], "study_id": r["study_id"], "label": r["label"],
                     "dm_type": r["dm_type"], "design_class": r["design_class"], "year": r["year"],
                     "timepoint": r["timepoint_label"], "n1": r["n1"], "mean1": r["m1"], "sd1": r["sd1"],
                     "n2": r["n2"], "mean2": r["m2"], "sd2": r["sd2"], "unit": r["unit"], "measure": spec.measure,
                     "estimate": r["yi"], "se": math.sqrt(r["vi"]), "vi": r["vi"], "ci_low": r["ci_low"],
                     "ci_high": r["ci_high"], "weight_pct": r["weight_pct"], "method": a.method,
                     "notes": r["notes"]})
    vs = spec.comparison == "vs_control"
    if a.subgroups is not None:
        for g in a.subgroups.groups:
            sub = a.rows[a.rows["dm_type"] == g]
            res = a.subgroups.subgroups[g]
            row = _pooled_row(res, "subgroup", g, f"Subtotal {g}", spec.measure, unit, sub["n1"].sum(),
                              sub["n2"].sum() if vs else np.nan)
            row["weight_pct"] = sub["weight_pct"].sum()
            rows.append(row)
    if a.pooled is not None:
        row = _pooled_row(a.pooled, "overall", "all" if spec.population == "all" else spec.population, "Total",
                          spec.measure, unit, a.rows["n1"].sum(), a.rows["n2"].sum() if vs else np.nan)
        if a.subgroups is not None and a.subgroups.df_between >= 1:
            row["notes"] = "; ".join(x for x in (row["notes"], (
                f"test for subgroup differences: Q = {a.subgroups.q_between:.4f}, df = {a.subgroups.df_between}, "
                f"P = {a.subgroups.p_between:.4g}")) if x)
        rows.append(row)
    df = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    for col in ("n1", "n2", "k", "q_df", "year"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    return df


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number (optionally signed, with exponent): spreadsheets read it as a number,
# so it is left alone even though it may begin with '-' or '+'.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_cell(value):
    """Prefix ``'`` to a text cell that a spreadsheet could run as a formula.

    Strings beginning with = + - @, tab or carriage return get a leading apostrophe (OWASP
    "CSV Injection"), unless the whole string is a plain number such as "-0.60".  Non-string
    values (numbers, NaN, None) are returned unchanged: a negative number stays a number.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _infinite_as_text(v):
    """+/-inf written as the text 'inf' / '-inf' (then neutralised): spreadsheets have no infinity,
    and the CSV text '-inf' would start with '-'."""
    if isinstance(v, (float, np.floating)) and np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with text cells (and column names) neutralised; finite numbers untouched.

    A numeric column that holds +/-inf becomes text in those cells ('inf', "'-inf")."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_numeric_dtype(s):
            inf = np.isinf(s.to_numpy(dtype=float, na_value=np.nan))
            if inf.any():
                out[col] = s.astype(object).where(~inf, s.astype(object).map(_infinite_as_text).map(neutralise_cell))
            continue
        out[col] = s.map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v) \
            .map(_infinite_as_text).map(neutralise_cell).astype(object)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads it as UTF-8; RFC 4180 CRLF rows, so a CR or LF inside a
    cell is quoted) with formula-like text neutralised."""
    return neutralise_frame(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _xlsx_ready(df: pd.DataFrame) -> pd.DataFrame:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    out = neutralise_frame(df)
    for col in out.columns:        # control characters XLSX cannot store -> U+FFFD (visible, not dropped)
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v)
    for col in out.columns:        # pandas nullable ints / NA -> plain objects openpyxl understands
        if isinstance(out[col].dtype, pd.api.types.CategoricalDtype) or str(out[col].dtype) in ("Int64", "Float64"):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def to_xlsx_sheets(sheets: dict) -> bytes:
    """An .xlsx workbook with one sheet per (name, DataFrame), each as :func:`to_xlsx_bytes` writes it."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in sheets.items():
            _xlsx_ready(df).to_excel(xw, index=False, sheet_name=safe_filename(name)[:31])
    return buf.getvalue()


def to_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """An .xlsx workbook (one sheet) with formula-like text neutralised; numbers stay numeric.

    openpyxl stores any string beginning with '=' as a formula, so neutralising matters here
    as much as in CSV.  C0 control characters, which XLSX cannot hold, become U+FFFD.
    """
    return to_xlsx_sheets({sheet_name: df})


# --------------------------------------------------------------------------------------------
# Reproducible scripts
# --------------------------------------------------------------------------------------------
SCRIPT_STUDY_COLUMNS = ("study_id", "set", "first_author", "year", "dm_type", "design_class", "id_confidence")
SCRIPT_OUTCOME_COLUMNS = ("study_id", "set", "arm", "outcome", "timepoint_months", "timepoint_label", "n", "mean",
                          "dispersion_type", "disp1", "disp2", "unit", "use")


def _comment(text) -> str:
    """Text safe inside a one-line script comment: no line breaks or other control characters."""
    return "".join(ch if ch.isprintable() else " " for ch in str(text))


def _spec_repr(spec: AnalysisSpec) -> str:
    parts = [f"{f.name}={getattr(spec, f.name)!r}" for f in fields(spec)]
    return "AnalysisSpec(\n    " + ",\n    ".join(parts) + ",\n)"


def _script_tables(dataset: Dataset, spec: AnalysisSpec) -> tuple[str, str]:
    studies = dataset.studies[list(SCRIPT_STUDY_COLUMNS)].astype(str)
    out = dataset.outcomes
    out = out[(out["outcome"] == spec.outcome) & (out["use"] == "yes")][list(SCRIPT_OUTCOME_COLUMNS)].astype(str)
    return (studies.to_csv(index=False, lineterminator="\n"), out.to_csv(index=False, lineterminator="\n"))


def settings_lines(spec: AnalysisSpec, a: ForestAnalysis | None = None) -> list[str]:
    """Human-readable lines naming every setting of a view (title slide, script headers)."""
    pop = "T1DM + T2DM (subgroups)" if spec.population == "all" else spec.population
    lines = [f"Outcome: {OUTCOME_LABELS[spec.outcome]}", f"Comparison: {COMPARISON_LABELS[spec.comparison]}",
             f"Population: {pop}", f"Time point: {'end of follow-up' if spec.timepoint == 'end' else spec.timepoint + ' months'}",
             f"Measure: {spec.measure}" + (f" (SMD variant: {spec.smd_variant})" if spec.measure == "SMD" else ""),
             f"Model: {spec.model}" + (f" -> {a.method}" if a is not None and a.method else "")
             + f"; tau² estimator: {spec.tau2_method}; CI test: {spec.test}",
             f"Designs: {spec.design}; study set: {spec.study_set}; excluded: {', '.join(spec.excluded) or 'none'}"]
    if spec.comparison == "pre_post" and spec.prepost == "independent":
        lines.append("Pre-post analysed as independent groups (no correlation used)")
    elif spec.comparison == "pre_post":
        lines.append(f"Pre-post correlation r = {spec.r:g}")
    if a is not None:
        lines.append(f"k = {a.k} {'study' if a.k == 1 else 'studies'}, {a.participants} participants")
    return lines


def python_script(dataset: Dataset, spec: AnalysisSpec) -> str:
    """A standalone Python script that recomputes this view with ``core``.

    The studies table and the outcome's rows are written inline (as Python string literals,
    so no cell can break out of the literal); the script rebuilds a Dataset, calls
    ``core.analysis.analyse`` with the same settings, prints each study's effect and the
    pooled results, and ends with one ``RESULT_JSON {...}`` line (full precision).  Run it from
    the project's root folder (the one holding ``core/``) or set ``MSC_DM_ROOT``.
    """
    studies_csv, outcomes_csv = _script_tables(dataset, spec)
    header = "\n".join(f"#   {_comment(line)}" for line in settings_lines(spec))
    return f'''#!/usr/bin/env python3
"""Recompute one MSC-DM Evidence Explorer view with the project's `core` library.

Run from the project's root folder (the one that holds core/), or set MSC_DM_ROOT to it:
    python reproduce_view.py
"""
# Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC from: {_comment(dataset.name)}
# Settings:
{header}
import io
import json
import os
import sys

sys.path.insert(0, os.environ.get("MSC_DM_ROOT", os.getcwd()))

import pandas as pd

from core.analysis import AnalysisSpec, analyse
from core.evidence.dataset import GAP_COLUMNS, REPORTED_COLUMNS, Dataset, validate_outcomes, validate_studies

STUDIES_CSV = {studies_csv!r}

OUTCOMES_CSV = {outcomes_csv!r}

SPEC = {_spec_repr(spec)}


def read(text):
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


studies = validate_studies(read(STUDIES_CSV))
outcomes = validate_outcomes(read(OUTCOMES_CSV), studies["study_id"])
empty = lambda cols: pd.DataFrame(columns=list(cols))
dataset = Dataset(studies=studies, outcomes=outcomes, events=empty(["study_id"]), gaps=empty(GAP_COLUMNS),
                  reported=empty(REPORTED_COLUMNS), name="inline data")
a = analyse(dataset, SPEC)
if a.pooled is None:
    print(a.message)
    sys.exit(0)

print(f"{{'study':<24}} {{'estimate':>10}} {{'ci_low':>10}} {{'ci_high':>10}} {{'weight %':>9}}")
for _, r in a.rows.iterrows():
    print(f"{{r['label']:<24}} {{r['yi']:>10.4f}} {{r['ci_low']:>10.4f}} {{r['ci_high']:>10.4f}} {{r['weight_pct']:>9.2f}}")
pooled = {{"Total": a.pooled}}
if a.subgroups is not None:
    pooled = {{**{{f"Subtotal {{g}}": a.subgroups.subgroups[g] for g in a.subgroups.groups}}, **pooled}}
for name, res in pooled.items():
    print(f"{{name:<24}} {{res.estimate:>10.4f}} {{res.ci_low:>10.4f}} {{res.ci_high:>10.4f}}   "
          f"P = {{res.pvalue:.4g}}, tau2 = {{res.tau2:.4g}}, I2 = {{res.i2:.1f}}%, k = {{res.k}} ({{res.method}})")
print("Model:", a.model_reason)
result = {{
    "method": a.method, "k": a.k, "participants": a.participants,
    "studies": [{{"label": r["label"], "yi": float(r["yi"]), "vi": float(r["vi"]), "weight_pct": float(r["weight_pct"])}}
                for _, r in a.rows.iterrows()],
    "pooled": {{name: {{"estimate": res.estimate, "se": res.se, "ci_low": res.ci_low, "ci_high": res.ci_high,
                      "pvalue": res.pvalue, "tau2": res.tau2, "i2": res.i2, "q": res.q, "k": res.k}}
               for name, res in pooled.items()}},
}}
print("RESULT_JSON", json.dumps(result))
'''


def _r_str(s) -> str:
    """An R double-quoted string literal for any text."""
    s = str(s)
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    out = "".join(ch if ch.isprintable() or ch in "\\" else f"\\u{ord(ch):04x}" for ch in out)
    return f'"{out}"'


def _r_num(x) -> str:
    x = float(x)
    if math.isnan(x):
        return "NA"
    return repr(x) if math.isfinite(x) else ("Inf" if x > 0 else "-Inf")


def _r_vec(values, fn) -> str:
    return "c(" + ", ".join(fn(v) for v in values) + ")"


R_METHODS = {"FE": "FE", "DL": "DL", "REML": "REML", "PM": "PM", "ML": "ML", "HE": "HE", "SJ": "SJ"}


def r_script(dataset: Dataset, spec: AnalysisSpec) -> str:
    """An R script that recomputes this view with metafor (``escalc`` + ``rma``).

    The data inline are the arm-level numbers the app pooled (after its conversions of SE,
    CI, median/IQR and units to mean/SD, listed in the ``note`` column).  Effect sizes use
    ``escalc`` with measure MD or SMD (MSC vs control) or MC or SMCR (pre-post, ``ri = r``);
    where the app's choice differs from metafor's default formula (RevMan 5's approximate
    Hedges' g; the approximate correction of the SMCR) the script says so and applies the
    app's formula.  ``rma`` uses the same tau^2 method (``method=``), test and level; with
    both diabetes types it adds the subgroups and RevMan's test for subgroup differences.
    """
    a = analyse(dataset, spec)
    lines = [
        "# Recompute one MSC-DM Evidence Explorer view with metafor.",
        f"# Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC from: {_comment(dataset.name)}",
        "# Settings:",
        *[f"#   {_comment(line)}" for line in settings_lines(spec, a)],
        "# Requires R >= 4.0 and metafor >= 3.0:  install.packages(\"metafor\")",
        "",
        "library(metafor)",
        "",
    ]
    if a.pooled is None:
        lines += [f"message({_r_str(a.message)})"]
        return "\n".join(lines) + "\n"
    r = a.rows
    lines += [
        "# Arm-level numbers as pooled by the app. Group 1 = "
        + ("MSC arm, group 2 = control arm." if spec.comparison == "vs_control"
           else "MSC arm after treatment, group 2 = the same arm at baseline."),
        "dat <- data.frame(",
        f"  study   = {_r_vec(r['label'], _r_str)},",
        f"  dm_type = {_r_vec(r['dm_type'], _r_str)},",
        f"  n1  = {_r_vec(r['n1'], _r_num)},",
        f"  m1  = {_r_vec(r['m1'], _r_num)},",
        f"  sd1 = {_r_vec(r['sd1'], _r_num)},",
        f"  n2  = {_r_vec(r['n2'], _r_num)},",
        f"  m2  = {_r_vec(r['m2'], _r_num)},",
        f"  sd2 = {_r_vec(r['sd2'], _r_num)},",
        f"  note = {_r_vec(r['notes'], _r_str)},",
        "  stringsAsFactors = FALSE)",
        "",
    ]
    two_groups = spec.comparison == "vs_control" or spec.prepost == "independent"
    if two_groups and spec.comparison == "pre_post":
        lines += ["# Pre-post analysed as two independent groups (after vs baseline), as the app's option does:",
                  "# no pre-post correlation is used."]
    if two_groups and spec.measure == "MD":
        lines += ['dat <- escalc(measure = "MD", m1i = m1, sd1i = sd1, n1i = n1, m2i = m2, sd2i = sd2, n2i = n2, '
                  'data = dat)']
    elif two_groups:
        lines += ['dat <- escalc(measure = "SMD", m1i = m1, sd1i = sd1, n1i = n1, m2i = m2, sd2i = sd2, n2i = n2, '
                  'data = dat)']
        if spec.smd_variant == "revman5":
            lines += [
                "# The app uses RevMan 5's Hedges' g: J = 1 - 3/(4N - 9), vi = N/(n1 n2) + g^2/(2(N - 3.94))",
                "# (Deeks & Higgins 2010, section 1.2.2); metafor's default uses the exact J. Apply RevMan's:",
                "N  <- dat$n1 + dat$n2",
                "sp <- sqrt(((dat$n1 - 1) * dat$sd1^2 + (dat$n2 - 1) * dat$sd2^2) / (N - 2))",
                "dat$yi <- (1 - 3 / (4 * N - 9)) * (dat$m1 - dat$m2) / sp",
                "dat$vi <- N / (dat$n1 * dat$n2) + dat$yi^2 / (2 * (N - 3.94))",
            ]
    elif spec.measure == "MD":
        lines += [f"r <- {_r_num(spec.r)}   # pre-post correlation (Cochrane Handbook 16.1.3.2)",
                  'dat <- escalc(measure = "MC", m1i = m1, m2i = m2, sd1i = sd1, sd2i = sd2, ni = n1, '
                  "ri = rep(r, nrow(dat)), data = dat)"]
    else:
        lines += [f"r <- {_r_num(spec.r)}   # pre-post correlation (Cochrane Handbook 16.1.3.2)",
                  "# Raw-score standardised mean change, standardised by the baseline SD (sd2):",
                  'dat <- escalc(measure = "SMCR", m1i = m1, m2i = m2, sd1i = sd2, ni = n1, '
                  "ri = rep(r, nrow(dat)), data = dat)",
                  "# The app uses the approximate correction J = 1 - 3/(4(n - 1) - 1) (Hedges 1981) where metafor",
                  "# uses the exact one; apply the app's (the difference is well below 0.1%):",
                  "m <- dat$n1 - 1",
                  "dat$yi <- (1 - 3 / (4 * m - 1)) * (dat$m1 - dat$m2) / dat$sd2",
                  "dat$vi <- 2 * (1 - r) / dat$n1 + dat$yi^2 / (2 * dat$n1)"]
    test = a.pooled.test if a.pooled is not None else spec.test
    level = _r_num(spec.level * 100)
    lines += [
        "",
        f'method <- "{R_METHODS[a.method]}"   # {_comment(a.model_reason)}',
        f'fit <- function(d) rma(yi, vi, data = d, method = method, test = "{test}", level = {level}, '
        "slab = study)",
        "res <- fit(dat)",
        "print(res)",
    ]
    if a.subgroups is not None:
        lines += [
            "",
            "# Subgroups (own tau^2 each) and RevMan's test for subgroup differences:",
            "# a fixed-effect meta-analysis of the subgroup estimates.",
            "subs <- lapply(split(dat, dat$dm_type), fit)",
            "for (g in names(subs)) { cat(\"\\nSubgroup\", g, \"\\n\"); print(subs[[g]]) }",
            "if (length(subs) > 1) {",
            '  between <- rma(yi = sapply(subs, coef), sei = sapply(subs, function(x) x$se), method = "FE")',
            '  cat(sprintf("Test for subgroup differences: Chi2 = %.2f, df = %d, P = %.4g\\n",',
            "              between$QE, between$k - 1, between$QEp))",
            "}",
        ]
    lines += ["", "forest(res, header = TRUE)", ""]
    return "\n".join(lines)


def result_json_from_output(stdout: str) -> dict:
    """Parse the ``RESULT_JSON`` line a :func:`python_script` prints."""
    for line in stdout.splitlines():
        if line.startswith("RESULT_JSON "):
            return json.loads(line[len("RESULT_JSON "):])
    raise ValueError("no RESULT_JSON line in the script's output")
