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
import json
import os
import sys
import time
import urllib.parse
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

if __package__ in (None, ""):          # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.appserver import APP_DIR, start_server, stop_server  # noqa: E402
from bench.load_sessions import LOAD_TIMEOUT_S, run_sessions  # noqa: E402
from bench.proc_stats import RssSampler, cpu_seconds  # noqa: E402

MAX_SESSIONS = 40
LOAD_CONCURRENCY = 2
WARMUP_FRAC = 0.25
MAX_SECONDS = 600
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
    server_cpu_s: float
    server_cpu_ms_per_interaction: float   # after warm-up (slope of server CPU against interactions)
    client_cpu_s: float         # CPU of the load generator (Playwright driver + Chromium), same machine
    wall_s: float
    pages: list
    rss_samples: list

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


def run_load(sessions: int = 3, seconds: float = 15.0, *, think: tuple = (1.0, 3.0), seed: int = 1,
             stagger: float = 0.25, warmup_frac: float = None, log_path: Path | None = None,
             load_concurrency: int = LOAD_CONCURRENCY, browser_nice: int = 0) -> LoadResult:
    """Start a server on loopback, run the sessions, stop everything; return the figures."""
    warmup_frac = WARMUP_FRAC if warmup_frac is None else warmup_frac
    if not 1 <= sessions <= MAX_SESSIONS:
        raise ValueError(f"sessions must be 1..{MAX_SESSIONS}; got {sessions}")
    if not 1 <= seconds <= MAX_SECONDS:
        raise ValueError(f"seconds must be 1..{MAX_SECONDS}; got {seconds}")
    log_path = Path(log_path or APP_DIR / "tmp" / "load_test_server.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    t_wall = time.monotonic()
    server = start_server(log_path)
    proc, url = server.proc, server.url
    assert urllib.parse.urlparse(url).hostname == "127.0.0.1"
    counter = [0]
    sampler = RssSampler(proc.pid, lambda: counter[0])
    sampler.start()
    cpu0 = cpu_seconds(proc.pid)
    hard_limit = seconds + LOAD_TIMEOUT_S * (1 + sessions / load_concurrency) + stagger * sessions + 60
    try:
        # asyncio in a fresh thread: safe even when the caller (pytest-playwright) owns a loop.
        with concurrent.futures.ThreadPoolExecutor(1) as ex:
            fut = ex.submit(asyncio.run, asyncio.wait_for(
                run_sessions(url, sessions, seconds, seed, think, counter, stagger, load_concurrency,
                              browser_nice),
                timeout=hard_limit))
            stats = fut.result(timeout=hard_limit + 30)
    finally:
        try:
            cpu1 = cpu_seconds(proc.pid)
            sampler.stop()
        finally:
            stop_server(proc)          # whatever happened above, never leave the server running
    return _summarise(stats, sampler, interactions=counter[0], server_cpu_s=cpu1 - cpu0, log_path=log_path,
                      warmup_frac=warmup_frac, wall_s=time.monotonic() - t_wall, sessions=sessions,
                      seconds=seconds, think_s=tuple(think), browser_nice=browser_nice)


def _summarise(stats, sampler: RssSampler, *, interactions: int, server_cpu_s: float, log_path: Path,
               warmup_frac: float, wall_s: float, **settings) -> LoadResult:
    """The figures of a finished run: the sessions' stats and the server's sampled memory and CPU."""
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
        server_log_errors=_server_log_errors(log_path),
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
        server_cpu_ms_per_interaction=1000 * _slope(after, 3),          # server CPU per interaction, steady state
        client_cpu_s=sum(sampler.client_cpu.values()), wall_s=wall_s,
        pages=sorted(set().union(*(s.pages for s in stats))) if stats else [], rss_samples=samples)


def report(r: LoadResult) -> str:
    lines = [
        f"sessions: {r.sessions} concurrent Chromium contexts, all clicking together for {r.seconds:g} s, think time "
        f"{r.think_s[0]:g}-{r.think_s[1]:g} s; browsers at nice {r.browser_nice}; pages exercised: "
        f"{', '.join(r.pages) or 'none'}",
        f"interactions completed: {r.interactions} ({r.interactions / r.seconds:.1f}/s while all clicked)",
        f"errors: {r.error_count} (page: {len(r.errors)}, server log: {len(r.server_log_errors)}); clicks that "
        f"started no rerun (not timed, not errors): {len(r.noop_clicks)}",
        f"latency click -> redrawn (ms): p50 {r.latency_ms['p50']:.0f}, p95 {r.latency_ms['p95']:.0f}, "
        f"max {r.latency_ms['max']:.0f} (n = {r.latency_ms['n']})",
    ]
    lines.append(f"  of which click -> script_finished arrives in the page (server + queue): "
                 f"p50 {r.server_part_ms['p50']:.0f}, p95 {r.server_part_ms['p95']:.0f} (the rest: rendering)")
    lines.append(f"server view (rerun request frame sent -> script_finished frame received, browser network "
                 f"stack): p50 {r.wire_ms['p50']:.0f}, p95 {r.wire_ms['p95']:.0f} ms (n = {r.wire_ms['n']})")
    for kind, v in r.latency_by_kind.items():
        lines.append(f"  {kind:22s} p50 {v['p50']:.0f} ms, p95 {v['p95']:.0f} ms (n = {v['n']})")
    lines += [
        f"first page load (s): p50 {r.load_s['p50']:.1f}, max {r.load_s['max']:.1f}",
        f"server RSS (MB, server + children): start {r.rss_mb['start']:.0f}, after warm-up "
        f"{r.rss_mb['after_warmup']:.0f}, end {r.rss_mb['end']:.0f}, max {r.rss_mb['max']:.0f}",
        f"RSS slope after warm-up: {r.rss_slope_kb_per_interaction:+.1f} kB per interaction "
        f"(warm-up: the loads and the first {100 * WARMUP_FRAC:.0f}% of the clicking time)",
        f"server CPU after warm-up: {r.server_cpu_ms_per_interaction:.0f} ms per interaction; whole run "
        f"{r.server_cpu_s:.1f} s (incl. {r.sessions} first loads); load generator (Chromium) CPU: "
        f"{r.client_cpu_s:.0f} s; wall time {r.wall_s:.0f} s; cores: {os.cpu_count()}; load average at the end: "
        f"{os.getloadavg()[0]:.1f}",
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
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--think-min", type=float, default=1.0, help="shortest pause between clicks (s)")
    ap.add_argument("--think-max", type=float, default=3.0, help="longest pause between clicks (s)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--load-concurrency", type=int, default=LOAD_CONCURRENCY,
                    help="how many sessions may open the app at the same time (ramp-up)")
    ap.add_argument("--browser-nice", type=int, default=0,
                    help="run the browsers at this nice level (e.g. 19) so the server gets the CPU first")
    ap.add_argument("--json", type=Path, help="also write the figures (and RSS samples) as JSON here")
    args = ap.parse_args(argv)
    r = run_load(args.sessions, args.seconds, think=(args.think_min, args.think_max), seed=args.seed,
                 load_concurrency=args.load_concurrency, browser_nice=args.browser_nice)
    print(report(r))
    if args.json:
        args.json.write_text(json.dumps(asdict(r), indent=1, default=str))
    return 1 if r.error_count else 0


if __name__ == "__main__":
    sys.exit(main())
