"""Load test: N concurrent headless Chromium sessions against ONE Streamlit server on loopback.

Each session (its own browser context, i.e. its own Streamlit session) opens the forest plot
page and, for a fixed time, clicks through the shared choices (radios, checkboxes, the outcome
and time-point selectboxes) and, when the Sensitivity page is registered, switches between
the two pages.  It reports

* errors: ``stException`` elements and ``pageerror`` events in the pages, interactions that
  never finished, and ``Traceback`` / ``Uncaught app execution`` lines in the server log;
* interaction latency, measured in the page (browser clock): from the trusted ``pointerdown``
  of the click, through the widget's rerun request and the server's ``script_finished``
  message, until the page is rendered with no stale element left (the figure redrawn);
  p50 / p95 / max, by page and kind of widget;
* the server's resident memory (``VmRSS`` from ``/proc/<pid>/status``, the server and its
  child processes) sampled every 0.5 s, and its slope per interaction after warm-up; the
  server's CPU time per interaction; the load generator's own CPU time (same machine).

All sessions first open the app (``--load-concurrency`` at a time), then all click together
for ``--seconds``, pausing ``--think-min``..``--think-max`` seconds between clicks.

Fair by default (issue 16): the server(s) run pinned to core 0 (``taskset``), the browsers to the
other cores; ``--priority -10`` (root) also puts them ahead of anything else on a shared machine.
``--step 10,15,20`` finds how many sessions hold a server-view p95 <= 1 s (bench/load_plan.py);
``--until 1000`` is a soak (RSS slope over the second half); ``--replicas 2`` runs two replicas on the
server core sharing a throwaway PostgreSQL, ``--saved-dataset`` opens a saved dataset (``?ds=<id>``).
``--client ws``: protocol-level sessions (bench/load_ws.py), no browser: one spare core drives tens.

Bounded and local only: the server binds 127.0.0.1, at most ``MAX_SESSIONS`` sessions and
``MAX_SECONDS`` seconds, and the whole run stops itself after a hard deadline.

Run (from the repository root)::

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \\
        .venv/bin/python bench/load_test.py --sessions 20 --seconds 60
"""
from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import functools
import json
import os
import sys
import tempfile
import time
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

if __package__ in (None, ""):          # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.appserver import APP_DIR, start_server, stop_server  # noqa: E402
from bench.load_sessions import LOAD_TIMEOUT_S  # noqa: E402
from bench.load_ws import session_driver, ws_figures  # noqa: E402
from bench.proc_stats import RssSampler, cpu_seconds  # noqa: E402

MAX_SESSIONS = 40
LOAD_CONCURRENCY = 2
WARMUP_FRAC = 0.25
MAX_SECONDS = 900
MAX_REPLICAS = 4
LOG_ERROR_PATTERNS = ("Traceback", "Uncaught app execution")


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------
@dataclass
class LoadResult:
    sessions: int
    seconds: float
    think_s: tuple
    browser_nice: int
    replicas: int
    client: str                 # "browser" (Chromium, bench/load_sessions.py) or "ws" (bench/load_ws.py)
    pinning: str                # which CPUs the server(s) and the browsers ran on
    interactions: int
    errors: list
    console_errors: list
    server_log_errors: list
    outbound: list              # non-loopback URLs requested by the pages (blocked by GUARD_ARGS)
    noop_clicks: list           # clicks that never started a rerun (the widget did not receive them)
    latency_ms: dict            # p50, p95, max, n (all interactions)
    latency_by_kind: dict       # kind -> p50, p95, n
    server_part_ms: dict        # click -> script_finished arrives in the page: p50, p95
    wire_ms: dict               # rerun request frame sent -> script_finished frame received (network stack)
    load_s: dict                # first page load: p50, max
    rss_mb: dict                # start, after warm-up, end, max
    rss_slope_kb_per_interaction: float
    rss_slope_last_half_kb: float   # slope over the second half of the interactions (the soak's level-off check)
    clicking_s: float           # first to last interaction
    server_busy: float          # server CPU during the clicking / its duration (1.0 = one core saturated)
    server_cpu_s: float
    server_cpu_ms_per_interaction: float   # after warm-up (slope of server CPU against interactions)
    client_cpu_s: float         # CPU of the load generator (Playwright driver + Chromium), same machine
    wall_s: float
    pages: list
    rss_samples: list
    ws: dict                    # protocol sessions only: requests, finished, meta_checked, meta_changed
    load_start: float           # the machine's 1-minute load average when the run started

    @property
    def error_count(self) -> int:
        return len(self.errors) + len(self.server_log_errors)


def _pct(values, q):
    return float(np.percentile(values, q)) if len(values) else float("nan")


def _server_log_errors(log_path: Path) -> list[str]:
    text = log_path.read_text(errors="replace") if log_path.exists() else ""
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        if any(p in line for p in LOG_ERROR_PATTERNS):
            out.append(" | ".join(lines[i:i + 1] + [l for l in lines[i + 1:i + 30] if l and not l.startswith(" ")][:1]))
    return out


def _after_warmup(samples, warmup_frac: float):
    """Samples of the clicking phase (from the first interaction on) minus its first ``warmup_frac``."""
    clicking = [s for s in samples if s[1] > 0]
    if len(clicking) < 3:
        return clicking
    t0, t1 = clicking[0][0], clicking[-1][0]
    return [s for s in clicking if s[0] >= t0 + warmup_frac * (t1 - t0)]


def _slope(after, column: int) -> float:
    """Least-squares slope of a sampled column against the interaction count."""
    x = np.array([s[1] for s in after], float)
    y = np.array([s[column] for s in after], float)
    if len(after) < 3 or np.ptp(x) == 0:
        return float("nan")
    return float(np.polyfit(x, y, 1)[0])


def core_split(pin: bool = True):
    """(server CPUs, load-generator CPUs): core 0 for the server(s), the others for the browsers,
    when pinning is asked for and the machine has at least 2 cores; else None (no pinning)."""
    cpus = sorted(os.sched_getaffinity(0))
    if not pin or len(cpus) < 2:
        return None
    return {cpus[0]}, set(cpus[1:])


def _pinned(cpus, priority: int, fn, *args):
    """Run ``fn(*args)`` in this thread pinned to ``cpus`` at nice ``priority``: the processes it
    starts (Playwright's driver, Chromium) inherit both, the rest of the process keeps its own."""
    if cpus:
        os.sched_setaffinity(0, cpus)
    if priority:
        os.setpriority(os.PRIO_PROCESS, 0, priority)     # Linux: this thread
    return fn(*args)


def _start_servers(replicas: int, log_path: Path, env: dict | None, split, priority: int = 0) -> list:
    prefix = ("taskset", "-c", ",".join(map(str, sorted(split[0])))) if split else ()
    prefix = ("nice", "-n", str(priority), *prefix) if priority else prefix
    servers = []
    try:
        for i in range(replicas):
            log = log_path if replicas == 1 else log_path.with_name(f"{log_path.stem}.{i}{log_path.suffix}")
            servers.append(start_server(log, env=env, command_prefix=prefix))
    except BaseException:
        for srv in servers:
            stop_server(srv.proc)
        raise
    return servers


def run_load(sessions: int = 3, seconds: float = 15.0, *, think: tuple = (1.0, 3.0), seed: int = 1,  # long: the run's settings, then one try/finally
             stagger: float = 0.25, warmup_frac: float = None, log_path: Path | None = None,
             load_concurrency: int = LOAD_CONCURRENCY, browser_nice: int = 0, pin: bool = True,
             replicas: int = 1, env: dict | None = None, query: str = "", until: int | None = None,
             priority: int = 0, client: str = "browser") -> LoadResult:
    """Start ``replicas`` servers on loopback, run the sessions, stop everything; return the figures.

    ``pin``: the servers on core 0, the browsers on the other cores (``taskset`` / affinity), so the
    load generator never takes the server's CPU.  ``env``: the servers' environment (e.g.
    ``MSCDM_DATABASE_URL``); ``query``: appended to every session's address (e.g. ``?ds=<id>``);
    ``until``: stop clicking after that many interactions (soak), ``seconds`` is then the cap.
    ``priority``: nice level of the servers and the load generator (negative, as root: ahead of
    whatever else runs on a shared machine).  ``client``: "browser" (Chromium sessions) or "ws"
    (protocol-level sessions, bench/load_ws.py).
    """
    warmup_frac = WARMUP_FRAC if warmup_frac is None else warmup_frac
    if not 1 <= sessions <= MAX_SESSIONS:
        raise ValueError(f"sessions must be 1..{MAX_SESSIONS}; got {sessions}")
    if not 1 <= seconds <= MAX_SECONDS:
        raise ValueError(f"seconds must be 1..{MAX_SECONDS}; got {seconds}")
    if not 1 <= replicas <= MAX_REPLICAS:
        raise ValueError(f"replicas must be 1..{MAX_REPLICAS}; got {replicas}")
    drive = session_driver(client)
    log_path = Path(log_path or APP_DIR / "tmp" / "load_test_server.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    t_wall, load_start = time.monotonic(), os.getloadavg()[0]
    split = core_split(pin)
    servers = _start_servers(replicas, log_path, env, split, priority)
    urls = [srv.url + query for srv in servers]
    assert all(urllib.parse.urlparse(u).hostname == "127.0.0.1" for u in urls)
    pids = [srv.proc.pid for srv in servers]
    counter = [0]
    sampler = RssSampler(pids, lambda: counter[0], client_priority=priority)
    sampler.start()
    cpu0, own0 = sum(cpu_seconds(p) for p in pids), time.process_time()
    hard_limit = seconds + LOAD_TIMEOUT_S * (1 + sessions / load_concurrency) + stagger * sessions + 60
    try:
        # asyncio in a fresh thread: safe even when the caller (pytest-playwright) owns a loop.
        with concurrent.futures.ThreadPoolExecutor(1) as ex:
            fut = ex.submit(_pinned, split[1] if split else None, priority, asyncio.run, asyncio.wait_for(
                drive(urls, sessions, seconds, seed, think, counter, stagger, load_concurrency, browser_nice, until),
                timeout=hard_limit))
            stats = fut.result(timeout=hard_limit + 30)
    finally:
        try:
            cpu1, own1 = sum(cpu_seconds(p) for p in pids), time.process_time()
            sampler.stop()
        finally:
            for srv in servers:        # whatever happened above, never leave a server running
                stop_server(srv.proc)
    logs = [log_path] if replicas == 1 else [log_path.with_name(f"{log_path.stem}.{i}{log_path.suffix}")
                                             for i in range(replicas)]
    return _summarise(stats, sampler, interactions=counter[0], server_cpu_s=cpu1 - cpu0, log_paths=logs,
                      warmup_frac=warmup_frac, wall_s=time.monotonic() - t_wall, own_cpu_s=own1 - own0,
                      load_start=load_start, sessions=sessions, seconds=seconds, think_s=tuple(think),
                      browser_nice=browser_nice, replicas=replicas, client=client,
                      pinning=(f"server(s) on CPU {sorted(split[0])}, load generator on CPU {sorted(split[1])}"
                               if split else "none") + (f", both at nice {priority}" if priority else ""))



def _last_half(samples):
    """Samples from the moment half of the interactions had finished on."""
    final = samples[-1][1] if samples else 0
    return [s for s in samples if s[1] >= final / 2] if final >= 4 else []


def _busy(samples) -> tuple[float, float]:
    """(clicking seconds, server CPU s per wall s) between the first and the last interaction."""
    clicking = [s for s in samples if s[1] > 0]
    if len(clicking) < 2 or clicking[-1][0] <= clicking[0][0]:
        return float("nan"), float("nan")
    dt = clicking[-1][0] - clicking[0][0]
    return dt, (clicking[-1][3] - clicking[0][3]) / dt


def _summarise(stats, sampler: RssSampler, *, interactions: int, server_cpu_s: float, log_paths: list,
               warmup_frac: float, wall_s: float, own_cpu_s: float = 0.0,
               **settings) -> LoadResult:  # long: one figure per field
    """The figures of a finished run: the sessions' stats and the server's sampled memory and CPU.
    ``own_cpu_s``: this process's CPU (the protocol sessions run in it; Playwright's side of the browsers)."""
    lat = [ms for s in stats for _, ms in s.latencies_ms]
    kinds: dict[str, list] = {}
    for s in stats:
        for kind, ms in s.latencies_ms:
            kinds.setdefault(kind, []).append(ms)
    samples = sampler.samples
    after = _after_warmup(samples, warmup_frac)
    warm = after[0] if after else samples[-1]
    rss = [s[2] for s in samples]
    loads = [s.load_s for s in stats if np.isfinite(s.load_s)]
    return LoadResult(
        **settings, interactions=interactions,
        errors=[e for s in stats for e in s.errors],
        console_errors=[e for s in stats for e in s.console_errors],
        server_log_errors=[e for lp in log_paths for e in _server_log_errors(lp)],
        outbound=sorted(set().union(*(s.outbound for s in stats))) if stats else [],
        noop_clicks=[e for s in stats for e in s.noop_clicks],
        latency_ms={"p50": _pct(lat, 50), "p95": _pct(lat, 95), "max": max(lat, default=float("nan")),
                    "n": len(lat)},
        server_part_ms={"p50": _pct([x for s in stats for x in s.server_part_ms], 50),
                        "p95": _pct([x for s in stats for x in s.server_part_ms], 95)},
        wire_ms={"p50": _pct([x for s in stats for x in s.wire_ms], 50),
                 "p95": _pct([x for s in stats for x in s.wire_ms], 95),
                 "n": sum(len(s.wire_ms) for s in stats)},
        latency_by_kind={k: {"p50": _pct(v, 50), "p95": _pct(v, 95), "n": len(v)} for k, v in sorted(kinds.items())},
        load_s={"p50": _pct(loads, 50), "max": max(loads, default=float("nan")), "n": len(loads)},
        rss_mb={"start": rss[0] / 1024 if rss else float("nan"), "after_warmup": warm[2] / 1024,
                "end": rss[-1] / 1024 if rss else float("nan"), "max": max(rss, default=0) / 1024},
        rss_slope_kb_per_interaction=_slope(after, 2), server_cpu_s=server_cpu_s,
        rss_slope_last_half_kb=_slope(_last_half(samples), 2), clicking_s=_busy(samples)[0],
        server_busy=_busy(samples)[1],
        server_cpu_ms_per_interaction=1000 * _slope(after, 3),          # server CPU per interaction, steady state
        client_cpu_s=sum(sampler.client_cpu.values()) + own_cpu_s, wall_s=wall_s,
        ws=ws_figures(stats) if settings.get("client") == "ws" else {},
        pages=sorted(set().union(*(s.pages for s in stats))) if stats else [], rss_samples=samples)


def report(r: LoadResult) -> str:  # long: one line per figure
    rate = r.interactions / r.clicking_s if r.clicking_s == r.clicking_s and r.clicking_s > 0 else float("nan")
    ws = r.client == "ws"
    who = ("protocol-level WebSocket sessions (bench/load_ws.py, no browser)" if ws else "Chromium contexts")
    lines = [
        f"sessions: {r.sessions} concurrent {who} on {r.replicas} replica(s), clicking together "
        f"(cap {r.seconds:g} s), think time {r.think_s[0]:g}-{r.think_s[1]:g} s; pinning: {r.pinning}"
        + ("" if ws else f"; browsers at nice {r.browser_nice}") + f"; pages exercised: {', '.join(r.pages) or 'none'}",
        f"interactions completed: {r.interactions} in {r.clicking_s:.0f} s ({rate:.1f}/s, "
        f"{rate / r.sessions:.2f} per session per s)",
        f"errors: {r.error_count} (page: {len(r.errors)}, server log: {len(r.server_log_errors)}); clicks that "
        f"started no rerun (not timed, not errors): {len(r.noop_clicks)}",
        f"SERVER VIEW (rerun request frame sent -> script_finished frame received, timed by "
        f"{'the sessions on the load-generator core' if ws else 'the browser network stack'}, off the server's "
        f"core): p50 {r.wire_ms['p50']:.0f}, p95 {r.wire_ms['p95']:.0f} ms (n = {r.wire_ms['n']}); server CPU "
        f"busy {100 * r.server_busy:.0f}% of one core while clicking",
    ]
    if ws:      # no browser, no page clock: the checks only the wire gives instead
        lines.append(f"  rerun requests sent {r.ws['requests']}, answered by script_finished {r.ws['finished']}; "
                     f"forest figures checked against the choices (layout.meta) {r.ws['meta_checked']}, of which "
                     f"changed from the session's previous one {r.ws['meta_changed']}")
    else:
        lines += [f"BROWSER VIEW (click -> page redrawn, page clock): p50 {r.latency_ms['p50']:.0f}, p95 "
                  f"{r.latency_ms['p95']:.0f}, max {r.latency_ms['max']:.0f} ms (n = {r.latency_ms['n']})",
                  f"  of which click -> script_finished arrives in the page (server + queue): "
                  f"p50 {r.server_part_ms['p50']:.0f}, p95 {r.server_part_ms['p95']:.0f} (the rest: rendering)"]
    for kind, v in r.latency_by_kind.items():
        lines.append(f"  {kind:22s} p50 {v['p50']:.0f} ms, p95 {v['p95']:.0f} ms (n = {v['n']})")
    lines += [
        f"first page load (s): p50 {r.load_s['p50']:.1f}, max {r.load_s['max']:.1f}",
        f"server RSS (MB, server(s) + children): start {r.rss_mb['start']:.0f}, after warm-up "
        f"{r.rss_mb['after_warmup']:.0f}, end {r.rss_mb['end']:.0f}, max {r.rss_mb['max']:.0f}",
        f"RSS slope after warm-up: {r.rss_slope_kb_per_interaction:+.1f} kB per interaction "
        f"(warm-up: the loads and the first {100 * WARMUP_FRAC:.0f}% of the clicking time); over the second "
        f"half of the interactions: {r.rss_slope_last_half_kb:+.1f} kB per interaction",
        f"server CPU after warm-up: {r.server_cpu_ms_per_interaction:.0f} ms per interaction; whole run "
        f"{r.server_cpu_s:.1f} s (incl. {r.sessions} first loads); load generator "
        f"({'this process' if ws else 'Chromium + this process'}) CPU: {r.client_cpu_s:.0f} s; wall time "
        f"{r.wall_s:.0f} s; cores: {os.cpu_count()}; load average (1 min) at "
        f"the start {r.load_start:.2f}, at the end {os.getloadavg()[0]:.2f}",
    ]
    if r.errors or r.server_log_errors:
        lines.append("first errors:")
        lines += [f"  {e}" for e in (r.errors + r.server_log_errors)[:10]]
    if r.outbound:
        lines.append(f"outbound requests attempted by the pages (blocked, not counted as errors): "
                     f"{', '.join(r.outbound[:5])}")
    if r.console_errors:
        lines.append(f"console errors / skipped clicks (not counted as errors): {len(r.console_errors)}")
        lines += [f"  {e}" for e in r.console_errors[:5]]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--step", help="comma-separated session counts to step through (e.g. 5,10,15,20,25,30): "
                                   "finds how many sessions hold p95 <= 1 s")
    ap.add_argument("--seconds", type=float, default=60, help="clicking time (with --until: its cap)")
    ap.add_argument("--all-steps", action="store_true", help="with --step: run every step (not only until one fails)")
    ap.add_argument("--until", type=int, help="soak: stop after this many interactions (e.g. 1000)")
    ap.add_argument("--think-min", type=float, default=1.0, help="shortest pause between clicks (s)")
    ap.add_argument("--think-max", type=float, default=3.0, help="longest pause between clicks (s)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--load-concurrency", type=int, default=LOAD_CONCURRENCY,
                    help="how many sessions may open the app at the same time (ramp-up)")
    ap.add_argument("--browser-nice", type=int, default=0,
                    help="run the browsers at this nice level (e.g. 19) so the server gets the CPU first")
    ap.add_argument("--priority", type=int, default=0,
                    help="nice level of the servers and the browsers (e.g. -10 as root on a shared machine)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin the server and the browsers to separate cores")
    ap.add_argument("--replicas", type=int, default=1,
                    help="app replicas (all on the server core); more than 1 share a throwaway PostgreSQL")
    ap.add_argument("--postgres", action="store_true", help="use a throwaway PostgreSQL even for one replica")
    ap.add_argument("--saved-dataset", action="store_true",
                    help="save the shipped dataset in the store and open it by its link (?ds=<id>) in every session")
    ap.add_argument("--client", choices=("browser", "ws"), default="browser",
                    help="browser: Chromium sessions; ws: protocol-level WebSocket sessions (bench/load_ws.py)")
    ap.add_argument("--json", type=Path, help="also write the figures (and RSS samples) as JSON here")
    args = ap.parse_args(argv)
    from bench.load_plan import postgres_env, saved_dataset_query, step_sessions

    with (postgres_env() if args.replicas > 1 or args.postgres else contextlib.nullcontext(None)) as env:
        if args.saved_dataset and env is None:
            env = {**os.environ, "MSCDM_STATE_DIR": tempfile.mkdtemp(prefix="mscdm-state-", dir=APP_DIR / "tmp")}
        query = saved_dataset_query(env) if args.saved_dataset else ""
        run = functools.partial(run_load, seconds=args.seconds, think=(args.think_min, args.think_max),
                                seed=args.seed, load_concurrency=args.load_concurrency,
                                browser_nice=args.browser_nice, pin=not args.no_pin, replicas=args.replicas,
                                env=env, query=query, until=args.until, priority=args.priority,
                                client=args.client)
        if args.step:
            summary = step_sessions([int(n) for n in args.step.split(",")], run, report,
                                    echo=lambda t: print(t, flush=True),
                                    stop_after_over=len(args.step.split(",")) if args.all_steps else 1)
            return 1 if any(row.errors for row in summary.rows) else 0
        r = run(sessions=args.sessions)
    print(report(r))
    if args.json:
        args.json.write_text(json.dumps(asdict(r), indent=1, default=str))
    return 1 if r.error_count else 0


if __name__ == "__main__":
    sys.exit(main())
