"""A dataset for download: a zip of the ``data/`` CSV files in the shipped schema (with the
provenance columns), each through the one neutralising writer (:func:`core.export.tables.to_csv_bytes`),
plus ``CHANGES.txt``: every cell added or changed against the shipped data, with its source.
:func:`core.evidence.bundle.read_bundle` reads it back."""
from __future__ import annotations

import io
import zipfile

from core.evidence.bundle import CHANGES_FILE
from core.evidence.changes import changes_text, dataset_changes
from core.evidence.dataset import TABLE_FILES, Dataset, to_tables
from core.evidence.origin import ORIGIN_FILE, Origin
from core.export.tables import to_csv_bytes


def dataset_zip(ds: Dataset, shipped: Dataset, origin: Origin | None = None) -> bytes:
    """The zip: ``data/<table>.csv`` for each table of ``ds``, ``data/CHANGES.txt`` against ``shipped``,
    and, for a saved version, ``data/VERSION.json`` (its name, id and parent: an import keeps them)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for table, frame in to_tables(ds).items():
            zf.writestr(f"data/{TABLE_FILES[table]}", to_csv_bytes(frame))
        zf.writestr(f"data/{CHANGES_FILE}", changes_text(dataset_changes(shipped, ds)).encode("utf-8"))
        if origin is not None:
            zf.writestr(f"data/{ORIGIN_FILE}", origin.to_json().encode("utf-8"))
    return buf.getvalue()
