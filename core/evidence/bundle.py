"""A dataset as a bundle of ``data/`` CSV files (the shipped schema, with the provenance columns),
and back: :func:`bundle_files` names the files, :func:`read_bundle` reads a zip made by the export
(or any zip holding ``outcomes.csv``, optionally ``studies.csv``), or a single outcomes CSV, into a
checked :class:`~core.evidence.dataset.Dataset`, after the same checks as an upload.

Events, time-point gaps and the paper's reported results come from the base dataset (the shipped
one): the workbench only adds and changes studies' outcome numbers.  A cell that the export
neutralised (a leading apostrophe before ``=``, ``+``, ``-``, ``@``) is read back without it.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

import pandas as pd

from core.errors import DatasetError
from core.evidence.dataset import Dataset
from core.evidence.limits import MAX_UPLOAD_BYTES, MAX_XLSX_UNCOMPRESSED
from core.evidence.upload import build_dataset, read_upload

# Dataset table -> file name in data/.
BUNDLE_FILES = {"studies": "studies.csv", "outcomes": "outcomes.csv", "events": "events.csv",
                "gaps": "gaps.csv", "reported": "reported_results.csv"}
CHANGES_FILE = "CHANGES.txt"
MAX_MEMBERS = 20
_NEUTRALISED = ("'=", "'+", "'-", "'@", "'\t", "'\r")


def _fail(problem: str):
    raise DatasetError([problem], "import")


def _unneutralise(df: pd.DataFrame) -> pd.DataFrame:
    return df.map(lambda v: v[1:] if isinstance(v, str) and v.startswith(_NEUTRALISED) else v)


def _members(raw: bytes, filename: str) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            if len(infos) > MAX_MEMBERS:
                _fail(f"{filename}: {len(infos)} files in the zip; at most {MAX_MEMBERS} are accepted")
            if sum(i.file_size for i in infos) > MAX_XLSX_UNCOMPRESSED:
                _fail(f"{filename}: unpacks to more than {MAX_XLSX_UNCOMPRESSED:,} bytes")
            out = {}
            for i in infos:
                name = PurePosixPath(i.filename).name
                if name in (BUNDLE_FILES["outcomes"], BUNDLE_FILES["studies"]):
                    if i.file_size > MAX_UPLOAD_BYTES:
                        _fail(f"{filename}: {name} is {i.file_size:,} bytes; the limit is {MAX_UPLOAD_BYTES:,}")
                    out[name] = zf.read(i)
            return out
    except zipfile.BadZipFile:
        _fail(f"{filename}: not a valid zip file")
    except (OSError, RuntimeError, NotImplementedError) as exc:   # encrypted or unsupported compression
        _fail(f"{filename}: the zip could not be read ({type(exc).__name__})")


def _studies(raw: bytes) -> pd.DataFrame:
    try:
        text = raw.decode("utf-8-sig")
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as exc:
        _fail(f"studies.csv could not be read as UTF-8 CSV ({type(exc).__name__})")


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
    if BUNDLE_FILES["outcomes"] not in files:
        _fail(f"{filename}: the zip holds no {BUNDLE_FILES['outcomes']}; export a dataset from this page to see "
              "the expected layout")
    outcomes = read_upload(files[BUNDLE_FILES["outcomes"]], BUNDLE_FILES["outcomes"]).outcomes
    studies = _studies(files[BUNDLE_FILES["studies"]]) if BUNDLE_FILES["studies"] in files else None
    return build_dataset(_unneutralise(outcomes), base,
                         studies=None if studies is None else _unneutralise(studies), name=name, kind="zip import")
