"""Where one sidebar click's time goes in the browser (issue 27 item 3): the Forest plot's "Model" radio,
fixed <-> random ("Paper + newer trials"), 12 clicks after 2 warm-ups; the medians, in ms after the
pointer-down, of the first and the last WebSocket message handled by the page, the number of messages,
the start of Plotly.react and its synchronous part, its promise resolved, and the new figure seen.
Prints figures; asserts nothing.

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \
        [APPDIR=<another copy of the app>] .venv/bin/python bench/click_phases.py [--nav]

``--nav``: a page switch instead (the sidebar's navigation, Forest plot <-> Sensitivity; the first figure of
the new page drawn), the "nav" row of bench/bench_ui.py.
"""
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.appserver import CHART, chromium, start_server, stop_server, wait_app_idle  # noqa: E402

# Message handling is timed by wrapping the page's WebSocket; Plotly.react by wrapping it once loaded.
INIT = """window.__m=[];const OW=window.WebSocket;window.WebSocket=function(...a){const w=new OW(...a);
w.addEventListener('message',()=>window.__m.push(performance.now()));return w};window.WebSocket.prototype=OW.prototype;
Object.assign(window.WebSocket, OW);
document.addEventListener('pointerdown',()=>{window.__t0=performance.now();window.__m=[];window.__r=[]},{capture:true});
const hook=()=>{if(window.Plotly&&!window.Plotly.__h){const R=window.Plotly.react;window.Plotly.__h=1;
window.Plotly.react=function(...a){const s=performance.now();const p=R.apply(this,a);(window.__r=window.__r||[]).push([s,performance.now()]);
p.then(()=>window.__r.push(['done',performance.now()]));return p}}};setInterval(hook,50);
"""
app_dir = Path(os.environ.get("APPDIR", ".")).resolve()
print(f"load average: {os.getloadavg()[0]:.2f}")
srv = start_server(Path(os.environ.get("TMPDIR", "/tmp")) / "click_phases.log", app_dir=app_dir)
NAV = "--nav" in sys.argv
labels = ("Sensitivity", "Forest plot") if NAV else ("Fixed effect (IV)", "Random effects")
try:
    with chromium() as b:
        ctx = b.new_context(viewport={"width": 1400, "height": 900}); ctx.add_init_script(INIT)
        pg = ctx.new_page(); pg.goto(srv.url + "/?set=Paper+%2B+newer+trials")
        pg.locator(CHART).first.wait_for(timeout=120000); wait_app_idle(pg, 120000)
        rows = []
        for i in range(14):
            before = pg.evaluate(f"() => JSON.stringify(document.querySelector('{CHART}').layout.meta)")
            sb = pg.get_by_test_id("stSidebar")
            (sb.get_by_test_id("stSidebarNav").get_by_role("link", name=labels[i % 2]) if NAV
             else sb.get_by_text(labels[i % 2], exact=True)).click()
            pg.wait_for_function(f"(b) => {{const e = document.querySelector('{CHART}'); "
                                 "return !!(e && e.layout) && JSON.stringify(e.layout.meta) !== b}", arg=before)
            t = pg.evaluate("performance.now()")
            wait_app_idle(pg)
            d = pg.evaluate("({t0: window.__t0, m: window.__m, r: window.__r})")
            t0 = d["t0"]; m = d["m"]; r = [x for x in d["r"] if x[0] != 'done']; done = [x[1] for x in d["r"] if x[0] == 'done']
            if i >= 2 and m and r:
                rows.append((m[0]-t0, m[-1]-t0, len(m), r[0][0]-t0, r[0][1]-r[0][0], (done[0] if done else t)-t0, t-t0))
        names = ("first msg", "last msg", "msgs", "react start", "react sync", "react done", "redrawn seen")
        for j, n in enumerate(names):
            print(f"{n:>14}: median {statistics.median(x[j] for x in rows):7.0f}")
finally:
    stop_server(srv.proc)
