"""One Streamlit session spoken at the protocol level: no browser, no rendering (issue 16's light
load generator; bench/load_ws.py runs many of them, bench/load_test.py ``--client ws`` reports).

It does what the Streamlit 1.67 frontend does on the wire (checked against the frames Chromium
sends, captured over CDP):

* ``GET <page>``, ``GET /_stcore/health`` (which sets the ``_streamlit_xsrf`` cookie) and
  ``GET /_stcore/host-config``; then the WebSocket ``/_stcore/stream`` with the subprotocols
  ``streamlit, <xsrf token>``, the cookie and the page's ``Origin`` (XSRF stays on);
* the first ``BackMsg.rerun_script`` carries the URL's query string, an empty page script hash
  and no widget state;
* after each run it keeps the value of every widget the run drew (the server's value where it
  set one, else the widget's own, else its default) and forgets widgets the run no longer drew;
  a user change sends ``rerun_script`` with the FULL widget state, the current page's script
  hash and the URL's query string, which it updates as the frontend does for widgets bound to
  the URL (a value equal to the default removes its parameter); ``page_info_changed`` replaces it;
* a page switch sends the target page's hash, the widget states of the main script's widgets
  only, and only the bound widgets' URL parameters;
* large elements are cached as in the frontend (``cached_message_hashes``; ``ref_hash``
  messages are resolved from the cache; unused entries expire after 2 runs).

Each rerun is timed from the request sent to the ``script_finished`` message received; an
exception element, a ``script_finished`` with a compile error, or no ``script_finished`` within
the timeout is an error.  The forest figure's ``layout.meta`` is read from its element
(ui/chart.py's, or st.plotly_chart's with ``MSCDM_CHARTS=native``), so a caller can check that a change really reached the app.
"""
from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

XSRF_COOKIE = "_streamlit_xsrf"
RUN_TIMEOUT_S = 30.0
MAX_CACHED_MESSAGE_AGE = 2          # Streamlit's global.maxCachedMessageAge default
FOREST_CHART_KEY = "forest_chart"   # pages/forest.py: show_figure(..., key="forest_chart")
FINISHED_OK = (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)
# Widget kinds whose value the frontend keeps and sends back (buttons are triggers: sent only
# when clicked; charts without selections send nothing).
VALUE_KINDS = ("radio", "selectbox", "checkbox", "slider", "multiselect")


@dataclass
class Widget:
    """One drawn widget: its element, the script that drew it, and its user key."""

    id: str
    kind: str
    proto: object
    script_hash: str
    sidebar: bool

    @property
    def key(self) -> str:
        """The user key (the bound URL parameter, else the end of the element id)."""
        return getattr(self.proto, "query_param_key", "") or self.id.rsplit("-", 1)[-1]

    @property
    def options(self) -> list:
        return list(getattr(self.proto, "options", ()))

    def default_value(self):
        p = self.proto
        if self.kind in ("radio", "selectbox"):
            return p.options[p.default] if p.HasField("default") and p.default < len(p.options) else None
        if self.kind == "checkbox":
            return p.default
        if self.kind == "slider":
            return list(p.default)
        if self.kind == "multiselect":
            return [p.options[i] for i in p.default if i < len(p.options)]
        return None

    def server_value(self):
        """The value the server set in this run (``set_value``), else None."""
        p = self.proto
        if not getattr(p, "set_value", False):
            return None
        return {"radio": lambda: p.raw_value, "selectbox": lambda: p.raw_value, "checkbox": lambda: p.value,
                "slider": lambda: list(p.value), "multiselect": lambda: list(p.raw_values)}[self.kind]()


def widget_state(widget_id: str, kind: str, value) -> WidgetState:
    """The WidgetState the frontend sends for a widget of ``kind`` holding ``value``."""
    ws = WidgetState(id=widget_id)
    if kind in ("radio", "selectbox"):
        ws.string_value = value
    elif kind == "checkbox":
        ws.bool_value = bool(value)
    elif kind == "slider":
        ws.double_array_value.data[:] = [float(v) for v in value]
    elif kind == "multiselect":
        ws.string_array_value.data[:] = list(value)
    return ws


def url_value(kind: str, value):
    """A bound widget's value as the frontend writes it into the URL."""
    if kind == "checkbox":
        return "true" if value else "false"
    if kind == "slider":
        return [f"{v:g}" for v in value]
    return value


def encode_query(params: dict) -> str:
    """The query string as the frontend's query-string library writes it: keys sorted, strict
    percent-encoding, spaces as ``+``."""
    pairs = []
    for k in sorted(params):
        values = params[k] if isinstance(params[k], list) else [params[k]]
        pairs += [f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(str(v), safe='')}" for v in values]
    return "&".join(pairs).replace("%20", "+")


def decode_query(qs: str) -> dict:
    out: dict = {}
    for k, v in urllib.parse.parse_qsl(qs, keep_blank_values=True):
        out[k] = [*out[k], v] if k in out and isinstance(out[k], list) else ([out[k], v] if k in out else v)
    return out


@dataclass
class RunResult:
    """What one rerun request brought back."""

    ms: float = float("nan")              # request sent -> script_finished received
    status: int | None = None             # ScriptFinishedStatus; None: none arrived
    exceptions: list = field(default_factory=list)
    forest_meta: dict | None = None       # layout.meta of the forest figure, if the run drew it
    messages: int = 0

    @property
    def ok(self) -> bool:
        return self.status in FINISHED_OK and not self.exceptions


class WsSession:
    """One Streamlit session over the WebSocket protocol.  ``await open()``, then ``await
    change(key, value)`` / ``await switch_page(name)``; ``await close()`` at the end."""

    def __init__(self, base_url: str, query: str = "", run_timeout: float = RUN_TIMEOUT_S):
        self.base = base_url.rstrip("/")
        self.path = ""                       # url_pathname of the current page ("" = default page)
        self.query = decode_query(query.lstrip("?"))
        self.run_timeout = run_timeout
        self.ws = None
        self.values: dict[str, object] = {}      # widget id -> value (insertion order = frontend's)
        self.widgets: dict[str, Widget] = {}     # widget id -> the widget drawn in the last run
        self.pages: dict[str, tuple[str, str]] = {}   # page title -> (script hash, url_pathname)
        self.page_hash = ""
        self.main_script_hash = ""
        self.cache: dict[str, list] = {}         # hash -> [ForwardMsg, run count when last used]
        self.run_count = 0

    # -- connection -------------------------------------------------------------------------
    def _http_prelude(self) -> str:
        """GET the page, health (the XSRF cookie) and host-config, as the frontend does; return
        the XSRF token."""
        token = ""
        for path in (f"/{self.path}", "/_stcore/health", "/_stcore/host-config"):
            with urllib.request.urlopen(self.base + path, timeout=self.run_timeout) as r:
                r.read()
                for cookie in r.headers.get_all("Set-Cookie") or ():
                    name, _, rest = cookie.partition("=")
                    if name.strip() == XSRF_COOKIE:
                        token = rest.split(";", 1)[0]
        return token

    async def open(self) -> RunResult:
        """Connect and run the page as a browser's first load does; return that run."""
        from websockets.asyncio.client import connect

        token = await asyncio.to_thread(self._http_prelude)
        ws_url = "ws" + self.base[len("http"):] + "/_stcore/stream"
        self.ws = await connect(ws_url, subprotocols=["streamlit", token] if token else ["streamlit"],
                                origin=self.base, additional_headers={"Cookie": f"{XSRF_COOKIE}={token}"},
                                max_size=None, open_timeout=self.run_timeout, ping_interval=None)
        return await self._rerun(page_hash="", states=[], query=encode_query(self.query))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    # -- what a user does -------------------------------------------------------------------
    def widget(self, key: str) -> Widget | None:
        return next((w for w in self.widgets.values() if w.key == key), None)

    def value(self, key: str):
        w = self.widget(key)
        return None if w is None else self.values.get(w.id)

    @property
    def page_title(self) -> str:
        return next((t for t, (h, _) in self.pages.items() if h == self.page_hash), "")

    async def change(self, key: str, value) -> RunResult:
        """Set the widget with user key ``key`` to ``value`` (a label for radios and selectboxes)
        and rerun, as a click in the browser does."""
        w = self.widget(key)
        if w is None:
            raise KeyError(f"no widget {key!r} on this page")
        self.values[w.id] = value
        if getattr(w.proto, "query_param_key", ""):      # the frontend's maybeSyncValueToUrl
            if value == w.default_value():
                self.query.pop(w.proto.query_param_key, None)
            else:
                self.query[w.proto.query_param_key] = url_value(w.kind, value)
        states = [widget_state(i, self.widgets[i].kind, v) for i, v in self.values.items() if i in self.widgets]
        return await self._rerun(self.page_hash, states, encode_query(self.query))

    async def switch_page(self, title: str) -> RunResult:
        """Open another page from the navigation, as a click on its sidebar link does."""
        page_hash, path = self.pages[title]
        kept = [w for w in self.widgets.values() if w.script_hash == self.main_script_hash]
        bound = {w.proto.query_param_key for w in kept if getattr(w.proto, "query_param_key", "")}
        self.query = {k: v for k, v in self.query.items() if k in bound}
        states = [widget_state(w.id, w.kind, self.values[w.id]) for w in kept if w.id in self.values]
        result = await self._rerun(page_hash, states, encode_query(self.query))
        self.path = path
        return result

    # -- the wire ---------------------------------------------------------------------------
    async def _rerun(self, page_hash: str, states: list, query: str) -> RunResult:
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = query
        cs.page_script_hash = page_hash
        cs.widget_states.widgets.extend(states)
        cs.cached_message_hashes.extend(self.cache)
        ctx = cs.context_info
        ctx.timezone, ctx.timezone_offset, ctx.locale = "UTC", 0, "en-US"
        ctx.url, ctx.is_embedded, ctx.color_scheme = f"{self.base}/{self.path}", False, "light"
        result = RunResult()
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        try:
            await asyncio.wait_for(self._receive_run(result), self.run_timeout)
        except asyncio.TimeoutError:
            return result                        # status None: no script_finished in time
        result.ms = 1000 * (time.perf_counter() - t0)
        return result

    async def _receive_run(self, result: RunResult) -> None:
        drawn: dict[str, Widget] = {}
        while True:
            fwd = ForwardMsg.FromString(await self.ws.recv())
            result.messages += 1
            if fwd.WhichOneof("type") == "ref_hash":
                fwd = self._from_cache(fwd)
            kind = fwd.WhichOneof("type")
            if kind == "delta":
                self._delta(fwd, drawn, result)
            elif kind == "new_session":
                self.main_script_hash = fwd.new_session.main_script_hash
                self.page_hash = fwd.new_session.page_script_hash
            elif kind == "navigation":
                nav = fwd.navigation
                self.pages = {p.page_name: (p.page_script_hash, p.url_pathname) for p in nav.app_pages}
                self.page_hash = nav.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query = decode_query(fwd.page_info_changed.query_string)
            elif kind == "script_finished" and fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                result.status = fwd.script_finished
                if fwd.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    self._finish(drawn)
                return

    def _from_cache(self, ref: ForwardMsg) -> ForwardMsg:
        entry = self.cache[ref.ref_hash]
        entry[1] = self.run_count
        msg = ForwardMsg()
        msg.CopyFrom(entry[0])
        msg.metadata.CopyFrom(ref.metadata)
        return msg

    def _delta(self, fwd: ForwardMsg, drawn: dict, result: RunResult) -> None:
        if fwd.metadata.cacheable and fwd.hash:
            self.cache[fwd.hash] = [fwd, self.run_count]
        if fwd.delta.WhichOneof("type") != "new_element":
            return
        el = fwd.delta.new_element
        kind = el.WhichOneof("type")
        if kind == "exception":
            result.exceptions.append(f"{el.exception.type}: {el.exception.message[:300]}")
        elif kind == "plotly_chart" and el.plotly_chart.id.endswith("-" + FOREST_CHART_KEY):
            result.forest_meta = json.loads(el.plotly_chart.spec).get("layout", {}).get("meta")
        elif kind == "bidi_component" and el.bidi_component.id.endswith("-" + FOREST_CHART_KEY):   # ui/chart.py
            result.forest_meta = json.loads(el.bidi_component.bytes)["fig"].get("layout", {}).get("meta")
        elif kind in VALUE_KINDS:
            proto = getattr(el, kind)
            path = fwd.metadata.delta_path
            drawn[proto.id] = Widget(proto.id, kind, proto, fwd.metadata.active_script_hash,
                                     sidebar=bool(path) and path[0] == 1)

    def _finish(self, drawn: dict) -> None:
        """After a full run: the widgets it drew and their values (the frontend's removeInactive);
        cached messages unused for more than MAX_CACHED_MESSAGE_AGE runs expire."""
        values = {}
        for wid, w in drawn.items():
            server = w.server_value()
            values[wid] = server if server is not None else self.values.get(wid, w.default_value())
        self.widgets, self.values = drawn, values
        self.run_count += 1
        self.cache = {h: e for h, e in self.cache.items() if self.run_count - e[1] <= MAX_CACHED_MESSAGE_AGE}
