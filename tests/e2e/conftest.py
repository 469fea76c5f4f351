"""Playwright fixtures: one Streamlit server per session on a free loopback port, and
pytest-playwright driving Debian's Chromium (never a downloaded browser).  Starting and stopping
the server is tests/support/appserver.py's, shared with the benchmarks."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.support.appserver import (APP_DIR, CHART, CHROMIUM, CHROMIUM_ARGS, start_server,  # noqa: F401
                                     stop_server, wait_app_idle)   # wait_app_idle: the tests' import

SHOTS = APP_DIR / "tmp" / "shots"


@pytest.fixture(scope="session")
def server_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("st") / "streamlit.log"


@pytest.fixture(scope="session")
def streamlit_server(server_log):
    server = start_server(server_log)
    try:
        yield server.url
    finally:
        stop_server(server.proc)


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


def chart_meta(page, index: int = 0) -> dict:
    """The drawn plotly figure's layout.meta (k, estimate, method, studies)."""
    return page.evaluate(f"() => document.querySelectorAll('{CHART}')[{index}].layout.meta")


# A forest figure's texts of one column, top to bottom, as drawn (core.figures.forest.column_texts in the browser:
# the text traces carry each point's column in their meta).
COLUMN_TEXTS_JS = """(column) => document.querySelector('%s').data.filter(t => (t.name || '').startsWith('Text: '))
  .flatMap(t => t.text.map((s, i) => [t.y[i], s, (t.meta || [])[i]])).filter(p => p[2] === column)
  .sort((a, b) => b[0] - a[0]).map(p => p[1])""" % CHART


def column_texts(page, column: str) -> list[str]:
    """The drawn forest figure's texts of ``column`` (study, m1 ... weight, effect), top to bottom."""
    return page.evaluate(COLUMN_TEXTS_JS, column)


def screenshot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_exception_shown(page) -> bool:
    return page.locator('[data-testid="stException"]').count() == 0


def record_errors(page) -> tuple[list[str], list[str]]:
    """Lists that fill, from now on, with ``page``'s 4xx/5xx responses ("status url") and console errors."""
    failed, console = [], []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    return failed, console


def choose_option(page, combobox, option: str) -> None:
    """Pick ``option`` in ``combobox`` (a selectbox's locator): a click that lands mid-rerun does not open
    the list, so the click is tried up to three times."""
    item = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        combobox.click()
        try:
            item.wait_for(state="visible", timeout=5_000)
            break
        except PlaywrightTimeout:       # the list did not open: try the click again
            wait_app_idle(page)
    item.click()
