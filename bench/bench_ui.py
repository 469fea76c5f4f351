"""Benchmark of the dashboard's responsiveness in headless Chromium.  Prints figures; asserts nothing.

Run from the repository root::

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \
        .venv/bin/python bench/bench_ui.py [--n 30]

For each row it times, in the browser's own clock (``performance.now()``), the interval from
the last pointer-down (or key-down) of an interaction to the moment the page's plotly figure holds
the new result (its signature -- ``layout.meta``, trace count, y range -- changes, or the figure
element is a new one), over ``--n`` interactions after two warm-up ones.  Each row has its own tab
(its own Streamlit session):

- trivial: bench/trivial_app.py (one checkbox, one tiny figure): Streamlit's own floor;
- forest:radio: Forest plot, sidebar "Model", Fixed effect <-> Random effects;
- forest:selectbox: Forest plot, sidebar "Outcome", HbA1c <-> fasting glucose (open, pick);
- forest:checkbox: Forest plot, "Show prediction interval" (in the sidebar's "Model details and
  sensitivity" expander, opened once first);
- forest:slider: Forest plot (after vs before treatment, where r enters every change score),
  "Pre-post correlation r": a click on the track at 25% / 75% of its width;
- forest:multiselect: Forest plot, "Exclude studies": add the figure's first study, then remove it;
- sens:variant: Sensitivity, the variant's "Leave out Zang 2022" check box (an ``st.fragment``);
- sens:sidebar: Sensitivity, sidebar "Model" (the whole page reruns);
- nav: sidebar navigation, Forest plot <-> Sensitivity;
- floor:forest: bench/floor_app.py, the forest figure alone swapped by one checkbox (no sidebar, no
  computation): the floor the figure itself sets in the browser;
- floor:nav: bench/floor_nav_app.py, a page switch between two pages of one tiny figure each: the
  floor Streamlit itself sets for a page switch;
- floor:page: bench/floor_page_app.py, the Forest plot page's shape (the same sidebar, the same main-area
  elements with fixed words, the forest figure) with none of its work, sidebar "Model": what Streamlit and
  plotly cost for a page of this shape.  forest:radio against it is what the app's own work adds.

With ``--native`` (issue 27) every app and floor:forest row is measured a second time, in the same
run, against servers with ``MSCDM_CHARTS=native`` (rows named ``native ...``): the figure drawn by
``st.plotly_chart``, which remounts it on every change, against ui/chart.py's element, which
updates it in place (the rows without the prefix).

With ``--before DIR`` the app's rows and floor:forest are measured again, in the same run, against
servers started in another copy of the app (rows named ``before ...``; make it with
``git archive <commit> | tar -x -C DIR`` and link ``DIR/.venv``): a before/after comparison that the
machine's load hits alike.

Every view uses "Paper + newer trials".  Both servers run at once, with the same flags as the
tests, and the rows are measured in turn, interleaved, so that machine load hits all of them alike.
The load average is printed, because other processes inflate every figure.  Goals (issue 27),
p95 against the trivial app's p95 in the same run: Forest plot controls <= 1.5x, the Sensitivity
variant <= 1.3x, a page switch <= 2x, the forest figure alone (floor:forest) <= 1.2x.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.appserver import CHART, chromium, start_server, stop_server, wait_app_idle  # noqa: E402

# The figure's signature: what a redraw with a new result changes.  A page switch replaces the
# element; the old one is marked before the click, so a fresh element counts as changed.
SIG_JS = """(index) => {
  const el = document.querySelectorAll('%s')[index];
  if (!el || !el.layout || !el.data) return null;
  const y = el.layout.yaxis && el.layout.yaxis.range ? el.layout.yaxis.range : null;
  return JSON.stringify([el.layout.meta, el.data.length, y]);
}""" % CHART
MARK_JS = "(index) => { const el = document.querySelectorAll('%s')[index]; if (el) el.__benchOld = true; }" % CHART
WAIT_JS = """([index, before]) => new Promise((resolve, reject) => {
  const sig = %s;
  const t_end = performance.now() + 60000;
  const poll = () => {
    const el = document.querySelectorAll('%s')[index];
    const now = sig(index);
    if (now !== null && (now !== before || !el.__benchOld)) { resolve(performance.now() - window.__t0); return; }
    if (performance.now() > t_end) { reject(new Error('figure did not change')); return; }
    requestAnimationFrame(poll);
  };
  poll();
})""" % (SIG_JS, CHART)
ARM_JS = """() => { const arm = () => { window.__t0 = performance.now(); };
                    document.addEventListener('pointerdown', arm, {capture: true});
                    document.addEventListener('keydown', arm, {capture: true}); }"""
TIMEOUT = 60_000
# Issue 27's goals, p95 against the trivial app's p95 in the same run.
GOALS = {"sens:variant": 1.3, "nav": 2.0, "floor:forest": 1.2}
GOAL_DEFAULT = 1.5                      # the Forest plot's sidebar controls (and a whole-page rerun)


def goal(row: str) -> float:
    return GOALS.get(row.removeprefix("native ").removeprefix("before "), GOAL_DEFAULT)


def sidebar(pg):
    return pg.get_by_test_id("stSidebar")


def open_model_details(pg) -> None:
    """Open the sidebar's "Model details and sensitivity" expander (it stays open across reruns)."""
    sb = sidebar(pg)
    if sb.get_by_test_id("stExpander").locator("details[open]").count() == 0:
        sb.get_by_text("Model details and sensitivity").click()
    sb.get_by_text("Show prediction interval").wait_for(timeout=TIMEOUT)


def pick(pg, widget, label: str) -> None:
    """Open a sidebar selectbox / multiselect and choose the option ``label``."""
    widget.click()
    pg.get_by_role("option", name=label, exact=True).click()


def radio(labels):
    return lambda pg, i: sidebar(pg).get_by_text(labels[i % 2], exact=True).click()


def outcome_select(labels):
    def act(pg, i):
        pick(pg, sidebar(pg).get_by_test_id("stSelectbox").filter(has_text="Outcome"), labels[i % 2])
    return act


def pi_checkbox(pg, i):
    sidebar(pg).get_by_test_id("stCheckbox").filter(has_text="Show prediction interval").locator("label").click()


def r_slider(pg, i):
    track = sidebar(pg).get_by_test_id("stSlider").filter(has_text="Pre-post correlation r") \
        .locator('[role="group"] > div').first
    track.scroll_into_view_if_needed()      # below the fold once the expander is open
    box = track.bounding_box()
    pg.mouse.click(box["x"] + box["width"] * (0.25 if i % 2 == 0 else 0.75), box["y"] + box["height"] / 2)


def exclude_first_study(pg, i):
    """Even i: exclude the figure's first study (type its name, click it); odd i: remove its tag again."""
    ms = sidebar(pg).get_by_test_id("stMultiSelect").filter(has_text="Exclude studies")
    if i % 2 == 0:
        first = pg.evaluate(f"() => document.querySelector('{CHART}').layout.meta.studies[0]")
        box = ms.locator("input")
        box.fill("")
        box.fill(first.rstrip(" †"))               # filters the options to that study
        pg.get_by_role("option").filter(has_text=first.rstrip(" †")).first.click()
    else:
        ms.get_by_test_id("stMultiSelectTagsContainer").locator("button").first.click()


def nav(pg, i):
    sidebar(pg).get_by_test_id("stSidebarNav").get_by_role("link", name=("Sensitivity", "Forest plot")[i % 2]).click()


class Bench:
    """One row in one browser tab: ``act(page, i)`` does the i-th interaction."""

    def __init__(self, name, page, url, act, setup=None, chart_index=0):
        self.name, self.page, self.act, self.index = name, page, act, chart_index
        page.goto(url)
        page.locator(CHART).first.wait_for(timeout=120_000)
        wait_app_idle(page, 120_000)
        if setup:
            setup(page)
            wait_app_idle(page, 120_000)
        page.evaluate(ARM_JS)
        self.times: list[float] = []

    def step(self, i: int, record: bool) -> None:
        pg = self.page
        pg.bring_to_front()        # background tabs throttle requestAnimationFrame to ~1 s
        pg.locator(CHART).nth(self.index).wait_for(timeout=TIMEOUT)
        before = pg.evaluate(SIG_JS, self.index)
        pg.evaluate(MARK_JS, self.index)
        self.act(pg, i)
        try:
            ms = pg.evaluate(WAIT_JS, [self.index, before])
        except Exception as exc:
            raise RuntimeError(f"{self.name}: interaction {i}: {exc}") from None
        wait_app_idle(pg, TIMEOUT)
        if record:
            self.times.append(ms)


def make_benches(ctx, app_url: str, triv_url: str, floor_url: str, floor_nav_url: str,
                 prefix: str = "", floor_page_url: str | None = None) -> list[Bench]:
    from core.vocab import OUTCOME_LABELS, Outcome
    from core.words import MODEL_LABELS

    models = (MODEL_LABELS["fixed"], MODEL_LABELS["random"])
    outcomes = (OUTCOME_LABELS[str(Outcome.FBG)], OUTCOME_LABELS[str(Outcome.HBA1C)])
    every = "set=Paper+%2B+newer+trials"
    forest = f"{app_url}/?{every}"
    sens = f"{app_url}/sensitivity?{every}"
    new = ctx.new_page
    rows = [
        Bench("trivial", new(), triv_url,
              lambda pg, i: pg.get_by_test_id("stCheckbox").first.locator("label").click()),
        Bench("forest:radio", new(), forest, radio(models)),
        Bench("forest:selectbox", new(), forest, outcome_select(outcomes)),
        Bench("forest:checkbox", new(), forest, pi_checkbox, setup=open_model_details),
        Bench("forest:slider", new(), forest, r_slider, setup=open_model_details),
        Bench("forest:multiselect", new(), forest, exclude_first_study, setup=open_model_details),
        Bench("sens:variant", new(), sens, lambda pg, i: pg.get_by_test_id("stMain").get_by_test_id("stCheckbox")
              .filter(has_text="Zang 2022").locator("label").click()),
        Bench("sens:sidebar", new(), sens, radio(models)),
        Bench("nav", new(), forest, nav),
        Bench("floor:forest", new(), floor_url,
              lambda pg, i: pg.get_by_test_id("stCheckbox").first.locator("label").click()),
        Bench("floor:nav", new(), floor_nav_url, nav),
    ]
    if floor_page_url:
        rows.append(Bench("floor:page", new(), f"{floor_page_url}/?{every}", radio(models)))
    if prefix:      # the same rows of the app drawn the other way (or an older copy); the trivial apps once
        rows = [r for r in rows if r.name not in ("trivial", "floor:nav")]
        for r in rows:
            r.name = prefix + r.name
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=30, help="timed interactions per row (after 2 warm-ups)")
    ap.add_argument("--only", default="", help="comma-separated row names to run (trivial always runs)")
    ap.add_argument("--native", action="store_true", help="also measure the rows with MSCDM_CHARTS=native")
    ap.add_argument("--before", type=Path, help="another copy of the app (e.g. `git archive <commit>` unpacked, "
                    "with .venv linked): its rows are measured too, interleaved, as 'before ...'")
    args = ap.parse_args()

    logs = ROOT / "tmp" / "bench_ui"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    app_server = start_server(logs / "app.log")
    triv_server = start_server(logs / "trivial.log", script="bench/trivial_app.py")
    floor_server = start_server(logs / "floor.log", script="bench/floor_app.py")
    floor_nav_server = start_server(logs / "floor_nav.log", script="bench/floor_nav_app.py")
    floor_page_server = start_server(logs / "floor_page.log", script="bench/floor_page_app.py")
    native = {**os.environ, "MSCDM_CHARTS": "native"}
    others = [start_server(logs / "app_native.log", env=native),
              start_server(logs / "floor_native.log", script="bench/floor_app.py", env=native)] if args.native else []
    before = start_server(logs / "app_before.log", app_dir=args.before.resolve()) if args.before else None
    before_floor = start_server(logs / "floor_before.log", script="bench/floor_app.py",
                                app_dir=args.before.resolve()) if args.before else None
    try:
        with chromium() as browser:
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            benches = make_benches(ctx, app_server.url, triv_server.url, floor_server.url, floor_nav_server.url,
                                   floor_page_url=floor_page_server.url)
            if others:
                benches += make_benches(ctx, others[0].url, triv_server.url, others[1].url, floor_nav_server.url,
                                        prefix="native ")
            if before:     # the older copy's app and forest floor (its figure may differ); one floor:nav
                benches += make_benches(ctx, before.url, triv_server.url, before_floor.url, floor_nav_server.url,
                                        prefix="before ")
            if args.only:
                keep = {"trivial", *args.only.split(",")}
                benches = [b for b in benches if b.name.removeprefix("native ").removeprefix("before ") in keep]
            for i in range(args.n + 2):
                for b in benches:
                    b.step(i, record=i >= 2)
    finally:
        stop_server(app_server.proc)
        stop_server(triv_server.proc)
        stop_server(floor_server.proc)
        stop_server(floor_nav_server.proc)
        stop_server(floor_page_server.proc)
        for other in others + ([before, before_floor] if before else []):
            stop_server(other.proc)
    print(f"load average after:  {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print_rows(benches, f"click -> redrawn figure, browser clock, {args.n} interactions per row (ms)")


NO_GOAL = ("trivial", "floor:nav", "floor:page")


def print_rows(rows: list[Bench], title: str, goals: bool = True) -> None:
    """Each row's p50, p95 and max, and its p50 and p95 against the first row's (the trivial app), with
    issue 27's goal where the row has one (``goals``)."""
    print(f"\n{title}")
    print(f"{'row':<26} {'p50':>7} {'p95':>7} {'max':>7}   p50/trivial  p95/trivial")
    base50, base95 = (np.percentile(rows[0].times, q) for q in (50, 95))
    for b in rows:
        p50, p95 = np.percentile(b.times, 50), np.percentile(b.times, 95)
        print(f"{b.name:<26} {p50:7.0f} {p95:7.0f} {max(b.times):7.0f}   {p50 / base50:10.2f}x {p95 / base95:11.2f}x"
              + ("" if not goals or b.name in NO_GOAL else
                 f"   goal <= {goal(b.name)}x: {'met' if p95 / base95 <= goal(b.name) else 'NOT MET'}"))


if __name__ == "__main__":
    main()
