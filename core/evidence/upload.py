"""Reading a user's own outcome data (CSV or XLSX) into a :class:`~core.evidence.dataset.Dataset`.

Two steps, so that a page can keep the user's table to fix when it fails validation:

1. :func:`read_upload` checks the file itself (size, type, encoding, structure) and returns
   the table(s) as text, exactly as typed.
2. :func:`build_dataset` validates the rows with :func:`core.evidence.dataset.validate_outcomes` /
   :func:`~core.evidence.dataset.validate_studies` and returns a Dataset.

:func:`parse_upload` does both.  Every failure raises :class:`~core.errors.DatasetError`, whose
``problems`` list every problem found (row, column, value, what was expected);
:func:`problems_table` turns them into a table for display.

The format is the one of ``data/outcomes.csv`` (one row per arm, outcome and time point),
described in ``data/templates/DATA_DICTIONARY.md`` with a template in
``data/templates/outcomes_template.csv``.  An XLSX may also carry a ``studies`` sheet in the
format of ``data/studies.csv`` to add studies; otherwise every ``study_id`` must be one of the
shipped studies.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from core.errors import DatasetError
from core.evidence.dataset import (DATA_DIR, OUTCOME_COLUMNS, STUDY_COLUMNS, Dataset, load_dataset,
                                   validate_outcomes, validate_studies)
from core.evidence.bounded import read_csv_rows, read_xlsx
from core.evidence.limits import MAX_CELL_CHARS, MAX_COLUMNS, MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS
from core.evidence.parse_gate import guarded

EXTENSIONS = (".csv", ".xlsx")
REQUIRED_OUTCOME_COLUMNS = ("study_id", "arm", "outcome", "timepoint_months", "n", "mean", "dispersion_type",
                            "disp1", "unit")
TEMPLATE_DIR = DATA_DIR / "templates"
TEMPLATE_CSV = TEMPLATE_DIR / "outcomes_template.csv"
DATA_DICTIONARY = TEMPLATE_DIR / "DATA_DICTIONARY.md"


@dataclass(frozen=True, slots=True)
class UploadTables:
    """A file's tables as typed (all cells text).  ``studies`` is None unless the XLSX has one.

    ``ignored_columns`` lists columns that are not part of the format (kept out of the data).
    """

    outcomes: pd.DataFrame
    studies: pd.DataFrame | None = None
    ignored_columns: tuple = ()


def _fail(problems, source="upload"):
    raise DatasetError(list(problems), source)


def _decode(raw: bytes, filename: str) -> str:
    if raw.startswith(b"PK\x03\x04"):
        _fail([f"{filename}: this looks like an Excel (.xlsx) workbook, not a CSV text file; name it .xlsx or "
               "save it as 'CSV UTF-8'"])
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            _fail([f"{filename}: starts with a UTF-16 mark but is not valid UTF-16 text"])
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            _fail([f"{filename}: not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x}); save it as "
                   "'CSV UTF-8' and upload it again"])
    if "\x00" in text:
        _fail([f"{filename}: contains binary data (NUL bytes); upload a CSV text file or an .xlsx workbook"])
    bad = sum(1 for ch in text[:20_000] if ord(ch) < 32 and ch not in "\r\n\t")
    if bad > 5:
        _fail([f"{filename}: contains {bad} control characters; this is not a CSV text file"])
    return text


def _clean_columns(df: pd.DataFrame, table: str, problems: list[str]) -> tuple[pd.DataFrame, tuple]:
    cols = [str(c).strip().lower() for c in df.columns]
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes:
        problems.append(f"{table}: duplicate column name(s): {', '.join(dupes)}")
    if len(cols) > MAX_COLUMNS:
        problems.append(f"{table}: {len(cols)} columns; at most {MAX_COLUMNS} are accepted")
    df = df.copy()
    df.columns = cols
    known = OUTCOME_COLUMNS if table == "outcomes" else STUDY_COLUMNS
    ignored = tuple(c for c in cols if c not in known)
    unnamed = [c for c in ignored if c.startswith("unnamed:")]
    if unnamed:   # a value under no header: a row longer than the header
        for c in unnamed:
            filled = [i for i, v in df[c].items() if str(v).strip()]
            if filled:
                problems.append(f"{table} row {filled[0] + 2}: has a value in a column with no name "
                                f"(more fields than the header)")
    df = df[[c for c in dict.fromkeys(cols) if c in known]]
    df = df.loc[:, ~df.columns.duplicated()]
    return df, tuple(c for c in ignored if not c.startswith("unnamed:"))


def _check_cells(df: pd.DataFrame, table: str, problems: list[str]) -> pd.DataFrame:
    """Cells stripped, overlong ones listed, blank rows dropped; on plain lists (per-element access to
    a pandas column costs ~20 us, which a 5,000-row upload pays 300,000 times)."""
    cols = list(df.columns)
    data = [["" if v is None else str(v).strip() for v in df[c].tolist()] for c in cols]
    for col, values in zip(cols, data):
        for i, v in enumerate(values):
            if len(v) > MAX_CELL_CHARS:
                problems.append(f"{table} row {i + 2}, column `{col}`: {len(v)} characters; at most "
                                f"{MAX_CELL_CHARS} per cell")
    keep = [i for i in range(len(df)) if any(values[i] for values in data)]
    return pd.DataFrame({c: [values[i] for i in keep] for c, values in zip(cols, data)}, columns=cols, dtype=object)


@guarded
def read_upload(data: bytes, filename: str) -> UploadTables:
    """Check an uploaded file and return its table(s) as text, holding a parse slot
    (:mod:`core.evidence.parse_gate`) and reading no further than the limits
    (:mod:`core.evidence.bounded`).

    Parameters
    ----------
    data : bytes
        The file's content.
    filename : str
        The file's name as uploaded; only its extension (.csv or .xlsx) is used.

    Raises
    ------
    DatasetError
        Not bytes (TypeError), wrong extension, empty, larger than ``MAX_UPLOAD_BYTES``, not
        UTF-8 / binary (CSV), damaged or not a workbook (XLSX), unreadable CSV, duplicate or
        missing columns, no data rows, more than ``MAX_UPLOAD_ROWS`` rows, overlong cells.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"`data` must be bytes; got {type(data).__name__}")
    raw = bytes(data)
    name = Path(str(filename or "upload")).name
    ext = Path(name).suffix.lower()
    if ext not in EXTENSIONS:
        _fail([f"{name}: unsupported file type {ext or '(no extension)'!r}; expected a .csv or .xlsx file"])
    if len(raw) > MAX_UPLOAD_BYTES:
        _fail([f"{name}: {len(raw):,} bytes; the limit is {MAX_UPLOAD_BYTES:,} bytes"])
    if not raw.strip(b" \t\r\n\xef\xbb\xbf"):
        _fail([f"{name}: the file is empty"])
    studies = None
    if ext == ".csv":
        outcomes = read_csv_rows(_decode(raw, name), name)
    else:
        sheets = read_xlsx(raw, name)
        lower = {k.strip().lower(): k for k in sheets}
        if "outcomes" in lower:
            outcomes = sheets[lower["outcomes"]]
        elif len(sheets) == 1 or (len(sheets) == 2 and "studies" in lower):
            outcomes = sheets[[k for k in sheets if k.strip().lower() != "studies"][0]]
        else:
            _fail([f"{name}: {len(sheets)} sheets ({', '.join(sheets)}) and none is named 'outcomes'; name the "
                   "sheet with the outcome rows 'outcomes'"])
        if "studies" in lower:
            studies = sheets[lower["studies"]]
    problems: list[str] = []
    outcomes, ignored = _clean_columns(outcomes, "outcomes", problems)
    missing = [c for c in REQUIRED_OUTCOME_COLUMNS if c not in outcomes.columns]
    if missing:
        problems.append(f"outcomes: missing column(s) {', '.join(missing)}; required columns: "
                        f"{', '.join(REQUIRED_OUTCOME_COLUMNS)} (see the template)")
    if problems:
        _fail(problems)
    outcomes = _check_cells(outcomes, "outcomes", problems)
    if len(outcomes) == 0:
        problems.append("outcomes: the header is there but there are no data rows")
    if len(outcomes) > MAX_UPLOAD_ROWS:
        problems.append(f"outcomes: {len(outcomes):,} rows; at most {MAX_UPLOAD_ROWS:,} are accepted")
    if studies is not None:
        studies, _ = _clean_columns(studies, "studies", problems)
        studies = _check_cells(studies, "studies", problems)
        if len(studies) > MAX_UPLOAD_ROWS:
            problems.append(f"studies: {len(studies):,} rows; at most {MAX_UPLOAD_ROWS:,} are accepted")
    if problems:
        _fail(problems)
    return UploadTables(outcomes=outcomes.reset_index(drop=True), studies=studies, ignored_columns=ignored)


def build_dataset(outcomes: pd.DataFrame, base: Dataset, *, studies: pd.DataFrame | None = None,
                  name: str | None = None, kind: str = "data") -> Dataset:
    """Validate a user's outcome table (and optional studies table) and make a Dataset.

    The user's studies (if given) are added to ``base``'s studies (a study_id in both is taken
    from the user's table); events, gaps and the paper's reported results are kept from
    ``base``.  ``name`` is the banner text; by default "your <kind> (N outcome rows)", N counted
    after dropping empty rows at the end of the table.

    Raises
    ------
    DatasetError
        With every problem in the table (row, column, value, expectation).
    """
    problems: list[str] = []
    st_table = base.studies
    if studies is not None and len(studies):
        try:
            user_st = validate_studies(studies.fillna("").astype(str).reset_index(drop=True))
            st_table = pd.concat([base.studies[~base.studies["study_id"].isin(user_st["study_id"])], user_st],
                                 ignore_index=True)
        except DatasetError as exc:
            problems += exc.problems
    raw = outcomes.fillna("").astype(str).reset_index(drop=True)
    raw = raw[[c for c in raw.columns if c in OUTCOME_COLUMNS]]
    while len(raw) and not any(v.strip() for v in raw.iloc[-1]):    # rows added in an editor and left empty
        raw = raw.iloc[:-1]
    if len(raw) == 0:
        raise DatasetError(["outcomes: the table has no rows; add at least one outcome row"], "your data")
    try:
        typed = validate_outcomes(raw, st_table["study_id"])
    except DatasetError as exc:
        problems += exc.problems
        typed = None
        if any("is not in the studies table" in p for p in exc.problems):
            problems.append("study_id: a new study needs a row in a `studies` sheet of an .xlsx upload (see the "
                            f"data dictionary); known study ids: {', '.join(st_table['study_id'])}")
    if problems:
        raise DatasetError(problems, "your data")
    label = name or f"your {kind} ({len(typed)} outcome row{'s' if len(typed) != 1 else ''})"
    # A new Dataset, not dataclasses.replace(base, ...): the Dataset may carry cached derived data,
    # which must be rebuilt from the new tables.
    return Dataset(studies=st_table, outcomes=typed, events=base.events, gaps=base.gaps, reported=base.reported,
                   name=label)


def parse_upload(data: bytes, filename: str, base: Dataset | None = None, *, name: str | None = None) -> Dataset:
    """:func:`read_upload` then :func:`build_dataset`: an uploaded file to a validated Dataset.

    ``base`` supplies the studies, events, gaps and reported results (default: the shipped data).
    """
    tables = read_upload(data, filename)
    if base is None:
        base = load_dataset()
    kind = "CSV" if str(filename).lower().endswith(".csv") else "XLSX"
    return build_dataset(tables.outcomes, base, studies=tables.studies, name=name, kind=f"{kind} upload")


_WHERE = re.compile(r"^(?P<table>outcomes|studies)(?: rows? (?P<row>[\d, ]+))?(?:, column `(?P<col>[^`]+)`)?: ")
_WHERE_FILE = re.compile(r"^(?P<file>[^:]+): ")


def problems_table(problems) -> pd.DataFrame:
    """Split problem messages into (table, row, column, problem) for display as a table.

    ``row`` is the line number in the file (the header is line 1), so it matches what a
    spreadsheet shows.  Messages without a row keep row and column empty and come first; the
    others are sorted by row (stable, so one row's problems keep their order).
    """
    out = []
    for p in problems:
        m = _WHERE.match(p)
        if m:
            out.append({"table": m["table"], "row": (m["row"] or "").strip(), "column": m["col"] or "",
                        "problem": p[m.end():]})
        else:
            out.append({"table": "", "row": "", "column": "", "problem": p})
    table = pd.DataFrame(out, columns=["table", "row", "column", "problem"])
    first_row = table["row"].map(lambda r: int(r.split(",")[0]) if r else -1)   # file-level problems first
    return table.iloc[first_row.argsort(kind="stable")].reset_index(drop=True)


def template_bytes() -> bytes:
    """The outcomes template (CSV) offered for download."""
    return TEMPLATE_CSV.read_bytes()


def dictionary_text() -> str:
    """The data dictionary (Markdown) offered for download."""
    return DATA_DICTIONARY.read_text(encoding="utf-8")


def editable_outcomes(ds: Dataset) -> pd.DataFrame:
    """A dataset's outcome rows as text, in the upload format (what the data editor shows)."""
    cols = [c for c in OUTCOME_COLUMNS if c in ds.outcomes.columns]
    return ds.outcomes[cols].fillna("").astype(str).reset_index(drop=True)
