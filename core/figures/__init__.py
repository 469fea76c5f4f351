"""Plotly figure builders: one style module (``style``) and one module per figure.

Pure functions of a result: they draw, they compute no statistics.
"""
