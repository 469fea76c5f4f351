"""ui/server.py: the page middleware app.py's st.App runs (issue 26 items 19 and 20), without a browser."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from ui.server import PageShell, head_tags, is_page

PAGE = b"<!DOCTYPE html><html><head><title>Streamlit</title></head><body></body></html>"


def html_app(body: bytes = PAGE, content_type: bytes = b"text/html"):
    seen = {}

    async def app(scope, receive, send):
        seen["headers"] = dict(scope["headers"])
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body[:20], "more_body": True})
        await send({"type": "http.response.body", "body": body[20:]})
    return app, seen


def call(app, path: str, method: str = "GET") -> tuple[dict, bytes]:
    sent = []
    scope = {"type": "http", "method": method, "path": path, "headers": [(b"accept-encoding", b"gzip")]}

    async def send(message):
        sent.append(message)

    # In a thread of its own: in the whole suite an earlier test (Playwright's sync API) may leave an event loop
    # running in this one, where asyncio.run refuses to start.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, PageShell(app)(scope, None, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    return dict(start["headers"]), b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


def test_pages_are_the_paths_streamlit_answers_with_its_page():
    assert is_page("/") and is_page("/reproduce") and is_page("/sensitivity")
    assert not any(is_page(p) for p in ("/_stcore/health", "/static/js/index.js", "/app/static/plotly.min.js",
                                        "/media/abc.png", "/favicon.png"))


def test_a_page_gets_the_base_url_before_the_bundle_and_the_preloads():
    app, seen = html_app()
    headers, body = call(app, "/reproduce")
    tags = head_tags()
    assert body == PAGE.replace(b"</head>", tags + b"</head>")
    assert headers[b"content-length"] == str(len(body)).encode()
    assert b"accept-encoding" not in seen["headers"]            # asked uncompressed, to be edited
    assert tags.startswith(b'<script>window.__streamlit={BACKEND_BASE_URL:window.location.origin+"/"}</script>')
    for chunk in (b"/static/js/Radio.", b"/static/js/Metric.", b"/static/js/BidiComponent."):
        assert chunk in tags
    assert b'rel="preload" as="script" href="/app/static/plotly-' in tags


def test_nothing_else_is_touched():
    for path, method, content_type in (("/_stcore/health", "GET", b"text/html"), ("/reproduce", "HEAD", b"text/html"),
                                       ("/reproduce", "GET", b"application/json")):
        app, seen = html_app(content_type=content_type)
        headers, body = call(app, path, method)
        assert body == PAGE and headers[b"content-length"] == str(len(PAGE)).encode(), (path, method)
