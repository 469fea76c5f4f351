"""Bounded parsing (issue 23, item 3): the hostile uploads are refused at their limit, in a fresh
process their parse costs far less than 300 MB of extra peak memory, and at most N uploads parse
at once.  Times are measured by bench/bench_upload_bounds.py, not here (no timed unit tests)."""
from __future__ import annotations

import io
import threading
import time
import zipfile
import zlib

import openpyxl
import pytest

from core.errors import DatasetError
from core.evidence import bounded, limits, parse_gate
from core.evidence.bundle import read_bundle
from core.evidence.dataset import load_dataset
from core.evidence.reported_csv import read_reported_csv
from core.evidence.upload import parse_upload, read_upload
from tests import hostile_files as hf

BASE = load_dataset()
MAX_EXTRA_MB = 300          # the goal for any upload up to the 5 MB server limit


def refusal(data: bytes, name: str) -> list[str]:
    with pytest.raises(DatasetError) as info:
        read_bundle(data, name, BASE) if name.endswith(".zip") else parse_upload(data, name, BASE)
    return info.value.problems


@pytest.mark.parametrize("case, expected", [
    ("lying.zip", "outcomes.csv: contains binary data"),           # 1,000 bytes read, as declared
    ("million_rows.csv", "outcomes: more than 5,000 rows; at most 5,000 are accepted"),
    ("million_rows.zip", "outcomes: more than 5,000 rows; at most 5,000 are accepted"),
    ("3M_cells.xlsx", "more than 150,000 cells; at most 150,000 are accepted"),
])
def test_hostile_file_is_refused_at_its_limit(case, expected):
    name, _, build = hf.CASES[case]
    assert any(expected in p for p in refusal(build(), name))


def test_hostile_files_cost_little_memory_in_a_fresh_process():
    """One child process parses every hostile file in turn; its high-water mark over the baseline
    taken before the first bounds the extra peak of each."""
    cases = ["lying.zip", "million_rows.csv", "million_rows.zip", "3M_cells.xlsx", "one_row_under_cap.xlsx"]
    got = hf.measure_in_child(cases)
    assert [g["case"] for g in got] == cases
    for g in got:
        assert g["extra_mb"] <= MAX_EXTRA_MB, g
        assert g["result"].startswith("refused"), g       # none of these is a valid dataset


def test_a_member_that_inflates_past_its_declared_size_is_refused_without_inflating_it():
    data = hf._deflated_zeros(64)                               # 64 MiB of zeros, declared 1,000 bytes
    bad_crc = hf.raw_zip([("outcomes.csv", data, 1000, 0x1234)])
    assert any("could not be unpacked (BadZipFile)" in p for p in refusal(bad_crc, "x.zip"))
    honest = hf.raw_zip([("outcomes.csv", data, 64 << 20, zlib.crc32(b"\0" * 1000))])    # sizes tell the truth
    assert any("unpacks to 67,108,864 bytes; the limit is 50,000,000" in p for p in refusal(honest, "x.zip"))


def test_an_xlsx_part_is_inflated_under_the_same_caps():
    problems = refusal(hf.lying_xlsx(), "lying.xlsx")
    assert any("xl/worksheets/sheet1.xml could not be unpacked (BadZipFile)" in p for p in problems), problems


def test_bzip2_members_and_too_many_members_are_refused():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_BZIP2) as zf:
        zf.writestr("outcomes.csv", "study_id\n")
    assert any("compression method" in p for p in refusal(buf.getvalue(), "x.zip"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(limits.MAX_ZIP_MEMBERS + 1):
            zf.writestr(f"f{i}.txt", "x")
    assert any(f"at most {limits.MAX_ZIP_MEMBERS} are accepted" in p for p in refusal(buf.getvalue(), "x.zip"))


def test_csv_reader_stops_at_the_limit_and_at_a_wide_header():
    wide = ",".join(f"c{i}" for i in range(limits.MAX_COLUMNS + 1)) + "\n" + "x\n" * 10
    with pytest.raises(DatasetError, match="61 columns; at most 60 are accepted"):
        bounded.read_csv_rows(wide, "w.csv")
    rows = "a,b\n" + "1,2\n\n" * 3 + "1,2,3\n"
    with pytest.raises(DatasetError, match=r"outcomes row 5: more fields than the header's 2"):
        bounded.read_csv_rows(rows, "r.csv")
    ok = bounded.read_csv_rows("a,b\n1\n\n2,3\n", "ok.csv", max_rows=2)
    assert ok.values.tolist() == [["1", ""], ["2", "3"]]
    with pytest.raises(DatasetError, match="more than 2 rows"):
        bounded.read_csv_rows("a,b\n1,2\n3,4\n5,6\n", "r.csv", max_rows=2)


def test_studies_csv_in_a_zip_is_bounded_too():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("outcomes.csv", hf.shipped_table().to_csv(index=False))
        zf.writestr("studies.csv", "study_id\n" + "a\n" * 999_000)
    assert any("studies: more than 5,000 rows" in p for p in refusal(buf.getvalue(), "x.zip"))


def _xlsx(rows) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "outcomes"
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_values_read_as_pandas_read_them_and_limits_are_named():
    sheets = bounded.read_xlsx(_xlsx([["a", "b", "c"], [8, 7.5, "x"], [None, None, None], [1.0, True, " y "]]),
                               "v.xlsx")
    assert sheets["outcomes"].columns.tolist() == ["a", "b", "c"]
    assert sheets["outcomes"].values.tolist() == [["8", "7.5", "x"], ["1", "True", " y "]]
    wide = _xlsx([["a"], [None] * limits.MAX_COLUMNS + ["beyond"]])
    with pytest.raises(DatasetError, match="a value in column 61; at most 60 columns"):
        bounded.read_xlsx(wide, "w.xlsx")
    header = "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a</t></is></c></row>"
    far = hf.xlsx_with_sheet(hf._sheet([header, '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'],
                                       "A1:XFD1048576"))
    with pytest.raises(DatasetError, match="values below row 20,000"):
        bounded.read_xlsx(far, "far.xlsx")


def test_xlsx_duplicate_headers_are_reported_like_csv():
    problems = refusal(_xlsx([["study_id", "study_id", "arm"], ["x", "y", "msc"]]), "d.xlsx")
    assert any("duplicate column name(s): study_id" in p for p in problems), problems


def test_reported_results_upload_stops_at_its_row_limit():
    with pytest.raises(ValueError, match="more than 5,000 rows"):
        read_reported_csv(b"result_id,estimate,ci_low,ci_high,pvalue\n" + b"a\n" * 999_000)


# ------------------------------------------------------------------------------- the parse gate
def test_at_most_n_uploads_parse_at_once_and_the_others_wait_with_a_message():
    release, holding, waited = threading.Event(), threading.Barrier(parse_gate.SLOTS + 1), []

    def hold():
        with parse_gate.parse_slot():
            holding.wait()
            release.wait(10)
    threads = [threading.Thread(target=hold) for _ in range(parse_gate.SLOTS)]
    for t in threads:
        t.start()
    holding.wait()                                    # every slot is taken
    with pytest.raises(DatasetError, match="the server is reading"):
        with parse_gate.parse_slot(on_wait=lambda: waited.append("told"), timeout=0.2):
            pass
    assert waited == ["told"]
    threading.Timer(0.2, release.set).start()         # a slot frees up while the next one waits
    with parse_gate.parse_slot(on_wait=lambda: waited.append("told again")):
        assert read_upload(hf.shipped_table().to_csv(index=False).encode(), "again.csv").outcomes.shape[0] > 0
    assert waited == ["told", "told again"]           # the reader inside did not wait a second time
    for t in threads:
        t.join()


def test_the_number_of_slots_is_a_setting():
    assert parse_gate.slots_from_env({}) == limits.MAX_CONCURRENT_PARSES
    assert parse_gate.slots_from_env({limits.ENV_MAX_CONCURRENT_PARSES: "4"}) == 4
    for bad in ("0", "-1", "two", ""):
        assert parse_gate.slots_from_env({limits.ENV_MAX_CONCURRENT_PARSES: bad}) == limits.MAX_CONCURRENT_PARSES
    start = time.perf_counter()
    with parse_gate.parse_slot():
        with parse_gate.parse_slot():                 # reentrant within a thread: no wait, no deadlock
            pass
    assert time.perf_counter() - start < parse_gate.PARSE_WAIT_SECONDS
