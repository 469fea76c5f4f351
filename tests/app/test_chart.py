"""ui/chart.py: the figure element that is updated in place (issue 27).

- While Streamlit's own ``st.plotly_chart`` gives a keyed chart a new identity whenever its figure
  changes (so the browser remounts it), the app draws with its components-v2 element; the first test
  fails on the Streamlit release that keeps a keyed chart in place: then ``MSCDM_CHARTS=native``
  (ui/chart.py) can become the default and the element can go.
- The element keeps one identity per key across figure changes, carries the figure and the plotly.js
  URL (a copy of the installed package's own file under static/), and its inline JavaScript stays
  small (it is resent with every rerun).
The browser side (one plot div kept across reruns, clicks on points) is in tests/e2e/test_forest_browser.py
and the pages' browser tests."""
from __future__ import annotations

import inspect
import json

from streamlit.elements import plotly_chart
from streamlit.testing.v1 import AppTest

from ui import chart


def _script():
    import plotly.graph_objects as go
    import streamlit as st

    from ui.components import show_figure

    on = st.checkbox("on")
    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3 if on else 2, 2]))
    fig.update_layout(template="plotly_white", meta={"on": on})
    show_figure(fig, key="probe", filename="probe", caption="a caption")


def _ids_and_payloads(at, kind: str) -> tuple[str, object]:
    (el,) = at.get(kind)
    return el.proto.id, el.proto


def _toggled(monkeypatch, backend: str, kind: str):
    monkeypatch.setenv(chart.BACKEND_ENV, backend)
    at = AppTest.from_function(_script, default_timeout=60).run()
    assert not at.exception
    first = _ids_and_payloads(at, kind)
    at.checkbox[0].check().run()
    assert not at.exception
    return first, _ids_and_payloads(at, kind)


def test_st_plotly_chart_still_gives_a_keyed_chart_a_new_identity_per_figure(monkeypatch):
    (id_off, _), (id_on, _) = _toggled(monkeypatch, "native", "plotly_chart")
    assert id_off.endswith("-probe") and id_on.endswith("-probe")
    assert id_off != id_on, (
        "This Streamlit keeps a keyed st.plotly_chart's identity when its figure changes, so the browser "
        "updates it in place: make MSCDM_CHARTS=native the default in ui/chart.py (issue 27) and re-measure "
        "with bench/bench_ui.py")
    # The reason, in the source: the element id is computed from the figure even with a key.
    assert "key_as_main_identity=False" in inspect.getsource(plotly_chart.PlotlyMixin.plotly_chart)


def test_live_element_keeps_its_identity_and_carries_each_figure(monkeypatch):
    (id_off, off), (id_on, on) = _toggled(monkeypatch, "live", "bidi_component")
    assert id_off == id_on and id_on.endswith("-probe")
    figs = [json.loads(p.bytes)["fig"] for p in (off, on)]
    assert [f["layout"]["meta"] for f in figs] == [{"on": False}, {"on": True}]
    assert figs[0]["data"][0]["y"] == [1, 2, 2] and figs[1]["data"][0]["y"] == [1, 3, 2]
    assert len(on.js_content.encode()) < 2000 and "Plotly.react" not in on.js_content  # P.react on a kept div
    assert ".react(gd," in on.js_content and on.isolate_styles is False


def test_plotly_js_is_the_installed_packages_own_file_served_by_the_app(monkeypatch, tmp_path):
    (_, _), (_, proto) = _toggled(monkeypatch, "live", "bidi_component")
    payload = json.loads(proto.bytes)
    assert payload["src"] == f"/app/static/{chart.STATIC_NAME}"
    assert chart.static_plotly_js(tmp_path) == payload["src"]
    copy = tmp_path / "static" / chart.STATIC_NAME
    assert copy.read_bytes() == chart.PLOTLY_JS.read_bytes() and not copy.is_symlink()
    assert payload["config"]["displaylogo"] is False
    assert "toImage" in payload["config"]["modeBarButtonsToRemove"]      # the slide buttons export; no camera


def test_native_fallback_by_one_setting(monkeypatch):
    (_, off), (_, on) = _toggled(monkeypatch, "native", "plotly_chart")
    assert json.loads(on.spec)["layout"]["meta"] == {"on": True}
    assert json.loads(on.config)["displaylogo"] is False
    assert "toImage" in json.loads(on.config)["modeBarButtonsToRemove"]


def test_every_figure_of_the_app_goes_through_the_chart_helper():
    """Only ui/chart.py calls st.plotly_chart (its fallback); pages and ui/ show figures with
    ui.components.show_figure, so the way a figure reaches the browser is one function."""
    sources = [chart.APP_DIR / "app.py", *sorted((chart.APP_DIR / "pages").glob("*.py")),
               *sorted((chart.APP_DIR / "ui").glob("*.py"))]
    direct = [f.name for f in sources if f.name != "chart.py" and "plotly_chart(" in f.read_text(encoding="utf-8")]
    assert direct == []
    assert "show_figure" in (chart.APP_DIR / "pages" / "followup.py").read_text(encoding="utf-8")
