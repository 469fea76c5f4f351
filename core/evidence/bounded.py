"""Readers that count while they read and stop at a limit (issue 23, item 3).

A file of a few kilobytes can unpack to gigabytes, or hold a million rows: checking the sizes
*after* building a table costs the memory and the minutes the limit was meant to save.  Here

- a zip member is inflated in chunks of :data:`CHUNK` bytes, counting the bytes that actually come
  out, and refused at a hard cap whatever its header declares (a member that inflates beyond its
  declared size fails its CRC as soon as the declared size is reached); only stored and deflated
  members are read (bzip2 and lzma inflate a whole block at once);
- a CSV is read row by row and refused at the first row over the limit, before any frame exists;
- an XLSX's parts are inflated the same way while the cells of its sheets and its shared strings
  are counted, and it is refused at the first one over the limit; only then does openpyxl read it,
  in read-only mode, refused at the first row or column over the limits.

Every refusal raises :class:`~core.errors.DatasetError` naming the limit.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib

import pandas as pd

from core.errors import DatasetError
from core.evidence.limits import (MAX_COLUMNS, MAX_UPLOAD_ROWS, MAX_XLSX_CELLS, MAX_XLSX_LAST_ROW,
                                  MAX_XLSX_MEMBERS, MAX_XLSX_PART_BYTES, MAX_XLSX_UNCOMPRESSED)

CHUNK = 64 * 1024
_READABLE = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_STRINGS = "xl/sharedStrings.xml"
_BROKEN = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError)


def _fail(problem: str, source: str):
    raise DatasetError([problem], source)


def open_zip(raw: bytes, filename: str, *, max_members: int, total_cap: int, what: str,
             source: str = "upload") -> zipfile.ZipFile:
    """The zip's directory, after checking the number of members, their compression and their
    declared total size (the actual sizes are checked while inflating, by :func:`inflate`)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, ValueError, OSError):
        _fail(f"{filename}: not a valid {what} (the file is damaged or is not a {what})", source)
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > max_members:
        _fail(f"{filename}: {len(infos)} files in the zip; at most {max_members} are accepted", source)
    odd = sorted({i.filename for i in infos if i.compress_type not in _READABLE})
    if odd:
        _fail(f"{filename}: {odd[0]} uses a compression method this reader does not accept (only deflate)", source)
    declared = sum(i.file_size for i in infos)
    if declared > total_cap:
        _fail(f"{filename}: unpacks to {declared:,} bytes; the limit is {total_cap:,}", source)
    return zf


def stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str, *, cap: int, sink,
           source: str = "upload") -> int:
    """Inflate a member CHUNK by CHUNK into ``sink``; refused once more than ``cap`` bytes have come
    out.  Returns the bytes inflated."""
    total = 0
    try:
        with zf.open(info) as member:
            while chunk := member.read(CHUNK):
                total += len(chunk)
                if total > cap:
                    _fail(f"{filename}: {info.filename} unpacks to more than {cap:,} bytes; the limit is {cap:,}",
                          source)
                sink(chunk)
    except DatasetError:          # a limit the sink (a counter) passed
        raise
    except _BROKEN as exc:     # a CRC that fails (a lying size), an encrypted or truncated member
        _fail(f"{filename}: {info.filename} could not be unpacked ({type(exc).__name__})", source)
    return total


def inflate(zf: zipfile.ZipFile, info: zipfile.ZipInfo, filename: str, *, cap: int, source: str = "upload") -> bytes:
    """The member's bytes, inflated by :func:`stream` (at most ``cap`` of them)."""
    out: list[bytes] = []
    stream(zf, info, filename, cap=cap, sink=out.append, source=source)
    return b"".join(out)


def read_csv_rows(text: str, filename: str, table: str = "outcomes", *, max_rows: int = MAX_UPLOAD_ROWS,
                  source: str = "upload") -> pd.DataFrame:
    """CSV text as a frame of strings, read row by row and refused at the first data row over
    ``max_rows`` (blank lines are skipped and not counted) or a header over ``MAX_COLUMNS``.

    A row with more fields than the header is an error (pandas would silently turn the extra
    leading fields into an index, shifting every value); a shorter row is padded with empty cells.
    """
    header, body, long_rows = None, [], []
    try:
        for r in csv.reader(io.StringIO(text, newline=""), strict=True):
            if not any(c.strip() for c in r):
                continue
            if header is None:
                header = r
                if len(header) > MAX_COLUMNS:
                    _fail(f"{table}: {len(header)} columns; at most {MAX_COLUMNS} are accepted", source)
                continue
            if len(body) >= max_rows:
                _fail(f"{table}: more than {max_rows:,} rows; at most {max_rows:,} are accepted", source)
            if len(r) > len(header) and any(c.strip() for c in r[len(header):]):
                long_rows.append(len(body) + 2)
            body.append(r[:len(header)] + [""] * (len(header) - len(r)))
    except csv.Error as exc:
        _fail(f"{filename}: could not be read as CSV ({exc}); check the quotes", source)
    if header is None:
        _fail(f"{filename}: the first line is empty; expected a header line with the column names", source)
    if long_rows:
        shown = ", ".join(map(str, long_rows[:10])) + (" ..." if len(long_rows) > 10 else "")
        _fail(f"{table} row {shown}: more fields than the header's {len(header)}; check for an unquoted "
              "comma inside a value, e.g. write \"Results, Table 2\" in quotes", source)
    return pd.DataFrame(body, columns=header, dtype=object)


_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")          # a cell's start tag, any namespace prefix
_STRING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")       # a shared string
_OVERLAP = 64                                                    # longer than any tag start the patterns match


class _TagCounter:
    """Counts ``pattern`` in a stream fed chunk by chunk (a tag split across chunks counted once),
    adding to a total shared by all parts and raising once it passes ``limit``: a C-speed pass,
    ~50 times faster than a Python callback per element."""

    def __init__(self, pattern, totals: dict, key: str, limit: int, fail):
        self.pattern, self.totals, self.key, self.limit, self.fail = pattern, totals, key, limit, fail
        self.tail = b""

    def __call__(self, chunk: bytes) -> None:
        buf, edge = self.tail + chunk, len(self.tail) + len(chunk) - _OVERLAP
        self._add(sum(1 for m in self.pattern.finditer(buf) if m.start() < edge))
        self.tail = buf[max(edge, 0):]

    def close(self) -> None:
        self._add(len(self.pattern.findall(self.tail)))
        self.tail = b""

    def _add(self, n: int) -> None:
        self.totals[self.key] = self.totals.get(self.key, 0) + n
        if self.totals[self.key] > self.limit:
            self.fail()


def scan_xlsx(raw: bytes, filename: str, source: str = "upload") -> None:
    """Check a workbook's parts while inflating them: the total bytes, each part's bytes (a sheet
    and the shared strings may use the whole budget), and the cells of all sheets and the shared
    strings, each at most ``MAX_XLSX_CELLS``."""
    zf = open_zip(raw, filename, max_members=MAX_XLSX_MEMBERS, total_cap=MAX_XLSX_UNCOMPRESSED,
                  what=".xlsx workbook", source=source)
    totals: dict[str, int] = {}

    def too_many(what):
        return lambda: _fail(f"{filename}: more than {MAX_XLSX_CELLS:,} {what}; at most {MAX_XLSX_CELLS:,} are "
                             "accepted", source)
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if "xl/workbook.xml" not in {i.filename for i in infos}:
            _fail(f"{filename}: a zip file but not an .xlsx workbook (no xl/workbook.xml)", source)
        left = MAX_XLSX_UNCOMPRESSED
        for info in infos:
            counter = None
            if _SHEET.match(info.filename):
                counter = _TagCounter(_CELL, totals, "cells", MAX_XLSX_CELLS, too_many("cells"))
            elif info.filename == _STRINGS:
                counter = _TagCounter(_STRING, totals, "strings", MAX_XLSX_CELLS, too_many("shared strings"))
            cap = left if counter else min(left, MAX_XLSX_PART_BYTES)
            left -= stream(zf, info, filename, cap=cap, sink=counter or (lambda chunk: None), source=source)
            if counter:
                counter.close()


def _cell_text(v) -> str:
    """A cell as pandas' read_excel(dtype=str) gave it: integral floats without '.0'."""
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _sheet_frame(rows: list[list[str]]) -> pd.DataFrame:
    """First non-blank row as the header (a blank name becomes 'Unnamed: i', as pandas names it)."""
    if not rows:
        return pd.DataFrame()
    width = max(max(i for i, c in enumerate(r) if c.strip()) for r in rows) + 1     # no trailing blank columns
    header = [h if h.strip() else f"Unnamed: {i}" for i, h in enumerate(rows[0][:width])]
    return pd.DataFrame([r[:width] for r in rows[1:]], columns=header, dtype=object)


def read_xlsx(raw: bytes, filename: str, source: str = "upload") -> dict[str, pd.DataFrame]:
    """Every worksheet as a frame of strings, after :func:`scan_xlsx` accepted the workbook.

    openpyxl reads in read-only mode with the sheet's declared dimension ignored, one column past
    ``MAX_COLUMNS`` (a value there is refused) and no further than ``MAX_XLSX_LAST_ROW`` rows
    (a gap of empty rows costs one cheap step each, so a value in row 1,048,576 is refused early).
    """
    import openpyxl      # imported here: only an XLSX upload needs it

    scan_xlsx(raw, filename, source)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        _fail(f"{filename}: the workbook could not be read ({type(exc).__name__}: {str(exc)[:200]})", source)
    try:
        sheets = {str(ws.title): _sheet_frame(_sheet_rows(ws, filename, source)) for ws in wb.worksheets}
    except DatasetError:
        raise
    except Exception as exc:  # noqa: BLE001 (as above)
        _fail(f"{filename}: the workbook could not be read ({type(exc).__name__}: {str(exc)[:200]})", source)
    finally:
        wb.close()
    if not sheets:
        _fail(f"{filename}: the workbook has no sheets", source)
    return sheets


def _sheet_rows(ws, filename: str, source: str) -> list[list[str]]:
    ws.reset_dimensions()          # a sheet's declared dimension may claim any size
    rows, valued = [], 0
    for i, values in enumerate(ws.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), start=1):
        if i > MAX_XLSX_LAST_ROW:
            _fail(f"{filename}: sheet '{ws.title}' has values below row {MAX_XLSX_LAST_ROW:,}; at most "
                  f"{MAX_UPLOAD_ROWS:,} rows within the first {MAX_XLSX_LAST_ROW:,} are read", source)
        cells = [_cell_text(v) for v in values]
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > MAX_COLUMNS and cells[MAX_COLUMNS].strip():
            _fail(f"{filename}: sheet '{ws.title}' has a value in column {MAX_COLUMNS + 1}; at most {MAX_COLUMNS} "
                  "columns are accepted", source)
        valued += 1
        if valued > MAX_UPLOAD_ROWS + 1:      # + the header
            _fail(f"{filename}: sheet '{ws.title}' has more than {MAX_UPLOAD_ROWS:,} rows; at most "
                  f"{MAX_UPLOAD_ROWS:,} are accepted", source)
        rows.append(cells[:MAX_COLUMNS])
    return rows
