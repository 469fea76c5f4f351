"""Playwright fixtures: one Streamlit server per session on a free loopback port, and
pytest-playwright driving Debian's Chromium (never a downloaded browser)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[2]
SHOTS = APP_DIR / "tmp" / "shots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
CHART = '[data-testid="stPlotlyChart"] .js-plotly-plot'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base_url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
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


def start_server(log_path: Path, port: int | None = None, extra_env: dict | None = None):
    """Start `streamlit run app.py` on loopback; return (process, base_url)."""
    port = port or free_port()
    fh = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=APP_DIR, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, **(extra_env or {})})
    base_url = f"http://127.0.0.1:{port}"
    wait_healthy(base_url, proc)
    return proc, base_url


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def server_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("st") / "streamlit.log"


@pytest.fixture(scope="session")
def streamlit_server(server_log):
    proc, base_url = start_server(server_log)
    try:
        yield base_url
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian Chromium not found at {CHROMIUM}: install it with "
                    "`apt-get install -y chromium` (browser tests must not skip)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 900}, "accept_downloads": True}


@pytest.fixture
def page_errors(page):
    """Collect uncaught page errors and console errors; tests assert it stays empty."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    return errors


def wait_app_idle(page, timeout: int = 30_000) -> None:
    """Wait until the script has finished and no stale element remains (TOOLCHAIN.md §5 flake)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stElementContainer\"][data-stale=\"true\"]')",
        timeout=timeout)


def chart_meta(page, index: int = 0) -> dict:
    """The drawn plotly figure's layout.meta (k, estimate, method, studies)."""
    return page.evaluate(f"() => document.querySelectorAll('{CHART}')[{index}].layout.meta")


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_exception_shown(page) -> bool:
    return page.locator('[data-testid="stException"]').count() == 0
