"""Benchmark: the server's rerun of the page script after a sidebar change, against the trivial app.
Prints figures and a cProfile summary; asserts nothing.

Run from the repository root::

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \
        .venv/bin/python bench/bench_rerun.py [--n 30] [--profile bench/out/rerun_profile.txt]

Each rerun is one ``AppTest.run()`` after one widget change (Streamlit's own script runner, in this
process, no browser): for the app, the Forest plot page with the sidebar "Model" toggled between
Fixed effect and Random effects (paper + newer trials; every setting seen once before, so the
caches are warm, as for a user who toggles back and forth); the Forest plot with Comparison and
Population changed together (MSC vs control + T2DM <-> MSC after vs before + both types); for
bench/trivial_app.py, its check box.  Pages are measured interleaved, so machine load hits both
alike.  Goal (issues 13, 27): median <= 5x the trivial app's.  With ``--native`` the app's rows are
measured again with ``MSCDM_CHARTS=native`` (figures by st.plotly_chart; issue 27's before).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GOAL_RATIO = 5.0


def as_in_a_served_process(one_script_cache: bool = True) -> None:
    """Make AppTest run app.py on every rerun, as a server process does once app.py has run once.

    AppTest resets ``PagesManager.uses_pages_directory`` before each run, so with a ``pages/``
    folder every rerun of a page would first run the page script alone (Streamlit's v1 multipage
    mode) and then re-enter through app.py (ui.components.ensure_shell_ran): two runs per click,
    which a served app does not do.  Benchmark-only; the tests keep AppTest's own behaviour.

    A served process also compiles each script once (the Runtime's one ScriptCache), where AppTest makes
    a new ScriptCache per run and recompiles app.py and the page on every rerun, with Streamlit's magic
    rewrite of the whole syntax tree (~5-15 ms for a page of 200 lines; a few for the trivial app):
    the reruns share one cache here too (``one_script_cache=False``: AppTest's own way, as measured
    before 2026-12-07's fifth session).
    """
    import streamlit.testing.v1.app_test as app_test
    import streamlit.testing.v1.local_script_runner as local_runner
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    class ServedPagesManager(PagesManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            PagesManager.uses_pages_directory = False

    app_test.PagesManager = ServedPagesManager
    if one_script_cache:
        one_cache = ScriptCache()
        app_test.ScriptCache = local_runner.ScriptCache = lambda: one_cache


def app_toggler(page: str, change=None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.sidebar.radio(key="set").set_value("all").run()
    if page != "pages/forest.py":
        at.switch_page(page).run()
    values = ("fixed", "random")

    def step(i: int):
        if change is None:
            at.sidebar.radio(key="model").set_value(values[i % 2])
        else:
            change(at, i)
        at.run()
        assert not at.exception, [e.message for e in at.exception]
    return step


def comparison_and_population(at, i: int) -> None:
    """Comparison and Population changed in one rerun (vs control + T2DM <-> after vs before + both)."""
    at.sidebar.radio(key="comparison").set_value(("vs_control", "pre_post")[i % 2])
    at.sidebar.radio(key="population").set_value(("T2DM", "all")[i % 2])


def with_charts(backend: str, step):
    """``step`` with figures drawn by ``backend`` (ui/chart.py reads MSCDM_CHARTS on every call)."""
    def run(i: int):
        old = os.environ.get("MSCDM_CHARTS")
        os.environ["MSCDM_CHARTS"] = backend
        try:
            step(i)
        finally:
            if old is None:
                del os.environ["MSCDM_CHARTS"]
            else:
                os.environ["MSCDM_CHARTS"] = old
    return run


def trivial_toggler():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "bench" / "trivial_app.py"), default_timeout=60).run()

    def step(i: int):
        at.checkbox(key="toggle").set_value(i % 2 == 0).run()
    return step


def timed(step, i: int) -> float:
    t0 = time.perf_counter()
    step(i)
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--profile", type=Path, default=None, help="write a cProfile summary of the app reruns here")
    ap.add_argument("--native", action="store_true", help="also measure the app's rows with MSCDM_CHARTS=native")
    ap.add_argument("--compile-per-run", action="store_true",
                    help="recompile the scripts on every rerun, as AppTest does (the measure before the fifth session)")
    args = ap.parse_args()
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    as_in_a_served_process(one_script_cache=not args.compile_per_run)
    print("scripts compiled " + ("on every rerun (AppTest's own way)" if args.compile_per_run else "once (as a served process)"))
    steps = {"trivial": trivial_toggler(), "forest": app_toggler("pages/forest.py"),
             "sensitivity": app_toggler("pages/sensitivity.py"),
             "forest:cmp+pop": app_toggler("pages/forest.py", comparison_and_population)}
    if args.native:
        steps |= {f"native {name}": with_charts("native", app_toggler(*how)) for name, how in (
            ("forest", ("pages/forest.py",)), ("sensitivity", ("pages/sensitivity.py",)),
            ("forest:cmp+pop", ("pages/forest.py", comparison_and_population)))}
    for s in steps.values():                 # warm-up: every setting seen once
        s(0), s(1)
    times = {name: [] for name in steps}
    for i in range(args.n):
        for name, s in steps.items():
            times[name].append(timed(s, i))
    print(f"load average after:  {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    base = statistics.median(times["trivial"])
    print(f"\nserver rerun after one widget change (AppTest.run), {args.n} reruns each (ms)")
    print(f"{'page':<21} {'median':>7} {'p95':>7}   median/trivial")
    for name, ts in times.items():
        p95 = sorted(ts)[int(0.95 * (len(ts) - 1))]
        ratio = statistics.median(ts) / base
        print(f"{name:<21} {statistics.median(ts):7.1f} {p95:7.1f}   {ratio:10.2f}x"
              + ("" if name == "trivial" else f"   goal <= {GOAL_RATIO:g}x: {'met' if ratio <= GOAL_RATIO else 'NOT MET'}"))
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for i in range(args.n):
            steps["forest"](i)
        prof.disable()
        out = io.StringIO()
        st = pstats.Stats(prof, stream=out).sort_stats("cumulative")
        out.write(f"cProfile of {args.n} Forest-page reruns (Model toggled), cumulative time\n")
        st.print_stats(45)
        st.sort_stats("tottime").print_stats(25)
        args.profile.parent.mkdir(parents=True, exist_ok=True)
        args.profile.write_text(out.getvalue())
        print(f"profile: {args.profile}")


if __name__ == "__main__":
    main()
