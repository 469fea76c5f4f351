"""core.evidence.upload: malformed files, each with its own message; valid files; XLSX studies sheet;
formula-like text accepted as text and neutralised on export."""
from __future__ import annotations

import csv
import io
import re

import openpyxl
import pandas as pd
import pytest

from core import export as ex
from core.evidence import upload as up
from core.workflow.analysis import AnalysisSpec, analyse
from core.evidence.dataset import DATA_DIR, OUTCOME_COLUMNS, load_dataset
from core.errors import DatasetError

BASE = load_dataset()
HEADER = "study_id,arm,outcome,timepoint_months,n,mean,dispersion_type,disp1,disp2,unit,use"
GOOD = ("Cai2016,msc,hba1c,0,21,8.6,sd,0.81,,%,yes\n"
        "Cai2016,msc,hba1c,12,21,7.5,sd,1.0,,%,yes\n")


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n" + "".join(r + "\n" for r in rows)).encode()


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def problems_of(data: bytes, filename: str = "mine.csv") -> list[str]:
    with pytest.raises(DatasetError) as info:
        up.parse_upload(data, filename, BASE)
    assert info.value.problems, "a DatasetError must list its problems"
    return info.value.problems



# (id, file bytes, file name, regex that one problem must match).  Row numbers are file lines
# (header = line 1), so "row 2" is the first data row.
BAD_FILES = [
    ("empty_file", b"", "mine.csv", r"the file is empty"),
    ("whitespace_only", b"  \n\r\n", "mine.csv", r"the file is empty"),
    ("oversize", b"a" * (up.MAX_UPLOAD_BYTES + 1), "mine.csv", r"2,000,001 bytes; the limit is 2,000,000"),
    ("wrong_extension", csv_bytes(GOOD), "mine.txt", r"unsupported file type '\.txt'; expected a \.csv or \.xlsx"),
    ("no_extension", csv_bytes(GOOD), "mine", r"unsupported file type '\(no extension\)'"),
    ("not_utf8_latin1", csv_bytes("Cai2016,msc,hba1c,0,21,8.6,sd,0.81,,µmol/L,yes").replace(
        "µ".encode(), "µ".encode("latin-1")), "mine.csv", r"not UTF-8 text \(byte \d+ is 0xb5\)"),
    ("binary_garbage", bytes(range(256)) * 4, "mine.csv", r"not UTF-8 text \(byte 128 is 0x80\)"),
    ("nul_bytes", b"study_id,arm\x00\x00\x00\n", "mine.csv", r"binary data \(NUL bytes\)"),
    ("xlsx_named_csv", b"PK\x03\x04" + b"\x00" * 40, "mine.csv", r"looks like an Excel \(\.xlsx\) workbook"),
    ("corrupted_xlsx", b"PK\x03\x04garbage that is not a zip", "mine.xlsx", r"not a valid \.xlsx workbook"),
    ("csv_named_xlsx", csv_bytes(GOOD), "mine.xlsx", r"not a valid \.xlsx workbook"),
    ("zip_not_workbook", None, "mine.xlsx", r"not an \.xlsx workbook \(no xl/workbook\.xml\)"),
    ("xlsx_many_sheets_no_outcomes", xlsx_bytes({"a": [["x"]], "b": [["y"]], "c": [["z"]]}), "mine.xlsx",
     r"3 sheets \(a, b, c\) and none is named 'outcomes'"),
    ("xlsx_empty_sheet", xlsx_bytes({"outcomes": []}), "mine.xlsx", r"missing column\(s\) study_id"),
    ("header_only", csv_bytes(), "mine.csv", r"no data rows"),
    ("missing_columns", csv_bytes("Cai2016,msc,hba1c", header="study_id,arm,outcome"), "mine.csv",
     r"missing column\(s\) timepoint_months, n, mean, dispersion_type, disp1, unit"),
    ("duplicate_columns", csv_bytes("Cai2016,Cai2016,msc,hba1c,0,21,8.6,sd,0.81,,%,yes",
                                    header="study_id,STUDY_ID," + HEADER.split(",", 1)[1]), "mine.csv",
     r"duplicate column name\(s\): study_id"),
    ("ragged_rows", csv_bytes("Cai2016,msc,hba1c,0,21,8.6,sd,0.81,,%,yes,extra,more"), "mine.csv",
     r"outcomes row 2: more fields than the header.s 11; check for an unquoted comma"),
    ("unterminated_quote", csv_bytes('Cai2016,msc,"hba1c,0,21,8.6,sd,0.81,,%,yes'), "mine.csv",
     r"could not be read as CSV \(unexpected end of data\); check the quotes"),
    ("unknown_dispersion_type", csv_bytes("Cai2016,msc,hba1c,0,21,8.6,stdev,0.81,,%,yes"), "mine.csv",
     r"row 2, column `dispersion_type`: 'stdev' is not one of sd, sd\?, se, ci95, median_iqr, median_range"),
    ("negative_sd", csv_bytes("Cai2016,msc,hba1c,0,21,8.6,sd,-0.81,,%,yes"), "mine.csv",
     r"row 2, column `disp1`: '-0.81' is an impossible SD; expected a value > 0"),
    ("zero_sd", csv_bytes("Cai2016,msc,hba1c,0,21,8.6,sd,0,,%,yes"), "mine.csv",
     r"row 2, column `disp1`: '0' is an impossible SD; expected a value > 0"),
    ("zero_se", csv_bytes("Cai2016,msc,hba1c,0,21,8.6,se,0,,%,yes"), "mine.csv", r"'0' is an impossible SE"),
    ("n_zero", csv_bytes("Cai2016,msc,hba1c,0,0,8.6,sd,0.81,,%,yes"), "mine.csv",
     r"row 2, column `n`: '0' must be > 0"),
    ("n_fractional", csv_bytes("Cai2016,msc,hba1c,0,20.5,8.6,sd,0.81,,%,yes"), "mine.csv",
     r"row 2, column `n`: '20.5' must be a whole number"),
    ("n_one_with_iqr", csv_bytes("Cai2016,msc,hba1c,0,1,8.6,median_iqr,8,9,%,yes"), "mine.csv",
     r"row 2, column `n`: median_iqr needs n >= 2; got 1"),
    ("nan_value", csv_bytes("Cai2016,msc,hba1c,0,21,NaN,sd,0.81,,%,yes"), "mine.csv",
     r"row 2, column `mean`: 'NaN' is not a finite number"),
    ("inf_value", csv_bytes("Cai2016,msc,hba1c,0,21,8.6,sd,inf,,%,yes"), "mine.csv",
     r"row 2, column `disp1`: 'inf' is not a finite number"),
    ("text_in_numeric", csv_bytes("Cai2016,msc,hba1c,0,21,8.6 ± 0.8,sd,0.81,,%,yes"), "mine.csv",
     r"row 2, column `mean`: '8.6 ± 0.8' is not a finite number"),
    ("empty_required_number", csv_bytes("Cai2016,msc,hba1c,0,,8.6,sd,0.81,,%,yes"), "mine.csv",
     r"row 2, column `n`: value is empty; expected a number"),
    ("duplicate_rows_without_use_marker", csv_bytes(GOOD.splitlines()[0], GOOD.splitlines()[0]), "mine.csv",
     r"rows 2, 3: Cai2016/msc/hba1c/0 appears 2 times with use=yes; mark one row use=yes and the others use=no"),
    ("bounds_reversed", csv_bytes("Cai2016,msc,hba1c,0,21,8.6,ci95,9.0,8.0,%,yes"), "mine.csv",
     r"row 2: bounds 9\.0\.\.8\.0 do not contain the centre 8\.6"),
    ("bounds_missing_upper", csv_bytes("Cai2016,msc,hba1c,0,21,8.6,median_iqr,8.0,,%,yes"), "mine.csv",
     r"row 2, column `disp2`: empty; median_iqr needs a lower \(disp1\) and upper \(disp2\) bound"),
    ("huge_value", csv_bytes("Cai2016,msc,hba1c,0,21,1e12,sd,0.81,,%,yes"), "mine.csv",
     r"row 2, column `mean`: '1e12' is implausibly large"),
    ("too_many_rows", csv_bytes(*[f"Cai2016,msc,hba1c,{i},21,8.6,sd,0.81,,%,yes"
                                  for i in range(up.MAX_UPLOAD_ROWS + 1)]), "mine.csv",
     r"more than 5,000 rows; at most 5,000 are accepted"),
    ("unknown_study_id", csv_bytes("Nobody2099,msc,hba1c,0,21,8.6,sd,0.81,,%,yes"), "mine.csv",
     r"row 2, column `study_id`: 'Nobody2099' is not in the studies table"),
    ("wrong_arm", csv_bytes("Cai2016,treated,hba1c,0,21,8.6,sd,0.81,,%,yes"), "mine.csv",
     r"row 2, column `arm`: 'treated' is not one of msc, control"),
    ("unknown_outcome", csv_bytes("Cai2016,msc,HbA1c%,0,21,8.6,sd,0.81,,%,yes"), "mine.csv",
     r"row 2, column `outcome`: 'HbA1c%' is not one of hba1c"),
    ("bad_use_marker", csv_bytes("Cai2016,msc,hba1c,0,21,8.6,sd,0.81,,%,maybe"), "mine.csv",
     r"row 2, column `use`: 'maybe' is not one of yes, no"),
    ("negative_timepoint", csv_bytes("Cai2016,msc,hba1c,-3,21,8.6,sd,0.81,,%,yes"), "mine.csv",
     r"row 2, column `timepoint_months`: '-3' must be >= 0"),
    ("overlong_cell", csv_bytes("Cai2016,msc,hba1c,0,21,8.6,sd,0.81,,%,yes," + "x" * (up.MAX_CELL_CHARS + 1),
                                header=HEADER + ",use_note"), "mine.csv",
     r"row 2, column `use_note`: 5001 characters; at most 5000 per cell"),
    ("xlsx_bad_studies_sheet", xlsx_bytes({
        "outcomes": [HEADER.split(","), ["New2024", "msc", "hba1c", 0, 10, 8.0, "sd", 1.0, None, "%", "yes"]],
        "studies": [["study_id", "set", "dm_type", "design_class", "first_author", "year"],
                    ["New2024", "paper", "T3DM", "rct", "New A", "twenty"]]}), "mine.xlsx",
     r"studies row 2, column `dm_type`: 'T3DM' is not one of T1DM, T2DM"),
]


def _zip_without_workbook() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "not a workbook")
    return buf.getvalue()


@pytest.mark.parametrize("case", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_file_is_refused_with_its_message(case):
    _, data, filename, pattern = case
    if data is None:
        data = _zip_without_workbook()
    probs = problems_of(data, filename)
    assert any(re.search(pattern, p) for p in probs), probs


def test_at_least_twenty_kinds_of_bad_file():
    assert len({c[0] for c in BAD_FILES}) >= 20


def test_every_problem_is_listed_together_with_row_column_value():
    data = csv_bytes("Cai2016,left,hba1c,0,0,abc,sd,-1,,%,yes", "Ghost,msc,hba1c,0,21,8.6,sd,0.8,,%,yes")
    probs = problems_of(data)
    table = up.problems_table(probs)
    got = {(r.row, r.column) for r in table.itertuples()}
    assert {("2", "arm"), ("2", "n"), ("2", "mean"), ("3", "study_id")} <= got
    assert any("'abc' is not a finite number" in p for p in probs)
    assert any("New study needs" in p or "a new study needs a row in a `studies` sheet" in p for p in probs)


def test_editor_table_without_rows_is_refused_and_blank_rows_are_dropped():
    empty = up.editable_outcomes(BASE).iloc[0:0]
    with pytest.raises(DatasetError, match="the table has no rows"):
        up.build_dataset(empty, BASE)
    table = up.editable_outcomes(BASE)
    table.loc[len(table)] = [None] * table.shape[1]          # a row added in the editor and left empty
    assert len(up.build_dataset(table, BASE).outcomes) == len(BASE.outcomes)


def test_type_check_on_data():
    with pytest.raises(TypeError, match="`data` must be bytes; got str"):
        up.read_upload("study_id", "x.csv")


# ------------------------------------------------------------------------------------- valid files
def test_shipped_outcomes_round_trip_gives_same_analysis():
    raw = (DATA_DIR / "outcomes.csv").read_bytes()
    ds = up.parse_upload(raw, "outcomes.csv", BASE)
    assert ds.name == "your CSV upload (48 outcome rows)"
    spec = AnalysisSpec(outcome="hba1c", comparison="vs_control", study_set="all")
    assert analyse(ds, spec).pooled.estimate == analyse(BASE, spec).pooled.estimate


def test_exported_dataset_csv_and_xlsx_upload_again():
    table = up.editable_outcomes(BASE)
    for data, name in ((ex.to_csv_bytes(table), "again.csv"), (ex.to_xlsx_bytes(table, "outcomes"), "again.xlsx")):
        ds = up.parse_upload(data, name, BASE)
        assert len(ds.outcomes) == len(BASE.outcomes)
        assert ds.outcomes["mean_num"].tolist() == BASE.outcomes["mean_num"].tolist()


def test_template_is_valid_and_in_the_documented_format():
    ds = up.parse_upload(up.template_bytes(), "outcomes_template.csv")      # base defaults to the shipped data
    header = next(csv.reader(io.StringIO(up.template_bytes().decode())))
    assert tuple(header) == OUTCOME_COLUMNS
    assert len(ds.outcomes) == 4
    text = up.dictionary_text()
    for col in OUTCOME_COLUMNS:
        assert f"`{col}`" in text, col


def test_xlsx_with_studies_sheet_adds_a_study():
    data = xlsx_bytes({
        "outcomes": [HEADER.split(","),
                     ["New2024", "msc", "hba1c", 0, 10, 8.0, "sd", 1.0, None, "%", "yes"],
                     ["New2024", "msc", "hba1c", 6, 10, 7.0, "sd", 1.0, None, "%", "yes"]],
        "studies": [["study_id", "set", "dm_type", "design_class", "first_author", "year"],
                    ["New2024", "paper", "T2DM", "single_arm", "Newman A", 2024]]})
    ds = up.parse_upload(data, "mine.xlsx", BASE)
    assert ds.name == "your XLSX upload (2 outcome rows)"
    tables = up.read_upload(data, "mine.xlsx")
    again = ex.to_xlsx_sheets({"outcomes": tables.outcomes, "studies": tables.studies})   # the page's download
    assert len(up.parse_upload(again, "again.xlsx", BASE).outcomes) == 2
    a = analyse(ds, AnalysisSpec(outcome="hba1c", comparison="pre_post", population="T2DM"))
    assert a.rows["label"].tolist() == ["Newman 2024"]
    assert a.pooled.estimate == pytest.approx(-1.0)          # 7.0 - 8.0


def test_extra_columns_are_ignored_and_reported():
    tables = up.read_upload(csv_bytes(*(r + ",my note" for r in GOOD.splitlines()), header=HEADER + ",comment"),
                            "x.csv")
    assert tables.ignored_columns == ("comment",)
    assert "comment" not in tables.outcomes.columns


def test_utf16_and_bom_are_accepted():
    text = (HEADER + "\n" + GOOD).replace("\n", "\r\n")
    assert len(up.parse_upload(text.encode("utf-16"), "x.csv", BASE).outcomes) == 2
    assert len(up.parse_upload(b"\xef\xbb\xbf" + text.encode(), "x.csv", BASE).outcomes) == 2


def test_formula_like_text_is_accepted_then_neutralised_on_export():
    header = HEADER + ",use_note,snippet"
    rows = [r + ',=HYPERLINK("http://evil"),@SUM(1)' for r in GOOD.splitlines()]
    ds = up.parse_upload(csv_bytes(*rows, header=header), "x.csv", BASE)
    assert ds.outcomes["use_note"].iloc[0] == '=HYPERLINK("http://evil")'      # kept as typed
    out = list(csv.DictReader(io.StringIO(ex.to_csv_bytes(up.editable_outcomes(ds)).decode("utf-8-sig"))))
    assert out[0]["use_note"] == '\'=HYPERLINK("http://evil")' and out[0]["snippet"] == "'@SUM(1)"
    assert out[0]["mean"] == "8.6"


def test_problems_table_splits_location():
    t = up.problems_table(["outcomes row 7, column `n`: '0' must be > 0", "mine.csv: the file is empty",
                           "outcomes rows 2, 3: X appears 2 times"])
    assert t.iloc[0]["row"] == "" and t.iloc[0]["problem"] == "mine.csv: the file is empty"
    assert t.iloc[1]["row"] == "2, 3"
    assert t.iloc[2].to_dict() == {"table": "outcomes", "row": "7", "column": "n", "problem": "'0' must be > 0"}
    assert isinstance(t, pd.DataFrame)


def test_upload_limits_are_defined_once_and_reachable():
    import tomllib

    from core.evidence import dataset, limits, reported_csv

    for mod in (up, reported_csv):
        assert mod.MAX_UPLOAD_BYTES is limits.MAX_UPLOAD_BYTES and mod.MAX_UPLOAD_ROWS is limits.MAX_UPLOAD_ROWS
    assert dataset.MAX_ROWS is limits.MAX_ROWS and limits.MAX_UPLOAD_ROWS <= limits.MAX_ROWS
    # Streamlit refuses a file above server.maxUploadSize (MB) before our reader sees it: it must
    # be at least our own limit, so that the user gets our message naming the limit.
    config = tomllib.loads((DATA_DIR.parent / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] * 1_000_000 >= limits.MAX_UPLOAD_BYTES
    with pytest.raises(ValueError, match=f"the limit is {limits.MAX_UPLOAD_BYTES:,} bytes"):
        reported_csv.read_reported_csv(b"a" * (limits.MAX_UPLOAD_BYTES + 1))
