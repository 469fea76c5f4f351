"""Slide restyling: any plotly figure as a 16:9 slide (1920 x 1080, large fonts, white background,
explicit template) with a caption under the plot.  The caption's words come from
:func:`core.words.slide_caption`."""
from __future__ import annotations

import html
import re
import textwrap

import numpy as np
import plotly.graph_objects as go

SLIDE_WIDTH = 1920
SLIDE_HEIGHT = 1080
SLIDE_TEMPLATE = "plotly_white"    # explicit, so the Streamlit theme / dark mode never leaks in
SLIDE_FONT = dict(family="Arial, Helvetica, sans-serif", color="#222222")
SLIDE_MIN_FONT = 22                # body text size the preset aims for (px at 1920 wide)
CAPTION_FONT_SIZE = 22
CAPTION_COLOUR = "#333333"
CAPTION_CHARS_PER_LINE = 165       # about 0.48 em per character at 22 px over 1750 px
MAX_FONT_FACTOR = 2.2
PLOTLY_DEFAULT_HEIGHT = 450        # plotly.js default when layout.height is unset
PLOTLY_DEFAULT_FONT = 12
PLOTLY_DEFAULT_MARGIN = 80
AXIS_KEY = re.compile(r"[xy]axis\d*")


def _scaled(size, factor, default):
    return max(1, int(round((size or default) * factor)))


def wrap_caption(caption: str, width: int = CAPTION_CHARS_PER_LINE) -> list[str]:
    """The caption's lines: its own line breaks kept, each paragraph wrapped at ``width`` characters."""
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
    meta = lay.get("meta")
    if isinstance(meta, dict) and meta.get("slide_native"):
        return _native_slide(d, caption, width, height)
    lay.pop("template", None)
    base_font = lay.get("font", {}).get("size") or PLOTLY_DEFAULT_FONT
    lines = wrap_caption(caption)
    cap_px = int(len(lines) * CAPTION_FONT_SIZE * 1.35) + 24
    orig_b = lay.get("margin", {}).get("b", PLOTLY_DEFAULT_MARGIN)
    fit = (height - cap_px) / (lay.get("height") or PLOTLY_DEFAULT_HEIGHT)   # the whole figure must fit
    factor = max(1.0, min(SLIDE_MIN_FONT / base_font, fit, MAX_FONT_FACTOR))
    _scale_layout(lay, factor, base_font, width=width, height=height, bottom=int(orig_b * factor) + cap_px)
    lay["annotations"] = lay.get("annotations", []) + [_caption_annotation(lines, int(orig_b * factor))]
    for tr in d.get("data", []):
        _scale_trace(tr, factor)
    meta = lay.get("meta")
    meta = meta if isinstance(meta, dict) else ({"meta": meta} if meta is not None else {})
    lay["meta"] = {**meta, "slide_caption": caption, "slide_font_factor": round(factor, 4)}
    out = go.Figure(d)
    out.update_layout(template=SLIDE_TEMPLATE)
    return out


def _native_slide(d: dict, caption: str, width: int, height: int) -> go.Figure:
    """A figure already laid out as a slide (``meta["slide_native"]``, e.g. the summary of
    findings): sizes kept, the caption placed in the band its bottom margin keeps free."""
    lay = d["layout"]
    lay.update(width=width, height=height, autosize=False, paper_bgcolor="white", plot_bgcolor="white")
    lay["annotations"] = lay.get("annotations", []) + [_caption_annotation(wrap_caption(caption), 0)]
    lay["meta"] = {**lay["meta"], "slide_caption": caption, "slide_font_factor": 1.0}
    out = go.Figure(d)
    out.update_layout(template=SLIDE_TEMPLATE)
    return out


def _scale_layout(lay: dict, factor: float, base_font: float, *, width: int, height: int, bottom: int) -> None:
    """Slide size, white background, and every layout font (global, title, legend, axes,
    annotations) enlarged by ``factor`` (in place, dict form)."""
    def scale_font(obj: dict, key: str = "font", default: float = base_font) -> None:
        f = obj.setdefault(key, {})
        f["size"] = _scaled(f.get("size"), factor, default)

    font, m = lay.get("font", {}), lay.get("margin", {})
    side = {k: _scaled(m.get(k, PLOTLY_DEFAULT_MARGIN), factor, PLOTLY_DEFAULT_MARGIN) for k in ("l", "r", "t")}
    lay.update(paper_bgcolor="white", plot_bgcolor="white", width=width, height=height, autosize=False,
               font=dict(font, family=font.get("family") or SLIDE_FONT["family"],
                         color=font.get("color") or SLIDE_FONT["color"], size=_scaled(base_font, factor, base_font)),
               margin=dict(m, **side, b=bottom))
    title = lay.get("title")
    if isinstance(title, dict) and title.get("text"):
        scale_font(title, default=base_font * 1.2)
        if (title.get("x") or 0) <= 0.05:        # a left title lines up with the plot and the caption
            title.update(x=0, xref="paper", xanchor="left")
    scale_font(lay.setdefault("legend", {}))
    for name in [k for k in lay if AXIS_KEY.fullmatch(k)]:
        ax = lay[name]
        scale_font(ax, "tickfont")
        if isinstance(ax.get("title"), dict) and ax["title"].get("text"):
            scale_font(ax["title"])
    for a in lay.get("annotations", []):
        scale_font(a)
        for key in ("yshift", "xshift"):
            if a.get(key):
                a[key] = a[key] * factor


def _caption_annotation(lines: list[str], plot_bottom: int) -> dict:
    """The caption as a left-aligned annotation just under the plot's bottom margin."""
    return dict(text="<br>".join(html.escape(line, quote=False) for line in lines), xref="paper",
                yref="paper", x=0, y=0, xanchor="left", yanchor="top", align="left", showarrow=False,
                yshift=-plot_bottom - 8, name="slide_caption",
                font=dict(SLIDE_FONT, size=CAPTION_FONT_SIZE, color=CAPTION_COLOUR))


def _scale_trace(tr: dict, factor: float) -> None:
    """Enlarge a trace's markers, lines, text and error bars by ``factor`` (in place, dict form)."""
    for attr, key in (("marker", "size"), ("textfont", "size"), ("line", "width")):
        obj = tr.get(attr)
        if not isinstance(obj, dict) or obj.get(key) is None:
            continue
        # Text sizes round as the layout's fonts do, so a text trace and an annotation of one size match.
        scale = (lambda v: _scaled(v, factor, PLOTLY_DEFAULT_FONT)) if attr == "textfont" else (lambda v: v * factor)
        val = obj[key]
        if isinstance(val, (int, float)):
            obj[key] = scale(val)
        elif isinstance(val, (list, tuple, np.ndarray)):
            obj[key] = [scale(v) for v in val]
    for bar in ("error_x", "error_y"):
        ex_ = tr.get(bar)
        if isinstance(ex_, dict) and ex_.get("thickness"):
            ex_["thickness"] = ex_["thickness"] * factor
