"""The store's schema and its migrations, applied idempotently on start.

``schema_version`` holds the version reached.  Each backend runs :func:`apply_migrations` inside
one transaction that first takes a lock only one starting process can hold (SQLite: ``BEGIN
IMMEDIATE``; PostgreSQL: ``pg_advisory_xact_lock``), so two replicas starting at once never race:
the second waits, then finds the schema current and does nothing.

Versions and edits are append-only: triggers refuse any UPDATE or DELETE, so no code path, and no
stray SQL, can change what a shared link shows.
"""
from __future__ import annotations

from core.errors import StoreUnavailable

SCHEMA_VERSION = 1

_TABLES = (
    "CREATE TABLE IF NOT EXISTS datasets ("
    " id TEXT PRIMARY KEY,"
    " parent_id TEXT REFERENCES datasets(id),"
    " name TEXT NOT NULL,"
    " created_at TEXT NOT NULL,"          # ISO 8601, UTC
    " content TEXT NOT NULL,"             # JSON: table name -> CSV text
    " sha256 TEXT NOT NULL,"
    " n_bytes INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS edits ("
    " dataset_id TEXT NOT NULL REFERENCES datasets(id),"
    " seq INTEGER NOT NULL,"
    " study_id TEXT NOT NULL, arm TEXT NOT NULL, outcome TEXT NOT NULL, timepoint TEXT NOT NULL,"
    " field TEXT NOT NULL, old_value TEXT NOT NULL, new_value TEXT NOT NULL,"
    " source TEXT NOT NULL, locator TEXT NOT NULL, quote TEXT NOT NULL, edited_at TEXT NOT NULL,"
    " PRIMARY KEY (dataset_id, seq))",
    "CREATE INDEX IF NOT EXISTS datasets_parent ON datasets (parent_id)",
)

_IMMUTABLE = {
    "sqlite": tuple(
        f"CREATE TRIGGER IF NOT EXISTS {table}_{op.lower()}_refused BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'saved datasets are immutable'); END"
        for table in ("datasets", "edits") for op in ("UPDATE", "DELETE")),
    "postgresql": (
        "CREATE OR REPLACE FUNCTION mscdm_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'saved datasets are immutable'; END $$",
        *(f"CREATE TRIGGER {table}_change_refused BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
          "FOR EACH STATEMENT EXECUTE FUNCTION mscdm_refuse_change()" for table in ("datasets", "edits")),
    ),
}

# version -> statements that bring the schema from version - 1 to it.
MIGRATIONS = {1: {dialect: _TABLES + _IMMUTABLE[dialect] for dialect in _IMMUTABLE}}


def apply_migrations(cur, *, dialect: str, where: str, param: str = "?") -> None:
    """Bring the schema to :data:`SCHEMA_VERSION` on ``cur`` (inside the caller's locked
    transaction); refuse a database whose schema is newer than this code."""
    cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    cur.execute("SELECT max(version) FROM schema_version")
    current = cur.fetchone()[0] or 0
    if current > SCHEMA_VERSION:
        raise StoreUnavailable(f"The saved-datasets database {where} has schema version {current}, newer than "
                               f"this app's {SCHEMA_VERSION}; upgrade the app.")
    for version in range(current + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS[version][dialect]:
            cur.execute(statement)
        cur.execute(f"INSERT INTO schema_version (version) VALUES ({param})", (version,))
