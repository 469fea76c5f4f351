"""The Forest plot page's study columns and order (issue 25) through AppTest: the sidebar's choices
reach the drawn figure and the slide caption; bad URL values are named, not silently dropped."""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.figures.forest import column_texts
from ui import state as S

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _layout_and_traces(at):
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return spec["layout"], {t.get("name"): t for t in spec["data"]}


def test_columns_and_sort_reach_the_figure():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.radio(key="comparison").set_value("vs_control").run()
    at.sidebar.radio(key="set").set_value("all").run()
    at.sidebar.multiselect(key="cols").set_value(["cell_source", "rob", "dose_per_kg"]).run()
    assert not at.exception
    layout, traces = _layout_and_traces(at)
    assert layout["meta"]["columns"] == ["cell_source", "dose_per_kg", "rob"]       # registry order
    heads = traces["Text: column headings"]["text"]
    assert heads == ["<b>Source</b>", "<b>Dose</b>", "<b>RoB</b>"]
    body = traces["Text: study columns"]["text"]
    # T1DM by year: Cai 2016 (UC-MSC + BM-MNC, 1.1), then Araujo 2020 (adipose, 1 x 10^6/kg); RoB not assessed
    assert body[:6] == ["mixed", "1.1", "?", "AD", "1", "?"]
    assert any("Source: UC/WJ umbilical cord" in c.value for c in at.caption)       # the legend under the figure
    paper_order = layout["meta"]["studies"]
    at.sidebar.selectbox(key="sort").set_value("effect").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert paper_order[:2] == ["Cai 2016", "Araujo 2020"]            # the paper's order: by year within T1DM
    shown = [t.removesuffix(" †") for _, _, t, _ in column_texts(spec, "study") if t.removesuffix(" †") in paper_order]
    assert shown[:2] == ["Araujo 2020", "Cai 2016"]                   # by effect: −1.60 before −1.30


def test_more_columns_than_fit_are_cut_to_three_saying_so():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.multiselect(key="cols").set_value(["cell_source", "donor", "route_class", "rob"]).run()
    assert not at.exception
    layout, _ = _layout_and_traces(at)
    assert layout["meta"]["columns"] == ["cell_source", "donor", "route_class"]
    assert any("Only 3 columns fit" in c.value and "Cell source, Donor, Route" in c.value for c in at.caption)


def test_url_values_are_checked():
    notices = S.validate_query_params({"cols": "Cell source", "sort": "Effect size"}, [])
    assert notices == []
    notices = S.validate_query_params({"cols": "Shoe size", "sort": "Height"}, [])
    assert len(notices) == 2 and "'cols'" in notices[0] and "'sort'" in notices[1]
