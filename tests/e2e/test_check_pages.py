"""Browser tests of the Check-the-paper page: visible statuses and audit findings, a malformed
upload's message, and opening a reported result on the Forest plot page."""
from __future__ import annotations

import re

from tests.e2e.conftest import chart_meta, screenshot, wait_app_idle, CHART


def _open_reproduce(page, base):
    # Visit the entry point first: a fresh server's very first request to /reproduce would be
    # served from pages/ directly, before app.py's st.navigation has registered the pages.
    page.goto(base)
    wait_app_idle(page, timeout=60_000)
    page.goto(f"{base}/reproduce")
    page.get_by_role("heading", name="Reported vs recomputed").wait_for(timeout=30_000)
    wait_app_idle(page)


def test_reproduce_page_shows_statuses_audit_and_upload_error(page, streamlit_server):
    _open_reproduce(page, streamlit_server)
    metric = page.get_by_test_id("stMetric").filter(has_text="Cannot recompute")
    assert metric.get_by_test_id("stMetricValue").inner_text().strip().isdigit()
    audited = page.get_by_test_id("stMetric").filter(has_text="With at least one inconsistency")
    assert audited.get_by_test_id("stMetricValue").inner_text().strip() == "5"   # see tests/core/test_audit.py
    # Li 2021 Fig. 5: printed P = 0.02, the CI gives P = 0.002
    page.get_by_text("The printed P = 0.02, but the estimate and CI give P = 0.0020", exact=False).first.wait_for()
    screenshot(page, "reproduce")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": b"estimate,ci_low\n1,2\n"}])
    error = page.get_by_text("missing required column(s): ci_high, pvalue", exact=False)
    error.wait_for(timeout=15_000)
    wait_app_idle(page)
    error.scroll_into_view_if_needed()
    screenshot(page, "reproduce_upload_error")


def test_open_reported_result_in_forest_plot(page, streamlit_server):
    _open_reproduce(page, streamlit_server)
    page.get_by_role("combobox", name="Open a result in the Forest plot").click()
    page.keyboard.type("FBG, MSC vs control")   # the option list is virtualised: filter it first
    # results are named as a reader cites them, not by their internal id (issue 14)
    page.get_by_role("option", name=re.compile(r"^FBG, MSC vs control, T1DM \+ T2DM \(Fig\. 4\)")).click()
    wait_app_idle(page)
    page.get_by_role("button", name="Open in Forest plot").click()
    page.get_by_role("heading", name="Forest plot").wait_for(timeout=30_000)
    page.locator(f"{CHART} .scatterlayer .trace").first.wait_for(timeout=60_000)
    wait_app_idle(page)
    # Li 2021 Fig. 4: FBG, MSC vs control, SMD; the sidebar and the URL follow the settings
    sidebar = page.get_by_test_id("stSidebar")
    assert sidebar.get_by_role("radio", name="MSC vs control (end of follow-up)").is_checked()
    assert sidebar.get_by_role("radio", name="SMD").is_checked()
    assert "measure=SMD" in page.url
    assert chart_meta(page)["studies"] == ["Cai 2016", "Chen 2016"]
    screenshot(page, "reproduce_to_forest")
