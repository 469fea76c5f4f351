"""What each part of the Forest plot page's shape costs a click in the browser (issue 27).  Prints figures;
asserts nothing.

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \\
        .venv/bin/python bench/page_shape.py [--n 12]

Sidebar "Model" (fixed <-> random effects) -> the forest figure redrawn, as bench/bench_ui.py times it
(browser clock, pointer-down to the new figure), on bench/floor_page_app.py served in five shapes
(``FLOOR_SHAPE``): the figure alone with the radio; the whole sidebar and the figure; the sidebar without its
expanders' widgets and the main area; the main area with only the radio in the sidebar; the whole shape.
With the app's own Forest plot (forest:radio) and bench/trivial_app.py, interleaved in one run.  Each row
against the trivial app, and the differences between rows, price the parts: the sidebar's widgets, the
main area's elements, the figure, and the app's own work (forest:radio against the full shape).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_ui import Bench, print_rows, radio  # noqa: E402
from tests.support.appserver import chromium, start_server, stop_server  # noqa: E402

SHAPES = ("figure", "no-main", "no-expanders", "no-sidebar", "full")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=12, help="timed clicks per row (after 2 warm-ups)")
    args = ap.parse_args()
    from core.words import MODEL_LABELS

    models = (MODEL_LABELS["fixed"], MODEL_LABELS["random"])
    logs = ROOT / "tmp" / "page_shape"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    servers = {"trivial": start_server(logs / "trivial.log", script="bench/trivial_app.py"),
               "forest:radio": start_server(logs / "app.log")}
    for shape in SHAPES:
        servers[f"shape:{shape}"] = start_server(logs / f"{shape}.log", script="bench/floor_page_app.py",
                                                 env={**os.environ, "FLOOR_SHAPE": shape})
    every = "?set=Paper+%2B+newer+trials"
    try:
        with chromium() as browser:
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            rows = [Bench("trivial", ctx.new_page(), servers["trivial"].url,
                          lambda pg, i: pg.get_by_test_id("stCheckbox").first.locator("label").click())]
            rows += [Bench(name, ctx.new_page(), f"{srv.url}/{every}", radio(models))
                     for name, srv in servers.items() if name != "trivial"]
            for i in range(args.n + 2):
                for b in rows:
                    b.step(i, record=i >= 2)
    finally:
        for srv in servers.values():
            stop_server(srv.proc)
    print(f"load average after:  {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_rows(rows, f"sidebar 'Model' -> redrawn figure, browser clock, {args.n} clicks per row (ms)", goals=False)


if __name__ == "__main__":
    main()
