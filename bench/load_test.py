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
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

APP_DIR = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Same flags as tests/e2e/conftest.py.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Loopback only: every host name except 127.0.0.1 fails to resolve inside this browser.
GUARD_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'
MAX_SESSIONS = 40
LOAD_CONCURRENCY = 2
WARMUP_FRAC = 0.25
LOAD_TIMEOUT_S = 120
MAX_SECONDS = 600
LOG_ERROR_PATTERNS = ("Traceback", "Uncaught app execution")

# Installed in every page before the app loads: remember the time of the last trusted click and
# whether a script run started after it (Streamlit's stApp carries data-test-script-state).
INIT_JS = """
(() => {
  // Timing of one click: pointerdown -> the widget's rerun request (WebSocket send) -> the server's
  // ForwardMsg.script_finished (field 6; 0 = finished, 3 = fragment finished; 2 = stopped early for
  // a rerun, so keep waiting) -> the page rendered with no stale element left.  Reading the message
  // itself keeps the timing right when React batches the "running"/"notRunning" renders (CPU
  // starvation), where the data-test-script-state attribute never changes.
  const L = window.__lt = {click: 0, sent: false, finished: false, done: 0};
  const idle = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && !document.querySelector('[data-testid="stElementContainer"][data-stale="true"]');
  };
  const check = () => {
    if (!L.finished || L.done) return;
    if (idle()) { L.done = performance.now(); return; }
    requestAnimationFrame(check);
  };
  const scriptFinished = (buf) => {         // top-level protobuf fields of a ForwardMsg
    const b = new Uint8Array(buf); let i = 0;
    const varint = () => {
      let x = 0, s = 1, c;
      do { c = b[i++]; x += (c & 127) * s; s *= 128; } while (c & 128 && i < b.length);
      return x;
    };
    while (i < b.length) {
      const key = varint(), field = Math.floor(key / 8), wire = key & 7;
      if (wire === 0) { const v = varint(); if (field === 6) return v; }
      else if (wire === 2) { const n = varint(); i += n; }   // not `i += varint()`: i is read first
      else if (wire === 1) { i += 8; } else if (wire === 5) { i += 4; } else return null;
    }
    return null;
  };
  const onMessage = (ev) => {
    if (!L.sent || L.finished) return;
    const handle = (buf) => {
      const v = scriptFinished(buf);
      if (v === 0 || v === 1 || v === 3) { L.finished = true; L.fin = performance.now(); check(); }
    };
    if (ev.data instanceof ArrayBuffer) handle(ev.data);
    else if (ev.data instanceof Blob) ev.data.arrayBuffer().then(handle);
  };
  document.addEventListener('pointerdown', (e) => {
    if (e.isTrusted) Object.assign(L, {click: performance.now(), sent: false, finished: false, done: 0});
  }, true);
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (L.click && !L.done && !L.finished) L.sent = true;
    if (!this.__ltHooked) { this.__ltHooked = true; this.addEventListener('message', onMessage); }
    return send.call(this, data);
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true,
                                                 attributeFilter: ['data-test-script-state', 'data-stale']});
})();
"""
# The latency (ms) of the last click, once the rerun it triggered has finished and no stale element
# is left; the end time is taken in the page by the MutationObserver above (no polling error).
DONE_JS = ("() => (window.__lt && window.__lt.done) ? [Math.max(window.__lt.done - window.__lt.click, 0.001), "
           "window.__lt.fin - window.__lt.click] : false")
STATE_JS = """
() => ({sawRun: !!(window.__lt && window.__lt.sent), finished: !!(window.__lt && window.__lt.finished),
        state: (document.querySelector('[data-testid="stApp"]') || {getAttribute: () => null})
                 .getAttribute('data-test-script-state'),
        stale: document.querySelectorAll('[data-testid="stElementContainer"][data-stale="true"]').length,
        idle: !!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]')})
"""
IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stElementContainer"][data-stale="true"]');
}
"""
# Choices a session can make now: radio options not selected, checkboxes, nav links.
CHOICES_JS = """
() => {
  const out = [];
  const groups = [...document.querySelectorAll('[role="radiogroup"]')];
  groups.forEach((g, gi) => {
    if (!g.offsetParent) return;                          // inside a collapsed expander
    const name = g.getAttribute('aria-label') || '';
    for (const l of g.querySelectorAll('label')) {
      const i = l.querySelector('input');
      if (i && !i.checked && !i.disabled) out.push({kind: 'radio', group: name, gi, text: l.innerText.trim()});
    }
  });
  for (const c of document.querySelectorAll('[data-testid="stCheckbox"]')) {
    if (c.offsetParent) out.push({kind: 'checkbox', text: c.innerText.trim()});
  }
  return out;
}
"""
SELECTBOXES = {"Outcome": None, "Time point": None}   # sidebar selectboxes the sessions also change


# ---------------------------------------------------------------------------------------------
# Server
# ---------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(log_path: Path, port: int | None = None, timeout: float = 60.0):
    """``streamlit run app.py`` on 127.0.0.1 in its own process group; returns (proc, url)."""
    port = port or free_port()
    fh = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=APP_DIR, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return proc, url
        except OSError:
            pass
        time.sleep(0.05)
    stop_server(proc)
    raise TimeoutError(f"{url}/_stcore/health not ok after {timeout}s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            txt = (task / "children").read_text().split()
            out += [int(c) for c in txt]
    except OSError:
        pass
    return out


def tree_pids(pid: int) -> set[int]:
    """A process and all its descendants."""
    todo, seen = [pid], set()
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo += _children(p)
    return seen


def tree_rss_kb(pid: int) -> int:
    """RSS of a process and all its descendants (kB)."""
    return sum(_rss_kb(p) for p in tree_pids(pid))


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


class RssSampler(threading.Thread):
    """Samples (elapsed s, interactions so far, RSS kB, server CPU s) every ``interval`` seconds."""

    def __init__(self, pid: int, counter, interval: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.counter, self.interval = pid, counter, interval
        self.samples: list[tuple[float, int, int]] = []
        self.client_cpu: dict[int, float] = {}   # pid -> CPU s of the load generator's own processes
        self._halt = threading.Event()
        self.t0 = time.monotonic()

    def run(self):
        while not self._halt.is_set():
            self.samples.append((time.monotonic() - self.t0, self.counter(), tree_rss_kb(self.pid),
                                 cpu_seconds(self.pid)))
            server = tree_pids(self.pid)
            for p in tree_pids(os.getpid()) - server - {os.getpid()}:   # Playwright driver + Chromium
                c = cpu_seconds(p)
                if c == c:
                    self.client_cpu[p] = max(c, self.client_cpu.get(p, 0.0))
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join(timeout=5)
        self.samples.append((time.monotonic() - self.t0, self.counter(), tree_rss_kb(self.pid),
                             cpu_seconds(self.pid)))


# ---------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------
@dataclass
class SessionStats:
    latencies_ms: list = field(default_factory=list)   # (kind, ms)
    load_s: float = float("nan")
    errors: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    outbound: set = field(default_factory=set)   # non-loopback URLs the page asked for (blocked)
    noop_clicks: list = field(default_factory=list)  # clicks that started no rerun (not timed)
    server_part_ms: list = field(default_factory=list)  # click -> script_finished received
    wire_ms: list = field(default_factory=list)   # rerun request sent -> script_finished (network stack)
    clicking: bool = False
    interactions: int = 0
    pages: set = field(default_factory=set)


async def _choose_and_click(page, rng: random.Random, has_sensitivity: bool) -> tuple[str, bool]:
    """Make one random choice that triggers a rerun; return (description, clicked)."""
    sidebar = page.get_by_test_id("stSidebar")
    roll = rng.random()
    if has_sensitivity and roll < 0.15:
        here = "Sensitivity" if "/sensitivity" in page.url else "Forest plot"
        target = "Forest plot" if here == "Sensitivity" else "Sensitivity"
        await page.get_by_test_id("stSidebarNav").get_by_role("link", name=target).click()
        return f"nav:{target}", True
    if roll < 0.30:
        name = rng.choice(list(SELECTBOXES))
        box = sidebar.get_by_role("combobox", name=name)
        current = (await box.input_value()) if await box.count() else ""
        await box.click()
        opts = [o for o in await page.get_by_role("option").all_inner_texts() if o.strip() != current.strip()]
        if not opts:
            await page.keyboard.press("Escape")
            return f"select:{name}", False
        choice = rng.choice(opts)
        await page.get_by_role("option", name=choice, exact=True).click()
        return f"select:{name}={choice}", True
    choices = await page.evaluate(CHOICES_JS)
    if not choices:
        return "none", False
    c = rng.choice(choices)
    if c["kind"] == "radio":
        group = page.locator('[role="radiogroup"]').nth(c["gi"])
        await group.get_by_text(c["text"], exact=True).first.click()
        return f"radio:{c['group']}={c['text']}", True
    await page.get_by_test_id("stCheckbox").filter(has_text=c["text"]).first.locator("label").click()
    return f"checkbox:{c['text']}", True


class _WireTimer:
    """Pairs each BackMsg.rerun_script frame with the next ForwardMsg.script_finished frame."""

    def __init__(self, stats):
        self.stats, self.t_sent = stats, None

    @staticmethod
    def _payload(params):
        import base64

        r = params.get("response", {})
        return base64.b64decode(r.get("payloadData", "")) if r.get("opcode") == 2 else None

    def sent(self, params):
        from streamlit.proto.BackMsg_pb2 import BackMsg

        data = self._payload(params)
        try:
            if data is not None and BackMsg.FromString(data).WhichOneof("type") == "rerun_script":
                self.t_sent = params["timestamp"]
        except Exception:
            pass

    def received(self, params):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        if self.t_sent is None:
            return
        data = self._payload(params)
        try:
            msg = ForwardMsg.FromString(data) if data is not None else None
        except Exception:
            return
        if msg is not None and msg.WhichOneof("type") == "script_finished" and msg.script_finished in (0, 1, 3):
            if self.stats.clicking:
                self.stats.wire_ms.append(1000 * (params["timestamp"] - self.t_sent))
            self.t_sent = None


class _Start:
    """All sessions open the app first; clicking starts for everyone at once when the last is ready."""

    def __init__(self, sessions: int):
        self.left, self.event, self.t = sessions, asyncio.Event(), None

    def ready(self) -> None:
        self.left -= 1
        if self.left == 0:
            self.t = time.monotonic()
            self.event.set()


async def _session(browser, base_url: str, seconds: float, idx: int, seed: int, think: tuple[float, float],
                   counter: list, stagger: float, has_sens_file: bool, loading: asyncio.Semaphore,
                   start: _Start) -> SessionStats:
    stats = SessionStats()
    rng = random.Random(seed * 1000 + idx)
    await asyncio.sleep(stagger * idx)
    ctx = await browser.new_context(viewport={"width": 1400, "height": 900})
    await ctx.add_init_script(INIT_JS)
    page = await ctx.new_page()
    page.set_default_timeout(5_000)      # a click that cannot happen within 5 s is skipped
    page.on("pageerror", lambda e: stats.errors.append(f"session {idx} pageerror: {e}"))
    page.on("console", lambda m: stats.console_errors.append(f"session {idx}: {m.text[:200]}")
            if m.type == "error" and "ERR_NAME_NOT_RESOLVED" not in m.text else None)
    page.on("request", lambda r: None if r.url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:"))
            else stats.outbound.add(r.url[:200]))
    # The network view of each rerun (CDP, timestamps taken in the browser's network stack, not in
    # the busy page): the rerun_script request sent -> the script_finished message received.
    cdp = await ctx.new_cdp_session(page)
    await cdp.send("Network.enable")
    wire = _WireTimer(stats)
    cdp.on("Network.webSocketFrameSent", wire.sent)
    cdp.on("Network.webSocketFrameReceived", wire.received)
    clicking = False
    try:
        # Ramp-up: at most `load_concurrency` sessions open the app at once (a first load parses the
        # plotly.js bundle: seconds of CPU per browser context); then all click together.
        async with loading:
            t = time.monotonic()
            await page.goto(base_url, wait_until="domcontentloaded", timeout=LOAD_TIMEOUT_S * 1000)
            await page.locator(f"{CHART} .main-svg").first.wait_for(timeout=LOAD_TIMEOUT_S * 1000)
            await page.wait_for_function(IDLE_JS, timeout=LOAD_TIMEOUT_S * 1000)
            stats.load_s = time.monotonic() - t
        sidebar = page.get_by_test_id("stSidebar")
        await sidebar.get_by_text("Model details and sensitivity").click(timeout=30_000)   # expander: no rerun
        has_sens = has_sens_file and await page.get_by_test_id("stSidebarNav").get_by_role(
            "link", name="Sensitivity").count() > 0
        start.ready()
        clicking = True
        await start.event.wait()
        stats.clicking = True
        deadline = start.t + seconds
        while time.monotonic() < deadline:
            await asyncio.sleep(rng.uniform(*think))
            if time.monotonic() >= deadline:
                break
            where = "sensitivity" if "/sensitivity" in page.url else "forest"
            try:
                what, clicked = await _choose_and_click(page, rng, has_sens)
            except Exception as exc:   # a click that could not happen (element moved) is not an app error
                stats.console_errors.append(f"session {idx}: click skipped ({type(exc).__name__}: "
                                            f"{str(exc).splitlines()[0][:150]})")
                await page.keyboard.press("Escape")
                continue
            if not clicked:
                continue
            try:
                handle = await page.wait_for_function(DONE_JS, polling=100, timeout=30_000)
                ms = await handle.json_value()
            except Exception:
                state = await page.evaluate(STATE_JS)
                if not state["sawRun"] and state["idle"] and not state["stale"]:
                    # The click never reached a widget (e.g. a dropdown closed under it): no rerun was
                    # asked for, so there is nothing to time; counted apart, not as an app error.
                    stats.noop_clicks.append(f"session {idx}: {what}")
                else:
                    stats.errors.append(f"session {idx}: {what} still not finished after 30 s ({state})")
                continue
            ms, server_ms = ms
            stats.latencies_ms.append((f"{where}:{what.split(':')[0]}", float(ms)))
            stats.server_part_ms.append(float(server_ms))
            stats.interactions += 1
            counter[0] += 1
            stats.pages.add("sensitivity" if "/sensitivity" in page.url else "forest")
            n_exc = await page.locator('[data-testid="stException"]').count()
            if n_exc:
                text = await page.locator('[data-testid="stException"]').first.inner_text()
                stats.errors.append(f"session {idx}: stException after {what}: {text[:300]}")
    except Exception as exc:
        stats.errors.append(f"session {idx}: {type(exc).__name__}: {str(exc)[:300]}")
    finally:
        if not clicking:
            start.ready()          # a session that failed to open must not hold the others back
        await ctx.close()
    return stats


def _browser_executable(nice: int) -> str:
    """Debian's Chromium, or a wrapper that starts it with a lower CPU priority (``nice``), so that
    the server on the same machine is served first, as if the browsers ran elsewhere."""
    if not nice:
        return CHROMIUM
    wrapper = APP_DIR / "tmp" / f"chromium-nice{int(nice)}.sh"
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(f'#!/bin/sh\nexec nice -n {int(nice)} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


async def _run_sessions(base_url, sessions, seconds, seed, think, counter, stagger, load_concurrency, nice=0):
    from playwright.async_api import async_playwright

    loading = asyncio.Semaphore(load_concurrency)
    start = _Start(sessions)
    has_sens_file = (APP_DIR / "pages" / "sensitivity.py").exists()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=_browser_executable(nice),
                                          args=CHROMIUM_ARGS + GUARD_ARGS)
        try:
            return await asyncio.gather(*(_session(browser, base_url, seconds, i, seed, think, counter, stagger,
                                                   has_sens_file, loading, start) for i in range(sessions)))
        finally:
            await browser.close()


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
    proc, url = start_server(log_path)
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
                _run_sessions(url, sessions, seconds, seed, think, counter, stagger, load_concurrency,
                              browser_nice),
                timeout=hard_limit))
            stats = fut.result(timeout=hard_limit + 30)
    finally:
        try:
            cpu1 = cpu_seconds(proc.pid)
            sampler.stop()
        finally:
            stop_server(proc)          # whatever happened above, never leave the server running
    lat = [ms for s in stats for _, ms in s.latencies_ms]
    kinds: dict[str, list] = {}
    for s in stats:
        for kind, ms in s.latencies_ms:
            kinds.setdefault(kind, []).append(ms)
    samples = sampler.samples
    after = _after_warmup(samples, warmup_frac)
    warm = after[0] if after else samples[-1]
    slope = _slope(after, 2)
    cpu_per = 1000 * _slope(after, 3)          # server CPU ms per interaction, steady state
    rss = [s[2] for s in samples]
    loads = [s.load_s for s in stats if np.isfinite(s.load_s)]
    return LoadResult(
        sessions=sessions, seconds=seconds, think_s=tuple(think), browser_nice=browser_nice,
        interactions=counter[0],
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
        rss_slope_kb_per_interaction=slope, server_cpu_s=cpu1 - cpu0, server_cpu_ms_per_interaction=cpu_per,
        client_cpu_s=sum(sampler.client_cpu.values()), wall_s=time.monotonic() - t_wall,
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
