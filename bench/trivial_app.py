"""The trivial Streamlit page bench/bench_ui.py compares against: one checkbox and one tiny
plotly figure that depends on it.  Its widget-to-redrawn-figure time is Streamlit's own floor."""
import plotly.graph_objects as go
import streamlit as st

on = st.checkbox("Toggle", key="toggle")
fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 2] if on else [2, 1]))
fig.update_layout(template="plotly_white", height=300, meta={"on": on})
st.plotly_chart(fig, key="trivial_chart", theme=None)
