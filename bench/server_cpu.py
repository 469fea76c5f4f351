"""Benchmark: the served process's CPU per interaction, against the trivial app.  Prints; asserts nothing.

Run from the repository root::

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \\
        .venv/bin/python bench/server_cpu.py [--rounds 6] [--pyspy bench/out/pyspy_server.txt]

Both apps run as real ``streamlit run`` servers (tests/support/appserver.py); one headless Chromium session
drives each.  On the app (Forest plot, "Paper + newer trials") one round is eight interactions that
end where they started: sidebar Model (random, fixed), the prediction-interval check box (on, off),
the Outcome selectbox (fasting glucose, HbA1c), the page switch to Sensitivity and back.  The
trivial app (bench/trivial_app.py) toggles its check box as often.  Round 1 meets every setting for
the first time (cold caches); the later rounds are warm.

Per interaction: the CPU time of the server's process tree (utime + stime of the server and every
live descendant, plus the CPU of descendants it has reaped; /proc, bench/proc_stats.py) read before
the click and after the rerun has finished (the script's ``script_finished`` frame is in, the page
idle, then ``--settle`` s for any follow-up run), the script runs it caused (``new_session``
frames) and the bytes the server sent.  The kernel reports CPU in clock ticks (10 ms), so a single
interaction's figure is quantised; the mean over a phase is exact.

``--pyspy PATH`` attaches ``py-spy record --gil --threads -f raw`` to the app server (and to the trivial
one, into PATH_trivial) for the warm rounds: samples of the thread holding the GIL, i.e. where the
Python CPU goes (summarise with bench/pyspy_summary.py --served).  Its CPU figures then include
py-spy's pauses and are not the measurement.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_ui import open_model_details, sidebar  # noqa: E402  (the browser bench's sidebar helpers)
from bench.proc_stats import cpu_seconds, tree_pids, tree_rss_kb  # noqa: E402
from tests.support.appserver import CHART, chromium, start_server, stop_server, wait_app_idle  # noqa: E402

TIMEOUT = 60_000
GOAL_MS = 40.0


def reaped_cpu_seconds(pid: int) -> float:
    """CPU time of the children ``pid`` has waited for (cutime + cstime, s)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process, its live descendants and the children it has reaped (s)."""
    return sum(c for c in (cpu_seconds(p) for p in tree_pids(pid)) if c == c) + reaped_cpu_seconds(pid)


def loadavg() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


class Frames:
    """Counts the ForwardMsgs a page receives (by type) and their bytes."""

    def __init__(self, page):
        self.reset()
        page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def reset(self) -> None:
        self.runs = self.finished = self.bytes = 0

    def _received(self, payload) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if not isinstance(payload, (bytes, bytearray)):
            return
        self.bytes += len(payload)
        try:
            msg = ForwardMsg.FromString(bytes(payload))
        except Exception:
            return
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.runs += 1
        elif kind == "script_finished" and msg.script_finished in (0, 1, 3):
            self.finished += 1


def app_actions():
    """The round of eight interactions on the app: (kind, act(page))."""
    from core.vocab import OUTCOME_LABELS, Outcome
    from core.words import MODEL_LABELS

    def radio(label):
        return lambda pg: sidebar(pg).get_by_text(label, exact=True).click()

    def outcome(label):
        def act(pg):
            box, option = sidebar(pg).get_by_role("combobox", name="Outcome"), pg.get_by_role("option", name=label,
                                                                                                exact=True)
            box.scroll_into_view_if_needed()     # scrolling the sidebar closes an open list
            box.click()
            option.click()
        return act

    def pi(pg):
        open_model_details(pg)
        sidebar(pg).get_by_test_id("stCheckbox").filter(has_text="Show prediction interval").locator("label").click()

    def nav(name):
        return lambda pg: sidebar(pg).get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()

    return [("radio", radio(MODEL_LABELS["random"])), ("radio", radio(MODEL_LABELS["fixed"])),
            ("checkbox", pi), ("checkbox", pi),
            ("selectbox", outcome(OUTCOME_LABELS[str(Outcome.FBG)])),
            ("selectbox", outcome(OUTCOME_LABELS[str(Outcome.HBA1C)])),
            ("nav", nav("Sensitivity")), ("nav", nav("Forest plot"))]


def trivial_actions():
    act = ("checkbox", lambda pg: pg.get_by_test_id("stCheckbox").first.locator("label").click())
    return [act] * 8


class Driver:
    """One page of one server; ``step(act)`` does an interaction and returns its measurements."""

    def __init__(self, ctx, server, url: str, settle: float):
        self.server, self.settle = server, settle
        self.page = ctx.new_page()
        self.frames = Frames(self.page)
        self.page.goto(url)
        self.page.locator(CHART).first.wait_for(timeout=120_000)
        wait_app_idle(self.page, 120_000)
        self.page.wait_for_timeout(1000 * settle)
        if "sensitivity" not in url and "set=" in url:
            open_model_details(self.page)
            wait_app_idle(self.page, TIMEOUT)

    def step(self, act) -> dict:
        pg = self.page
        pg.bring_to_front()
        pg.wait_for_timeout(1000 * self.settle)
        self.frames.reset()
        cpu0, t0 = tree_cpu_seconds(self.server.proc.pid), time.monotonic()
        try:
            act(pg)
        except Exception:
            pg.screenshot(path=str(ROOT / "tmp" / "server_cpu" / "failed.png"))
            raise
        deadline = time.monotonic() + TIMEOUT / 1000
        while self.frames.finished == 0:
            if time.monotonic() > deadline:
                raise TimeoutError("no script_finished after the click")
            pg.wait_for_timeout(5)
        wait_app_idle(pg, TIMEOUT)
        wall = time.monotonic() - t0
        pg.wait_for_timeout(1000 * self.settle)     # a follow-up run (st.rerun, switch_page) would start here
        cpu1 = tree_cpu_seconds(self.server.proc.pid)
        return {"cpu_ms": 1000 * (cpu1 - cpu0), "runs": self.frames.runs, "kb": self.frames.bytes / 1024,
                "wall_ms": 1000 * wall}


def idle_cpu_ms(server, seconds: float) -> float:
    """The server's CPU per second while nobody clicks (ms/s): the background the settle time adds."""
    c0 = tree_cpu_seconds(server.proc.pid)
    time.sleep(seconds)
    return 1000 * (tree_cpu_seconds(server.proc.pid) - c0) / seconds


def summary(rows: list[dict]) -> str:
    cpu = [r["cpu_ms"] for r in rows]
    return (f"{statistics.median(cpu):6.0f} {statistics.fmean(cpu):6.1f} {max(cpu):6.0f}"
            f" {statistics.fmean(r['runs'] for r in rows):5.2f} {statistics.fmean(r['kb'] for r in rows):7.1f}"
            f" {statistics.median(r['wall_ms'] for r in rows):7.0f}")


def report(results: dict, rounds: int) -> None:
    print(f"\nserver CPU per interaction (ms; /proc utime+stime of the server's tree, 10 ms ticks), "
          f"{rounds} rounds of 8")
    print(f"{'app':<8} {'phase':<16} {'n':>3}  {'median':>6} {'mean':>6} {'max':>6} {'runs':>5} {'kB sent':>7}"
          f" {'wall50':>7}")
    for name, rows in results.items():
        cold, warm = rows[:8], rows[8:]
        print(f"{name:<8} {'round 1 (cold)':<16} {len(cold):3d}  {summary(cold)}")
        if warm:
            print(f"{name:<8} {'rounds 2+ (warm)':<16} {len(warm):3d}  {summary(warm)}")
            for kind in sorted({r['kind'] for r in warm}):
                sub = [r for r in warm if r["kind"] == kind]
                print(f"{name:<8} {'  warm ' + kind:<16} {len(sub):3d}  {summary(sub)}")
    app, triv = results.get("app", [])[8:], results["trivial"][8:]
    if app and triv:
        am, tm = statistics.median(r["cpu_ms"] for r in app), statistics.median(r["cpu_ms"] for r in triv)
        amean, tmean = statistics.fmean(r["cpu_ms"] for r in app), statistics.fmean(r["cpu_ms"] for r in triv)
        print(f"\nwarm, app / trivial: median {am:.0f} / {tm:.0f} ms = {am / max(tm, 1e-9):.1f}x; "
              f"mean {amean:.1f} / {tmean:.1f} ms = {amean / tmean:.1f}x; "
              f"goal median <= {GOAL_MS:g} ms: {'met' if am <= GOAL_MS else 'NOT MET'}")


def start_pyspy(pid: int, out: Path) -> subprocess.Popen:
    """py-spy recording the running process ``pid`` (raw stacks per thread into ``out``) until :func:`stop_pyspy`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([str(ROOT / ".venv/bin/py-spy"), "record", "-r", "200", "--gil", "--threads", "-f", "raw",
                             "-o", str(out.resolve()), "--pid", str(pid)], stdout=subprocess.DEVNULL)


def stop_pyspy(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)          # py-spy writes its file on SIGINT
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=6, help="rounds of 8 interactions (round 1 is cold)")
    ap.add_argument("--settle", type=float, default=0.3, help="s waited before and after each interaction")
    ap.add_argument("--pyspy", type=Path, default=None, help="profile the warm rounds with py-spy, raw output here")
    ap.add_argument("--app-only", action="store_true", help="skip the trivial app (profiling runs)")
    args = ap.parse_args()

    logs = ROOT / "tmp" / "server_cpu"
    logs.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {loadavg()} ({os.cpu_count()} CPUs)")
    servers = {"app": start_server(logs / "app.log")}
    if not args.app_only:
        servers["trivial"] = start_server(logs / "trivial.log", script="bench/trivial_app.py")
    spies = []
    results = {name: [] for name in servers}
    try:
        idle = {name: idle_cpu_ms(s, 2.0) for name, s in servers.items()}
        with chromium() as browser:
            ctx = browser.new_context(viewport={"width": 1400, "height": 900})
            drivers = {name: Driver(ctx, s, s.url + ("/?set=Paper+%2B+newer+trials" if name == "app" else ""),
                                    args.settle) for name, s in servers.items()}
            actions = {"app": app_actions(), "trivial": trivial_actions()}
            for rnd in range(args.rounds):
                if rnd == 1 and args.pyspy:        # profile the warm rounds
                    spies = [start_pyspy(s.proc.pid, args.pyspy if name == "app" else
                                         args.pyspy.with_name(f"{args.pyspy.stem}_{name}{args.pyspy.suffix}"))
                             for name, s in servers.items()]
                    time.sleep(1)
                for k in range(8):                 # interleaved, so machine load hits both alike
                    for name, d in drivers.items():
                        kind, act = actions[name][k]
                        results[name].append({"kind": kind, **d.step(act)})
            rss = {name: tree_rss_kb(s.proc.pid) / 1024 for name, s in servers.items()}
    finally:
        for spy in spies:
            stop_pyspy(spy)
        for s in servers.values():
            stop_server(s.proc)
    print(f"load average after:  {loadavg()}")
    print("idle server CPU before the drive (ms per s): " + ", ".join(f"{n} {v:.1f}" for n, v in idle.items()))
    print("server RSS after the drive (MB, process tree): " + ", ".join(f"{n} {v:.0f}" for n, v in rss.items()))
    if "trivial" not in results:
        results["trivial"] = []
        print("(no trivial app in this run)")
        return
    report(results, args.rounds)


if __name__ == "__main__":
    main()
