"""Issue 26 items 19 and 20 under a plain ``streamlit run app.py`` (no proxy): a page opened by its own
URL answers no request with a 4xx and logs no console error; the first load preloads the chunks of the
widgets the sidebar draws (they arrived seconds after the script, the widgets grey skeletons meanwhile)
and never fetches Streamlit's 1.5 MB syntax highlighter (the copy-link box was an st.code); the copy
button copies the address.  app.py serves itself as an st.App with ui/server.py's page middleware."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import SHOTS, no_exception_shown, record_errors
from tests.support.appserver import CHART, wait_app_idle

SIZES = ({"width": 1440, "height": 900}, {"width": 1280, "height": 720})


@pytest.mark.parametrize("size", SIZES, ids=lambda s: str(s["width"]))
def test_a_page_opened_by_its_own_url_logs_no_404(browser, streamlit_server, size):
    ctx = browser.new_context(viewport=size)
    try:
        page = ctx.new_page()
        failed, console = record_errors(page)
        page.goto(f"{streamlit_server}/reproduce")
        page.get_by_role("heading", name="Reported vs recomputed").wait_for(timeout=120_000)
        wait_app_idle(page)
        page.goto(f"{streamlit_server}/sensitivity?set=Paper+%2B+newer+trials")    # a second page, with a view
        page.locator(CHART).first.wait_for(timeout=120_000)
        wait_app_idle(page)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"first_load_deeplink_{size['width']}.png"))
        assert failed == [] and console == [], (failed, console)
        assert no_exception_shown(page)
    finally:
        ctx.close()


def test_first_load_preloads_the_widgets_and_fetches_no_syntax_highlighter(browser, streamlit_server):
    ctx = browser.new_context(viewport=SIZES[0])
    try:
        page = ctx.new_page()
        page.goto(f"{streamlit_server}/?set=Paper+%2B+newer+trials")
        page.locator(f"{CHART} .scatterlayer .trace").first.wait_for(timeout=120_000)
        wait_app_idle(page)
        page.get_by_test_id("stSidebar").get_by_text("Random effects", exact=True).wait_for()   # a radio drawn, no skeleton
        start = page.evaluate("""() => Object.fromEntries(performance.getEntriesByType('resource')
            .map(e => [e.name.split('/').pop().split('.')[0], e.startTime]))""")
        assert "StreamlitSyntaxHighlighter" not in start, sorted(start)
        # Requested from the page's head, before the app's first health check, not after its first run.
        for chunk in ("Radio", "Selectbox", "Metric", "BidiComponent"):
            assert start[chunk] < start["health"], (chunk, start[chunk], start["health"])
        assert start["plotly-4"] < start["health"]
        assert page.get_by_test_id("stSkeleton").count() == 0
    finally:
        ctx.close()


def test_the_copy_button_copies_the_address(browser, streamlit_server):
    ctx = browser.new_context(viewport=SIZES[1], permissions=["clipboard-read", "clipboard-write"])
    try:
        page = ctx.new_page()
        page.goto(f"{streamlit_server}/sensitivity?set=Paper+%2B+newer+trials")
        page.locator(CHART).first.wait_for(timeout=120_000)
        wait_app_idle(page)
        box = page.get_by_test_id("stSidebar").get_by_test_id("mscdmCopyLink")
        shown = box.inner_text().strip()
        assert shown.startswith(streamlit_server + "/sensitivity?") and "set=Paper+%2B+newer+trials" in shown
        box.get_by_role("button", name="Copy link to this view").click()
        assert page.evaluate("navigator.clipboard.readText()") == shown
    finally:
        ctx.close()
