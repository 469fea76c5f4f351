"""A page switch through the app's own menu keeps the view the user built (the sidebar's choices and
the URL that shares them).  Streamlit builds its page links without the query string, so before
ui.state.carry_choices_into_url every bound choice fell back to its default on the next page."""
from __future__ import annotations

from tests.e2e.conftest import no_exception_shown, wait_app_idle

VIEW = "comparison=MSC+vs+control+%28end+of+follow-up%29&population=T1DM&r=0.7&hksj=true"


def _checked(page) -> list[str]:
    page.wait_for_function("() => document.querySelectorAll('[data-testid=stSidebar] input[type=radio]"
                           ":checked').length >= 5", timeout=60_000)     # the radios have been drawn
    return page.locator("[data-testid=stSidebar] input[type=radio]:checked").evaluate_all(
        "els => els.map(e => e.closest('label').innerText.trim())")


def test_a_page_switch_keeps_the_sidebar_choices_and_the_url(page, streamlit_server, page_errors):
    page.goto(f"{streamlit_server}/?{VIEW}")
    page.get_by_test_id("stSidebar").wait_for(timeout=120_000)
    wait_app_idle(page)
    assert "MSC vs control (end of follow-up)" in _checked(page) and "T1DM" in _checked(page)
    for name, path in (("Sensitivity", "sensitivity"), ("Summary of findings", "summary_of_findings")):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
        page.wait_for_url(f"**/{path}?**", timeout=60_000)
        wait_app_idle(page)
        checked = _checked(page)
        assert "MSC vs control (end of follow-up)" in checked and "T1DM" in checked, (name, checked)
        for param in ("comparison=MSC+vs+control", "population=T1DM", "r=0.7", "hksj=true"):
            assert param in page.url, (name, param, page.url)
    assert no_exception_shown(page) and not page_errors
