"""Ablation (issue 13): forest:radio against app servers each started with ABLATE=<parts>, in a scratch copy
of the repository with bench/ablation/ablate.patch applied (git archive 4e93837 | tar -x -C tmp/ablate;
cd tmp/ablate && patch -p1 < ../../bench/ablation/ablate.patch; cp ../../bench/ablation/*.py bench/).
Per click: click -> redrawn (browser clock), CDP Performance.getMetrics deltas, WebSocket messages."""
import argparse, os, sys
from pathlib import Path
import numpy as np
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.appserver import CHROMIUM, CHROMIUM_ARGS, start_server, stop_server
from bench.bench_ui import Bench, radio

ap = argparse.ArgumentParser()
ap.add_argument("--n", type=int, default=10)
ap.add_argument("variants", nargs="+")
args = ap.parse_args()
KEYS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")
INIT = """(() => { const W = window.WebSocket; window.__msgs = [];
  window.WebSocket = class extends W { constructor(...a) { super(...a);
    this.addEventListener('message', e => window.__msgs.push([performance.now(), e.data.byteLength || e.data.size || e.data.length || 0])); } }; })()"""
from playwright.sync_api import sync_playwright
from core.words import MODEL_LABELS
models = (MODEL_LABELS["fixed"], MODEL_LABELS["random"])
logs = ROOT / "tmp" / "bench_ui"; logs.mkdir(parents=True, exist_ok=True)
print(f"load average before: {os.getloadavg()}")
servers = {"trivial": start_server(logs / "t.log", script="bench/trivial_app.py"),
           "floor:forest": start_server(logs / "f.log", script="bench/floor_app.py")}
for v in dict.fromkeys(args.variants):      # a repeated variant: another tab on the same server
    servers[v] = start_server(logs / f"a_{v}.log", env={**os.environ, "ABLATE": "" if v == "full" else v})
try:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1400, "height": 900})
        ctx.add_init_script(INIT)
        cb = lambda pg, i: pg.get_by_test_id("stCheckbox").first.locator("label").click()
        benches = [Bench("trivial", ctx.new_page(), servers["trivial"].url, cb),
                   Bench("floor:forest", ctx.new_page(), servers["floor:forest"].url, cb)]
        for v in args.variants:
            benches.append(Bench(v, ctx.new_page(), servers[v].url + "/?set=Paper+%2B+newer+trials", radio(models)))
        for b in benches:
            b.cdp = b.page.context.new_cdp_session(b.page); b.cdp.send("Performance.enable"); b.m = []; b.w = []
        for b in benches[2:]:
            b.nodes = b.page.evaluate("() => document.getElementsByTagName('*').length")
        for i in range(args.n + 2):
            for b in benches:
                b.page.bring_to_front()
                b.page.evaluate("() => { window.__msgs = []; }")
                m0 = {m["name"]: m["value"] for m in b.cdp.send("Performance.getMetrics")["metrics"]}
                b.step(i, record=i >= 2)
                m1 = {m["name"]: m["value"] for m in b.cdp.send("Performance.getMetrics")["metrics"]}
                if i >= 2:
                    b.m.append([1000 * (m1[k] - m0[k]) for k in KEYS])
                    b.w.append(b.page.evaluate("() => [window.__msgs.length, window.__msgs.length ? window.__msgs[0][0] - window.__t0 : 0, window.__msgs.length ? window.__msgs[window.__msgs.length-1][0] - window.__t0 : 0, window.__msgs.reduce((s, m) => s + m[1], 0)]"))
        browser.close()
finally:
    for s in servers.values():
        stop_server(s.proc)
print(f"load average after: {os.getloadavg()}")
base50, base95 = (np.percentile(benches[0].times, q) for q in (50, 95))
print(f"{'row (ABLATE=)':<28} {'p50':>6} {'p95':>6}  p50/triv p95/triv  DOM nodes | per click, medians: task script layout style (ms) | msgs, first msg, last msg (ms after click), kB")
for b in benches:
    p50, p95 = np.percentile(b.times, 50), np.percentile(b.times, 95)
    print(f"{b.name:<28} {p50:6.0f} {p95:6.0f}  {p50/base50:7.2f}x {p95/base95:7.2f}x  {getattr(b, 'nodes', ''):>6} | " + " ".join(f"{x:6.0f}" for x in np.median(b.m, axis=0)) + " | " + " ".join(f"{x:6.0f}" for x in np.median(b.w, axis=0)[:3]) + f" {np.median(b.w, axis=0)[3]/1024:6.1f}")
