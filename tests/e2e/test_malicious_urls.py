"""Malicious or broken URL query parameters in a real browser: the app opens with the defaults,
says which values it ignored, shows no error, and never puts the injected text into the DOM as
HTML (nothing runs, no element is created from it).

Two links opened in one tab serve all the tests (a module-scoped capture), to keep the browser time low.
"""
from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.e2e.conftest import CHART, chart_meta, no_exception_shown, screenshot, wait_app_idle

XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"
DEFAULT_VIEW = {"k": 1, "studies": ["Cai 2016"], "measure": "MD", "population": "all"}   # HbA1c pre-post
MALICIOUS = [("outcome", XSS_SCRIPT), ("measure", XSS_IMG), ("population", "T3DM"), ("model", "' OR 1=1 --"),
             ("timepoint", "99999999999999999999"), ("r", "2"), ("exclude", "unknown_study"),
             ("exclude", XSS_IMG), (XSS_SCRIPT, "1"), ("foo", "1"), ("utm_source", "x" * 5000), ("hksj", "maybe")]


def open_app(page, base: str, params) -> None:
    page.goto(f"{base}/?{urlencode(params)}")
    page.locator(f"{CHART} .main-svg").first.wait_for(timeout=60_000)
    wait_app_idle(page)


def notices(page) -> list[str]:
    return [t.strip() for t in page.get_by_test_id("stAlert").all_inner_texts()]


def injection_state(page) -> dict:
    return {
        "xss_ran": page.evaluate("() => window.__xss ?? null"),
        "built_elements": page.locator('img[src="x"], [onerror]').count(),
        "scripts_with_payload": page.evaluate(
            "() => [...document.scripts].filter(s => s.text.includes('__xss')).length"),
        "raw_html_present": any(p in page.evaluate("() => document.body.innerHTML") for p in (XSS_IMG, XSS_SCRIPT)),
    }


def view(page) -> dict:
    m = chart_meta(page)
    return {k: m[k] for k in DEFAULT_VIEW}


@pytest.fixture(scope="module")
def malicious_visit(browser, streamlit_server):
    ctx = browser.new_context(viewport={"width": 1400, "height": 900})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        open_app(page, streamlit_server, MALICIOUS)
        screenshot(page, "malicious_url")
        first = {"view": view(page), "notices": notices(page), "injection": injection_state(page),
                 "exception_shown": not no_exception_shown(page)}
        # A second link in the same tab (cached assets, a new Streamlit session): r=nan.
        open_app(page, streamlit_server, {"r": "nan", "comparison": "MSC after vs before treatment"})
        nan = {"view": view(page), "notices": notices(page), "exception_shown": not no_exception_shown(page)}
        yield {**first, "r_nan": nan, "page_errors": errors}
    finally:
        ctx.close()


def test_malicious_params_open_the_default_view_without_error(malicious_visit):
    assert malicious_visit["view"] == DEFAULT_VIEW
    assert not malicious_visit["exception_shown"] and malicious_visit["page_errors"] == []


def test_nothing_from_the_url_becomes_html(malicious_visit):
    assert malicious_visit["injection"] == {"xss_ran": None, "built_elements": 0, "scripts_with_payload": 0,
                                            "raw_html_present": False}


def test_each_invalid_value_gets_a_notice(malicious_visit):
    shown = " | ".join(malicious_visit["notices"])
    for key in ("outcome", "measure", "population", "model", "timepoint"):
        assert f"URL value for '{key}' was not recognised; using the default" in shown, (key, shown)
    assert "URL value for 'r' must be a number from 0.0 to 0.9; using the default (0.5)" in shown
    assert "2 excluded study id(s) in the URL do not exist in this dataset; they were ignored." in shown


def test_unknown_keys_and_bad_checkbox_values_get_a_notice(malicious_visit):
    shown = malicious_visit["notices"]
    assert any("'foo'" in n for n in shown), shown
    assert any("'hksj'" in n for n in shown), shown


def test_r_nan_falls_back_to_the_default(malicious_visit):
    nan = malicious_visit["r_nan"]
    assert nan["view"] == DEFAULT_VIEW
    assert any("URL value for 'r' must be a number" in n for n in nan["notices"]), nan["notices"]
    assert not nan["exception_shown"] and malicious_visit["page_errors"] == []
