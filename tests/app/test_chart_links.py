"""A dataset's ``<a href>`` inside a figure is drawn as text, never a link (issue 23, item 4).

Plotly draws ``<a href>`` in any text of a figure (tick labels, annotations, hover) as a live link,
probed in Chromium; a study's time-point label and the paper's locator reach the Forest plot's hover
text.  ui.chart.draw passes the figure's JSON through ui.text.no_links before it leaves the server.
"""
from __future__ import annotations

import json

import plotly.graph_objects as go

from ui import chart
from ui.text import no_links

ANCHOR = '<a href="https://evil.example/a">a</a>'


def test_no_links_turns_anchors_into_text_and_keeps_the_apps_own_markup():
    got = no_links(json.dumps({"text": f"{ANCHOR} <b>bold</b><br><A HREF='x'>y</A> <abbr>"}))
    assert "<a" not in got.lower().replace("<abbr", "") and got.count("&lt;") == 4
    assert "<b>bold</b><br>" in got and "<abbr>" in got


def test_draw_sends_the_browser_no_link(monkeypatch):
    sent = {}
    monkeypatch.setattr(chart, "live", lambda: True)
    monkeypatch.setattr(chart, "static_plotly_js", lambda: "plotly.min.js")
    monkeypatch.setattr(chart, "_component", lambda: (lambda key, data, **kw: sent.setdefault("data", data)))
    fig = go.Figure(go.Scatter(x=[1], y=["Cai 2016"], text=[ANCHOR], hovertext=[f"12 months {ANCHOR}"]))
    fig.add_annotation(text=ANCHOR, x=1, y=1)
    chart.draw(fig, "k", {})
    payload = sent["data"].decode()
    assert "evil.example" in payload                       # the text is there ...
    assert "<a href" not in payload and "\\u003ca href" not in payload.lower()   # ... but no tag


def test_screen_json_is_made_once_per_figure_and_keeps_links_out(monkeypatch):
    """A cached figure is drawn on every rerun: its JSON is made on the first draw only (issue 27)."""
    fig = go.Figure(go.Scatter(x=[1], y=["Cai 2016"], text=[ANCHOR]))
    calls = []
    to_json = go.Figure.to_json
    monkeypatch.setattr(go.Figure, "to_json", lambda self, *a, **k: calls.append(1) or to_json(self, *a, **k))
    first = chart.screen_json(fig)
    assert chart.screen_json(fig) is first and len(calls) == 1
    assert first == no_links(to_json(fig)) and "<a href" not in first
    other = go.Figure(fig)                 # a copy is another figure: its own JSON, made anew
    assert chart.screen_json(other) == first and len(calls) == 2
