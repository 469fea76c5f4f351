"""What the browser does on a first load (issue 26 item 19): the page's resources (start and end, ms
after navigation start) and the moments the script state and the number of grey skeletons change,
until the forest plot is drawn.  Prints a timeline; asserts nothing.

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \\
        .venv/bin/python bench/first_load_timeline.py [--page reproduce] [--before DIR]

One warm-up load, then one timed load in a fresh browser context (nothing cached), per app; with
``--before`` an older copy of the app (``git archive <commit>`` unpacked, .venv linked) is loaded
the same way, right after.  Resources are listed when they take >= 20 ms or weigh >= 50 kB.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.appserver import APP_DIR, CHART, chromium, start_server, stop_server  # noqa: E402

SKELETON = '[data-testid="stSkeleton"],[data-testid="stSkeletonElement"]'
INIT = """window.__ev = [];
new MutationObserver(() => {
  const a = document.querySelector('[data-testid="stApp"]'), st = a && a.getAttribute('data-test-script-state');
  const sk = document.querySelectorAll('%s').length, ch = !!document.querySelector('%s .scatterlayer .trace');
  const l = window.__ev[window.__ev.length - 1];
  if (!l || l[1] !== st || l[2] !== sk || l[3] !== ch) window.__ev.push([Math.round(performance.now()), st, sk, ch]);
}).observe(document, {subtree: true, childList: true, attributes: true});""" % (SKELETON, CHART)
DONE = """() => new Promise(r => { const t = () => { const a = document.querySelector('[data-testid="stApp"]');
  a && a.getAttribute('data-test-script-state') === 'notRunning' && !document.querySelector('%s')
    && document.querySelector('%s .scatterlayer .trace') ? r(performance.now()) : setTimeout(t, 20); }; t(); })""" \
    % (SKELETON, CHART)
RESOURCES = """() => performance.getEntriesByType('resource').map(e => [e.name.split('/').pop().split('?')[0],
  Math.round(e.startTime), Math.round(e.responseEnd), e.decodedBodySize])"""


def timeline(browser, url: str) -> list[str]:
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        ctx.add_init_script(INIT)
        page = ctx.new_page()
        bad: list[str] = []
        page.on("response", lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(url, wait_until="commit")
        done = page.evaluate(DONE)
        events, resources = page.evaluate("window.__ev"), page.evaluate(RESOURCES)
    finally:
        ctx.close()
    lines = [f"  drawn (idle, no skeleton, figure drawn) at {done:.0f} ms; responses >= 400: {bad or 'none'}"]
    lines += [f"  {t:6d} ms  script {state or '-':<11} skeletons {sk:3d}  figure drawn {ch}" for t, state, sk, ch in events]
    lines += [f"  {s:6d} - {e:6d} ms  {size / 1024:7.0f} kB  {name}" for name, s, e, size in sorted(resources, key=lambda r: r[1])
              if e - s >= 20 or size >= 50_000]
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--page", default="", help="the page's URL path (default: the Forest plot)")
    ap.add_argument("--before", type=Path, help="an older copy of the app, loaded the same way")
    args = ap.parse_args()
    logs = ROOT / "tmp" / "first_load_timeline"
    logs.mkdir(parents=True, exist_ok=True)
    apps = {"this tree": APP_DIR, **({"before": args.before.resolve()} if args.before else {})}
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    for name, app_dir in apps.items():
        server = start_server(logs / f"{name.replace(' ', '_')}.log", app_dir=app_dir)
        try:
            with chromium() as browser:
                url = f"{server.url}/{args.page}?set=Paper+%2B+newer+trials"
                timeline(browser, url)                       # warm the server
                print(f"{name} ({app_dir.name}): {url.split('/', 3)[-1]}")
                print("\n".join(timeline(browser, url)))
        finally:
            stop_server(server.proc)
    print(f"load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
