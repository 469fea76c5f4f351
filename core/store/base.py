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
from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Mapping, TypeVar

from core.errors import DatasetRedacted, StoreLimitExceeded, StoreUnavailable, UnknownDataset
from core.evidence.edits import Edit, utc_now
from core.store.limits import Limits, SaveRateLimiter
from core.store.schema import SALT_KEY
from core.store.model import TABLE_NAMES, DatasetVersion, Lineage, check_id, new_id

MAX_NAME_CHARS = 200
T = TypeVar("T")
EDIT_COLUMNS = ("study_id", "arm", "outcome", "timepoint", "field", "old", "new", "source", "locator", "quote")

SQL_INSERT_VERSION = ("INSERT INTO datasets (id, parent_id, name, created_at, content, sha256, n_bytes, client_key) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
SQL_CLIENT_SAVES = "SELECT count(*) FROM datasets WHERE client_key = ? AND created_at >= ?"
SQL_STORE_BYTES = "SELECT coalesce(sum(n_bytes), 0) FROM datasets"
SQL_SALT = "SELECT value FROM store_meta WHERE key = ?"
SQL_REDACTION = "SELECT reason, redacted_at FROM redactions WHERE dataset_id = ?"
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


def _check_no_nul(name: str, text: str) -> None:
    # PostgreSQL cannot store U+0000 in text (SQLite can): refused alike on both, in a sentence.
    if "\x00" in text:
        raise StoreLimitExceeded(f"The {name} holds a NUL character (U+0000), which cannot be saved; remove it.")


def _check_tables(tables: Mapping[str, str]) -> None:
    if not isinstance(tables, Mapping) or not tables:
        raise StoreLimitExceeded("A dataset to save needs at least one table.")
    for name, text in tables.items():
        if name not in TABLE_NAMES:
            raise StoreLimitExceeded(f"{name!r} is not a dataset table; expected one of {', '.join(TABLE_NAMES)}.")
        if not isinstance(text, str):
            raise StoreLimitExceeded(f"The {name} table must be CSV text; got {type(text).__name__}.")
        _check_no_nul(f"{name} table", text)


def _check_name(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise StoreLimitExceeded("A saved dataset needs a name.")
    if len(name) > MAX_NAME_CHARS:
        raise StoreLimitExceeded(f"A dataset name has at most {MAX_NAME_CHARS} characters; got {len(name)}.")
    _check_no_nul("name", name)
    return name.strip()


class Store(ABC):
    """Saved datasets: immutable versions, each found only by its unguessable id.

    There is deliberately no way to list, change or delete versions (an operator's redaction, in
    :mod:`core.store.operator`, blanks one version's content and keeps its id and chain).
    """

    PARAM = "?"                 # the driver's placeholder; SQL here is written with "?"
    description = "store"       # where the data lives, for messages (never a server path)
    write_refused: str | None = None    # why saves are refused (a failed integrity check); reads go on

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

    def _lock_saves(self, cur) -> None:
        """Serialise saves, so the per-client and total limits are exact (SQLite: BEGIN IMMEDIATE already does)."""

    def _client_key(self, cur, client: str) -> str:
        """A salted SHA-256 of the client address: what the store keeps instead of the address."""
        cur.execute(self._sql(SQL_SALT), (SALT_KEY,))
        row = cur.fetchone()
        return _sha256(f"{row[0] if row else ''}:{client}")

    def _check_store_limits(self, cur, n_bytes: int, client_key: str | None, now: datetime) -> None:
        self._lock_saves(cur)
        cur.execute(self._sql(SQL_STORE_BYTES))
        self.limits.check_total(int(cur.fetchone()[0]), n_bytes)
        if client_key is None:
            return
        counts = []
        for window in (timedelta(minutes=1), timedelta(days=1)):
            cur.execute(self._sql(SQL_CLIENT_SAVES), (client_key, (now - window).isoformat()))
            counts.append(int(cur.fetchone()[0]))
        self.limits.check_client(*counts)

    def _committed(self, dataset_id: str) -> bool:
        """Whether a version is saved: resolves a commit whose outcome was lost with the connection."""
        def exists(cur) -> bool:
            cur.execute(self._sql(SQL_SELECT_EXISTS), (dataset_id,))
            return cur.fetchone() is not None
        return self._run(exists, write=False)

    # --- the interface ----------------------------------------------------------------------
    def save(self, tables: Mapping[str, str], *, parent_id: str | None = None, name: str,
             edits: Iterable[Edit] = (), session: str | None = None, client: str | None = None) -> DatasetVersion:
        """Save ``tables`` (table name -> CSV text) as a NEW version and return it.

        ``parent_id`` is the version it was edited from; ``edits`` what changed.  ``session``, when
        given, is counted against the saves-per-minute limit; ``client`` (the client's address)
        against the per-client limits.  Refusals raise :class:`StoreLimitExceeded`; an unknown
        parent raises :class:`UnknownDataset`.  The id is chosen before the write, so a commit whose
        acknowledgement is lost (the connection dropped) is resolved by looking the id up.
        """
        if self.write_refused:
            raise StoreUnavailable(self.write_refused)
        _check_tables(tables)
        name = _check_name(name)
        if parent_id is not None:
            check_id(parent_id)
        now = utc_now()
        edits = tuple(e if e.time is not None else _with_time(e, now) for e in edits)
        for e in edits:
            _check_no_nul("edit of " + e.cell, "".join(_edit_values(e)))
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
            key = self._client_key(cur, client) if client else None
            self._check_store_limits(cur, n_bytes, key, now)
            cur.execute(self._sql(SQL_INSERT_VERSION), (version.id, parent_id, name, now.isoformat(), content,
                                                        _sha256(content), n_bytes, key))
            if edits:
                cur.executemany(self._sql(SQL_INSERT_EDIT),
                                [(version.id, i, *_edit_values(e), e.time.isoformat()) for i, e in enumerate(edits)])

        try:
            self._run(insert, write=True)
        except StoreUnavailable:
            try:
                committed = self._committed(version.id)
            except StoreUnavailable:
                committed = False
            if not committed:
                raise
        return version

    def get(self, dataset_id: str) -> DatasetVersion:
        """The saved version ``dataset_id``; :class:`UnknownDataset` if malformed or not saved,
        :class:`DatasetRedacted` (saying when and why) if an operator redacted it."""
        check_id(dataset_id)
        version = self._run(lambda cur: self._read(cur, dataset_id), write=False)
        if version.redacted:
            raise DatasetRedacted(f"The dataset {dataset_id} was {version.redacted}; its content is gone.")
        return version

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
        if content == "" and sha == "":
            cur.execute(self._sql(SQL_REDACTION), (dataset_id,))
            red = cur.fetchone()
            if red is not None:
                return DatasetVersion(vid, parent_id, name, datetime.fromisoformat(created_at), {}, (),
                                      redacted=f"redacted by the operator on {red[1][:10]}: {red[0]}")
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
