"""What the web server adds around Streamlit: app.py serves itself as an ``st.App`` (Streamlit's ASGI
application, which ``streamlit run app.py`` starts when app.py defines one) with this middleware and
this start-up hook.

- :class:`PageShell` edits the one HTML page Streamlit serves (its ``index.html``, the answer to every
  page URL) before it leaves the server:

  * it sets ``window.__streamlit.BACKEND_BASE_URL`` before Streamlit's bundle (a module, deferred) runs.  Without it, a page
    opened by its own URL (``/reproduce``) makes Streamlit 1.67's frontend probe that path as the app's
    base first (``getPossibleBaseUris`` in ``static/js/index.*.js``): ``GET /reproduce/_stcore/health``
    and ``/reproduce/_stcore/host-config``, which the server answers 404 on purpose
    (``starlette_static_routes._RESERVED_STATIC_PATH_SUFFIXES``), two errors in the browser's console
    (issue 26 item 20).  deploy/nginx.conf does the same for the replicas behind nginx;
  * it preloads the JavaScript chunks of the elements every page draws first (the sidebar's widgets,
    metrics, page links, downloads, the figures' element) and the installed plotly.js: fetched and
    compiled while the browser waits for the script's first run, instead of after it, when the sidebar's
    radios and the metrics sat as grey skeletons for seconds (issue 26 item 19).

- :func:`lifespan` marks the download route (ui/downloads.py, ``/download/<token>``, which app.py passes to
  ``st.App(routes=...)``) as served, so download rows become links to it.

- :func:`warm_up` runs the Forest plot's default view once when the server starts, so that the first
  visitor after a start does not pay for the imports and the caches (ui/cache.py's caches are per
  process).

Nothing here reads a request's body or a user's text; only Streamlit's own page is rewritten.
"""
from __future__ import annotations

import json
import logging
import re
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path

_LOG = logging.getLogger(__name__)

# The element chunks (file stems in Streamlit's static/js) the sidebar and the first page draw.
PRELOADED_ELEMENTS = ("Radio", "Selectbox", "Checkbox", "Slider", "Multiselect", "Metric", "PageLink",
                      "DownloadButton", "BidiComponent")
# URL paths that are never a page (Streamlit's API, its assets, the app's static files, media).
# (download/: ui/downloads.py, the links of a download row.)
NOT_PAGES = ("_stcore/", "static/", "app/static/", "media/", "component/", "bidi-components/", "download/")
_IMPORT = re.compile(rb'from\s*"\./([\w.\-]+\.js)"|import\s*"\./([\w.\-]+\.js)"')


def base_path() -> str:
    """``server.baseUrlPath`` as a prefix ("" or "base/")."""
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"{base}/" if base else ""


def _chunk_closure(js_dir: Path, stems) -> list[str]:
    """The chunk files of ``stems`` and every chunk they import statically, in load order."""
    files, seen = [], set()
    todo = [p.name for stem in stems for p in sorted(js_dir.glob(f"{stem}.*.js"))[:1]]
    while todo:
        name = todo.pop(0)
        if name in seen or not (js_dir / name).is_file():
            continue
        seen.add(name)
        files.append(name)
        todo += [(a or b).decode() for a, b in _IMPORT.findall((js_dir / name).read_bytes())]
    return files


@cache
def head_tags() -> bytes:
    """What goes at the end of ``<head>``: the backend's base URL (an inline script, so it is set before
    the deferred bundle runs), then the preload links (after the bundle's own, which go first)."""
    from streamlit import file_util

    base = base_path()
    tags = [f"<script>window.__streamlit={{BACKEND_BASE_URL:window.location.origin+{json.dumps('/' + base)}}}"
            "</script>"]
    js_dir = Path(file_util.get_static_dir()) / "static" / "js"
    tags += [f'<link rel="modulepreload" crossorigin href="/{base}static/js/{name}">'
             for name in _chunk_closure(js_dir, PRELOADED_ELEMENTS)]
    from ui.chart import static_plotly_js

    plotly_js = static_plotly_js(Path(__file__).resolve().parents[1])
    if plotly_js:
        tags.append(f'<link rel="preload" as="script" href="{plotly_js}">')
    return "".join(tags).encode()


def is_page(path: str) -> bool:
    """Whether a GET of ``path`` is a request for a page (answered with Streamlit's index.html)."""
    rel = path.lstrip("/").removeprefix(base_path())
    return not rel.startswith(NOT_PAGES) and "." not in rel.rsplit("/", 1)[-1]


class PageShell:
    """ASGI middleware: :func:`head_tags` inserted before ``</head>`` of every HTML page answer."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or not is_page(scope["path"]):
            await self.app(scope, receive, send)
            return
        # Ask for the page uncompressed, so that it can be edited (it is ~6 kB).
        scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k != b"accept-encoding"])
        start, chunks = None, []

        async def edit(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                if headers.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in headers:
                    start = message
                    return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks).replace(b"</head>", head_tags() + b"</head>", 1)
            headers = [(k, v) for k, v in start["headers"] if k != b"content-length"]
            await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, edit)


def warm_up() -> None:
    """Build the Forest plot's default view once (imports, dataset, analysis, figure) so that the
    first session after a start finds them cached."""
    try:
        from core.evidence.dataset import DATA_DIR, load_dataset
        from core.figures.forest import forest_figure
        from core.workflow.analysis import AnalysisSpec, analyse

        forest_figure(analyse(load_dataset(DATA_DIR), AnalysisSpec())).to_json()
        head_tags()
    except Exception:           # a warm-up must never keep the server from starting
        _LOG.exception("warm-up failed; the first visitor pays for it instead")


@asynccontextmanager
async def lifespan(_app):
    """The st.App start-up hook: warm up in a worker thread, so the server answers meanwhile; and from now on
    download rows are links to app.py's download route (ui/downloads.py)."""
    import asyncio

    from ui.downloads import serving

    serving()

    asyncio.get_running_loop().run_in_executor(None, warm_up)
    yield {}
