"""A user's upload whose study is named ``[Click](https://evil.example/x)``, with Markdown and HTML in its
title, journal and notes, in a real browser (issue 23, item 4): on the Forest plot, Sensitivity and the
Studies detail the text reads as typed, and no link, image or bold text is made from it (checked in the
DOM).  AppTest covers every page (tests/app/test_markup_payloads.py); this checks what Chromium draws.
"""
from __future__ import annotations

import io

import openpyxl
import pandas as pd

from core.evidence.dataset import DATA_DIR, OUTCOME_COLUMNS, STUDY_COLUMNS
from tests.e2e.conftest import no_exception_shown, screenshot, wait_app_idle

LINK = "[Click](https://evil.example/x)"
IMAGE = "![t](http://evil.example/beacon.png)"


def payload_workbook(path) -> None:
    outcomes = pd.read_csv(DATA_DIR / "outcomes.csv", dtype=str, keep_default_na=False)
    studies = pd.read_csv(DATA_DIR / "studies.csv", dtype=str, keep_default_na=False)
    cai = studies[studies["study_id"] == "Cai2016"].copy()       # the default view's study, renamed
    cai["first_author"] = LINK
    cai["title"], cai["journal"], cai["coding_note"] = IMAGE, "<img src=x> **bold**", LINK
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, df, cols in (("outcomes", outcomes, OUTCOME_COLUMNS), ("studies", cai, STUDY_COLUMNS)):
        ws = wb.create_sheet(name)
        cols = [c for c in cols if c in df.columns]
        ws.append(cols)
        for row in df[cols].itertuples(index=False):
            ws.append(list(row))
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())


def made_from_payload(page) -> dict:
    return {"links": page.locator('a[href*="evil.example"]').count(),
            "images": page.locator('img[src*="evil.example"], img[src="x"]').count(),
            "bold": page.locator("strong", has_text="bold").count()}


def links_made(page) -> list[str]:
    """The text around every link to evil.example (the failure message says where it was made)."""
    return page.evaluate("() => [...document.querySelectorAll('a[href*=\"evil.example\"]')]"
                         ".map(a => (a.closest('[data-testid]') || a).innerText.slice(0, 200))")


def shown_as_typed(page, text: str) -> bool:
    return text in page.evaluate("() => document.body.innerText").replace("\u2060", "")


def test_dataset_text_is_shown_as_typed_never_as_markup(page, streamlit_server, tmp_path):
    upload = tmp_path / "payloads.xlsx"
    payload_workbook(upload)
    page.goto(f"{streamlit_server}/your_data")
    page.get_by_role("heading", name="Your data").wait_for(timeout=60_000)
    wait_app_idle(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(upload))
    page.get_by_text("Every page now uses your XLSX upload", exact=False).wait_for(timeout=60_000)
    wait_app_idle(page)

    for link in ("Forest plot", "Sensitivity"):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
        page.get_by_role("heading", name=link).wait_for(timeout=60_000)
        wait_app_idle(page, timeout=120_000)
        assert no_exception_shown(page), link
        assert made_from_payload(page) == {"links": 0, "images": 0, "bold": 0}, (link, links_made(page))
    assert shown_as_typed(page, f"{LINK} 2016")          # the leave-out checkbox names the study as typed
    screenshot(page, "markup_payloads_sensitivity")

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Studies").click()
    page.get_by_role("heading", name="Studies").wait_for(timeout=60_000)
    wait_app_idle(page)
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Show the sources of").locator("input")
    picker.click()
    picker.fill("evil")
    page.get_by_role("option").first.wait_for(timeout=30_000)
    picker.press("Enter")
    page.get_by_text("Title:", exact=False).first.wait_for(timeout=60_000)
    wait_app_idle(page)
    assert made_from_payload(page) == {"links": 0, "images": 0, "bold": 0}, links_made(page)
    assert shown_as_typed(page, f"Title: {IMAGE}") and shown_as_typed(page, "<img src=x> **bold**")
    screenshot(page, "markup_payloads_studies")
