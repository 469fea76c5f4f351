"""Saved datasets: immutable versions, each found only by an unguessable id.

::

    from core.store.tables import dataset_tables, version_dataset   # Dataset <-> CSV text

    store = open_store()                                   # from the environment
    v1 = store.save(dataset_tables(ds), name="my extraction")
    v2 = store.save(tables, parent_id=v1.id, name="my extraction", edits=result.edits)
    store.get(v2.id).tables["outcomes"]                    # CSV text
    store.history(v2.id).versions                          # (v2, v1), each with its edits
    version_dataset(store.get(v2.id))                      # a checked Dataset

Settings (environment variables):

- ``MSCDM_DATABASE_URL``: ``postgresql://user@host:port/db`` selects the PostgreSQL backend (for
  several replicas); unset, the store is the SQLite file ``$MSCDM_STATE_DIR/datasets.sqlite3``.
- ``MSCDM_STATE_DIR``: the state folder, created on first use; default ``<repo>/state/``
  (git-ignored).
- the limits ``MSCDM_MAX_DATASET_BYTES``, ``MSCDM_MAX_DATASET_ROWS``, ``MSCDM_MAX_SAVES_PER_MINUTE``,
  ``MSCDM_MAX_CLIENT_SAVES_PER_MINUTE``, ``MSCDM_MAX_CLIENT_SAVES_PER_DAY``, ``MSCDM_MAX_STORE_BYTES``:
  see :mod:`core.store.limits`.

An operator backs the store up, restores it and redacts a version with ``python -m core.store``
(:mod:`core.store.operator`; docs/reliability.md).  A SQLite file that fails ``quick_check`` when it
opens is served read-only (``Store.write_refused`` says why).

Errors (from :mod:`core.errors`): :class:`StoreUnavailable` (cannot open or use the store; the app
then runs on the shipped data), :class:`UnknownDataset` (malformed or unknown id),
:class:`StoreLimitExceeded` (a save refused by a limit).  There is no API to list or change versions;
only an operator's redaction blanks one (its id and chain stay).
"""
from __future__ import annotations

import os
from pathlib import Path

from core.errors import StoreError, StoreLimitExceeded, StoreUnavailable, UnknownDataset
from core.evidence.edits import Edit
from core.store.base import Store
from core.store.limits import Limits, SaveRateLimiter
from core.store.model import TABLE_NAMES, DatasetVersion, Lineage, check_id, new_id
from core.store.postgres import PostgresStore
from core.store.sqlite import SQLiteStore

ENV_DATABASE_URL = "MSCDM_DATABASE_URL"
ENV_STATE_DIR = "MSCDM_STATE_DIR"
DEFAULT_STATE_DIR = Path(__file__).resolve().parents[2] / "state"
SQLITE_FILENAME = "datasets.sqlite3"


def default_state_dir() -> Path:
    """The state folder: ``$MSCDM_STATE_DIR``, else ``<repo>/state/``."""
    raw = os.environ.get(ENV_STATE_DIR, "").strip()
    return Path(raw).expanduser() if raw else DEFAULT_STATE_DIR


def open_store(url: str | None = None, state_dir: Path | None = None, *, limits: Limits | None = None) -> Store:
    """The store the settings name: PostgreSQL for a ``postgresql://`` URL (``url``, else
    ``$MSCDM_DATABASE_URL``), otherwise SQLite in ``state_dir`` (else :func:`default_state_dir`).

    Creates or migrates the schema.  Raises :class:`StoreUnavailable` with a sentence when the
    store cannot be used; a database file that cannot be read is left untouched.
    """
    url = url if url is not None else os.environ.get(ENV_DATABASE_URL, "").strip() or None
    if url:
        if not url.startswith(("postgresql://", "postgres://")):
            raise StoreUnavailable(f"{ENV_DATABASE_URL} must be a postgresql:// URL.")
        return PostgresStore(url, limits)
    folder = Path(state_dir) if state_dir is not None else default_state_dir()
    return SQLiteStore(folder / SQLITE_FILENAME, limits)


__all__ = ["DatasetVersion", "Edit", "Limits", "Lineage", "SQLiteStore", "SaveRateLimiter", "Store",
           "StoreError", "StoreLimitExceeded", "StoreUnavailable", "TABLE_NAMES", "UnknownDataset",
           "check_id", "default_state_dir", "new_id", "open_store"]
