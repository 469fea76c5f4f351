"""Where one sidebar click's time goes in the browser (issue 27 item 3): the Forest plot's "Model" radio,
fixed <-> random ("Paper + newer trials"), ``--n`` clicks after 2 warm-ups; the medians, in ms after the
pointer-down, of the first and the last WebSocket message handled by the page, the number of messages,
the start of Plotly.react and its synchronous part, its promise resolved, and the new figure seen.
With ``--floor``, bench/floor_app.py's checkbox instead (the forest figure alone).
Prints figures; asserts nothing.

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \
        .venv/bin/python bench/click_phases.py [--n 12] [--floor | --nav | --variant] [--before DIR]

``--nav``: a page switch instead (the sidebar's navigation, Forest plot <-> Sensitivity; the first figure of
the new page drawn), the "nav" row of bench/bench_ui.py.  ``--variant``: Sensitivity's "Leave out Zang 2022"
(a fragment's rerun; the variant's figure), the "sens:variant" row.

``--before DIR``: another copy of the app (``git archive <commit> | tar -x -C DIR``, ``.venv`` linked),
served at the same time and clicked in turns with this one, so that the machine's load hits both alike.
(``APPDIR=<copy>`` measures that copy alone, as before.)
"""
import argparse
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
LABELS = ("Fixed effect (IV)", "Random effects")
PAGES = ("Sensitivity", "Forest plot")
NAMES = ("first msg", "last msg", "msgs", "react start", "react sync", "react done", "redrawn seen")


class Clicks:
    """One tab on one server, its rows of phases (ms after the pointer-down), one per timed click."""

    def __init__(self, ctx, url: str, floor: bool, nav: bool = False, variant: bool = False):
        self.floor, self.nav, self.variant, self.rows = floor, nav, variant, []
        self.pg = ctx.new_page()
        self.pg.goto(url if floor else url + ("/sensitivity" if variant else "/") + "?set=Paper+%2B+newer+trials")
        self.pg.locator(CHART).first.wait_for(timeout=120000)
        wait_app_idle(self.pg, 120000)

    def click(self, i: int, record: bool) -> None:
        pg = self.pg
        pg.bring_to_front()
        before = pg.evaluate(f"() => JSON.stringify(document.querySelector('{CHART}').layout.meta)")
        if self.floor:
            pg.get_by_test_id("stCheckbox").first.locator("label").click()
        elif self.variant:
            pg.get_by_test_id("stMain").get_by_test_id("stCheckbox").filter(has_text="Zang 2022").locator("label").click()
        elif self.nav:
            pg.get_by_test_id("stSidebarNav").get_by_role("link", name=PAGES[i % 2]).click()
        else:
            pg.get_by_test_id("stSidebar").get_by_text(LABELS[i % 2], exact=True).click()
        # (a page switch: the first figure of the new page, once plotly has drawn it)
        pg.wait_for_function(f"(b) => {{const e = document.querySelector('{CHART}'); "
                             "return !!(e && e.layout) && JSON.stringify(e.layout.meta) !== b}", arg=before)
        t = pg.evaluate("performance.now()")
        wait_app_idle(pg)
        d = pg.evaluate("({t0: window.__t0, m: window.__m, r: window.__r})")
        t0, m = d["t0"], d["m"]
        r = [x for x in d["r"] if x[0] != 'done']
        done = [x[1] for x in d["r"] if x[0] == 'done']
        if record and m and r:
            self.rows.append((m[0]-t0, m[-1]-t0, len(m), r[0][0]-t0, r[0][1]-r[0][0], (done[0] if done else t)-t0, t-t0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=12)
    ap.add_argument("--floor", action="store_true", help="bench/floor_app.py's checkbox (the forest figure alone)")
    ap.add_argument("--nav", action="store_true", help="a page switch, Forest plot <-> Sensitivity")
    ap.add_argument("--variant", action="store_true", help="Sensitivity's variant check box (a fragment)")
    ap.add_argument("--before", type=Path, help="another copy of the app, clicked in turns with this one")
    args = ap.parse_args()
    script = "bench/floor_app.py" if args.floor else "app.py"
    dirs = {"": Path(os.environ.get("APPDIR", ".")).resolve()}
    if args.before:
        dirs["before"] = args.before.resolve()
    print(f"load average: {os.getloadavg()[0]:.2f}")
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    servers = {k: start_server(tmp / f"click_phases{k}.log", script=script, app_dir=d) for k, d in dirs.items()}
    try:
        with chromium() as b:
            ctx = b.new_context(viewport={"width": 1400, "height": 900})
            ctx.add_init_script(INIT)
            tabs = {k: Clicks(ctx, s.url, args.floor, args.nav, args.variant) for k, s in servers.items()}
            for i in range(args.n + 2):
                for tab in tabs.values():
                    tab.click(i, record=i >= 2)
    finally:
        for s in servers.values():
            stop_server(s.proc)
    what = ("floor app checkbox" if args.floor else "page switch" if args.nav else
            "variant check box" if args.variant else "Forest plot, Model")
    print(f"load average after: {os.getloadavg()[0]:.2f}; {what}"
          f", medians of {args.n} clicks, ms after the pointer-down")
    print(f"{'':>14}  {'this tree':>9}" + ("  before" if args.before else ""))
    for j, n in enumerate(NAMES):
        print(f"{n:>14}: " + "  ".join(f"{statistics.median(x[j] for x in t.rows):8.0f}" for t in tabs.values()))


if __name__ == "__main__":
    main()
