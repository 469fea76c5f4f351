"""Browser test of the Check-the-paper page: statuses are visible, and the screenshot is saved."""
from __future__ import annotations

from tests.e2e.conftest import screenshot, wait_app_idle


def test_reproduce_page_shows_statuses(page, streamlit_server):
    page.goto(streamlit_server)
    wait_app_idle(page, timeout=60_000)
    page.goto(f"{streamlit_server}/reproduce")
    page.get_by_role("heading", name="Reported vs recomputed").wait_for(timeout=30_000)
    wait_app_idle(page)
    # the status metrics: the counts come from core.reproduce on the shipped data
    metric = page.get_by_test_id("stMetric").filter(has_text="Cannot recompute")
    metric.wait_for(timeout=10_000)
    assert metric.get_by_test_id("stMetricValue").inner_text().strip().isdigit()
    # the audit's finding on Fig. 5 (printed P = 0.02; the CI gives P = 0.002) is visible as text
    finding = page.get_by_text("The printed P = 0.02, but the estimate and CI give P = 0.0020", exact=False)
    finding.first.wait_for(timeout=10_000)
    screenshot(page, "reproduce")
