"""The forest plot page in real headless Chromium."""
from __future__ import annotations

from tests.e2e.conftest import CHART, chart_meta, no_exception_shown, screenshot, wait_app_idle


def test_forest_redraws_when_comparison_changes(page, streamlit_server, page_errors):
    page.goto(streamlit_server)
    page.locator(f"{CHART} .scatterlayer .trace").first.wait_for(timeout=60_000)
    wait_app_idle(page)
    before = chart_meta(page)
    # Default view: HbA1c, MSC after vs before treatment; only Cai 2016 has both time points.
    assert before["studies"] == ["Cai 2016"]
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("MSC vs control (end of follow-up)", exact=True).click()
    page.wait_for_function(
        f"() => document.querySelector('{CHART}').layout.meta.studies.length === 2", timeout=30_000)
    wait_app_idle(page)
    after = chart_meta(page)
    assert after["studies"] == ["Cai 2016", "Chen 2016"]
    assert after["estimate"] != before["estimate"]
    # The drawn chart has two study squares and three diamonds (T1DM, T2DM, total).
    names = page.evaluate(f"() => document.querySelector('{CHART}').data.map(t => t.name)")
    assert names.count("Studies") == 1 and {"Diamond: T1DM", "Diamond: T2DM", "Diamond: Total"} <= set(names)
    assert page.get_by_text("Favours MSC", exact=True).count() >= 1
    assert no_exception_shown(page)
    assert not page_errors
    screenshot(page, "forest_vs_control")
