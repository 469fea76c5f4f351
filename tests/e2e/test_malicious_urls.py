"""Malicious or broken URL query parameters in a real browser: the app opens with the defaults,
says which values it ignored, shows no error, and never puts the injected text into the DOM as
HTML (nothing runs, no element is created from it)."""
from __future__ import annotations

from urllib.parse import urlencode

from tests.e2e.conftest import CHART, chart_meta, no_exception_shown, screenshot, wait_app_idle

XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"
DEFAULT_VIEW = {"k": 1, "studies": ["Cai 2016"], "measure": "MD", "population": "all"}   # HbA1c pre-post


def open_app(page, base: str, params) -> None:
    page.goto(f"{base}/?{urlencode(params)}")
    page.locator(f"{CHART} .main-svg").first.wait_for(timeout=60_000)
    wait_app_idle(page)


def notices(page) -> list[str]:
    return [t.strip() for t in page.get_by_test_id("stAlert").all_inner_texts()]


def assert_nothing_injected(page) -> None:
    assert page.evaluate("() => window.__xss") is None                       # no handler or script ran
    assert page.locator('img[src="x"], [onerror]').count() == 0              # no element built from the URL
    assert page.evaluate("() => [...document.scripts].filter(s => s.text.includes('__xss')).length") == 0
    html = page.evaluate("() => document.body.innerHTML")
    assert XSS_IMG not in html and XSS_SCRIPT not in html                   # never present unescaped


def view(page) -> dict:
    m = chart_meta(page)
    return {k: m[k] for k in DEFAULT_VIEW}


def test_injected_and_unknown_params_fall_back_to_defaults(page, streamlit_server, page_errors):
    params = [("outcome", XSS_SCRIPT), ("measure", XSS_IMG), ("population", "T3DM"), ("model", "' OR 1=1 --"),
              ("timepoint", "99999999999999999999"), ("r", "2"), ("exclude", "unknown_study"),
              ("exclude", XSS_IMG), (XSS_SCRIPT, "1"), ("utm_source", "x" * 5000), ("hksj", "maybe")]
    open_app(page, streamlit_server, params)
    assert view(page) == DEFAULT_VIEW
    shown = " | ".join(notices(page))
    for key in ("outcome", "measure", "population", "model", "timepoint"):
        assert f"URL value for '{key}' was not recognised; using the default" in shown, (key, shown)
    assert "URL value for 'r' must be a number from 0.0 to 0.9; using the default (0.5)" in shown
    assert "2 excluded study id(s) in the URL do not exist in this dataset; they were ignored." in shown
    assert no_exception_shown(page) and not page_errors
    assert_nothing_injected(page)
    screenshot(page, "malicious_url")


def test_absurd_numbers_for_r(page, streamlit_server, page_errors):
    for raw in ("nan", "-1e308"):
        open_app(page, streamlit_server, {"r": raw, "comparison": "MSC after vs before treatment"})
        assert view(page) == DEFAULT_VIEW, raw
        assert any("URL value for 'r' must be a number" in n for n in notices(page)), (raw, notices(page))
        assert no_exception_shown(page)
    # A valid value is used, with no notice: the pre-post SD (and so the CI) changes with r.
    open_app(page, streamlit_server, {"r": "0.9"})
    assert not any("URL value" in n for n in notices(page))
    assert no_exception_shown(page) and not page_errors
    assert_nothing_injected(page)


def test_unknown_keys_and_bad_checkbox_values_get_a_notice(page, streamlit_server, page_errors):
    open_app(page, streamlit_server, {"foo": "1", "hksj": "maybe"})
    assert view(page) == DEFAULT_VIEW
    shown = notices(page)
    assert any("'foo'" in n for n in shown), shown
    assert any("'hksj'" in n for n in shown), shown
    assert no_exception_shown(page) and not page_errors
