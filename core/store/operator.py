"""An operator's tools for the store (``python -m core.store``): back it up, restore from a backup,
and redact a version.  Each logs one line (logger ``core.store.operator``) saying what it did.

- :func:`backup` writes a SQLite file: on SQLite with the online backup API (a consistent copy
  while the app runs), on PostgreSQL by copying every row into a new SQLite store (``pg_dump`` is
  the database-level alternative; docs/reliability.md).  The copy passes ``quick_check`` before it
  is renamed into place; an existing file is never overwritten.
- :func:`restore` copies into the store every version of a backup that the store lacks (parents
  first, each row's checksum verified), with its edits and redactions: nothing in the store is
  replaced or lost, and restoring twice changes nothing.
- :func:`redact` removes one version's content (tables, name, edits' values and sources); its id and
  its place in the parent chain stay, and opening it says it was redacted, when, and why.
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from core.errors import StoreError, StoreUnavailable, UnknownDataset
from core.store.base import Store
from core.evidence.edits import utc_now
from core.store.model import check_id
from core.store.sqlite import SQLiteStore, quick_check

LOG = logging.getLogger(__name__)
MAX_REASON_CHARS = 500
VERSION_COLUMNS = ("id", "parent_id", "name", "created_at", "content", "sha256", "n_bytes", "client_key")
EDIT_COLUMNS = ("dataset_id", "seq", "study_id", "arm", "outcome", "timepoint", "field", "old_value", "new_value",
                "source", "locator", "quote", "edited_at")
REDACTION_COLUMNS = ("dataset_id", "reason", "redacted_at")
SQL_DESCENDANTS = ("WITH RECURSIVE d(id) AS (SELECT id FROM datasets WHERE parent_id = ? UNION "
                   "SELECT datasets.id FROM datasets JOIN d ON datasets.parent_id = d.id) SELECT id FROM d")


@dataclass(frozen=True, slots=True)
class Copied:
    """What a backup or a restore copied: versions added, versions already there, damaged rows skipped."""

    added: int
    present: int
    damaged: tuple[str, ...] = ()


def _rows(cur, table: str, columns) -> list[tuple]:
    cur.execute(f"SELECT {', '.join(columns)} FROM {table}")
    return [tuple(r) for r in cur.fetchall()]


def _read_all(cur) -> dict:
    cur.execute("SELECT max(version) FROM schema_version")
    v2 = (cur.fetchone()[0] or 0) >= 2
    versions = _rows(cur, "datasets", VERSION_COLUMNS if v2 else VERSION_COLUMNS[:-1])
    return {"datasets": [r if v2 else (*r, None) for r in versions], "edits": _rows(cur, "edits", EDIT_COLUMNS),
            "redactions": _rows(cur, "redactions", REDACTION_COLUMNS) if v2 else []}


def _parents_first(versions: list[tuple]) -> list[tuple]:
    by_id, done, out = {r[0]: r for r in versions}, set(), []
    for r in sorted(versions, key=lambda r: r[3]):
        chain = []
        while r is not None and r[0] not in done:
            chain.append(r)
            r = by_id.get(r[1]) if r[1] else None
        for c in reversed(chain):
            done.add(c[0])
            out.append(c)
    return out


def _insert(sql: str, table: str, columns) -> str:
    return sql(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})")


def _copy_into(target: Store, rows: dict) -> Copied:
    """Add the versions of ``rows`` that ``target`` lacks (one transaction); verify each checksum."""
    redacted = {r[0] for r in rows["redactions"]}
    damaged = tuple(r[0] for r in rows["datasets"] if r[0] not in redacted and hashlib.sha256(r[4].encode('utf-8')).hexdigest() != r[5])

    def work(cur) -> Copied:
        cur.execute(target._sql("SELECT id FROM datasets"))
        have = {r[0] for r in cur.fetchall()}
        new = [r for r in _parents_first(rows["datasets"]) if r[0] not in have and r[0] not in damaged]
        added = {r[0] for r in new}
        for r in new:               # parents first: a parent is in `have` before its children come
            if r[1] is not None and r[1] not in have:
                continue            # its parent is damaged or missing: kept out, as the chain would break
            cur.execute(_insert(target._sql, "datasets", VERSION_COLUMNS), r)
            have.add(r[0])
        for table, columns, key in (("edits", EDIT_COLUMNS, 0), ("redactions", REDACTION_COLUMNS, 0)):
            fresh = [r for r in rows[table] if r[key] in added and r[key] in have]
            if fresh:
                cur.executemany(_insert(target._sql, table, columns), fresh)
        return Copied(len(added & have), len(rows["datasets"]) - len(new) - len(damaged), damaged)

    return target._run(work, write=True)


def backup(store: Store, dest: Path | str) -> Copied:
    """Write a backup of ``store`` to the new SQLite file ``dest`` (never overwritten)."""
    dest = Path(dest)
    if dest.exists():
        raise StoreError(f"{dest} exists; a backup never overwrites a file.")
    tmp = dest.with_name(dest.name + ".partial")
    tmp.unlink(missing_ok=True)
    if isinstance(store, SQLiteStore):
        src, out = sqlite3.connect(store.path), sqlite3.connect(tmp)
        try:
            src.backup(out)             # SQLite's online backup API: consistent while others save
        finally:
            out.close()
            src.close()
        copy = SQLiteStore(tmp)
        copied = Copied(copy._run(lambda cur: cur.execute("SELECT count(*) FROM datasets").fetchone()[0],
                                  write=False), 0)
    else:
        copy = SQLiteStore(tmp)
        copied = _copy_into(copy, store._run(_read_all, write=False))
    copy.close()
    problem = quick_check(tmp)
    if problem:
        raise StoreUnavailable(f"The backup failed its integrity check ({problem}); it was not kept.")
    tmp.rename(dest)
    LOG.info("backup of %s to %s: %d version(s)", store.description, dest, copied.added)
    return copied


def restore(store: Store, src: Path | str) -> Copied:
    """Copy into ``store`` every version of the backup ``src`` it lacks; nothing is replaced."""
    src = Path(src)
    if store.write_refused:
        raise StoreUnavailable(f"{store.write_refused} Move the damaged file aside and restore into a new one.")
    if not src.is_file():
        raise StoreError(f"{src} is not a file.")
    problem = quick_check(src)                        # read-only: the backup is neither migrated nor written
    if problem:
        raise StoreUnavailable(f"The backup {src} failed its integrity check ({problem}); nothing was restored.")
    con = sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = _read_all(con.cursor())
    except sqlite3.Error as exc:
        raise StoreUnavailable(f"{src} is not a backup of this store ({exc}).") from exc
    finally:
        con.close()
    copied = _copy_into(store, rows)
    LOG.info("restore from %s into %s: %d version(s) added, %d already there, %d damaged skipped", src,
             store.description, copied.added, copied.present, len(copied.damaged))
    return copied


def redact(store: Store, dataset_id: str, reason: str) -> tuple[str, ...]:
    """Remove the content of version ``dataset_id``, keeping its id and chain, with ``reason``;
    return the ids of its descendants (each holds a copy of its tables: redact those too if needed)."""
    check_id(dataset_id)
    reason = " ".join(str(reason or "").split())
    if not reason or len(reason) > MAX_REASON_CHARS or "\x00" in reason:
        raise StoreError(f"A redaction needs a reason of 1 to {MAX_REASON_CHARS} characters.")
    if store.write_refused:
        raise StoreUnavailable(store.write_refused)

    def work(cur) -> tuple[str, ...]:
        cur.execute(store._sql("SELECT 1 FROM datasets WHERE id = ?"), (dataset_id,))
        if cur.fetchone() is None:
            raise UnknownDataset(f"No dataset {dataset_id} is saved here.")
        cur.execute(store._sql("SELECT 1 FROM redactions WHERE dataset_id = ?"), (dataset_id,))
        if cur.fetchone() is not None:
            raise StoreError(f"The dataset {dataset_id} is already redacted.")
        cur.execute(store._sql("INSERT INTO redactions (dataset_id, reason, redacted_at) VALUES (?, ?, ?)"),
                    (dataset_id, reason, utc_now().isoformat()))
        cur.execute(store._sql("UPDATE datasets SET content = '', sha256 = '', name = '(redacted)' WHERE id = ?"),
                    (dataset_id,))
        cur.execute(store._sql("UPDATE edits SET old_value = '', new_value = '', source = '', locator = '', "
                               "quote = '' WHERE dataset_id = ?"), (dataset_id,))
        cur.execute(store._sql(SQL_DESCENDANTS), (dataset_id,))
        return tuple(r[0] for r in cur.fetchall())

    later = store._run(work, write=True)
    LOG.info("redacted %s in %s (reason: %s); %d later version(s) descend from it", dataset_id, store.description,
             reason, len(later))
    return later
