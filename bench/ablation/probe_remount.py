import os, sys, json
from pathlib import Path
ROOT = Path(__file__).resolve().parents[1]; sys.path.insert(0, str(ROOT))
from bench.appserver import CHART, CHROMIUM, CHROMIUM_ARGS, start_server, stop_server, wait_app_idle
from bench.bench_ui import Bench, radio, SIG_JS, MARK_JS, WAIT_JS
from playwright.sync_api import sync_playwright
from core.words import MODEL_LABELS
models = (MODEL_LABELS["fixed"], MODEL_LABELS["random"])
INIT = """(() => { const W = window.WebSocket; window.__ev = [];
  const log = (n) => window.__ev.push([n, performance.now()]);
  window.WebSocket = class extends W { constructor(...a) { super(...a); this.addEventListener('message', e => log('msg')); } };
  const hook = (el) => { if (el.__hooked || !el.on) return; el.__hooked = true;
     ['plotly_react','plotly_afterplot','plotly_relayout','plotly_redraw'].forEach(n => el.on(n, () => log(n))); };
  new MutationObserver(() => document.querySelectorAll('.js-plotly-plot').forEach(el => { if (!el.__seen) { el.__seen = 1; log('newdiv'); } hook(el); }))
    .observe(document, {subtree: true, childList: true});
  setInterval(() => document.querySelectorAll('.js-plotly-plot').forEach(hook), 50);
})()"""
v = sys.argv[1]
logs = ROOT / "tmp" / "bench_ui"
srv = start_server(logs / "p.log", script="bench/floor_app.py") if v == "floor" else start_server(logs / "p.log", env={**os.environ, "ABLATE": "" if v == "full" else v})
cb = lambda pg, i: pg.get_by_test_id("stCheckbox").first.locator("label").click()
try:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1400, "height": 900}); ctx.add_init_script(INIT)
        pg = ctx.new_page()
        b = Bench(v, pg, srv.url + ("" if v == "floor" else "/?set=Paper+%2B+newer+trials"), cb if v == "floor" else radio(models))
        for i in range(5):
            pg.evaluate("() => { window.__ev = []; }")
            before = pg.evaluate(SIG_JS, 0); pg.evaluate(MARK_JS, 0)
            b.act(pg, i)
            ms = pg.evaluate(WAIT_JS, [0, before]); wait_app_idle(pg, 60000); pg.wait_for_timeout(400)
            ev = pg.evaluate("() => window.__ev.map(([n, t]) => [n, Math.round(t - window.__t0)])")
            msgs = [t for n, t in ev if n == 'msg']
            other = [f"{n.replace('plotly_','')}@{t}" for n, t in ev if n != 'msg']
            print(f"{v} click {i}: fig {ms:.0f}; msgs {len(msgs)} {msgs[:1]}..{msgs[-1:]}; " + " ".join(other))
finally:
    stop_server(srv.proc)
