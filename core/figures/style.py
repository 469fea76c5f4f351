"""One house style for every figure: template, fonts and colours (screen and slide exports share it),
and :func:`plain` for the text a dataset brings into a figure."""
import html

TEMPLATE = "plotly_white"   # explicit, so the Streamlit theme / dark mode never leaks in
FONT = dict(family="Arial, Helvetica, sans-serif", size=12, color="#222222")
STUDY_COLOUR = "#1f4e79"
DIAMOND_COLOUR = "#111111"
SUBTOTAL_COLOUR = "#4a4a4a"
REPORTED_COLOUR = "#c0392b"


def plain(text) -> str:
    """A dataset's or user's text as plotly draws it: literally.

    Plotly reads a subset of HTML in every text it draws (``<b>``, ``<i>``, ``<br>``, ``<span style>``,
    ``<a href>`` as a live link, also in kaleido's SVG/PDF/PNG), and turns entities back into characters;
    so ``&``, ``<`` and ``>`` are escaped and a study named ``<i>X</i>`` reads as typed."""
    return html.escape(str(text), quote=False)
