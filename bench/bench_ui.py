"""Benchmark of the dashboard's responsiveness in headless Chromium.  Prints figures; asserts nothing.

Run from the repository root::

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \
        .venv/bin/python bench/bench_ui.py [--n 30]

For each page it times, in the browser's own clock (``performance.now()``), the interval from
the click on a widget to the moment the page's plotly figure holds the new result (its
``layout.meta`` changes), over ``--n`` interactions after two warm-up ones:

- trivial: bench/trivial_app.py (one checkbox, one tiny figure): Streamlit's own floor;
- forest: the Forest plot page, sidebar "Model" toggled between Fixed effect and Random effects
  (paper + newer trials, so the pooled diamond moves);
- sensitivity: the Sensitivity page, the "Leave out Zang 2022" check box toggled (the variant's
  diamond moves); the variant section is an ``st.fragment``, so only it reruns;
- sens-sidebar: the Sensitivity page, sidebar "Model" toggled between Fixed effect and Random
  effects: the whole page reruns (5 figures, 2 tables, robustness summary over ~25 variants;
  cached after the first visit of each setting).

Both servers run at once, with the same flags as the tests, and the pages are measured in
turn, interleaved, so that machine load hits all of them alike.  The load average is printed,
because other processes inflate every figure.  Goal (issue 6): p95 <= 250 ms and <= 1.3x the
trivial page.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.appserver import CHART, CHROMIUM, CHROMIUM_ARGS, start_server, stop_server, wait_app_idle  # noqa: E402

WAIT_JS = """([index, before]) => new Promise((resolve, reject) => {
  const t_end = performance.now() + 30000;
  const poll = () => {
    const el = document.querySelectorAll('%s')[index];
    const meta = el && el.layout ? JSON.stringify(el.layout.meta) : null;
    if (meta !== null && meta !== before) { resolve([performance.now() - window.__t0, meta]); return; }
    if (performance.now() > t_end) { reject(new Error('figure did not change')); return; }
    requestAnimationFrame(poll);
  };
  poll();
})""" % CHART
ARM_JS = """() => { document.addEventListener('pointerdown', () => { window.__t0 = performance.now(); },
                                             {capture: true}); }"""


def meta(page, index=0) -> str:
    return page.evaluate(f"() => JSON.stringify(document.querySelectorAll('{CHART}')[{index}].layout.meta)")


class Bench:
    """One page in one browser tab: ``toggle(i)`` clicks the i-th alternative widget."""

    def __init__(self, name, page, url, targets, chart_index=0):
        self.name, self.page, self.targets, self.index = name, page, targets, chart_index
        page.goto(url)
        page.locator(CHART).first.wait_for(timeout=120_000)
        wait_app_idle(page, 120_000)
        page.evaluate(ARM_JS)
        self.times: list[float] = []

    def step(self, i: int, record: bool) -> None:
        self.page.bring_to_front()        # background tabs throttle requestAnimationFrame to ~1 s
        before = meta(self.page, self.index)
        self.targets(self.page, i).click()
        try:
            ms, _ = self.page.evaluate(WAIT_JS, [self.index, before])
        except Exception as exc:
            raise RuntimeError(f"{self.name}: interaction {i}: {exc}") from None
        wait_app_idle(self.page, 60_000)
        if record:
            self.times.append(ms)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=30, help="timed interactions per page (after 2 warm-ups)")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    logs = ROOT / "tmp" / "bench_ui"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    app_server = start_server(logs / "app.log")
    triv_server = start_server(logs / "trivial.log", script="bench/trivial_app.py")
    app, app_url, triv, triv_url = app_server.proc, app_server.url, triv_server.proc, triv_server.url
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            everything = "set=Paper+%2B+newer+trials"
            benches = [
                Bench("trivial", ctx.new_page(), triv_url,
                      lambda pg, i: pg.get_by_test_id("stCheckbox").first.locator("label")),
                Bench("forest", ctx.new_page(), f"{app_url}/?{everything}",
                      lambda pg, i: pg.get_by_test_id("stSidebar").get_by_text(
                          ("Fixed effect (IV)", "Random effects")[i % 2], exact=True)),
                Bench("sensitivity", ctx.new_page(), f"{app_url}/sensitivity?{everything}",
                      lambda pg, i: pg.get_by_test_id("stMain").get_by_test_id("stCheckbox")
                      .filter(has_text="Zang 2022").locator("label")),
                Bench("sens-sidebar", ctx.new_page(), f"{app_url}/sensitivity?{everything}",
                      lambda pg, i: pg.get_by_test_id("stSidebar").get_by_text(
                          ("Fixed effect (IV)", "Random effects")[i % 2], exact=True)),
            ]
            for i in range(args.n + 2):
                for b in benches:
                    b.step(i, record=i >= 2)
            browser.close()
    finally:
        stop_server(app)
        stop_server(triv)
    print(f"load average after:  {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"\nwidget click -> redrawn figure, browser clock, {args.n} interactions per page (ms)")
    print(f"{'page':<12} {'p50':>7} {'p95':>7} {'max':>7}   p50/trivial  p95/trivial")
    base50, base95 = (np.percentile(benches[0].times, q) for q in (50, 95))
    for b in benches:
        p50, p95 = np.percentile(b.times, 50), np.percentile(b.times, 95)
        print(f"{b.name:<12} {p50:7.0f} {p95:7.0f} {max(b.times):7.0f}   {p50 / base50:10.2f}x {p95 / base95:11.2f}x")


if __name__ == "__main__":
    main()
