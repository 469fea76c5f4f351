"""Bundles of figures: a zip of every figure in every format, and a 16:9 PowerPoint deck."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone

from core.export.rendering import render
from core.export.slides import SLIDE_HEIGHT, SLIDE_WIDTH
from core.export.tables import safe_filename

DECK_TITLE = "MSC-DM Evidence Explorer"
DECK_INCHES = (13.333, 7.5)
TITLE_SLIDE_LAYOUT = 1     # "Title and Content"
BLANK_SLIDE_LAYOUT = 6


def figures_zip(figures, formats=("png", "svg", "pdf"), *, renderer=None) -> bytes:
    """A zip with every figure in every format: ``figures`` is a list of (name, figure).

    ``renderer(fig, fmt) -> bytes`` defaults to :func:`core.export.rendering.render` (the app
    passes a cached one).
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


def deck_pptx(figures, settings_summary, *, title: str = DECK_TITLE, renderer=None) -> bytes:
    """A 16:9 PowerPoint deck: a title slide summarising the settings, then one slide per figure.

    Parameters
    ----------
    figures : list of (str, plotly.graph_objects.Figure)
        (slide title, figure) pairs, usually already passed through
        :func:`core.export.slides.slide_figure`.  Each figure is rendered as a PNG filling the
        slide; its title and caption go into the slide's speaker notes as well.
    settings_summary : str or list of str
        Lines shown on the title slide.
    renderer : callable, optional
        ``renderer(fig, "png") -> bytes``; default :func:`core.export.rendering.render` (the app
        passes a cached one).

    Returns
    -------
    bytes
        The .pptx file: ``1 + len(figures)`` slides, 13.333 x 7.5 inches.
    """
    from pptx import Presentation   # here: python-pptx adds ~0.4 s to every process, and few build a deck
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = (Inches(x) for x in DECK_INCHES)
    lines = [settings_summary] if isinstance(settings_summary, str) else list(settings_summary)
    slides = "slide" if len(figures) == 1 else "slides"
    lines.append(f"Exported {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC · {len(figures)} figure {slides}")
    _title_slide(prs, title, lines)
    for name, fig in figures:
        _figure_slide(prs, name, fig, (renderer or render)(fig, "png"))
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def _title_slide(prs, title: str, lines: list[str]) -> None:
    from pptx.util import Inches, Pt

    first = prs.slides.add_slide(prs.slide_layouts[TITLE_SLIDE_LAYOUT])
    first.shapes.title.text = title
    first.shapes.title.text_frame.paragraphs[0].font.size = Pt(36)
    body = first.placeholders[1]
    body.left, body.top, body.width, body.height = Inches(0.7), Inches(1.6), Inches(11.9), Inches(5.4)
    first.shapes.title.left, first.shapes.title.top = Inches(0.7), Inches(0.4)
    first.shapes.title.width, first.shapes.title.height = Inches(11.9), Inches(1.0)
    tf = body.text_frame
    tf.word_wrap = True
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.text = str(line)
        p.font.size = Pt(20)


def _figure_slide(prs, name: str, fig, png: bytes) -> None:
    """A blank slide with the figure's PNG centred at the largest size that fits; the name and the
    slide caption in the speaker notes."""
    from pptx.util import Emu

    slide = prs.slides.add_slide(prs.slide_layouts[BLANK_SLIDE_LAYOUT])
    w, h = fig.layout.width or SLIDE_WIDTH, fig.layout.height or SLIDE_HEIGHT
    sw, sh = prs.slide_width, prs.slide_height
    k = min(sw / w, sh / h)
    pw, ph = int(w * k), int(h * k)
    slide.shapes.add_picture(io.BytesIO(png), Emu((sw - pw) // 2), Emu((sh - ph) // 2), Emu(pw), Emu(ph))
    cap = (fig.layout.meta or {}).get("slide_caption", "") if isinstance(fig.layout.meta, dict) else ""
    slide.notes_slide.notes_text_frame.text = f"{name}\n{cap}".strip()
