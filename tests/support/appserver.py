"""Start and stop the app on loopback, and the browser that drives it: shared by the browser tests
(tests/e2e/), the benchmarks (bench/) and scripts/screenshots.py.  Plain functions, no pytest, so a
benchmark run as a script can import it.

Every server binds 127.0.0.1 on a free port, in its own process group, so that
:func:`stop_server` ends it and every process it started.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import sync_playwright

APP_DIR = Path(__file__).resolve().parents[2]
# Debian's Chromium (never a downloaded browser), with no background traffic of its own.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# A drawn plotly figure on a page: the app's own element (ui/chart.py) or st.plotly_chart (the trivial
# and floor apps of the benchmarks, and the app with MSCDM_CHARTS=native).
CHART = '.js-plotly-plot'


@contextmanager
def chromium():
    """Debian's headless Chromium under Playwright (the one place it is launched); closed on exit."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass(frozen=True, slots=True)
class AppServer:
    """A running ``streamlit run``: its process and its base URL (``http://127.0.0.1:<port>``)."""

    proc: subprocess.Popen
    url: str


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now: the first free one of ``MSCDM_PORTS``
    ("8630-8639", for a shared machine where each user has a range), else any the system gives."""
    low, _, high = os.environ.get("MSCDM_PORTS", "").partition("-")
    for port in range(int(low), int(high or low) + 1) if low else ():
        if port in _HANDED_OUT:        # handed out but maybe not bound yet (e.g. two ports for nginx)
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            _HANDED_OUT.add(port)
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(port: int, script: str = "app.py") -> list[str]:
    """The command that serves ``script`` headless on 127.0.0.1:``port``, with no file watcher
    and no usage statistics."""
    return [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
            "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none"]


def wait_healthy(base_url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Return once ``/_stcore/health`` answers 200; raise if the server exits or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{base_url}/_stcore/health not ok after {timeout}s")


def start_server(log_path: Path, port: int | None = None, *, script: str = "app.py", env: dict | None = None,
                 command_prefix: tuple | list = (), timeout: float = 60.0, app_dir: Path = APP_DIR) -> AppServer:
    """Serve ``script`` on loopback, its output in ``log_path``; return once it is healthy.

    ``env`` replaces the environment (default: this process's); ``command_prefix`` runs the server
    under another program (e.g. strace); ``app_dir``: another copy of the app (a benchmark's
    "before").  A server that does not become healthy is stopped.
    """
    port = port or free_port()
    with open(log_path, "w") as fh:
        proc = subprocess.Popen(list(command_prefix) + streamlit_command(port, script), cwd=app_dir, stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True, env=env)
    server = AppServer(proc, f"http://127.0.0.1:{port}")
    try:
        wait_healthy(server.url, proc, timeout)
    except (RuntimeError, TimeoutError) as exc:
        stop_server(proc)
        raise type(exc)(f"{exc}; see {log_path}") from exc
    return server


def stop_server(proc: subprocess.Popen) -> None:
    """End the server's whole process group: SIGTERM, then SIGKILL after 10 s."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_app_idle(page, timeout: int = 30_000) -> None:
    """Wait until the script has finished and no stale element remains: right after a rerun,
    elements of the previous run stay in the page marked stale until they are replaced, and a
    reader that looks then sees the old figure."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stElementContainer\"][data-stale=\"true\"]')",
        timeout=timeout)
