"""The store's values: a saved :class:`DatasetVersion` and the :class:`Lineage` of a version (its
parent chain).  Both are frozen; a version's tables are a read-only mapping of table name -> CSV
text, and its edits are :class:`core.evidence.edits.Edit` values."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Iterator, Mapping

from core.errors import UnknownDataset
from core.evidence.edits import Edit

# The tables a version may hold: the fields of core.evidence.dataset.Dataset, and the user's
# certainty inputs (risk-of-bias judgements, MIDs, indirectness: see core.store.tables).
INPUTS_TABLE = "judgements"
TABLE_NAMES = ("studies", "outcomes", "events", "gaps", "reported", INPUTS_TABLE)
ID_BYTES = 18                       # 144 bits from secrets: unguessable, and 24 URL-safe characters
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{22,64}")   # >= 128 bits of base64url; what new_id makes


def new_id() -> str:
    """A fresh dataset id: ``secrets.token_urlsafe`` of 18 bytes (144 bits, 24 characters).

    Drawn again if it starts with '-' (1 in 64), so an id pasted after a command never reads as an
    option; that costs under 0.03 bits of the 144.
    """
    while (dataset_id := secrets.token_urlsafe(ID_BYTES)).startswith("-"):
        pass
    return dataset_id


def check_id(dataset_id) -> str:
    """Return ``dataset_id`` if it has the shape of an id; raise :class:`UnknownDataset` otherwise.

    Called before any query, so a malformed value from a URL never reaches the database.
    """
    if not isinstance(dataset_id, str) or not ID_PATTERN.fullmatch(dataset_id):
        shown = repr(dataset_id)[:40]
        raise UnknownDataset(f"{shown} is not a dataset id (expected 22 to 64 letters, digits, '-' or '_').")
    return dataset_id


@dataclass(frozen=True, slots=True)
class DatasetVersion:
    """A saved, immutable dataset: ``tables`` maps table name -> CSV text (read-only)."""

    id: str
    parent_id: str | None
    name: str
    created_at: datetime
    tables: Mapping[str, str]
    edits: tuple[Edit, ...] = ()
    redacted: str | None = None     # a redacted version: why and when (its tables and edits are gone)

    def __post_init__(self):
        if not isinstance(self.tables, MappingProxyType):
            object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))
        object.__setattr__(self, "edits", tuple(self.edits))


@dataclass(frozen=True, slots=True)
class Lineage:
    """A version and its ancestors, newest first (``versions[0]`` is the one asked for)."""

    versions: tuple[DatasetVersion, ...]

    def __iter__(self) -> Iterator[DatasetVersion]:
        return iter(self.versions)

    def __len__(self) -> int:
        return len(self.versions)

    @property
    def head(self) -> DatasetVersion:
        """The version asked for."""
        return self.versions[0]

    @property
    def root(self) -> DatasetVersion:
        """The first version of the chain (no parent)."""
        return self.versions[-1]

    @property
    def edits(self) -> tuple[Edit, ...]:
        """Every edit of the chain, oldest version first."""
        return tuple(e for v in reversed(self.versions) for e in v.edits)
