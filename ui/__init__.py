"""App layer: shared sidebar state, cached calls into core, and reusable page widgets.

Only this package and the pages import streamlit; ``core`` stays a plain library.
"""
