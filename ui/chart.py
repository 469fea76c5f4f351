"""How a figure reaches the browser: :func:`draw`, called by ``ui.components.show_figure`` (which adds
the export buttons and the caption) for every figure in the app.

Streamlit 1.67's ``st.plotly_chart`` derives the element's id from the figure even when a ``key`` is
given (``key_as_main_identity=False`` in ``streamlit/elements/plotly_chart.py``), and the frontend
uses that id as the React key: every changed figure is unmounted and plotly draws it from scratch
(issue 27).  A components-v2 element keeps its identity by its key, so :data:`CHART_JS` (~1 kB,
resent with every delta) keeps one plotly div and calls ``Plotly.react`` on it each rerun.

plotly.js is the installed ``plotly`` package's own copy (the one kaleido draws the slides with),
copied at startup into ``static/`` (``server.enableStaticServing``; Streamlit refuses symlinks out of
it) under a versioned name, never a CDN.  ``MSCDM_CHARTS=native`` (or a copy that cannot be made)
draws with ``st.plotly_chart`` instead.  tests/app/test_chart.py fails once a Streamlit release keeps
a keyed ``st.plotly_chart`` in place: then the native element can come back.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from pathlib import Path

import plotly
import plotly.graph_objects as go
import streamlit as st
from plotly.offline import get_plotlyjs_version
from streamlit.util import AttributeDictionary

from ui.text import no_links

APP_DIR = Path(__file__).resolve().parents[1]
BACKEND_ENV = "MSCDM_CHARTS"                 # "native": st.plotly_chart; unset or "live": in place
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
STATIC_NAME = f"plotly-{get_plotlyjs_version()}.min.js"
SELECTION = "selection"                       # the trigger a click on a point sends
DEFAULT_HEIGHT = 450                          # st.plotly_chart's height for a figure without one
# The modebar as st.plotly_chart shows it (no plotly logo, no cloud, no lasso/box unless selecting).
NOT_SELECTING = ["lasso2d", "select2d", "sendChartToCloud"]
_LOG = logging.getLogger(__name__)
_JSON_ATTR = "_mscdm_screen_json"             # screen_json's copy, kept on the figure object

# One plotly div per element; a newer figure replaces the wanted one and is drawn when the current
# draw ends (never two Plotly.react at once).  A figure in view is drawn at once; one below the fold in
# a task of its own after it, so the browser paints the figure in view before plotly draws the others
# (Sensitivity has five: a page switch or a sidebar change waited for all of them, issue 27).  The cleanup purges only a div no longer on the page:
# Streamlit may run an older call's cleanup after a newer call has started.  A div that is removed or hidden
# (width 0, e.g. during a page switch) is not resized: plotly rejects that with a page error.
CHART_JS = """let L;const load=u=>window.Plotly?Promise.resolve(window.Plotly):L||(L=new Promise((ok,no)=>{
const s=document.createElement("script");s.src=u;s.onload=()=>ok(window.Plotly);
s.onerror=()=>{L=null;no(Error("plotly.js not loaded: "+u))};document.head.appendChild(s)}));
const pts=e=>({points:e.points.map(p=>({x:p.x,y:p.y,customdata:p.customdata,curve_number:p.curveNumber,
point_number:p.pointNumber,point_index:p.pointIndex}))});
function draw(P,gd){if(gd.__busy)return;const s=gd.__want;gd.__busy=1;
P.react(gd,s.fig.data,s.fig.layout,s.config).then(()=>{
if(s.sel&&!gd.__on){gd.__on=1;gd.on("plotly_click",e=>gd.__pick("selection",pts(e)))}
if(!gd.__ro){gd.__w=gd.clientWidth;gd.__ro=new ResizeObserver(()=>{
if(gd.clientWidth&&gd.clientWidth!==gd.__w){gd.__w=gd.clientWidth;P.Plots.resize(gd)}});gd.__ro.observe(gd)}
}).finally(()=>{gd.__busy=0;if(gd.__want!==s)draw(P,gd)})}
export default function({data,parentElement:root,setTriggerValue}){
let gd=root.querySelector("div.mscdm-chart");
if(!gd){gd=document.createElement("div");gd.className="mscdm-chart";root.appendChild(gd)}
gd.__pick=setTriggerValue;const txt=new TextDecoder().decode(data);
if(gd.__txt!==txt){gd.__txt=txt;const s=JSON.parse(txt),l=s.fig.layout;l.height=l.height||s.h;
if(s.sel){l.clickmode??="event+select";l.hovermode??="closest";l.dragmode??="pan"}
gd.style.height=l.height+"px";gd.__want=s;load(s.src).then(P=>{const r=gd.getBoundingClientRect();
r.bottom>0&&r.top<innerHeight?draw(P,gd):setTimeout(()=>draw(P,gd))})}
return()=>{if(!gd.isConnected&&window.Plotly){gd.__ro&&gd.__ro.disconnect();window.Plotly.purge(gd)}}}"""


@functools.cache
def _component():
    return st.components.v2.component("mscdm_chart", js=CHART_JS, isolate_styles=False)


def static_plotly_js(app_dir: Path | None = None) -> str | None:
    """The URL path of plotly.js in the app's ``static/`` folder (default: next to the running main
    script, app.py or a benchmark's app), copied there first; None when it cannot be served."""
    if app_dir is None:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        app_dir = Path(ctx.main_script_path).resolve().parent if ctx else APP_DIR
    return _static_copy(app_dir)


@functools.cache
def _static_copy(app_dir: Path) -> str | None:
    """Copy the installed plotly.min.js to ``app_dir/static/`` (once per process, atomically: another
    replica or session may be reading it) and return its URL path; None when it cannot be served."""
    if not st.get_option("server.enableStaticServing"):
        _LOG.warning("server.enableStaticServing is off: figures fall back to st.plotly_chart")
        return None
    target = app_dir / "static" / STATIC_NAME
    try:
        if not target.is_file() or target.stat().st_size != PLOTLY_JS.stat().st_size:
            target.parent.mkdir(exist_ok=True)
            tmp = target.with_name(f".{STATIC_NAME}.{os.getpid()}")
            tmp.write_bytes(PLOTLY_JS.read_bytes())
            os.replace(tmp, target)
    except OSError as exc:
        _LOG.warning("plotly.js could not be copied to %s (%s): figures fall back to st.plotly_chart", target, exc)
        return None
    base = st.get_option("server.baseUrlPath").strip("/")
    return f"{'/' + base if base else ''}/app/static/{STATIC_NAME}"


def live() -> bool:
    """Whether figures are drawn in place (the components-v2 element) rather than by st.plotly_chart."""
    return os.environ.get(BACKEND_ENV, "live") != "native" and static_plotly_js() is not None


def chart_config(*, selecting: bool = False) -> dict:
    """The plotly config both ways of drawing use: no logo, and no camera button.  The camera saved an
    uncaptioned 3840 x 2160 image with tiny text under the slide's own file name (issue 26 item 12);
    the slide buttons under every figure export the captioned 16:9 slide instead."""
    return {"displaylogo": False, "modeBarButtonsToRemove": ["toImage", *([] if selecting else NOT_SELECTING)]}


def _selection(points: list) -> AttributeDictionary:
    """A selection shaped as st.plotly_chart returns it (``event.selection.points``)."""
    return AttributeDictionary({SELECTION: AttributeDictionary(
        {"points": points, "point_indices": [p.get("point_index") for p in points], "box": [], "lasso": []})})


def screen_json(fig) -> str:
    """``fig``'s JSON as the browser gets it: a dataset's ``<a href>`` in a label drawn as text, never a link.

    Kept on the figure object after the first call: plotly's ``to_json`` walks every array (~5-10 ms a
    figure), and the pages' figures come from ui/cache.py's caches as the same object on every rerun
    (five on Sensitivity).  A figure is never mutated once drawn (ui.cache's contract for shared
    figures; a page's own figure is built anew on each run)."""
    kept = getattr(fig, _JSON_ATTR, None)
    if kept is None:
        kept = no_links(fig.to_json())
        setattr(fig, _JSON_ATTR, kept)
    return kept


def draw(fig, key: str, config: dict, *, on_select=None):
    """Show ``fig`` under ``key``, updated in place on later reruns.

    ``on_select``: a callback run when the user clicks a point (as ``st.plotly_chart(on_select=...)``;
    ``"rerun"`` just reruns).  Returns the selection (``.selection.points``, each with x, y and
    customdata), kept while the figure is unchanged as st.plotly_chart keeps it; None without on_select.
    """
    if not live():      # (the fallback rebuilds the figure to drop links: ~50 ms, only without static serving)
        return st.plotly_chart(go.Figure(json.loads(screen_json(fig))), key=key, theme=None, width="stretch",
                               config=config, on_select=on_select or "ignore", selection_mode="points")
    fig_json = screen_json(fig)
    payload = (f'{{"src":{json.dumps(static_plotly_js())},"h":{DEFAULT_HEIGHT},"sel":{int(on_select is not None)},'
               f'"config":{json.dumps(config)},"fig":{fig_json}}}').encode()
    callbacks = {}
    if on_select is not None:
        callbacks["on_selection_change"] = on_select if callable(on_select) else (lambda: None)
    result = _component()(key=key, data=payload, **callbacks)
    if on_select is None:
        return None
    # A trigger lasts one run; st.plotly_chart's selection lasts until its figure changes.
    digest, kept = f"_chart_selection_{key}", None
    fig_hash = hashlib.blake2b(fig_json.encode(), digest_size=16).hexdigest()
    clicked = result.get(SELECTION)
    if clicked is not None:
        st.session_state[digest] = (fig_hash, clicked.get("points", []))
    stored = st.session_state.get(digest)
    if stored and stored[0] == fig_hash:
        kept = stored[1]
    return _selection(kept or [])
