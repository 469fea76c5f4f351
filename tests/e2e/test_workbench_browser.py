"""The extraction workbench, the whole flow of issue 12 in headless Chromium: open a missing cell
from the completeness map, type synthetic numbers, save, see the forest plot change; reload; open
the link in a fresh browser context (same numbers, read-only banner); SIGKILL the server and
restart it on the same MSCDM_STATE_DIR (same numbers); export the zip and import it (same
analysis).  The numbers are synthetic test fixtures: they never enter data/."""
from __future__ import annotations

import os
import re
import signal
from urllib.parse import parse_qs, urlsplit

from tests.support.appserver import start_server, stop_server
from tests.e2e.conftest import CHART, chart_meta, no_exception_shown, screenshot, wait_app_idle

# Liu 2014 (single-arm, T2DM, 22 treated) has no HbA1c numbers: before (baseline) and after (12 months).
CELL = ("HbA1c · 12 mo", "Liu 2014")
SYNTHETIC = {"wb_0_mean": "8.9", "wb_0_disp1": "1.2", "wb_1_mean": "7.6", "wb_1_disp1": "1.1",
             "wb_source": "https://example.org/synthetic-test-fixture", "wb_locator": "Table 2 (synthetic)"}


def _serve(tmp_path, state_dir, name):
    return start_server(tmp_path / f"{name}.log", env={**os.environ, "MSCDM_STATE_DIR": str(state_dir)})


def _click_cell(page, x_label, y_label):
    page.locator(f".st-key-wb_map {CHART}").wait_for(timeout=180_000)
    pt = page.evaluate("""([x, y]) => { const gd = document.querySelector('.st-key-wb_map .js-plotly-plot');
        const L = gd._fullLayout, r = gd.getBoundingClientRect();
        return {x: r.left + L.xaxis._offset + L.xaxis.d2p(x), y: r.top + L.yaxis._offset + L.yaxis.d2p(y)}; }""",
                       [x_label, y_label])
    page.mouse.click(pt["x"], pt["y"])
    page.locator(".st-key-wb_0_mean input").wait_for(timeout=120_000)
    wait_app_idle(page)


def _type(page, values):
    for key, value in values.items():
        box = page.locator(f".st-key-{key} input")
        box.fill(value)
        box.press("Enter")
        wait_app_idle(page)


def _forest_meta(page, base, query):
    page.goto(f"{base}/?{query}" if query else base)
    page.locator(f"{CHART} .scatterlayer .trace").first.wait_for(timeout=180_000)
    wait_app_idle(page)
    return chart_meta(page)


def _link(page) -> str:
    return page.get_by_test_id("stSidebar").locator("code").first.inner_text().strip()


def _ds(url: str) -> str:
    return parse_qs(urlsplit(url).query)["ds"][0]


def _saved_id(page, timeout=120_000) -> str:
    """After a click on Save: the new id, read from the notice, once the URL holds it too.

    Exact and case-sensitive on purpose: the page's caption "... saved as a new version." is always
    visible, and a plain substring wait would return before the save has run."""
    notice = page.get_by_text(re.compile(r"^Saved as a new version \(id [A-Za-z0-9_-]+\)"))
    notice.wait_for(timeout=timeout)
    new_id = re.search(r"\(id ([A-Za-z0-9_-]+)\)", notice.inner_text()).group(1)
    page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("ds") == [new_id], timeout=timeout)
    wait_app_idle(page)
    return new_id


def test_workbench_whole_flow(browser, tmp_path):   # long: one user's flow from entry to import
    state_dir = tmp_path / "state"
    server = _serve(tmp_path, state_dir, "first")
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        before = _forest_meta(page, server.url, "")
        assert before["studies"] == ["Cai 2016"]

        # 1. open the missing cell from the map, enter synthetic numbers, save
        page.goto(f"{server.url}/your_data")
        _click_cell(page, *CELL)
        assert page.locator(".st-key-wb_0_n input").input_value() == "22"       # n from studies.csv
        _type(page, {"wb_0_disp1": "-1"})
        _type(page, {"wb_0_mean": "8.9"})
        page.get_by_text("An SD must be > 0; got −1.").wait_for(timeout=60_000)
        _type(page, SYNTHETIC)
        screenshot(page, "12/workbench_form")
        page.get_by_role("button", name="Save as a new version").click()
        ds = _saved_id(page)
        # what the save changed, in one line: Liu 2014 is the first of Fig. 3's seven T2DM studies with numbers
        assert page.get_by_text(re.compile(r"^Fig\. 3, HbA1c before vs after, T2DM: now 1 of 7 studies; "
                                           r"recomputed ")).count() == 1
        # the history (its table is a canvas; its caption counts the chain)
        assert page.get_by_text(re.compile(r"^1 version\(s\) in this chain, newest first; \d+ edited cell")).count() == 1
        screenshot(page, "12/workbench_saved")
        link = _link(page)
        assert _ds(link) == ds

        # the plot changes: the forest plot now pools Liu 2014 as well
        page.get_by_test_id("stSidebarNav").get_by_text("Forest plot").click()
        # The forest chart by its key, every step optional: while the page switches, the first chart in the
        # document can still be the previous page's map, whose layout has no meta (a TypeError ends the wait).
        page.wait_for_function("() => document.querySelector('.st-key-forest_chart .js-plotly-plot')"
                               "?.layout?.meta?.studies?.length === 2", timeout=120_000)
        wait_app_idle(page)
        after = chart_meta(page)
        assert after["studies"] == ["Cai 2016", "Liu 2014"] and after["estimate"] != before["estimate"]
        assert _ds(page.url) == ds

        # 2. reload: still there
        page.reload()
        page.locator(f"{CHART} .scatterlayer .trace").first.wait_for(timeout=180_000)
        wait_app_idle(page)
        assert chart_meta(page) == after

        # 3. the link in a fresh context: same numbers, read-only banner
        fresh = browser.new_context(viewport={"width": 1280, "height": 720})
        other = fresh.new_page()
        other.goto(link)
        other.get_by_text("read-only: an edit saves a new version", exact=False).first.wait_for(timeout=180_000)
        assert _forest_meta(other, server.url, f"ds={ds}") == after
        screenshot(other, "12/link_fresh_context")
        fresh.close()

        # 4. SIGKILL the server; restart it on the same state directory: same numbers
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait()
        server = _serve(tmp_path, state_dir, "restarted")
        assert _forest_meta(page, server.url, f"ds={ds}") == after

        # 5. export the zip, import it (from the shipped data): the same analysis, as a new version
        page.goto(f"{server.url}/your_data?ds={ds}")
        page.get_by_role("button", name="Download this dataset").wait_for(timeout=180_000)
        with page.expect_download() as dl:
            page.get_by_role("button", name="Download this dataset").click()
        zpath = tmp_path / "export.zip"
        dl.value.save_as(zpath)
        page.goto(f"{server.url}/your_data")
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').wait_for(state="attached", timeout=180_000)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(zpath))
        page.get_by_text("Imported and saved").wait_for(timeout=180_000)
        page.wait_for_url(lambda url: "ds=" in url, timeout=120_000)
        wait_app_idle(page)
        imported = _ds(page.url)
        assert imported != ds
        assert _forest_meta(page, server.url, f"ds={imported}") == after
        assert no_exception_shown(page)
    finally:
        context.close()
        stop_server(server.proc)
