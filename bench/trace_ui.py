"""Where the browser's time goes on a click: Chrome's own counters (CDP ``Performance.getMetrics``:
script, layout, style recalculation, total task time) summed over ``--n`` sidebar clicks on the
Forest plot page and on the trivial app, plus the page's DOM node count.  Prints; asserts nothing.
"forest native" is the same page with ``MSCDM_CHARTS=native`` (the figure by st.plotly_chart, which
remounts it on every change; issue 27's before), measured in the same run.

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \
        .venv/bin/python bench/trace_ui.py [--n 10]
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_ui import Bench  # noqa: E402
from tests.support.appserver import chromium, start_server, stop_server  # noqa: E402

KEYS = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def metrics(cdp) -> dict:
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10)
    args = ap.parse_args()

    logs = ROOT / "tmp" / "bench_ui"
    logs.mkdir(parents=True, exist_ok=True)
    app, triv = start_server(logs / "trace_app.log"), start_server(logs / "trace_triv.log", script="bench/trivial_app.py")
    native = start_server(logs / "trace_native.log", env={**os.environ, "MSCDM_CHARTS": "native"})
    model = lambda pg, i: pg.get_by_test_id("stSidebar").get_by_text(   # noqa: E731
        ("Fixed effect (IV)", "Random effects")[i % 2], exact=True).click()
    rows = []
    try:
        with chromium() as browser:
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            benches = [
                Bench("trivial", ctx.new_page(), triv.url,
                      lambda pg, i: pg.get_by_test_id("stCheckbox").first.locator("label").click()),
                Bench("forest", ctx.new_page(), f"{app.url}/?set=Paper+%2B+newer+trials", model),
                Bench("forest native", ctx.new_page(), f"{native.url}/?set=Paper+%2B+newer+trials", model),
            ]
            for b in benches:
                for i in range(2):
                    b.step(i, record=False)
                cdp = b.page.context.new_cdp_session(b.page)
                cdp.send("Performance.enable")
                before = metrics(cdp)
                for i in range(args.n):
                    b.step(i, record=True)
                after = metrics(cdp)
                nodes = b.page.evaluate("() => document.getElementsByTagName('*').length")
                svg_text = b.page.evaluate("() => document.querySelectorAll('svg text').length")
                rows.append((b.name, {k: 1000 * (after[k] - before[k]) / args.n for k in KEYS}, nodes, svg_text,
                             sorted(b.times)[len(b.times) // 2]))
    finally:
        stop_server(app.proc)
        stop_server(triv.proc)
        stop_server(native.proc)
    print(f"browser main-thread time per click (ms, CDP Performance.getMetrics, mean of {args.n} clicks)")
    print(f"{'page':<14} {'task':>7} {'script':>7} {'layout':>7} {'style':>7}   {'DOM nodes':>9} {'svg text':>8}"
          f"  click->redrawn p50")
    for name, m, nodes, svg_text, p50 in rows:
        print(f"{name:<14} {m['TaskDuration']:7.0f} {m['ScriptDuration']:7.0f} {m['LayoutDuration']:7.0f} "
              f"{m['RecalcStyleDuration']:7.0f}   {nodes:9d} {svg_text:8d}  {p50:7.0f}")


if __name__ == "__main__":
    main()
