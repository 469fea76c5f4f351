"""Which saved version a dataset zip was exported from: ``data/VERSION.json`` (its name, id and
parent), written by :func:`core.export.bundle.dataset_zip` and read back here on import, so a
re-imported zip keeps its name and continues its version chain (issue 23).  The file is read under
a small cap through the bounded inflater; a zip without it, or with one that is not what the export
writes, simply has no origin (the import goes on: the tables are what count)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath

from core.errors import DatasetError
from core.evidence.bounded import inflate, open_zip
from core.evidence.limits import MAX_XLSX_UNCOMPRESSED, MAX_ZIP_MEMBERS

ORIGIN_FILE = "VERSION.json"
MAX_ORIGIN_BYTES = 4_096
MAX_NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class Origin:
    """The exported version: its name and id, and its parent's id (None for a first version)."""

    name: str
    id: str
    parent_id: str | None = None

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "id": self.id, "parent_id": self.parent_id}, ensure_ascii=False)


def _text(value, limit: int) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit and "\x00" not in value else None


def read_origin(raw: bytes, filename: str) -> Origin | None:
    """The zip's ``data/VERSION.json`` as an :class:`Origin`, or None (absent, too big, malformed)."""
    if not str(filename).lower().endswith(".zip"):
        return None
    try:
        zf = open_zip(raw, filename, max_members=MAX_ZIP_MEMBERS, total_cap=MAX_XLSX_UNCOMPRESSED, what="zip file",
                      source="import")
        with zf:
            info = next((i for i in zf.infolist() if PurePosixPath(i.filename).name == ORIGIN_FILE), None)
            if info is None or info.file_size > MAX_ORIGIN_BYTES:
                return None
            data = json.loads(inflate(zf, info, filename, cap=MAX_ORIGIN_BYTES, source="import").decode("utf-8"))
    except (DatasetError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    name, vid = _text(data.get("name"), MAX_NAME_CHARS), _text(data.get("id"), 64)
    parent = _text(data.get("parent_id"), 64)
    return Origin(name.strip(), vid, parent) if name and name.strip() and vid else None
