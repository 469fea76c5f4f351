"""Exports and the Your data page in real headless Chromium: every download is fetched and checked
(PNG pixel size, SVG parses as XML, PDF header, pptx slide count), an upload that fails
validation stays in the editor, a valid one becomes the dataset every page uses."""
from __future__ import annotations

import re

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image
from pptx import Presentation

from core.evidence.dataset import DATA_DIR
from tests.e2e.conftest import CHART, no_exception_shown, screenshot, wait_app_idle


def download(page, button_text: str, timeout: int = 60_000, exact: bool = True) -> bytes:
    """Click a download link (by its label: a row of links, ui/downloads.py) and return the downloaded file's bytes."""
    with page.expect_download(timeout=timeout) as info:
        page.get_by_role("link", name=button_text, exact=exact).first.click()
    return Path(info.value.path()).read_bytes()


def test_forest_figure_and_view_downloads(page, streamlit_server, page_errors):
    page.goto(f"{streamlit_server}/?comparison=MSC+vs+control+%28end+of+follow-up%29")
    page.locator(f"{CHART} .scatterlayer .trace").first.wait_for(timeout=60_000)
    wait_app_idle(page)

    png = download(page, "PNG")
    assert png.startswith(b"\x89PNG") and Image.open(io.BytesIO(png)).size == (3840, 2160)   # 1920x1080 at 2x
    (Path(__file__).resolve().parents[2] / "tmp" / "shots").mkdir(parents=True, exist_ok=True)
    (Path(__file__).resolve().parents[2] / "tmp" / "shots" / "export_slide.png").write_bytes(png)
    svg_link = page.get_by_role("link", name="SVG", exact=True).first     # a link a keyboard reaches and opens
    assert svg_link.get_attribute("download") == "forest_hba1c_vs_control_all.svg"
    with page.expect_download(timeout=60_000) as info:
        svg_link.focus()
        page.keyboard.press("Enter")
    assert info.value.suggested_filename == "forest_hba1c_vs_control_all.svg"
    svg = ET.fromstring(Path(info.value.path()).read_bytes())
    assert svg.tag.endswith("svg") and svg.get("width") == "1920" and svg.get("height") == "1080"
    assert download(page, "PDF").startswith(b"%PDF")

    deck = Presentation(io.BytesIO(download(page, "Slide deck", exact=False)))
    n_figs = page.locator(CHART).count()
    assert len(deck.slides) == 1 + n_figs
    title = " ".join(sh.text_frame.text for sh in deck.slides[0].shapes if sh.has_text_frame)
    assert "Comparison: MSC vs control" in title

    rows = list(csv.DictReader(io.StringIO(download(page, "Table (CSV)").decode("utf-8-sig"))))
    assert [r["label"] for r in rows if r["row_type"] == "study"] == ["Cai 2016", "Chen 2016"]
    assert {r["row_type"] for r in rows} == {"study", "subgroup", "overall"}
    script = download(page, "Python script").decode()
    assert "outcome='hba1c'" in script and "comparison='vs_control'" in script
    assert b"library(metafor)" in download(page, "R script (metafor)")
    # (the zip of figures is checked in tests/core/test_export.py; here it would re-render every format)
    assert page.get_by_role("link", name=f"All figures (.zip, {n_figs} × PNG/SVG/PDF)").count() == 1
    assert no_exception_shown(page) and not page_errors


def test_upload_errors_kept_then_valid_upload_used_everywhere(page, streamlit_server, page_errors, tmp_path):
    page.goto(f"{streamlit_server}/your_data")
    page.get_by_role("heading", name="Your data").wait_for(timeout=60_000)
    wait_app_idle(page)
    uploader = page.get_by_test_id("stFileUploaderDropzoneInput")

    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(bytes(range(128, 256)) * 8)          # not UTF-8 text
    uploader.set_input_files(str(garbage))
    page.get_by_text("The uploaded file could not be read, so nothing changed").wait_for(timeout=30_000)
    wait_app_idle(page)
    assert page.get_by_text("Dataset: shipped dataset", exact=False).count() >= 1   # (the problem table is a canvas)

    shipped = (DATA_DIR / "outcomes.csv").read_text(encoding="utf-8").splitlines()
    header = shipped[0].split(",")
    bad_lines = [shipped[0]]
    for line in shipped[1:]:
        bad_lines.append(line)
    # Cai 2016 MSC HbA1c at 12 months: n -> 0 (impossible) and the baseline SD -> -0.81
    bad_lines[2] = bad_lines[2].replace("hba1c,12,12 months,21,7.5", "hba1c,12,12 months,0,7.5", 1)
    bad_lines[1] = bad_lines[1].replace(",sd?,0.81,", ",sd?,-0.81,", 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(bad_lines) + "\n", encoding="utf-8")
    uploader.set_input_files(str(bad))
    page.get_by_text("2 problems found").wait_for(timeout=30_000)
    wait_app_idle(page)
    assert page.get_by_text("Dataset: shipped dataset", exact=False).count() >= 1
    screenshot(page, "your_data_errors")

    good = tmp_path / "good.csv"
    evil = "![x](http://example.invalid/t.png)"          # a user-typed column name that Markdown would render
    lines = [shipped[0] + "," + evil] + [line + "," for line in shipped[1:]]
    good.write_text("\n".join(lines).replace("hba1c,12,12 months,21,7.5", "hba1c,12,12 months,21,7.0", 1) + "\n",
                    encoding="utf-8")
    uploader.set_input_files(str(good))
    page.get_by_text("Every page now uses your CSV upload (48 outcome rows).").wait_for(timeout=30_000)
    wait_app_idle(page)
    # the upload is now a saved version: its banner names it (and its id)
    assert page.get_by_text(re.compile(r"Dataset: saved dataset .* · saved by you")).count() >= 1
    assert page.get_by_text(evil, exact=True).count() == 1             # shown as plain text ...
    assert page.locator('img[src*="example.invalid"]').count() == 0   # ... never rendered as an image
    screenshot(page, "your_data_used")
    data = download(page, "Dataset (CSV)")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == header and len(rows) == 48
    assert [r["mean"] for r in rows if r["study_id"] == "Cai2016" and r["outcome"] == "hba1c"
            and r["arm"] == "msc"] == ["8.6", "7.0"]

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Forest plot").click()
    page.locator(f"{CHART} .scatterlayer .trace").first.wait_for(timeout=60_000)
    wait_app_idle(page)
    assert page.get_by_text(re.compile(r"Dataset: saved dataset .* · saved by you")).count() >= 1
    assert page.get_by_test_id("stMetricValue").first.inner_text() == "\u22121.60"     # 7.0 - 8.6

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Your data").click()
    page.get_by_role("button", name="Reset to shipped data").click()
    page.get_by_text("Back to the shipped dataset on every page.").wait_for(timeout=30_000)
    wait_app_idle(page)
    assert page.get_by_text("Dataset: shipped dataset", exact=False).count() >= 1
    assert no_exception_shown(page) and not page_errors
