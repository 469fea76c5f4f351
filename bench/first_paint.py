"""First load (issue 13): from navigation start to the first forest plot painted, against the trivial
app's first chart (bench/trivial_app.py) in the same run.

Each load is a fresh browser context (a new Streamlit session, nothing cached in the page) against a
warm server (one load before timing). "Painted" is the browser clock when a plotly chart holds a drawn
trace (``.scatterlayer .trace``) after the page's own navigation start, so it counts HTML, the
JavaScript bundle, the WebSocket, the script run and plotly's first draw.  The two servers are
measured in alternation so a noisy neighbour hits both.

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \\
        .venv/bin/python bench/first_paint.py --n 10 | tee bench/out/first_paint.txt
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):          # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


from tests.support.appserver import CHART, chromium, start_server, stop_server  # noqa: E402

GOAL_RATIO = 1.5
# Resolves with performance.now() (ms since navigation start) at the first frame a chart has a drawn trace.
PAINTED_JS = f"""() => new Promise(resolve => {{
  const tick = () => document.querySelector('{CHART} .scatterlayer .trace')
    ? resolve(performance.now()) : requestAnimationFrame(tick);
  tick();
}})"""


# Records performance.now() at the last moment the page became drawn: the script has run (the app reports
# idle), elements are on the page and none is a grey skeleton (an element whose JavaScript chunk has
# not arrived or not been run yet: issue 26 item 19).
SETTLED_INIT = """let was = false;
new MutationObserver(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const now = !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && !!document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]')
      && !document.querySelector('[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]');
  if (now && !was) window.__settled = performance.now();     // the last time it became so
  was = now;
}).observe(document, {subtree: true, childList: true, attributes: true});"""


def load_ms(browser, url: str) -> tuple[float, float]:
    """One first load in a fresh context: navigation start -> first chart painted, and -> every
    element drawn (no skeleton left), in ms."""
    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        ctx.add_init_script(SETTLED_INIT)
        page = ctx.new_page()
        page.goto(url, wait_until="commit")
        painted = float(page.evaluate(PAINTED_JS))
        page.wait_for_function("""() => window.__settled !== undefined && !document.querySelector(
            '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"]')""", timeout=120_000)
        return painted, float(page.evaluate("window.__settled"))
    finally:
        ctx.close()


def run(n: int, native: bool = False, before: Path | None = None) -> str:
    tmp = Path(tempfile.mkdtemp(prefix="first-paint-", dir=os.environ.get("TMPDIR")))
    env = {**os.environ, "MSCDM_STATE_DIR": str(tmp / "state")}
    servers = {"trivial": start_server(tmp / "trivial.log", script="bench/trivial_app.py", env=env),
               "forest": start_server(tmp / "app.log", env=env)}
    if native:       # issue 27's before: the figure drawn by st.plotly_chart (Streamlit's own plotly bundle)
        servers["forest native"] = start_server(tmp / "native.log", env={**env, "MSCDM_CHARTS": "native"})
    if before:       # an older copy of the app, measured in the same run
        servers["forest before"] = start_server(tmp / "before.log", env=env, app_dir=before.resolve())
    times: dict[str, list[float]] = {name: [] for name in servers}
    settled: dict[str, list[float]] = {name: [] for name in servers}
    try:
        with chromium() as browser:
            for server in servers.values():
                load_ms(browser, server.url)                      # warm the server: imports, caches
            for _ in range(n):
                for name, server in servers.items():
                    painted, drawn = load_ms(browser, server.url)
                    times[name].append(painted)
                    settled[name].append(drawn)
    finally:
        for server in servers.values():
            stop_server(server.proc)
    base = statistics.median(times["trivial"])
    lines = [f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)",
             f"first load, navigation start -> first chart painted, fresh context, warm server, n = {n} (ms);",
             "'drawn': -> the app idle with every element drawn (no grey skeleton left), p50",
             f"{'page':<14}{'p50':>8}{'p95':>8}{'max':>8}{'p50/trivial':>14}{'drawn':>8}{'/trivial':>10}"]
    base_drawn = statistics.median(settled["trivial"])
    for name, xs in times.items():
        p95 = sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]
        ratio = statistics.median(xs) / base
        verdict = "" if name == "trivial" else (
            f"   goal <= {GOAL_RATIO}x: " + ("met" if ratio <= GOAL_RATIO else "NOT MET"))
        drawn = statistics.median(settled[name])
        lines.append(f"{name:<14}{statistics.median(xs):>8.0f}{p95:>8.0f}{max(xs):>8.0f}{ratio:>13.2f}x"
                     f"{drawn:>8.0f}{drawn / base_drawn:>9.2f}x{verdict}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10, help="timed loads per app (after one warm-up each)")
    ap.add_argument("--native", action="store_true", help="also the app with MSCDM_CHARTS=native (st.plotly_chart)")
    ap.add_argument("--before", type=Path, help="also an older copy of the app (`git archive <commit>` unpacked, "
                                                ".venv linked), as 'forest before'")
    args = ap.parse_args(argv)
    print(run(args.n, args.native, args.before))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
