"""A dataset as a bundle of ``data/`` CSV files (the shipped schema, with the provenance columns),
and back: the files are :data:`core.evidence.dataset.TABLE_FILES`, :func:`read_bundle` reads a zip made by the export
(or any zip holding ``outcomes.csv``, optionally ``studies.csv``), or a single outcomes CSV, into a
checked :class:`~core.evidence.dataset.Dataset`, after the same checks as an upload.

Events, time-point gaps and the paper's reported results come from the base dataset (the shipped
one): the workbench only adds and changes studies' outcome numbers.  A cell that the export
neutralised (a leading apostrophe before ``=``, ``+``, ``-``, ``@``) is read back without it.
"""
from __future__ import annotations

from pathlib import PurePosixPath

import pandas as pd

from core.errors import DatasetError
from core.evidence.dataset import TABLE_FILES, Dataset
from core.evidence.bounded import inflate, open_zip, read_csv_rows
from core.evidence.limits import MAX_UPLOAD_BYTES, MAX_XLSX_UNCOMPRESSED, MAX_ZIP_MEMBERS
from core.evidence.parse_gate import guarded
from core.evidence.upload import build_dataset, read_upload

CHANGES_FILE = "CHANGES.txt"
MAX_MEMBERS = MAX_ZIP_MEMBERS
_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def _fail(problem: str):
    raise DatasetError([problem], "import")


def _unneutralise(df: pd.DataFrame) -> pd.DataFrame:
    return df.map(lambda v: v[1:] if isinstance(v, str) and v.startswith(_NEUTRALISED) else v)


def _members(raw: bytes, filename: str) -> dict[str, bytes]:
    """outcomes.csv and studies.csv of the zip, each inflated in chunks and refused past
    ``MAX_UPLOAD_BYTES`` of actual output (:mod:`core.evidence.bounded`); other members are not read."""
    zf = open_zip(raw, filename, max_members=MAX_ZIP_MEMBERS, total_cap=MAX_XLSX_UNCOMPRESSED, what="zip file",
                  source="import")
    with zf:
        out = {}
        for i in zf.infolist():
            name = PurePosixPath(i.filename).name
            if not i.is_dir() and name in (TABLE_FILES["outcomes"], TABLE_FILES["studies"]):
                if i.file_size > MAX_UPLOAD_BYTES:
                    _fail(f"{filename}: {name} is {i.file_size:,} bytes; the limit is {MAX_UPLOAD_BYTES:,}")
                out[name] = inflate(zf, i, filename, cap=MAX_UPLOAD_BYTES, source="import")
        return out


def _studies(raw: bytes) -> pd.DataFrame:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _fail(f"studies.csv could not be read as UTF-8 CSV ({type(exc).__name__})")
    return read_csv_rows(text, TABLE_FILES["studies"], "studies", source="import")


@guarded
def read_bundle(data: bytes, filename: str, base: Dataset, *, name: str | None = None) -> Dataset:
    """A zip of ``data/`` CSVs (or one outcomes ``.csv``) as a checked Dataset on ``base``.

    Raises :class:`DatasetError` listing every problem (unreadable zip, no outcomes.csv, rows that
    fail the schema checks...)."""
    raw = bytes(data)
    if len(raw) > MAX_XLSX_UNCOMPRESSED:
        _fail(f"{filename}: {len(raw):,} bytes; the limit is {MAX_XLSX_UNCOMPRESSED:,}")
    if not str(filename).lower().endswith(".zip"):
        tables = read_upload(raw, filename)
        return build_dataset(_unneutralise(tables.outcomes), base, studies=tables.studies, name=name,
                             kind="CSV upload")
    files = _members(raw, filename)
    if TABLE_FILES["outcomes"] not in files:
        _fail(f"{filename}: the zip holds no {TABLE_FILES['outcomes']}; export a dataset from this page to see "
              "the expected layout")
    outcomes = read_upload(files[TABLE_FILES["outcomes"]], TABLE_FILES["outcomes"]).outcomes
    studies = _studies(files[TABLE_FILES["studies"]]) if TABLE_FILES["studies"] in files else None
    return build_dataset(_unneutralise(outcomes), base,
                         studies=None if studies is None else _unneutralise(studies), name=name, kind="zip import")
