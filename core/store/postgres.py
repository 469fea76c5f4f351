"""The shared backend: one PostgreSQL database for several app replicas, through psycopg 3.

Every statement is parametrised (``%s``).  Each operation uses its own short connection and one
transaction (replicas come and go; nothing is held between requests).  The schema migration runs
under ``pg_advisory_xact_lock``, so replicas starting at once apply it exactly once.  psycopg is
imported only when this backend is used.
"""
from __future__ import annotations

import logging

from core.errors import StoreUnavailable
from core.store.base import Store
from core.store.limits import Limits, SaveRateLimiter
from core.store.schema import apply_migrations

# Key of the advisory lock that serialises migrations (any constant bigint: "mscdm" in ASCII), and
# of the one that serialises saves (so the per-client and total limits are exact across replicas).
MIGRATION_LOCK_KEY = 0x6D7363646D
SAVE_LOCK_KEY = 0x6D7363646D01
LOG = logging.getLogger(__name__)
CONNECT_TIMEOUT_SECONDS = 10


def _describe(url: str) -> str:
    """The database as host:port/dbname, without the user or password of the URL."""
    from psycopg.conninfo import conninfo_to_dict   # here: psycopg is needed only with this backend

    try:
        info = conninfo_to_dict(url)
    except Exception:       # a malformed URL: say so without echoing it (it may hold a password)
        return "the PostgreSQL database (malformed MSCDM_DATABASE_URL)"
    host = info.get("host") or info.get("hostaddr") or "localhost"
    return f"the PostgreSQL database {host}:{info.get('port') or 5432}/{info.get('dbname') or ''}"


class PostgresStore(Store):
    """Saved datasets in the PostgreSQL database at ``url`` (``postgresql://user@host:port/db``)."""

    PARAM = "%s"

    def __init__(self, url: str, limits: Limits | None = None, rate_limiter: SaveRateLimiter | None = None):
        super().__init__(limits, rate_limiter)
        try:
            import psycopg
        except ImportError as exc:
            raise StoreUnavailable("MSCDM_DATABASE_URL names PostgreSQL, but the psycopg package is not "
                                   "installed (pip install -r requirements.txt).") from exc
        self._psycopg = psycopg
        self._url = url
        self.description = "the PostgreSQL database"     # shown to users; where it is goes to the log
        self.where = _describe(url)
        self._run(self._apply_migrations, write=True)

    def _lock_saves(self, cur) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (SAVE_LOCK_KEY,))

    def _run(self, work, *, write: bool):
        psycopg = self._psycopg
        try:
            with psycopg.connect(self._url, connect_timeout=CONNECT_TIMEOUT_SECONDS) as con:
                if not write:
                    con.read_only = True
                with con.cursor() as cur:
                    return work(cur)       # the connection's context commits, or rolls back on error
        except psycopg.Error as exc:
            detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            LOG.error("%s: %s", self.where, detail)
            # the driver's words may name the host, the port or the database: the user reads only its kind
            raise StoreUnavailable(f"The PostgreSQL database cannot be used ({type(exc).__name__}); "
                                   "the server's log has the details.") from exc

    def _apply_migrations(self, cur) -> None:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        apply_migrations(cur, dialect="postgresql", where=self.description, param=self.PARAM)
