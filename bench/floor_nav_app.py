"""A page switch at its cheapest (bench/bench_ui.py's "floor:nav" row): two pages in st.navigation,
each one tiny plotly figure, switched from the sidebar's navigation as the app's pages are.  Its click
-> redrawn time, against bench/trivial_app.py's checkbox, is what Streamlit itself costs for a page
switch; the app's "nav" row above it is what its pages add."""
import plotly.graph_objects as go
import streamlit as st


def tiny(name: str):
    def page() -> None:
        fig = go.Figure(go.Scatter(x=[0, 1], y=[1, 2] if name == "One" else [2, 1]))
        fig.update_layout(template="plotly_white", height=300, meta={"page": name})
        st.plotly_chart(fig, key=f"chart_{name}", theme=None)
    return page


st.navigation([st.Page(tiny("One"), title="Forest plot", url_path="one", default=True),
               st.Page(tiny("Two"), title="Sensitivity", url_path="two")]).run()
