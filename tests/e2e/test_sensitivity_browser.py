"""Shareable views in real headless Chromium: a URL with query params reopens the same view
(widgets and figure), switching pages keeps it, and invalid values fall back with a notice."""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from core.workflow.analysis import AnalysisSpec, analyse
from core.evidence.dataset import DATA_DIR, load_dataset
from tests.e2e.conftest import CHART, chart_meta, no_exception_shown, screenshot, wait_app_idle
from ui.state import url_params

# A non-default view: pre-post HbA1c on paper + newer trials, T2DM only, r = 0.8, Lian 2022 left out.
VIEW = {**url_params(study_set="all", population="T2DM", r=0.8), "exclude": "Lian 2022"}
SPEC = AnalysisSpec(study_set="all", population="T2DM", r=0.8, excluded=("Lian2022",))


@pytest.fixture(scope="module")
def expected():
    return analyse(load_dataset(DATA_DIR), SPEC)


def open_view(page, base: str, path: str, params: dict) -> None:
    page.goto(f"{base}/{path}?{urlencode(params)}")
    page.locator(CHART).first.wait_for(timeout=60_000)
    wait_app_idle(page)


def sidebar_expander(page):
    sb = page.get_by_test_id("stSidebar")
    details = sb.get_by_test_id("stExpander")
    if details.locator("details[open]").count() == 0:
        sb.get_by_text("Model details and sensitivity").click()
    return sb


def r_slider_value(sidebar) -> str:
    return sidebar.get_by_test_id("stSlider").locator('input[type="range"]').first.input_value()


def test_url_round_trip_and_page_switch(page, streamlit_server, page_errors, expected):
    assert expected.k == 1 and expected.rows["label"].tolist() == ["Zang 2022"]
    open_view(page, streamlit_server, "sensitivity", VIEW)
    sb = sidebar_expander(page)
    # The widgets show the URL's values ...
    assert sb.get_by_role("radio", name="Paper + newer trials").is_checked()
    assert sb.get_by_role("radio", name="T2DM").is_checked()
    assert r_slider_value(sb) == "0.8"
    assert sb.get_by_test_id("stMultiSelect").get_by_text("Lian 2022").count() >= 1
    # ... and the figure is the analysis they describe (main analysis = first diamond).
    meta = chart_meta(page, 0)
    assert meta["labels"][:2] == ["Main analysis", "Variant"]
    assert meta["estimates"][0] == pytest.approx(expected.pooled.estimate, abs=1e-6)
    assert meta["k"][0] == expected.k
    # The copy-link control shows a link carrying every choice.
    link = sb.get_by_test_id("mscdmCopyLink").inner_text()
    assert "sensitivity" in link and "r=0.8" in link and "Lian+2022" in link.replace("%20", "+")
    screenshot(page, "sensitivity_from_url")

    # Switching pages keeps the state: the forest plot shows the same analysis.
    sb.get_by_test_id("stSidebarNav").get_by_role("link", name="Forest plot").click()
    page.wait_for_function(f"() => document.querySelector('{CHART}')?.layout?.meta?.studies", timeout=30_000)
    wait_app_idle(page)
    forest = chart_meta(page, 0)
    assert forest["studies"] == ["Zang 2022"] and forest["population"] == "T2DM"
    assert forest["estimate"] == pytest.approx(expected.pooled.estimate, abs=1e-6)
    assert "r=0.8" in page.url and "Lian" in page.url
    # ... and back on Follow-up, the r and the exclusion still hold.
    sb.get_by_test_id("stSidebarNav").get_by_role("link", name="Follow-up").click()
    page.get_by_role("heading", name="Follow-up").wait_for(timeout=30_000)
    page.locator(CHART).first.wait_for(timeout=30_000)
    wait_app_idle(page)
    pts = chart_meta(page, 0)["points"]
    assert ["T2DM", "end", 1, pytest.approx(expected.pooled.estimate, abs=1e-6)] in pts
    assert no_exception_shown(page)
    assert not page_errors


def test_invalid_url_values_fall_back_with_a_notice(page, streamlit_server, page_errors):
    open_view(page, streamlit_server, "sensitivity", {"r": "2", "exclude": "Nobody 1999", "measure": "XYZ"})
    main = page.get_by_test_id("stMain")
    assert main.get_by_text("URL value for 'r' must be a number").count() == 1
    assert main.get_by_text("do not exist in this dataset").count() == 1
    assert main.get_by_text("URL value for 'measure' was not recognised").count() == 1
    sb = sidebar_expander(page)
    assert r_slider_value(sb) == "0.5"
    assert sb.get_by_role("radio", name="MD", exact=True).is_checked()
    # Defaults: the paper's HbA1c pre-post analysis, Cai 2016 alone (8.6 -> 7.5, MD -1.10).
    assert chart_meta(page, 0)["estimates"][0] == pytest.approx(-1.1, abs=1e-9)
    assert no_exception_shown(page)
    assert not page_errors
    screenshot(page, "sensitivity_invalid_url")


def test_clicking_a_follow_up_point_opens_its_forest_plot(page, streamlit_server, page_errors):
    open_view(page, streamlit_server, "followup", url_params(study_set="all"))
    # The T2DM line's markers: [3 months, 12 months]; the first is Lian 2022 at 3 months.
    trace = page.evaluate(f"() => document.querySelector('{CHART}').data"
                          ".findIndex(t => t.name === 'T2DM' && t.mode === 'lines+markers')")
    assert trace >= 0
    page.locator(f"{CHART} .scatterlayer .trace").nth(trace).locator(".points path").first.click(force=True)
    page.get_by_role("heading", name="Forest plot").wait_for(timeout=30_000)
    page.wait_for_function(f"() => document.querySelector('{CHART}')?.layout?.meta?.population === 'T2DM'", timeout=30_000)
    wait_app_idle(page)
    meta = chart_meta(page, 0)
    assert meta["studies"] == ["Lian 2022"]
    assert "population=T2DM" in page.url and "timepoint=3+months" in page.url
    assert no_exception_shown(page)
    assert not page_errors
