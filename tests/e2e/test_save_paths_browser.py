"""Issue 23, items 1 and 2 in headless Chromium: the entry form cannot trap (95 % CI -> SD clears
both bounds, visibly) and an entry saved from the form is kept when "Use this table" saves the
Outcome rows editor next (before the fix, that version silently lost the entry); the exported zip,
imported elsewhere, keeps its name and continues its chain.  The numbers are
synthetic test fixtures: they never enter data/."""
from __future__ import annotations

import os
import re
from urllib.parse import parse_qs, urlsplit

from core.store import open_store
from core.store.tables import version_dataset
from tests.e2e.conftest import no_exception_shown, screenshot, start_server, stop_server, wait_app_idle
from tests.e2e.test_workbench_browser import CELL, SYNTHETIC, _click_cell, _saved_id, _type


def _choose(page, key: str, label: str) -> None:
    box = page.locator(f".st-key-{key}").get_by_role("combobox")
    page.locator(f".st-key-{key}").get_by_role("button", name="Open").click()
    box.fill(label)                 # the option list filters as typed; Enter picks the match
    page.get_by_role("option", name=label, exact=True).wait_for(timeout=30_000)
    page.keyboard.press("Enter")
    wait_app_idle(page)
    assert box.input_value() == label


def _liu_hba1c_12(state_dir, ds_id) -> set:
    out = version_dataset(open_store(state_dir=state_dir).get(ds_id)).outcomes
    hit = out[(out["study_id"] == "Liu2014") & (out["outcome"] == "hba1c") & (out["timepoint_num"] == 12)
              & (out["use"] == "yes")]
    return set(hit["mean"])


def test_entry_form_trap_and_the_editor_keeping_a_saved_entry(browser, tmp_path):
    state_dir = tmp_path / "state"
    server = start_server(tmp_path / "server.log", env={**os.environ, "MSCDM_STATE_DIR": str(state_dir)})
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{server.url}/your_data")
        _click_cell(page, *CELL)
        # item 2: 95 % CI with two bounds, then back to SD: both bounds cleared, and the form says so
        _choose(page, "wb_0_dtype", "95% CI")
        _type(page, {"wb_0_mean": "8.9", "wb_0_disp1": "6.5", "wb_0_disp2": "11.3"})
        _choose(page, "wb_0_dtype", "SD")
        page.get_by_text("Dispersion changed from 95% CI to SD").wait_for(timeout=60_000)
        assert page.locator(".st-key-wb_0_disp1 input").input_value() == ""
        assert page.locator(".st-key-wb_0_disp2 input").input_value() == ""
        assert page.locator(".st-key-wb_0_disp2 input").is_disabled()
        page.get_by_text("The SD is required.").first.wait_for(timeout=60_000)
        screenshot(page, "23/entry_form_type_switched")
        _type(page, {**SYNTHETIC, "wb_name": "Synthetic trial set"})
        page.get_by_role("button", name="Save as a new version").click()
        first = _saved_id(page)
        assert _liu_hba1c_12(state_dir, first) == {"7.6"}

        # item 1: the Outcome rows editor now holds that version; "Use this table" keeps the entry
        page.get_by_role("button", name="Use this table").click()
        page.get_by_text(re.compile(r"^Every page now uses")).wait_for(timeout=120_000)
        page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("ds", [first]) != [first], timeout=120_000)
        wait_app_idle(page)
        second = parse_qs(urlsplit(page.url).query)["ds"][0]
        assert second != first and _liu_hba1c_12(state_dir, second) == {"7.6"}
        assert open_store(state_dir=state_dir).get(second).parent_id == first
        assert no_exception_shown(page)

        # item 9: the exported zip, imported in a fresh browser (shipped data in use), keeps its name and
        # continues its chain (parent: the version it was exported from)
        page.get_by_role("button", name="Download this dataset").wait_for(timeout=120_000)
        with page.expect_download() as dl:
            page.get_by_role("button", name="Download this dataset").click()
        zpath = tmp_path / "export.zip"
        dl.value.save_as(zpath)
        fresh = browser.new_context(viewport={"width": 1280, "height": 720})
        other = fresh.new_page()
        other.goto(f"{server.url}/your_data")
        drop = other.locator('[data-testid="stFileUploaderDropzoneInput"]')
        drop.wait_for(state="attached", timeout=180_000)
        drop.set_input_files(str(zpath))
        other.get_by_text("Imported and saved").wait_for(timeout=180_000)
        other.wait_for_url(lambda url: "ds=" in url, timeout=120_000)
        imported = open_store(state_dir=state_dir).get(parse_qs(urlsplit(other.url).query)["ds"][0])
        assert (imported.name, imported.parent_id) == ("Synthetic trial set", second)
        assert _liu_hba1c_12(state_dir, imported.id) == {"7.6"}
        fresh.close()
    finally:
        context.close()
        stop_server(server.proc)
