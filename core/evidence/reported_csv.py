"""Reading an uploaded CSV of reported pooled results (any paper's), for the audit.

Every cell is kept as printed (text), so that printed decimals survive to the rounding-aware
checks of :func:`core.workflow.audit.audit_reported`; numbers are checked to parse here, at the
boundary, with messages that name the column, the row and the value.  The size limits are the
uploads' own (:mod:`core.evidence.limits`).
"""
from __future__ import annotations

import csv
import io

import pandas as pd

from core.evidence.limits import MAX_COLUMNS, MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS
from core.evidence.parse_gate import guarded
from core.evidence.printed import NUMERIC_COLUMNS, REQUIRED_COLUMNS, parse_number, parse_pvalue, row_label


def _decode(data: bytes) -> str:
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"`data` must be bytes; got {type(data).__name__}")
    if len(data) == 0 or not bytes(data).strip():
        raise ValueError("The uploaded file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"The uploaded file is {len(data):,} bytes; the limit is "
                         f"{MAX_UPLOAD_BYTES:,} bytes.")
    raw = bytes(data)
    try:
        text = raw.decode("utf-16") if raw.startswith((b"\xff\xfe", b"\xfe\xff")) else raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            "The uploaded file is not UTF-8 text (byte "
            f"{exc.start} cannot be decoded); save it as 'CSV UTF-8' and upload it again.") from None
    if "\x00" in text:
        raise ValueError("The uploaded file contains binary data; upload a CSV text file.")
    return text


def _table(text: str) -> pd.DataFrame:
    try:
        header = next(csv.reader(io.StringIO(text)), [])
    except csv.Error as exc:
        raise ValueError(f"The uploaded file could not be read as CSV: {exc}") from None
    names = [h.strip().lower() for h in header]
    dupes = sorted({c for c in names if c and names.count(c) > 1})
    if dupes:
        raise ValueError(f"The uploaded file has duplicate column(s): {', '.join(dupes)}.")
    if len(names) > MAX_COLUMNS:
        raise ValueError(f"The uploaded file has {len(names)} columns; the limit is {MAX_COLUMNS}.")
    try:    # one row past the limit is enough to refuse: never a frame of a million rows
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""],
                         skipinitialspace=True, nrows=MAX_UPLOAD_ROWS + 1)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"The uploaded file could not be read as CSV: {str(exc).strip()}") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    return df


@guarded
def read_reported_csv(data: bytes) -> pd.DataFrame:
    """Read an uploaded CSV of reported results, keeping every cell as printed (text).

    Parameters
    ----------
    data : bytes
        The file's content, UTF-8 (a BOM is accepted) or UTF-16 with BOM.

    Returns
    -------
    pandas.DataFrame
        All columns as strings (blank cells are NaN), so printed decimals survive; numbers are
        checked to parse. Pass it straight to :func:`core.workflow.audit.audit_reported`.

    Raises
    ------
    ValueError
        Empty file, file too large, not text (wrong encoding), not a CSV, missing required
        columns, duplicate column names, no data rows, or a non-numeric ``estimate`` /
        ``ci_low`` / ``ci_high`` / ``z`` / ``i2`` or an unreadable ``pvalue`` / ``q_pvalue``
        (the message names the column, the row and the value).
    """
    df = _table(_decode(data))
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(
            f"The uploaded file is missing required column(s): {', '.join(missing)}. Required: "
            f"{', '.join(REQUIRED_COLUMNS)}; found: {', '.join(df.columns) or '(none)'}. "
            "Download the template for the expected layout.")
    if len(df) == 0:
        raise ValueError("The uploaded file has a header but no data rows.")
    if len(df) > MAX_UPLOAD_ROWS:
        raise ValueError(f"The uploaded file has more than {MAX_UPLOAD_ROWS:,} rows; the limit is {MAX_UPLOAD_ROWS:,}.")
    for i in range(len(df)):
        label = row_label(df, i)
        for col in NUMERIC_COLUMNS:
            if col in df.columns:
                parse_number(df[col].iloc[i], what=f"`{col}` in {label}")
        for col in ("pvalue", "q_pvalue"):
            if col in df.columns:
                parse_pvalue(df[col].iloc[i], what=f"`{col}` in {label}")
    return df
