"""A row of downloads as ONE element (issue 27): :func:`download_row`, used by every download row of
ui/export.py (under each figure, "Download this view", the dataset and table rows).

Every element is a delta the browser decodes and reconciles on every rerun (~1.4-2 ms each); a row of
``st.download_button`` cost a container, a caption and a delta per button (Sensitivity's five figures:
25 deltas).  Here a row is one components-v2 element whose ~1 kB of inline JavaScript draws
``<a href download>`` links that look like the buttons (text set with ``textContent``, attributes with
``setAttribute``: a file name or a label may carry a dataset's text, so no HTML is ever built from it).

A link points to :data:`ROUTE_PREFIX` ``<token>``, a route of the app itself (app.py's ``st.App``;
:func:`route`).  The token is an HMAC of a per-process random secret over (session, row, item): stable
across one session's reruns, so the element's data does not change while the view does not, and
unguessable (256 bits) by any other session.  :data:`REGISTRY` maps it to the callable of the latest
rerun (the link downloads what is on screen), which the route runs in a worker thread when clicked.

Fallback, the ``st.download_button`` row as before: where figures fall back (``ui.chart.live()`` false:
``MSCDM_CHARTS=native``, the AppTests) or where the route is not served (a script not started through
app.py's ``st.App``, e.g. a benchmark's app: :func:`serving` was never called).
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import logging
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable
from urllib.parse import quote

import streamlit as st

from core.words.downloads import DOWNLOAD_EXPIRED, DOWNLOAD_FAILED

ROUTE_PREFIX = "download/"                  # in ui/server.py NOT_PAGES; nginx: see deploy/nginx.conf
REGISTRY_ENTRIES = 4096                     # ~21 per page a session shows (Sensitivity: 5 figures x 3 + 6)
PRUNE_EVERY = 512                           # registrations between drops of ended sessions' entries
_SECRET = secrets.token_bytes(32)           # per process: a replica's tokens mean nothing to another
_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
_LOG = logging.getLogger(__name__)
_serving = threading.Event()                # set when app.py's st.App starts (ui/server.py's lifespan)


@dataclass(frozen=True, slots=True)
class Item:
    """One download of a row: its button's words, the callable that makes the file (run on click only),
    the file's name and type, the fallback button's widget key, a tooltip, a Material Symbols icon name
    and the look ("secondary": a bordered button; "tertiary": text only)."""

    label: str
    data: Callable[[], bytes | str]
    file_name: str
    mime: str
    key: str
    help: str | None = None
    icon: str | None = None
    style: str = "secondary"
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    data: Callable[[], bytes | str]
    file_name: str
    mime: str
    session: str


class Registry:
    """token -> :class:`Entry`, the least recently used dropped past ``size`` entries; thread-safe (script
    threads put, the server's event loop gets)."""

    def __init__(self, size: int = REGISTRY_ENTRIES):
        self.size, self._entries, self._lock, self._puts = size, OrderedDict(), threading.Lock(), 0

    def put(self, token: str, entry: Entry) -> None:
        with self._lock:
            self._entries[token] = entry
            self._entries.move_to_end(token)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
            self._puts += 1

    def get(self, token: str) -> Entry | None:
        with self._lock:
            entry = self._entries.get(token)
            if entry is not None:
                self._entries.move_to_end(token)
            return entry

    def prune(self, alive: Callable[[str], bool], every: int = PRUNE_EVERY) -> int:
        """Drop the entries of sessions that ended (``alive(session)`` false), once per ``every`` puts;
        return how many were dropped.  (Their callables hold figures and tables.)"""
        with self._lock:
            if self._puts < every:
                return 0
            self._puts = 0
            dead = [t for t, e in self._entries.items() if not alive(e.session)]
            for t in dead:
                del self._entries[t]
            return len(dead)

    def __len__(self) -> int:
        return len(self._entries)


REGISTRY = Registry()


def token(session: str, row: str, index: int, secret: bytes = _SECRET) -> str:
    """The link token of item ``index`` of row ``row`` in ``session``: 43 URL-safe characters (256 bits)."""
    mac = hmac.new(secret, "\0".join((session, row, str(index))).encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def content_disposition(file_name: str) -> str:
    """``attachment`` with the name twice (RFC 6266): ASCII for old clients, UTF-8 in ``filename*``."""
    plain = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%;' else "_" for c in file_name) or "download"
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(file_name, safe='')}"


async def serve(request):
    """GET/HEAD ``/download/<token>``: the file, made now in a worker thread; 404 for an unknown token (nothing
    runs), 500 with one plain line when making it fails (the traceback goes to the log only)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import PlainTextResponse, Response

    entry = REGISTRY.get(request.path_params.get("token", ""))
    if entry is None:
        return PlainTextResponse(DOWNLOAD_EXPIRED, 404, headers=_NO_STORE)
    headers = {**_NO_STORE, "Content-Disposition": content_disposition(entry.file_name)}
    if request.method == "HEAD":                  # what it would be, without making it
        return Response(b"", headers=headers, media_type=entry.mime)
    try:
        body = await run_in_threadpool(entry.data)
    except Exception:
        _LOG.exception("making the download %r failed", entry.file_name)
        return PlainTextResponse(DOWNLOAD_FAILED, 500, headers=_NO_STORE)
    return Response(body.encode() if isinstance(body, str) else body, headers=headers, media_type=entry.mime)


def _base() -> str:
    from ui.server import base_path

    return base_path()


def route():
    """The download route for app.py's ``st.App(routes=...)`` (outside ``/_stcore``, which is reserved)."""
    from starlette.routing import Route

    return Route(f"/{_base()}{ROUTE_PREFIX}{{token}}", serve, methods=["GET"])     # HEAD comes with GET


def serving() -> None:
    """Called when app.py's st.App starts: from now on rows are drawn as links to :func:`route`."""
    _serving.set()


def live() -> bool:
    """Whether rows are drawn as one element of links (else as a row of st.download_button)."""
    from ui.chart import live as charts_live

    return _serving.is_set() and charts_live()


# The row: a grey lead, then a link per item like st.download_button (secondary: bordered; tertiary: text
# only), the help as a tooltip.  Rebuilt only when the data changes.  No innerHTML: text goes in as text.
ROW_JS = """export default function({data:d,parentElement:root}){let r=root.querySelector("div.mscdm-dl");
if(!r){r=document.createElement("div");r.className="mscdm-dl";root.appendChild(r)}
const k=JSON.stringify(d);if(r.__k===k)return;r.__k=k;
const E=(t,c)=>{const e=document.createElement(t);e.className=c;return e},n=[];
if(d.lead){const l=E("span","mscdm-dl-lead");l.textContent=d.lead;n.push(l)}
for(const[t,h,f,tip,i,s]of d.items){const a=E(h?"a":"span","mscdm-dl-"+s);
if(h){a.setAttribute("href",h);a.setAttribute("download",f)}else a.setAttribute("aria-disabled","true");
if(tip)a.setAttribute("title",tip);
if(i){const g=E("span","mscdm-dl-i");g.setAttribute("aria-hidden","true");g.textContent=i;a.append(g)}
a.append(t);n.push(a)}r.replaceChildren(...n)}"""
# Streamlit 1.67's light theme, as its buttons draw (measured in Chromium): 14 px label, 16 px icon 8 px
# before it, 40 px tall, 16 px apart; secondary: 1 px border, 8 px radius, 4 px 12 px padding.
ROW_CSS = """.mscdm-dl{display:flex;flex-wrap:wrap;align-items:center;gap:1rem}
.mscdm-dl>*{display:inline-flex;align-items:center;gap:.5rem;min-height:2.5rem;font-size:.875rem;
line-height:1.6;color:inherit;text-decoration:none;border-radius:.5rem;white-space:nowrap}
.mscdm-dl .mscdm-dl-lead{color:rgba(47,45,43,.6)}
.mscdm-dl-secondary{padding:.25rem .75rem;border:1px solid #dcd8d4;background:#fff}
a.mscdm-dl-secondary:hover{background:rgba(187,187,165,.15)}a.mscdm-dl-tertiary:hover{color:#c53948}
.mscdm-dl a:focus-visible{outline:none;box-shadow:0 0 0 .2rem rgba(197,57,72,.5)}
.mscdm-dl [aria-disabled]{opacity:.4;cursor:not-allowed}
.mscdm-dl-i{font:400 1rem/1 "Material Symbols Rounded"}"""


@functools.cache
def _element():
    return st.components.v2.component("mscdm_download_row", js=ROW_JS, css=ROW_CSS, isolate_styles=False)


def _session() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def _prune() -> None:
    from streamlit.runtime import Runtime

    if Runtime.exists():
        REGISTRY.prune(Runtime.instance().is_active_session)


def row_data(items, *, session: str, key: str, lead: str | None = None) -> dict:
    """The element's data for ``items`` (each enabled one registered under its token), pure but for
    :data:`REGISTRY`."""
    base, cells = _base(), []
    for i, item in enumerate(items):
        href = None
        if not item.disabled:
            t = token(session, key, i)
            REGISTRY.put(t, Entry(item.data, item.file_name, item.mime, session))
            href = f"/{base}{ROUTE_PREFIX}{t}"
        cells.append([item.label, href, item.file_name, item.help or "", item.icon or "", item.style])
    return {"lead": lead, "items": cells}


def download_row(items, *, key: str, lead: str | None = None) -> None:
    """Show ``items`` (:class:`Item`) as one row under ``key`` (``dlrow_<key>``), after ``lead`` (grey text).

    Nothing is made until a click: the link's route (or the fallback button) calls ``item.data`` then."""
    if live():
        _element()(key=f"dlrow_{key}", data=row_data(items, session=_session(), key=key, lead=lead))
        _prune()
        return
    row = st.container(horizontal=True, gap="small", key=f"dlrow_{key}",
                       **({"vertical_alignment": "center"} if lead else {}))
    if lead:
        row.caption(lead, width="content")
    for item in items:
        row.download_button(item.label, data=item.data, file_name=item.file_name, mime=item.mime, key=item.key,
                            on_click="ignore", type=item.style, help=item.help, disabled=item.disabled,
                            icon=f":material/{item.icon}:" if item.icon else None)
