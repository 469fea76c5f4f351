"""ui/downloads.py: a download row as one element of links to the app's own route (issue 27).

The token (stable per session and row, different across sessions, 256 bits), the registry's bound, the
route's answers (the file with its headers; 404 and 500 as one plain line; nothing runs for an unknown
token or a HEAD), the element's JavaScript (no HTML built from data) and the row as AppTest sees it
live and in the fallback.  The browser downloads through the links in tests/e2e/test_export_browser.py."""
from __future__ import annotations

import asyncio
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote

import pytest
from starlette.applications import Starlette
from streamlit.testing.v1 import AppTest

from core.words import DOWNLOAD_EXPIRED, DOWNLOAD_FAILED
from ui import downloads as D


def test_token_is_stable_per_session_and_row_and_differs_otherwise():
    t = D.token("session-a", "forest_chart", 0)
    assert t == D.token("session-a", "forest_chart", 0)                 # every rerun of the session: same link
    others = {D.token("session-b", "forest_chart", 0), D.token("session-a", "analysis", 0),
              D.token("session-a", "forest_chart", 1), D.token("session-a", "forest_chart", 0, secret=b"x" * 32)}
    assert t not in others and len(others) == 4
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", t)                       # 256 bits, URL-safe, no padding
    assert len(D._SECRET) >= 16


def test_registry_keeps_the_most_recently_used_entries_only():
    reg = D.Registry(size=8)
    entry = D.Entry(lambda: b"", "f.csv", "text/csv", "s")
    for i in range(8):
        reg.put(f"t{i}", entry)
    assert reg.get("t0") is entry                                        # used: now the most recent
    for i in range(8, 12):
        reg.put(f"t{i}", entry)
    assert len(reg) == 8
    assert reg.get("t0") is entry and reg.get("t1") is None and reg.get("t11") is entry
    assert D.REGISTRY.size == D.REGISTRY_ENTRIES == 4096


def test_registry_drops_the_entries_of_ended_sessions():
    reg = D.Registry(size=100)
    for i in range(6):
        reg.put(f"t{i}", D.Entry(lambda: b"", "f", "text/plain", "gone" if i % 2 else "here"))
    assert reg.prune(lambda s: s == "here", every=10) == 0                # not yet: 6 puts
    assert reg.prune(lambda s: s == "here", every=6) == 3
    assert [reg.get(f"t{i}") is not None for i in range(6)] == [True, False] * 3


def call(method: str, path: str) -> tuple[int, dict, bytes]:
    app = Starlette(routes=[D.route()])
    sent = []
    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [], "scheme": "http", "server": ("127.0.0.1", 80), "root_path": ""}

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    with ThreadPoolExecutor(1) as pool:            # an event loop of its own (see tests/app/test_server.py)
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    headers = {k.decode().lower(): v.decode("latin-1") for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


@pytest.fixture
def registered(monkeypatch):
    """A fresh registry; returns put(name, callable, file_name, mime) -> the link's path, and the calls made."""
    monkeypatch.setattr(D, "REGISTRY", D.Registry(size=16))
    calls = []

    def put(index, data, file_name="x.csv", mime="text/csv"):
        def counted():
            calls.append(index)
            return data()
        t = D.token("session", "row", index)
        D.REGISTRY.put(t, D.Entry(counted, file_name, mime, "session"))
        return f"/{D.ROUTE_PREFIX}{t}"
    return put, calls


def test_route_answers_with_the_file_its_type_and_name(registered):
    put, calls = registered
    name = 'förest "HbA1c"; 12 mo.png'
    path = put(0, lambda: b"\x89PNG-bytes", name, "image/png")
    status, headers, body = call("GET", path)
    assert (status, body, calls) == (200, b"\x89PNG-bytes", [0])
    assert headers["content-type"] == "image/png"
    assert headers["cache-control"] == "no-store" and headers["x-content-type-options"] == "nosniff"
    disposition = headers["content-disposition"]
    assert disposition.startswith('attachment; filename="f_rest _HbA1c__ 12 mo.png"; ')
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == name          # RFC 6266 / 5987
    status, headers, body = call("GET", put(1, lambda: "reproduce('hba1c')\n", "r.py", "text/x-python"))
    assert (status, body) == (200, b"reproduce('hba1c')\n") and headers["content-type"].startswith("text/x-python")


def test_unknown_token_is_404_with_one_line_and_runs_nothing(registered):
    put, calls = registered
    put(0, lambda: b"data")
    for method in ("GET", "HEAD"):
        status, headers, body = call(method, f"/{D.ROUTE_PREFIX}{D.token('other-session', 'row', 0)}")
        assert status == 404 and headers["cache-control"] == "no-store"
        assert body == DOWNLOAD_EXPIRED.encode()        # (the HTTP server drops a HEAD's body)
    assert call("GET", f"/{D.ROUTE_PREFIX}")[0] == 404
    assert calls == []


def test_head_of_a_known_token_says_what_without_making_it(registered):
    put, calls = registered
    status, headers, _ = call("HEAD", put(0, lambda: b"data", "t.csv"))
    assert status == 200 and "t.csv" in headers["content-disposition"] and calls == []


def test_a_failing_file_is_500_with_one_line_and_logged(registered, caplog):
    put, _ = registered

    def broken():
        raise RuntimeError("kaleido died at /secret/path")
    with caplog.at_level(logging.ERROR, logger=D.__name__):
        status, headers, body = call("GET", put(0, broken, "f.pdf", "application/pdf"))
    assert status == 500 and body == DOWNLOAD_FAILED.encode() and b"\n" not in body
    assert headers["content-type"].startswith("text/plain") and "content-disposition" not in headers
    assert "kaleido died" in caplog.text and "Traceback" in caplog.text           # the log has it, the user not


def test_the_elements_javascript_builds_no_html_from_data():
    js = D.ROW_JS
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser", "eval("):
        assert sink not in js, sink
    assert "textContent" in js and 'setAttribute("download"' in js and 'setAttribute("title"' in js
    assert len(js.encode()) + len(D.ROW_CSS.encode()) < 2000                  # resent with every delta


def _script():
    import streamlit as st

    from core.figures.forest import forest_figure
    from core.workflow.analysis import AnalysisSpec
    from ui.data import run_analysis
    from ui.export import analysis_downloads, figure_downloads

    a = run_analysis(AnalysisSpec(outcome="hba1c", comparison="vs_control", study_set="all"))
    st.checkbox("rerun")
    figure_downloads(forest_figure(a), "forest_hba1c", caption="my caption", key="forest_chart")
    analysis_downloads(a)


def _rows(at) -> dict:
    return {el.proto.id.rsplit("-", 1)[-1]: json.loads(el.proto.json) for el in at.get("bidi_component")}


def test_live_rows_are_one_element_each_with_stable_links(monkeypatch):
    monkeypatch.setenv("MSCDM_CHARTS", "live")
    monkeypatch.setattr(D, "REGISTRY", D.Registry())
    monkeypatch.setattr(D, "_serving", type(D._serving)())
    D.serving()
    at = AppTest.from_function(_script, default_timeout=60).run()
    assert not at.exception and at.get("download_button") == []
    rows = _rows(at)
    assert set(rows) == {"dlrow_forest_chart", "dlrow_analysis"}
    fig_row = rows["dlrow_forest_chart"]
    assert fig_row["lead"] == "Slide 16:9 with caption:"
    assert [(c[0], c[2], c[4], c[5]) for c in fig_row["items"]] == [
        ("PNG", "forest_hba1c.png", "download", "tertiary"), ("SVG", "forest_hba1c.svg", "download", "tertiary"),
        ("PDF", "forest_hba1c.pdf", "download", "tertiary")]
    hrefs = [c[1] for r in rows.values() for c in r["items"]]
    assert all(re.fullmatch(r"/download/[A-Za-z0-9_-]{43}", h) for h in hrefs) and len(set(hrefs)) == 9
    entry = D.REGISTRY.get(hrefs[0].rsplit("/", 1)[1])
    assert (entry.file_name, entry.mime) == ("forest_hba1c.png", "image/png")
    at.checkbox[0].check().run()                                        # a rerun: same links, same data
    assert _rows(at) == rows and len(D.REGISTRY) == 9
    assert hrefs[0] == f"/download/{D.token('test session id', 'forest_chart', 0)}"   # AppTest's session id
    monkeypatch.setattr(D, "_session", lambda: "another session")
    other = AppTest.from_function(_script, default_timeout=60).run()   # another session: other links
    assert not set(hrefs) & {c[1] for r in _rows(other).values() for c in r["items"]}


def test_fallback_where_the_route_is_not_served(monkeypatch):
    monkeypatch.setenv("MSCDM_CHARTS", "live")
    monkeypatch.setattr(D, "_serving", type(D._serving)())             # no st.App started in this process
    at = AppTest.from_function(_script, default_timeout=60).run()
    assert not at.exception and at.get("bidi_component") == []
    keys = [b.key for b in at.get("download_button")]
    assert keys[:3] == ["dl_forest_chart_png", "dl_forest_chart_svg", "dl_forest_chart_pdf"] and len(keys) == 9


def test_the_app_server_turns_the_links_on_and_never_treats_the_route_as_a_page(monkeypatch):
    from ui import server

    monkeypatch.setattr(D, "_serving", type(D._serving)())
    monkeypatch.setattr(server, "warm_up", lambda: None)
    assert not D._serving.is_set()

    async def start():
        async with server.lifespan(None):
            pass
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, start()).result()
    assert D._serving.is_set()
    assert not server.is_page(f"/{D.ROUTE_PREFIX}{D.token('s', 'row', 0)}")
    assert D.route().path == f"/{D.ROUTE_PREFIX}{{token}}" and "GET" in D.route().methods
    app_py = Path(D.__file__).resolve().parents[1] / "app.py"
    assert "routes=[download_route()]" in app_py.read_text(encoding="utf-8")
