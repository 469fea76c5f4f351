"""The forest plot page in real headless Chromium."""
from __future__ import annotations

from tests.support.appserver import start_server, stop_server
from ui.chart import STATIC_NAME
from tests.e2e.conftest import CHART, chart_meta, no_exception_shown, screenshot, wait_app_idle


def test_forest_redraws_when_comparison_changes(page, streamlit_server, page_errors):
    page.goto(streamlit_server)
    page.locator(f"{CHART} .scatterlayer .trace").first.wait_for(timeout=60_000)
    wait_app_idle(page)
    before = chart_meta(page)
    # Default view: HbA1c, MSC after vs before treatment; only Cai 2016 has both time points.
    assert before["studies"] == ["Cai 2016"]
    page.evaluate(f"() => {{ document.querySelector('{CHART}').__kept = true; }}")   # issue 27: updated in place
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("MSC vs control (end of follow-up)", exact=True).click()
    page.wait_for_function(
        f"() => document.querySelector('{CHART}')?.layout?.meta?.studies?.length === 2", timeout=30_000)
    wait_app_idle(page)
    after = chart_meta(page)
    assert after["studies"] == ["Cai 2016", "Chen 2016"]
    assert after["estimate"] != before["estimate"]
    # The same plot node, redrawn by Plotly.react (ui/chart.py), not a new chart mounted in its place;
    # plotly.js is the app's own copy of the installed package's file.
    assert page.evaluate(f"() => document.querySelector('{CHART}').__kept === true")
    assert page.evaluate("() => [...document.scripts].map(s => s.src).filter(s => s.includes('plotly'))") == \
        [f"{streamlit_server}/app/static/{STATIC_NAME}"]
    # The drawn chart has two study squares and three diamonds (T1DM, T2DM, total).
    names = page.evaluate(f"() => document.querySelector('{CHART}').data.map(t => t.name)")
    assert names.count("Studies") == 1 and {"Diamond: T1DM", "Diamond: T2DM", "Diamond: Total"} <= set(names)
    assert page.get_by_text("Favours MSC", exact=True).count() >= 1
    assert no_exception_shown(page)
    assert not page_errors
    screenshot(page, "forest_vs_control")


def test_deep_link_on_a_fresh_server_keeps_the_sidebar(page, tmp_path):
    """The first request a new server gets is a page URL with settings: app.py must still run
    (shared sidebar bound to the URL), not the page script alone (Streamlit's v1 pages/ mode)."""
    server = start_server(tmp_path / "fresh.log")
    base = server.url
    try:
        page.goto(f"{base}/?measure=SMD&comparison=MSC+vs+control+%28end+of+follow-up%29")
        page.locator(f"{CHART} .scatterlayer .trace").first.wait_for(timeout=60_000)
        wait_app_idle(page)
        meta = chart_meta(page)
        assert meta["measure"] == "SMD" and meta["studies"] == ["Cai 2016", "Chen 2016"]
        sidebar = page.get_by_test_id("stSidebar")
        assert sidebar.get_by_role("radio", name="SMD").is_checked()
        assert no_exception_shown(page)
    finally:
        stop_server(server.proc)


def test_fresh_server_first_request_to_a_subpage(page, tmp_path):
    server = start_server(tmp_path / "fresh2.log")
    base = server.url
    try:
        page.goto(f"{base}/studies?outcome=Fasting+blood+glucose+%28FBG%29")
        page.get_by_role("heading", name="Studies").first.wait_for(timeout=60_000)
        wait_app_idle(page)
        sidebar = page.get_by_test_id("stSidebar")
        # The shared widgets are there (app.py ran) and hold the URL's value.
        sidebar.get_by_text("Outcome", exact=True).wait_for(timeout=10_000)
        outcome = sidebar.get_by_role("combobox", name="Outcome")
        page.wait_for_function("() => [...document.querySelectorAll('[data-testid=stSidebar] input')]"
                               ".some(i => i.value === 'Fasting blood glucose (FBG)')", timeout=15_000)
        assert outcome.count() == 1
        assert page.url.endswith("/studies?outcome=Fasting+blood+glucose+%28FBG%29")
        assert no_exception_shown(page)
        screenshot(page, "fresh_deep_link_studies")
    finally:
        stop_server(server.proc)
