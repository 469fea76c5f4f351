"""Issue 26 ("Reads right, second walk") in the browser, at 1440x900 and 1280x720: every row of a short table
in view and no table wider than the page, the Events table's columns wide enough for words, the Forest plot's
switch button unclipped, and opening a page by its own URL leaves no 404 in the console. Full-page screenshots
go to tmp/shots/rr2_<page>_<width>.png, to be opened and read."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import SHOTS, wait_app_idle

SIZES = ((1440, 900), (1280, 720))
# page path -> (heading to wait for, the rows each static table must show, by a column it has)
PAGES = {
    "reproduce": ("Reported vs recomputed", {"Paper reports": 26}),
    "studies": ("What data we have: study × outcome × time point", {"Ref. in paper": 11}),
    "events": ("Adverse events as reported", {"Patients with event": 4}),
    "summary_of_findings": ("Risk of bias per study", {"Judgement (overall)": 11}),
    "followup": ("The paper's Tables 2–4, recomputed", {"Paper reports": 8}),
    "flow": ("Study flow", {}),
}

TABLES_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stTable"]')].map(t => {
    const table = t.querySelector('table');
    const heads = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
    const main = document.querySelector('[data-testid="stMainBlockContainer"]').getBoundingClientRect();
    const box = table.getBoundingClientRect();
    return {heads, rows: table.querySelectorAll('tbody tr').length, right: box.right, mainRight: main.right,
            scroll: t.scrollWidth, client: t.clientWidth,
            widths: [...table.querySelectorAll('thead th')].map(th => th.getBoundingClientRect().width)};
})"""


def _open(page, base: str, path: str, heading: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{base}/{path}")
    page.get_by_test_id("stSidebar").wait_for(timeout=120_000)
    page.get_by_text(heading, exact=False).first.wait_for(timeout=60_000)
    wait_app_idle(page)


def _shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    # Streamlit scrolls inside its main section: grow the window to it for the whole page
    tall = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(int(tall), 8000)})
    wait_app_idle(page)
    page.screenshot(path=str(SHOTS / f"{name}_full.png"))
    page.set_viewport_size(size)


@pytest.mark.parametrize("width,height", SIZES)
@pytest.mark.parametrize("path", list(PAGES))
def test_static_tables_fit_the_page_and_show_every_row(page, streamlit_server, path, width, height):
    heading, expected = PAGES[path]
    page.goto(streamlit_server)                      # the entry point first: it registers the pages
    wait_app_idle(page, timeout=60_000)
    _open(page, streamlit_server, path, heading, width, height)
    for column in expected:                          # the tables are drawn after the app reports idle
        page.get_by_role("columnheader", name=column, exact=True).first.wait_for(timeout=30_000)
    tables = [t for t in page.evaluate(TABLES_JS) if any(t["heads"])]     # not those in a closed expander
    for t in tables:
        assert t["scroll"] <= t["client"] + 1, (path, width, t["heads"])     # no inner horizontal scroll
        assert t["right"] <= t["mainRight"] + 1, (path, width, t["heads"])    # nothing past the page's edge
    for column, rows in expected.items():
        table = next(t for t in tables if column in t["heads"])
        assert table["rows"] == rows, (path, column, table["rows"])
    if path == "events":                             # issue 26 item 11: no column of sentences one word wide
        table = next(t for t in tables if "Patients with event" in t["heads"])
        widths = dict(zip(table["heads"], table["widths"]))
        assert widths["Event"] >= 120 and widths["Studies"] >= 150, widths
    _shoot(page, f"rr2_{path}_{width}")


@pytest.mark.parametrize("width,height", SIZES)
def test_switch_measure_button_is_not_cut(page, streamlit_server, width, height):
    page.goto(streamlit_server)
    wait_app_idle(page, timeout=60_000)
    page.set_viewport_size({"width": width, "height": height})
    # the URL holds the sidebar's labels
    page.goto(f"{streamlit_server}/?outcome=Fasting+blood+glucose+%28FBG%29&comparison=MSC+vs+control+%28end+of+"
              "follow-up%29")
    button = page.get_by_role("button", name="Switch to SMD")
    button.wait_for(timeout=60_000)
    wait_app_idle(page)
    fits = button.evaluate("b => { const t = b.querySelector('p') || b; return t.scrollWidth <= t.clientWidth + 1 }")
    assert fits and button.inner_text().strip() == "Switch to SMD"
    _shoot(page, f"rr2_forest_switch_{width}")
