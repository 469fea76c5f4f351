"""The hostile uploads of issue 23 (item 3), built in memory in well under a second each.

- :func:`lying_zip`: a ~1 MB zip whose ``outcomes.csv`` is 1 GB of zeros declared as 1,000 bytes
  (the deflate stream is one 1 MB block of zeros after a full flush, repeated: a full flush resets
  the compressor, so every repeat is the same bytes).
- :func:`million_rows_csv` / :func:`million_rows_zip`: ~1,000,000 one-character rows under a
  60-column header, as a CSV just under the 2 MB limit and as a ~2 kB zip.
- :func:`cells_xlsx`: a workbook of 3,000,000 cells (50,000 rows of 60 numbers), and variants that
  lie about the sheet's size or hide the cells in one row or in styled blanks.

Used by tests/core/test_bounded_upload.py and bench/bench_upload_bounds.py.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

import openpyxl

HEADER_60 = ",".join(["study_id", "arm", "outcome", "timepoint_months", "n", "mean", "dispersion_type", "disp1",
                      "disp2", "unit"] + [f"extra{i}" for i in range(50)])
ZEROS_MB = 1 << 20


def _deflated_zeros(mb: int) -> bytes:
    """A raw deflate stream of ``mb`` MiB of zeros."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(b"\0" * ZEROS_MB) + c.flush(zlib.Z_FULL_FLUSH)
    return block * mb + c.flush(zlib.Z_FINISH)


def raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written byte by byte: (name, deflate stream, declared size, crc) per member, so the
    sizes may lie."""
    out, central = io.BytesIO(), []
    for name, data, declared, crc in members:
        offset, fname = out.tell(), name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), declared, len(fname), 0))
        out.write(fname + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), declared,
                                   len(fname), 0, 0, 0, 0, 0, offset) + fname)
    start = out.tell()
    for c in central:
        out.write(c)
    size = out.tell() - start
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), size, start, 0))
    return out.getvalue()


def lying_zip(gigabytes: int = 1) -> bytes:
    """outcomes.csv: ``gigabytes`` GiB of zeros declared as 1,000 bytes (~1 MB per GiB)."""
    # The CRC is that of the 1,000 bytes declared, so zipfile's own check never fires: only reading
    # in bounded chunks keeps the memory down.
    return raw_zip([("outcomes.csv", _deflated_zeros(1024 * gigabytes), 1000, zlib.crc32(b"\0" * 1000))])


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def lying_xlsx(mb: int = 64) -> bytes:
    """A workbook whose sheet is ``mb`` MiB of zeros declared as 1,000 bytes (a wrong CRC)."""
    members = [(n, _deflate(d), len(d), zlib.crc32(d)) for n, d in _template_parts().items()
               if n != "xl/worksheets/sheet1.xml"]
    return raw_zip(members + [("xl/worksheets/sheet1.xml", _deflated_zeros(mb), 1000, 0x1234)])


def million_rows_csv(rows: int = 999_000) -> bytes:
    """A 60-column header and ``rows`` rows of one character (just under 2 MB)."""
    return (HEADER_60 + "\n" + "a\n" * rows).encode()


def million_rows_zip(rows: int = 999_000) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("outcomes.csv", million_rows_csv(rows))
    return buf.getvalue()


def _template_parts() -> dict[str, bytes]:
    wb = openpyxl.Workbook()
    wb.active.title = "outcomes"
    buf = io.BytesIO()
    wb.save(buf)
    with zipfile.ZipFile(buf) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def xlsx_with_sheet(sheet_xml: bytes) -> bytes:
    """A minimal workbook (openpyxl's) whose only sheet is ``sheet_xml``."""
    parts = _template_parts()
    parts["xl/worksheets/sheet1.xml"] = sheet_xml
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _sheet(rows: list[str], dimension: str = "A1") -> bytes:
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="{dimension}"/><sheetData>')
    return (head + "".join(rows) + "</sheetData></worksheet>").encode()


def cells_xlsx(cells: int = 3_000_000, width: int = 60, *, shape: str = "rows") -> bytes:
    """A workbook of ``cells`` cells: ``shape`` "rows" (rows of ``width`` numbers, dimension
    claiming the whole sheet), "one_row" (all in one row) or "blank" (styled cells without values)."""
    header = "<row>" + "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in HEADER_60.split(",")) + "</row>"
    if shape == "one_row":
        return xlsx_with_sheet(_sheet([header, "<row>" + "<c><v>1</v></c>" * cells + "</row>"]))
    cell = '<c s="0"/>' if shape == "blank" else "<c><v>1</v></c>"
    row = "<row>" + cell * width + "</row>"
    return xlsx_with_sheet(_sheet([header] + [row] * (cells // width), dimension="A1:XFD1048576"))


def shipped_table() -> "pd.DataFrame":
    """data/outcomes.csv in the upload format (the baseline upload)."""
    import pandas as pd

    from core.evidence.dataset import DATA_DIR, OUTCOME_COLUMNS

    o = pd.read_csv(DATA_DIR / "outcomes.csv", dtype=str, keep_default_na=False)
    return o[[c for c in OUTCOME_COLUMNS if c in o.columns]]


def max_rows_table(rows: int = 5_000) -> "pd.DataFrame":
    """``rows`` outcome rows in the full upload format (17 columns): the shipped ones repeated at
    distinct time points, so that the table is valid."""
    import pandas as pd

    o = shipped_table()
    o = o[o["timepoint_months"] != ""]                  # rows without a time point cannot be repeated apart
    reps = pd.concat([o] * (rows // len(o) + 1), ignore_index=True).head(rows)
    reps["timepoint_months"] = [str(float(t) + 1000 * (i // len(o))) for i, t in enumerate(reps["timepoint_months"])]
    reps.loc[len(o):, "snippet"] = "repeated for the benchmark"      # the file stays under the 2 MB limit
    return reps


def _xlsx_of(df) -> bytes:
    buf = io.BytesIO()
    df.to_excel(buf, index=False, sheet_name="outcomes")
    return buf.getvalue()


# name -> (file name, reader ("upload" or "bundle"), builder).  "shipped.csv" is the baseline.
CASES = {
    "shipped.csv": ("shipped.csv", "upload", lambda: shipped_table().to_csv(index=False).encode()),
    "lying.zip": ("lying.zip", "bundle", lying_zip),
    "million_rows.csv": ("million_rows.csv", "upload", million_rows_csv),
    "million_rows.zip": ("million_rows.zip", "bundle", million_rows_zip),
    "3M_cells.xlsx": ("cells.xlsx", "upload", cells_xlsx),
    "max_rows.csv": ("max_rows.csv", "upload", lambda: max_rows_table().to_csv(index=False).encode()),
    "max_rows.xlsx": ("max_rows.xlsx", "upload", lambda: _xlsx_of(max_rows_table())),
    "cells_under_cap.xlsx": ("under.xlsx", "upload", lambda: cells_xlsx(149_000, 30)),
    "one_row_under_cap.xlsx": ("one_row.xlsx", "upload", lambda: cells_xlsx(149_000, shape="one_row")),
}


def measure(cases: list[str]) -> list[dict]:
    """Build each case, then parse it as the app does: the seconds (wall and CPU) the parse took
    and the extra peak RSS (MB) over the high-water mark before the first case.  Run it in a fresh
    child (:func:`measure_in_child`): ru_maxrss only ever grows."""
    import resource
    import time

    from core.errors import DatasetError
    from core.evidence.bundle import read_bundle
    from core.evidence.dataset import load_dataset
    from core.evidence.upload import parse_upload

    base, out = load_dataset(), []
    files = {case: CASES[case][2]() for case in cases}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for case in cases:
        name, reader, _ = CASES[case]
        data = files[case]
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            ds = read_bundle(data, name, base) if reader == "bundle" else parse_upload(data, name, base)
            result = f"accepted ({len(ds.outcomes)} rows)"
        except DatasetError as exc:
            more = f" (+{len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
            result = "refused: " + exc.problems[0][:120] + more
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        extra_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        out.append({"case": case, "bytes": len(data), "seconds": seconds, "cpu": cpu, "extra_mb": extra_mb,
                    "result": result})
    return out


def measure_in_child(cases: list[str], timeout: float = 300) -> list[dict]:
    """:func:`measure` in a fresh Python process."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-m", "tests.hostile_files", *cases], cwd=root, capture_output=True,
                         text=True, timeout=timeout, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(measure(sys.argv[1:])))
