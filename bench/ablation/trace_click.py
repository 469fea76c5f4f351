"""Chrome trace (devtools.timeline) of --n clicks per variant; main-thread timeline click -> figure (scratch)."""
import argparse, collections, json, os, sys
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.appserver import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server, wait_app_idle
from bench.bench_ui import Bench, radio, SIG_JS, MARK_JS, WAIT_JS

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=5)
ap.add_argument("--verbose", action="store_true")
ap.add_argument("variants", nargs="+")
args = ap.parse_args()
from playwright.sync_api import sync_playwright
from core.words import MODEL_LABELS
models = (MODEL_LABELS["fixed"], MODEL_LABELS["random"])
INIT = """(() => { const W = window.WebSocket;
  window.WebSocket = class extends W { constructor(...a) { super(...a);
    this.addEventListener('message', e => performance.mark('wsmsg')); } };
  document.addEventListener('pointerdown', () => performance.mark('click'), {capture: true}); })()"""
logs = ROOT / "tmp" / "bench_ui"; logs.mkdir(parents=True, exist_ok=True)
print(f"load average before: {os.getloadavg()}")
servers = {}
for v in args.variants:
    servers[v] = (start_server(logs / "f.log", script="bench/floor_app.py") if v == "floor" else
                  start_server(logs / "t.log", script="bench/trivial_app.py") if v == "trivial" else
                  start_server(logs / f"a_{v}.log", env={**os.environ, "ABLATE": "" if v == "full" else v}))
cb = lambda pg, i: pg.get_by_test_id("stCheckbox").first.locator("label").click()
CATS = "devtools.timeline,blink.user_timing,v8.execute,disabled-by-default-devtools.timeline"
try:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        ctx.add_init_script(INIT)
        for v in args.variants:
            pg = ctx.new_page()
            b = Bench(v, pg, servers[v].url + ("" if v in ("floor", "trivial") else "/?set=Paper+%2B+newer+trials"),
                      cb if v in ("floor", "trivial") else radio(models))
            for i in range(2):
                b.step(i, record=False)
            path = ROOT / "tmp" / f"trace_{v}.json"
            browser.start_tracing(page=pg, path=str(path), categories=CATS.split(","))
            walls = []
            for i in range(args.n):
                before = pg.evaluate(SIG_JS, 0); pg.evaluate(MARK_JS, 0)
                b.act(pg, i)
                walls.append(pg.evaluate(WAIT_JS, [0, before]))
                pg.evaluate("() => performance.mark('fig')")
                wait_app_idle(pg, 60000)
                pg.wait_for_timeout(300)
            browser.stop_tracing()
            pg.close()
        browser.close()
finally:
    for s in servers.values():
        stop_server(s[0] if isinstance(s, tuple) else s.proc)
print(f"load average after: {os.getloadavg()}")

def analyse(v):
    ev = json.load(open(ROOT / "tmp" / f"trace_{v}.json"))
    ev = ev["traceEvents"] if isinstance(ev, dict) else ev
    marks = [e for e in ev if e.get("cat", "").startswith("blink.user_timing") and e.get("ph") in ("R", "I", "n", "b")
             and e.get("name") in ("click", "fig", "wsmsg")]
    pid = collections.Counter(e["pid"] for e in marks).most_common(1)[0][0]
    tid = collections.Counter(e["tid"] for e in marks if e["pid"] == pid).most_common(1)[0][0]
    marks.sort(key=lambda e: e["ts"])
    clicks = [e["ts"] for e in marks if e["name"] == "click"]
    figs = [e["ts"] for e in marks if e["name"] == "fig"]
    msgs = [e["ts"] for e in marks if e["name"] == "wsmsg"]
    main = [e for e in ev if e.get("pid") == pid and e.get("tid") == tid and e.get("ph") == "X"]
    agg = collections.Counter(); rows = []
    for c in clicks:
        f = min((t for t in figs if t > c), default=None)
        if f is None: continue
        # the last click of a step (dispatch of pointerdown may fire twice?): use the first
        ms = [t for t in msgs if c < t < f]
        tops = [e for e in main if c <= e["ts"] < f and e["name"] in ("RunTask", "ThreadControllerImpl::RunTask")]
        busy = sum(min(e["ts"] + e.get("dur", 0), f) - e["ts"] for e in tops)
        kinds = collections.Counter()
        for e in main:
            if c <= e["ts"] < f and e["name"] in ("FunctionCall", "TimerFire", "FireAnimationFrame", "Layout",
                    "UpdateLayoutTree", "Paint", "EventDispatch", "MajorGC", "MinorGC", "V8.GC_SCAVENGER",
                    "PrePaint", "Layerize", "RunMicrotasks", "v8.run", "ParseHTML", "CommitLoad", "ResizeObserver",
                    "IntersectionObserverController::computeIntersections", "HitTest", "UpdateLayerTree"):
                kinds[e["name"]] += e.get("dur", 0)
        rows.append(((f - c) / 1000, (ms[0] - c) / 1000 if ms else 0, (ms[-1] - c) / 1000 if ms else 0, len(ms), busy / 1000))
        agg.update(kinds)
        if args.verbose:
            print(f"   click at 0: msgs at " + " ".join(f"{(t - c)/1000:.0f}" for t in ms) + f"; fig at {(f-c)/1000:.0f}")
            for e in tops:
                if e.get("dur", 0) > 3000:
                    print(f"     task {(e['ts']-c)/1000:6.1f} +{e['dur']/1000:5.1f}")
    n = len(rows)
    med = lambda i: sorted(r[i] for r in rows)[n // 2]
    print(f"{v:<14} click->fig {med(0):5.0f} ms | first msg {med(1):4.0f}, last msg before fig {med(2):4.0f}, msgs {med(3):3.0f} | main-thread busy in window {med(4):4.0f} ms"
          " | " + ", ".join(f"{k} {t/1000/n:.0f}" for k, t in agg.most_common(9)))

for v in args.variants:
    analyse(v)
