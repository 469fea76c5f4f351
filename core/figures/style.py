"""One house style for every figure: template, fonts and colours (screen and slide exports share it).
The text a dataset brings into a figure goes through :func:`core.words.formats.plain`."""

TEMPLATE = "plotly_white"   # explicit, so the Streamlit theme / dark mode never leaks in
FONT = dict(family="Arial, Helvetica, sans-serif", size=12, color="#222222")
STUDY_COLOUR = "#1f4e79"
DIAMOND_COLOUR = "#111111"
SUBTOTAL_COLOUR = "#4a4a4a"
REPORTED_COLOUR = "#c0392b"

