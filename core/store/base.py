"""The store interface, with the logic both backends share: checking a save against the limits,
encoding a version's tables (JSON of table name -> CSV text, with its SHA-256 so a damaged row is
named, never silently served), and reading a version, its edits and its parent chain.

A backend supplies ``_run`` (one transaction on its own connection), its placeholder style and its
migration lock; the SQL here is written with ``?`` placeholders and always parametrised.
"""
from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, TypeVar

from core.errors import StoreLimitExceeded, StoreUnavailable, UnknownDataset
from core.store.limits import Limits, SaveRateLimiter
from core.store.model import TABLE_NAMES, DatasetVersion, Edit, Lineage, check_id, new_id, utc_now

MAX_NAME_CHARS = 200
T = TypeVar("T")
EDIT_COLUMNS = ("study_id", "arm", "outcome", "timepoint", "field", "old", "new", "source", "locator", "quote")

SQL_INSERT_VERSION = ("INSERT INTO datasets (id, parent_id, name, created_at, content, sha256, n_bytes) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)")
SQL_INSERT_EDIT = ("INSERT INTO edits (dataset_id, seq, study_id, arm, outcome, timepoint, field, old_value, "
                   "new_value, source, locator, quote, edited_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
SQL_SELECT_VERSION = "SELECT id, parent_id, name, created_at, content, sha256 FROM datasets WHERE id = ?"
SQL_SELECT_EXISTS = "SELECT 1 FROM datasets WHERE id = ?"
SQL_SELECT_EDITS = ("SELECT study_id, arm, outcome, timepoint, field, old_value, new_value, source, locator, "
                    "quote, edited_at FROM edits WHERE dataset_id = ? ORDER BY seq")


def encode_tables(tables: Mapping[str, str]) -> str:
    """The stored form of a version's tables: JSON of table name -> CSV text, keys sorted."""
    return json.dumps(dict(tables), sort_keys=True, ensure_ascii=False)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_tables(tables: Mapping[str, str]) -> None:
    if not isinstance(tables, Mapping) or not tables:
        raise StoreLimitExceeded("A dataset to save needs at least one table.")
    for name, text in tables.items():
        if name not in TABLE_NAMES:
            raise StoreLimitExceeded(f"{name!r} is not a dataset table; expected one of {', '.join(TABLE_NAMES)}.")
        if not isinstance(text, str):
            raise StoreLimitExceeded(f"The {name} table must be CSV text; got {type(text).__name__}.")


def _check_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise StoreLimitExceeded("A saved dataset needs a name.")
    if len(name) > MAX_NAME_CHARS:
        raise StoreLimitExceeded(f"A dataset name has at most {MAX_NAME_CHARS} characters; got {len(name)}.")
    return name.strip()


class Store(ABC):
    """Saved datasets: immutable versions, each found only by its unguessable id.

    There is deliberately no way to list, change or delete versions.
    """

    PARAM = "?"                 # the driver's placeholder; SQL here is written with "?"
    description = "store"       # where the data lives, for messages

    def __init__(self, limits: Limits | None = None, rate_limiter: SaveRateLimiter | None = None):
        self.limits = limits or Limits.from_env()
        self.rate_limiter = rate_limiter or SaveRateLimiter(self.limits.max_saves_per_minute)

    # --- what a backend provides ------------------------------------------------------------
    @abstractmethod
    def _run(self, work: Callable[[Any], T], *, write: bool) -> T:
        """Run ``work(cursor)`` in one transaction and return its result: committed when it
        returns, rolled back when it raises (and retried when the database was only busy).
        Driver errors come out as :class:`StoreUnavailable`."""

    def close(self) -> None:
        """Release what the store holds (nothing by default: connections are per operation)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _sql(self, text: str) -> str:
        return text if self.PARAM == "?" else text.replace("?", self.PARAM)

    # --- the interface ----------------------------------------------------------------------
    def save(self, tables: Mapping[str, str], *, parent_id: str | None = None, name: str,
             edits: Iterable[Edit] = (), session: str | None = None) -> DatasetVersion:
        """Save ``tables`` (table name -> CSV text) as a NEW version and return it.

        ``parent_id`` is the version it was edited from; ``edits`` what changed.  ``session``, when
        given, is counted against the saves-per-minute limit.  Refusals raise
        :class:`StoreLimitExceeded`; an unknown parent raises :class:`UnknownDataset`.
        """
        _check_tables(tables)
        name = _check_name(name)
        if parent_id is not None:
            check_id(parent_id)
        now = utc_now()
        edits = tuple(e if e.time is not None else _with_time(e, now) for e in edits)
        content = encode_tables(tables)
        n_bytes = len(content.encode("utf-8")) + sum(len("".join(_edit_values(e)).encode("utf-8")) for e in edits)
        self.limits.check_size(n_bytes)
        for table, text in tables.items():
            self.limits.check_rows(table, text)
        if session is not None:
            self.rate_limiter.check(session)
        version = DatasetVersion(new_id(), parent_id, name, now, dict(tables), edits)

        def insert(cur) -> None:
            if parent_id is not None:
                cur.execute(self._sql(SQL_SELECT_EXISTS), (parent_id,))
                if cur.fetchone() is None:
                    raise UnknownDataset(f"The parent dataset {parent_id} is not saved here.")
            cur.execute(self._sql(SQL_INSERT_VERSION), (version.id, parent_id, name, now.isoformat(), content,
                                                        _sha256(content), n_bytes))
            if edits:
                cur.executemany(self._sql(SQL_INSERT_EDIT),
                                [(version.id, i, *_edit_values(e), e.time.isoformat()) for i, e in enumerate(edits)])

        self._run(insert, write=True)
        return version

    def get(self, dataset_id: str) -> DatasetVersion:
        """The saved version ``dataset_id``; :class:`UnknownDataset` if malformed or not saved."""
        check_id(dataset_id)
        return self._run(lambda cur: self._read(cur, dataset_id), write=False)

    def history(self, dataset_id: str) -> Lineage:
        """``dataset_id`` and its ancestors, newest first, each with its edits."""
        check_id(dataset_id)

        def chain(cur) -> Lineage:
            versions, seen, next_id = [], set(), dataset_id
            while next_id is not None and next_id not in seen:     # seen: a cycle cannot arise; guard anyway
                seen.add(next_id)
                versions.append(self._read(cur, next_id))
                next_id = versions[-1].parent_id
            return Lineage(tuple(versions))

        return self._run(chain, write=False)

    # --- shared reading ---------------------------------------------------------------------
    def _read(self, cur, dataset_id: str) -> DatasetVersion:
        cur.execute(self._sql(SQL_SELECT_VERSION), (dataset_id,))
        row = cur.fetchone()
        if row is None:
            raise UnknownDataset(f"No dataset {dataset_id} is saved here.")
        vid, parent_id, name, created_at, content, sha = row
        if _sha256(content) != sha:
            raise StoreUnavailable(f"The saved dataset {vid} in {self.description} is damaged "
                                   "(its checksum does not match); it was not loaded.")
        cur.execute(self._sql(SQL_SELECT_EDITS), (dataset_id,))
        edits = tuple(Edit(*r[:10], time=datetime.fromisoformat(r[10])) for r in cur.fetchall())
        return DatasetVersion(vid, parent_id, name, datetime.fromisoformat(created_at), json.loads(content), edits)


def _edit_values(e: Edit) -> tuple[str, ...]:
    return tuple(str(getattr(e, c) or "") for c in EDIT_COLUMNS)


def _with_time(e: Edit, when: datetime) -> Edit:
    return Edit(*_edit_values(e), time=when)
