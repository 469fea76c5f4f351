"""Security defaults: the repo's Streamlit config, no HTML rendering of user text, and exports
neutralised against formula injection (OWASP "CSV Injection")."""
from __future__ import annotations

import csv
import io
import re
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from core import export as ex

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".streamlit" / "config.toml"
APP_SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").glob("*.py"))]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------------------------------------
# .streamlit/config.toml
# ---------------------------------------------------------------------------------------------
def _config() -> dict:
    with CONFIG.open("rb") as fh:
        return tomllib.load(fh)


def test_config_turns_on_xsrf_protection():
    assert _config()["server"]["enableXsrfProtection"] is True


def test_config_sets_an_explicit_upload_limit():
    limit = _config()["server"]["maxUploadSize"]
    # An explicit, small limit in MB (Streamlit's default is 200 MB); evidence tables are kB.
    assert isinstance(limit, int) and 1 <= limit <= 50


def test_config_turns_telemetry_off():
    assert _config()["browser"]["gatherUsageStats"] is False


def test_config_hides_error_details_from_users():
    # "none": an uncaught exception shows a generic message, never the stack trace or its text.
    assert _config()["client"]["showErrorDetails"] in ("none", False)


def test_config_binds_loopback_only():
    assert _config()["server"]["address"] == "127.0.0.1"


# ---------------------------------------------------------------------------------------------
# No HTML rendering of any text (user-derived or not) in the app layer
# ---------------------------------------------------------------------------------------------
HTML_SINKS = re.compile(r"unsafe_allow_html\s*=\s*True|\bst\.html\s*\(|components\.v1|components\.html\s*\("
                        r"|\.html\s*\(\s*f?['\"]")


def test_app_layer_never_renders_raw_html():
    assert APP_SOURCES and all(p.exists() for p in APP_SOURCES)
    hits = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}"
            for p in APP_SOURCES for i, line in enumerate(p.read_text().splitlines(), 1)
            if HTML_SINKS.search(line)]
    assert hits == [], "HTML rendering found (user text must never be rendered as HTML):\n" + "\n".join(hits)


def test_downloads_use_the_neutralising_writers():
    """Any CSV/XLSX written in pages/ or ui/ goes through core.export (core.export.tables.to_csv_bytes);
    a bare DataFrame.to_csv / to_excel there would skip the neutralisation."""
    allowed = {("ui/data.py", "h.update(df.to_csv(index=False).encode())")}   # cache-key hashing only
    hits = []
    for p in APP_SOURCES:
        for i, line in enumerate(p.read_text().splitlines(), 1):
            if re.search(r"\.to_csv\(|\.to_excel\(|ExcelWriter\(", line) and \
                    (str(p.relative_to(ROOT)), line.strip()) not in allowed:
                hits.append(f"{p.relative_to(ROOT)}:{i}: {line.strip()}")
    assert hits == []


# ---------------------------------------------------------------------------------------------
# Formula injection in exports
# ---------------------------------------------------------------------------------------------
PAYLOADS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "=1+1", "+1+1", "-1+1", "@SUM(A1:A2)",
            "=cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "-2-3", "+CMD()", "@A1", "=-1", "==1"]
# Text a spreadsheet cell can hold (openpyxl refuses C0 controls other than tab, LF and CR;
# those are covered by test_xlsx_export_survives_control_characters).
cell_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=[
    chr(c) for c in range(32) if chr(c) not in "\t\n\r"]), max_size=20)
formula_text = st.builds(lambda head, tail: head + tail, st.sampled_from(FORMULA_START), cell_text)


def _csv_cells(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def _is_plain_number(s: str) -> bool:
    return bool(re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", s))


def _safe(cell: str) -> bool:
    return not cell.startswith(FORMULA_START) or _is_plain_number(cell)


def test_known_payloads_are_neutralised_in_csv_and_xlsx():
    df = pd.DataFrame({"label": PAYLOADS, "estimate": [-0.5] * len(PAYLOADS)})
    rows = _csv_cells(ex.to_csv_bytes(df))
    assert rows[0] == ["label", "estimate"]
    for payload, row in zip(PAYLOADS, rows[1:]):
        assert row[0] == "'" + payload          # one apostrophe in front, text otherwise kept
        assert row[1] == "-0.5"                 # a negative number stays a number
    wb = openpyxl.load_workbook(io.BytesIO(ex.to_xlsx_bytes(df)))
    ws = wb.active
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]   # no formula cell at all
    assert [c.value for c in ws["A"][1:]] == ["'" + p for p in PAYLOADS]
    assert all(c.value == -0.5 and c.data_type == "n" for c in ws["B"][1:])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(formula_text, cell_text, st.floats(allow_nan=False, width=32)),
                min_size=1, max_size=8),
       st.one_of(formula_text, cell_text.filter(bool)))
def test_no_csv_or_xlsx_cell_can_run_as_a_formula(values, column):
    df = pd.DataFrame({column: pd.Series(values, dtype=object), "k": range(len(values))})
    rows = _csv_cells(ex.to_csv_bytes(df))
    assert all(_safe(cell) for row in rows for cell in row), rows
    ws = openpyxl.load_workbook(io.BytesIO(ex.to_xlsx_bytes(df))).active
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]
    for row in ws.iter_rows():
        for c in row:
            assert not isinstance(c.value, str) or _safe(c.value), c.value


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(formula_text, cell_text), min_size=1, max_size=6))
def test_audit_csv_download_is_neutralised(values):
    # pages/reproduce.py offers the audit table through core.export.tables.to_csv_bytes.
    rows = _csv_cells(ex.to_csv_bytes(pd.DataFrame({"claim": values})))
    assert all(not c.startswith(("=", "+", "-", "@")) or c.startswith("'") or _float(c) for r in rows for c in r)


def _float(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def test_xlsx_export_survives_control_characters():
    """An uploaded CSV may carry a few control characters in a cell (core.evidence.upload accepts up to 5);
    the dataset's XLSX download must still work (openpyxl raises IllegalCharacterError on C0
    controls), and the CSV keeps the text."""
    df = pd.DataFrame({"study_id": ["Cai2016\x08", "=1+1\x01"], "n": [21, 20]})
    ws = openpyxl.load_workbook(io.BytesIO(ex.to_xlsx_bytes(df, "outcomes"))).active
    assert ws["A3"].value.startswith("'=1+1") and ws["B2"].value == 21
    assert _csv_cells(ex.to_csv_bytes(df))[2][0] == "'=1+1\x01"
