"""The embedded backend: one SQLite file (the standard library's ``sqlite3``).

Durability and concurrency, and why:

- ``journal_mode=WAL``: readers never block the writer nor each other, and a commit is one append
  to the log, so a process killed with SIGKILL mid-save leaves the earlier versions intact (the
  torn tail of the log is ignored on the next open).
- ``synchronous=FULL``: each save is fsynced before it returns, so a saved link also survives a
  power cut (NORMAL would survive SIGKILL only).  Saves are human-paced; one fsync each is cheap.
- every write is one ``BEGIN IMMEDIATE`` transaction, taking the write lock up front (a deferred
  transaction that upgrades can fail at once with "database is locked", whatever the timeout);
  ``busy_timeout`` makes a second writer wait; a rare busy that still gets through is retried
  until ``BUSY_DEADLINE_SECONDS``, then reported as :class:`StoreUnavailable` in a sentence.
- a connection per operation: sqlite3 connections are not shared across threads, and Streamlit
  serves each session from its own thread.
- a file that is not a database is detected by a read-only open first, so it is never written.
- ``PRAGMA quick_check`` runs when the store opens: a damaged file is never written to (every save
  is refused in a sentence, and the app says so in a banner) while every version that can still be
  read is served.
- one connection is kept open for the store's life, so the ``-wal`` and ``-shm`` files stay: when
  the disk is full, a read needs no new file and keeps working (a save is refused in a sentence).
- messages name the problem, never the file's path (every visitor reads them); the path goes to
  the server's log.
"""
from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

from core.errors import StoreUnavailable
from core.store.base import Store
from core.store.limits import Limits, SaveRateLimiter
from core.store.schema import apply_migrations

BUSY_TIMEOUT_MS = 10_000
BUSY_DEADLINE_SECONDS = 30.0
QUICK_CHECK_ROWS = 5            # the first problems quick_check names (it lists up to 100)
LOG = logging.getLogger(__name__)
DAMAGED = ("The saved-datasets database failed its integrity check ({problem}); nothing is written to it until an "
           "operator repairs or restores it, and every version that can still be read is served.")
DISK_FULL = "The disk that holds the saved datasets is full, so nothing can be saved until an operator frees space."


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text)


class SQLiteStore(Store):
    """Saved datasets in the SQLite file ``path`` (created with its folder when missing)."""

    def __init__(self, path: Path | str, limits: Limits | None = None,
                 rate_limiter: SaveRateLimiter | None = None):
        super().__init__(limits, rate_limiter)
        self.path = Path(path)
        self.description = "the saved-datasets file"
        self._keeper = None
        self._check_readable()
        problem = self._quick_check()
        if problem:
            LOG.error("quick_check failed on %s: %s; saves refused", self.path, problem)
            self.write_refused = DAMAGED.format(problem=problem)
            return
        self._migrate()
        self._keeper = self._connect(check_same_thread=False)     # holds -wal/-shm (see the module docstring)

    def close(self) -> None:
        if self._keeper is not None:
            self._keeper.close()
            self._keeper = None

    def _unavailable(self, exc: BaseException) -> StoreUnavailable:
        LOG.error("saved-datasets database %s: %s", self.path, exc)
        if "full" in str(exc).lower():
            return StoreUnavailable(DISK_FULL)
        return StoreUnavailable(f"The saved-datasets database cannot be used ({exc}); it was left untouched.")

    def _quick_check(self) -> str | None:
        return quick_check(self.path) if self.path.exists() else None

    def _check_readable(self) -> None:
        """Open an existing file read-only and read its header, so that garbage is refused unwritten."""
        if not self.path.exists():
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise self._unavailable(exc) from exc
            return
        if not self.path.is_file():
            raise self._unavailable("not a regular file")

        def read_header():
            con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
            try:
                con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                con.close()
        self._while_busy(read_header)

    def _while_busy(self, step):
        """Run ``step``, retrying while another process holds a lock that busy_timeout does not wait
        for (a read-only open or a journal-mode change while a second replica is creating the file)."""
        deadline = time.monotonic() + BUSY_DEADLINE_SECONDS
        while True:
            try:
                return step()
            except sqlite3.Error as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise self._unavailable(exc) from exc
            time.sleep(0.05)

    def _connect(self, **kw) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, **kw)
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA synchronous = FULL")
        con.execute("PRAGMA foreign_keys = ON")
        return con

    def _run(self, work, *, write: bool):
        deadline = time.monotonic() + BUSY_DEADLINE_SECONDS
        while True:
            try:
                con = self._connect()
            except sqlite3.Error as exc:
                raise self._unavailable(exc) from exc
            try:
                con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                result = work(con.cursor())
                con.execute("COMMIT")
                return result
            except sqlite3.Error as exc:
                _rollback(con)
                if not _is_busy(exc):
                    raise self._unavailable(exc) from exc
                if time.monotonic() >= deadline:
                    raise StoreUnavailable("The saved-datasets database stayed busy for "
                                           f"{BUSY_DEADLINE_SECONDS:.0f} s; please try again.") from exc
            except BaseException:
                _rollback(con)
                raise
            finally:
                con.close()
            time.sleep(0.05)

    def _migrate(self) -> None:
        """Create or upgrade the schema, once, under the write lock (BEGIN IMMEDIATE)."""
        def set_wal():
            # WAL is a property of the file: set once, outside a transaction.
            con = self._connect()
            try:
                return con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            finally:
                con.close()
        mode = self._while_busy(set_wal)
        if str(mode).lower() != "wal":
            LOG.error("saved-datasets database %s: journal mode %r", self.path, mode)
            raise StoreUnavailable(f"The saved-datasets database cannot use WAL mode (got {mode!r}).")
        self._run(self._apply_migrations, write=True)

    def _apply_migrations(self, cur) -> None:
        apply_migrations(cur, dialect="sqlite", where=self.description)


def quick_check(path: Path) -> str | None:
    """SQLite's ``quick_check`` of the file at ``path``, opened read-only: None when it says ok, else
    its first problems (or the error that the damage raised)."""
    try:
        con = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            rows = [r[0] for r in con.execute(f"PRAGMA quick_check({QUICK_CHECK_ROWS})").fetchall()]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return str(exc)
    return None if rows == ["ok"] else "; ".join(str(r) for r in rows)


def _rollback(con: sqlite3.Connection) -> None:
    try:
        if con.in_transaction:
            con.execute("ROLLBACK")
    except sqlite3.Error:
        pass

