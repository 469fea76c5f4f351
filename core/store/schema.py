"""The store's schema and its migrations, applied idempotently on start.

``schema_version`` holds the version reached.  Each backend runs :func:`apply_migrations` inside
one transaction that first takes a lock only one starting process can hold (SQLite: ``BEGIN
IMMEDIATE``; PostgreSQL: ``pg_advisory_xact_lock``), so two replicas starting at once never race:
the second waits, then finds the schema current and does nothing.

Versions and edits are append-only: triggers refuse any UPDATE or DELETE, so no code path, and no
stray SQL, can change what a shared link shows.  The one exception (schema 2) is an operator's
redaction (``python -m core.store redact``): once a row of ``redactions`` names a version (itself
append-only), that version's content, name and edits may be blanked, and nothing else; its id and
its place in the parent chain stay.  Schema 2 also records a salted hash of the saving client's
address (``client_key``), so the per-client save limits hold across replicas.
"""
from __future__ import annotations

import secrets

from core.errors import StoreUnavailable

SCHEMA_VERSION = 2

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

# Schema 2: redactions (append-only), the client key of a save, and the store's salt for it.
_V2_TABLES = (
    "CREATE TABLE IF NOT EXISTS redactions ("
    " dataset_id TEXT PRIMARY KEY REFERENCES datasets(id),"
    " reason TEXT NOT NULL,"
    " redacted_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "ALTER TABLE datasets ADD COLUMN client_key TEXT",
    "CREATE INDEX IF NOT EXISTS datasets_client ON datasets (client_key, created_at)",
    "CREATE INDEX IF NOT EXISTS datasets_size ON datasets (n_bytes)",      # the total size, from the index
)
# A redacted version: blank content and edits, "(redacted)" as its name; nothing else may change.
_REDACTED_ROW = ("NEW.id = OLD.id AND NEW.content = '' AND NEW.sha256 = '' AND NEW.name = '(redacted)' "
                 "AND NEW.created_at = OLD.created_at AND NEW.parent_id IS NOT DISTINCT FROM OLD.parent_id")
_REDACTED_EDIT = ("NEW.dataset_id = OLD.dataset_id AND NEW.seq = OLD.seq AND NEW.old_value = '' "
                  "AND NEW.new_value = '' AND NEW.source = '' AND NEW.locator = '' AND NEW.quote = ''")
_V2_SQLITE = (
    "DROP TRIGGER IF EXISTS datasets_update_refused",
    "DROP TRIGGER IF EXISTS edits_update_refused",
    "CREATE TRIGGER datasets_update_refused BEFORE UPDATE ON datasets WHEN NOT (EXISTS (SELECT 1 FROM "
    f"redactions WHERE dataset_id = OLD.id) AND {_REDACTED_ROW.replace('IS NOT DISTINCT FROM', 'IS')}) "
    "BEGIN SELECT RAISE(ABORT, 'saved datasets are immutable'); END",
    "CREATE TRIGGER edits_update_refused BEFORE UPDATE ON edits WHEN NOT (EXISTS (SELECT 1 FROM "
    f"redactions WHERE dataset_id = OLD.dataset_id) AND {_REDACTED_EDIT}) "
    "BEGIN SELECT RAISE(ABORT, 'saved datasets are immutable'); END",
    *(f"CREATE TRIGGER IF NOT EXISTS redactions_{op.lower()}_refused BEFORE {op} ON redactions "
      "BEGIN SELECT RAISE(ABORT, 'redactions are permanent'); END" for op in ("UPDATE", "DELETE")),
)
_V2_POSTGRESQL = (
    "DROP TRIGGER IF EXISTS datasets_change_refused ON datasets",
    "DROP TRIGGER IF EXISTS edits_change_refused ON edits",
    *(f"CREATE TRIGGER {t}_change_refused BEFORE DELETE OR TRUNCATE ON {t} "
      "FOR EACH STATEMENT EXECUTE FUNCTION mscdm_refuse_change()" for t in ("datasets", "edits", "redactions")),
    "CREATE TRIGGER redactions_update_refused BEFORE UPDATE ON redactions "
    "FOR EACH STATEMENT EXECUTE FUNCTION mscdm_refuse_change()",
    *(f"CREATE OR REPLACE FUNCTION mscdm_redact_only_{t}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
      f"IF EXISTS (SELECT 1 FROM redactions WHERE dataset_id = OLD.{key}) AND {cond} THEN RETURN NEW; END IF; "
      "RAISE EXCEPTION 'saved datasets are immutable'; END $$"
      for t, key, cond in (("datasets", "id", _REDACTED_ROW), ("edits", "dataset_id", _REDACTED_EDIT))),
    *(f"CREATE TRIGGER {t}_update_refused BEFORE UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION "
      f"mscdm_redact_only_{t}()" for t in ("datasets", "edits")),
)

# version -> statements that bring the schema from version - 1 to it.
MIGRATIONS = {1: {dialect: _TABLES + _IMMUTABLE[dialect] for dialect in _IMMUTABLE},
              2: {"sqlite": _V2_TABLES + _V2_SQLITE, "postgresql": _V2_TABLES + _V2_POSTGRESQL}}
SALT_KEY = "client_salt"


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
        if version == 2:        # the salt of the client keys: random, per store, never shown
            cur.execute(f"INSERT INTO store_meta (key, value) VALUES ({param}, {param})",
                        (SALT_KEY, secrets.token_hex(16)))
        cur.execute(f"INSERT INTO schema_version (version) VALUES ({param})", (version,))
