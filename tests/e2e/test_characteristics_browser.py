"""Issue 25 in real headless Chromium: the forest plot's study columns and order come from a shared
link and a new choice goes into it; the 'Which MSC therapy?' page draws its split from its own URL
choice."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.e2e.conftest import (CHART, chart_meta, choose_option, column_texts, no_exception_shown, screenshot,
                                wait_app_idle)

VIEW = ("comparison=MSC+vs+control+%28end+of+follow-up%29&set=Paper+%2B+newer+trials"
        "&cols=Cell+source&cols=Risk+of+bias&sort=Effect+size")


def test_columns_and_order_come_from_a_link_and_go_into_it(page, streamlit_server, page_errors):
    page.goto(f"{streamlit_server}/?{VIEW}")
    page.locator(f"{CHART} .scatterlayer .trace").first.wait_for(timeout=60_000)
    wait_app_idle(page)
    meta = chart_meta(page)
    assert meta["columns"] == ["cell_source", "rob"]
    texts = column_texts(page, "study")
    assert [t for t in texts if t.startswith(("Araujo", "Cai"))] == ["Araujo 2020", "Cai 2016"]   # by effect
    # The other way: a new order chosen in the sidebar is written into the URL (a link to share).
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text("Forest plot: study columns and order").click()
    sort = sidebar.get_by_role("combobox", name="Sort studies by")
    sort.wait_for(state="visible", timeout=30_000)
    page.wait_for_timeout(500)          # the expander's opening animation: a click during it is lost
    choose_option(page, sort, "Year")
    page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("sort") == ["Year"], timeout=30_000)
    wait_app_idle(page)
    texts = column_texts(page, "study")
    assert [t for t in texts if t.startswith(("Araujo", "Cai"))] == ["Cai 2016", "Araujo 2020"]   # by year
    assert parse_qs(urlparse(page.url).query).get("cols") == ["Cell source", "Risk of bias"]
    assert no_exception_shown(page)
    assert not page_errors
    screenshot(page, "forest_columns")


def test_the_split_follows_its_url_choice(page, streamlit_server, page_errors):
    page.goto(f"{streamlit_server}/characteristics?{VIEW}&subby=Cell+source")
    page.get_by_text("Subgroups by a characteristic").wait_for(timeout=60_000)
    page.locator(f"{CHART} .scatterlayer .trace").first.wait_for(timeout=60_000)
    wait_app_idle(page)
    meta = chart_meta(page)
    assert meta["key"] == "cell_source" and meta["groups"] == ["Umbilical cord / Wharton's jelly", "Adipose tissue",
                                                               "Mixed sources"]
    assert page.get_by_text("Cochrane Handbook §10.11.5", exact=False).count() >= 1
    assert no_exception_shown(page)
    assert not page_errors
