"""How wide a line of text is drawn, and wrapping text to a width in pixels.

Plotly tables and annotations do not wrap, so figures that hold sentences (the summary of findings)
wrap by hand.  Counting characters cuts text in a narrow cell and wastes a wide one; this measures
each character with the advance widths of Helvetica (Adobe's Core 14 AFM, units of 1/1000 em), which
Arial and Liberation Sans, the house font and its Debian stand-in, share by design.  Characters
outside that table (⊕, ◯, τ, ...) are drawn from a fallback font and counted as a full em, so an
estimate errs wide, never narrow.  Bold text is counted 10% wider (Helvetica-Bold's mean excess).
"""
from __future__ import annotations

_ASCII = (  # Helvetica advance widths for chr(32) .. chr(126)
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584)
_OTHER = {"−": 584, "±": 584, "×": 584, "²": 333, "–": 556, "—": 1000, "·": 278, "’": 222, "‘": 222, "“": 333,
          "”": 333, "é": 556, "ü": 556, "ö": 556, "ä": 556, "≥": 549, "≤": 549, "…": 1000, "°": 400, "µ": 556}
FALLBACK_EM = 1000
BOLD_FACTOR = 1.10


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """The drawn width of ``text`` in pixels at font ``size`` px (module docstring)."""
    units = 0
    for ch in str(text):
        code = ord(ch)
        units += _ASCII[code - 32] if 32 <= code <= 126 else _OTHER.get(ch, FALLBACK_EM)
    return units * size / 1000 * (BOLD_FACTOR if bold else 1.0)


def wrap_px(text: str, width_px: float, size: float, *, bold: bool = False) -> list[str]:
    """``text`` split at spaces into lines no wider than ``width_px`` (a single word wider than that
    is broken by characters); at least one line."""
    lines: list[str] = []
    for para in str(text).splitlines() or [""]:
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}" if line else word
            if text_width(trial, size, bold=bold) <= width_px:
                line = trial
                continue
            if line:
                lines.append(line)
            line = word
            while text_width(line, size, bold=bold) > width_px and len(line) > 1:
                cut = max(1, next(i for i in range(len(line), 0, -1)
                                  if text_width(line[:i], size, bold=bold) <= width_px or i == 1))
                lines.append(line[:cut])
                line = line[cut:]
        lines.append(line)
    return lines or [""]
