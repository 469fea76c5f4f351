"""The store's limits, as named settings.

Each setting is a module constant (the default) and an environment variable:

- ``MAX_DATASET_BYTES`` / ``MSCDM_MAX_DATASET_BYTES``: UTF-8 bytes of one version's tables and edits
  together (default 5 000 000; the shipped data is ~90 kB);
- ``MAX_DATASET_ROWS`` / ``MSCDM_MAX_DATASET_ROWS``: data rows of any one table (default 20 000, as
  ``dataset.MAX_ROWS``);
- ``MAX_SAVES_PER_MINUTE`` / ``MSCDM_MAX_SAVES_PER_MINUTE``: saves one session may make in any 60 s
  (default 10; per process);
- ``MAX_CLIENT_SAVES_PER_MINUTE`` / ``MSCDM_MAX_CLIENT_SAVES_PER_MINUTE``: saves from one client
  address in any 60 s, counted in the database, so across every session and replica (default 20);
- ``MAX_CLIENT_SAVES_PER_DAY`` / ``MSCDM_MAX_CLIENT_SAVES_PER_DAY``: the same in any 24 h (default 300);
- ``MAX_STORE_BYTES`` / ``MSCDM_MAX_STORE_BYTES``: all versions together (default 2 000 000 000); a
  save past it is refused until an operator makes room.

The client address is the peer of the connection, or, behind a proxy, the header named by
``MSCDM_CLIENT_ADDRESS_HEADER`` (ui/datasets.py; the nginx recipe sets ``X-Real-IP``).  The store
keeps only a salted SHA-256 of it (``client_key``), never the address.

Each is read when a store is opened (:meth:`Limits.from_env`); a value that is not a positive whole
number is refused with a sentence naming the variable.  A refusal raises
:class:`~core.errors.StoreLimitExceeded` whose message names the limit and its setting.
"""
from __future__ import annotations

import csv
import io
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Mapping

from core.errors import StoreLimitExceeded, StoreUnavailable

MAX_DATASET_BYTES = 5_000_000
MAX_DATASET_ROWS = 20_000
MAX_SAVES_PER_MINUTE = 10
RATE_WINDOW_SECONDS = 60.0
ENV_MAX_DATASET_BYTES = "MSCDM_MAX_DATASET_BYTES"
ENV_MAX_DATASET_ROWS = "MSCDM_MAX_DATASET_ROWS"
ENV_MAX_SAVES_PER_MINUTE = "MSCDM_MAX_SAVES_PER_MINUTE"
MAX_CLIENT_SAVES_PER_MINUTE = 20
MAX_CLIENT_SAVES_PER_DAY = 300
MAX_STORE_BYTES = 2_000_000_000
ENV_MAX_CLIENT_SAVES_PER_MINUTE = "MSCDM_MAX_CLIENT_SAVES_PER_MINUTE"
ENV_MAX_CLIENT_SAVES_PER_DAY = "MSCDM_MAX_CLIENT_SAVES_PER_DAY"
ENV_MAX_STORE_BYTES = "MSCDM_MAX_STORE_BYTES"


def _env_int(name: str, default: int, environ: Mapping[str, str]) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise StoreUnavailable(f"The setting {name}={raw!r} is not a positive whole number.")
    return value


@dataclass(frozen=True, slots=True)
class Limits:
    """The size limits of one version (see the module docstring)."""

    max_bytes: int = MAX_DATASET_BYTES
    max_rows: int = MAX_DATASET_ROWS
    max_saves_per_minute: int = MAX_SAVES_PER_MINUTE
    max_client_per_minute: int = MAX_CLIENT_SAVES_PER_MINUTE
    max_client_per_day: int = MAX_CLIENT_SAVES_PER_DAY
    max_store_bytes: int = MAX_STORE_BYTES

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Limits":
        """The limits, each overridden by its environment variable when set."""
        env = os.environ if environ is None else environ
        return cls(_env_int(ENV_MAX_DATASET_BYTES, MAX_DATASET_BYTES, env),
                   _env_int(ENV_MAX_DATASET_ROWS, MAX_DATASET_ROWS, env),
                   _env_int(ENV_MAX_SAVES_PER_MINUTE, MAX_SAVES_PER_MINUTE, env),
                   _env_int(ENV_MAX_CLIENT_SAVES_PER_MINUTE, MAX_CLIENT_SAVES_PER_MINUTE, env),
                   _env_int(ENV_MAX_CLIENT_SAVES_PER_DAY, MAX_CLIENT_SAVES_PER_DAY, env),
                   _env_int(ENV_MAX_STORE_BYTES, MAX_STORE_BYTES, env))

    def check_client(self, last_minute: int, last_day: int) -> None:
        """Refuse a save from a client that already made the limit's number in the window."""
        for count, limit, window, env in ((last_minute, self.max_client_per_minute, "a minute",
                                           ENV_MAX_CLIENT_SAVES_PER_MINUTE),
                                          (last_day, self.max_client_per_day, "a day", ENV_MAX_CLIENT_SAVES_PER_DAY)):
            if count >= limit:
                raise StoreLimitExceeded(f"At most {limit} saves {window} are accepted from one address; please "
                                         f"try again later (setting {env}).")

    def check_total(self, stored: int, n_bytes: int) -> None:
        """Refuse a save that would take the whole store past ``max_store_bytes``."""
        if stored + n_bytes > self.max_store_bytes:
            raise StoreLimitExceeded(f"The store is full ({stored:,} of {self.max_store_bytes:,} bytes used), so "
                                     f"nothing more can be saved until an operator makes room (setting "
                                     f"{ENV_MAX_STORE_BYTES}).")

    def check_size(self, n_bytes: int) -> None:
        """Refuse a version of more than ``max_bytes``."""
        if n_bytes > self.max_bytes:
            raise StoreLimitExceeded(
                f"This dataset is {n_bytes:,} bytes; at most {self.max_bytes:,} can be saved "
                f"(setting {ENV_MAX_DATASET_BYTES}).")

    def check_rows(self, table: str, text: str) -> None:
        """Refuse a table (CSV text, one header line) of more than ``max_rows`` data rows."""
        rows = sum(1 for _ in csv.reader(io.StringIO(text))) - 1
        if rows > self.max_rows:
            raise StoreLimitExceeded(
                f"The {table} table has {rows:,} rows; at most {self.max_rows:,} can be saved "
                f"(setting {ENV_MAX_DATASET_ROWS}).")


@dataclass(slots=True)
class SaveRateLimiter:
    """At most ``max_per_window`` saves per session token in any sliding ``window`` seconds.

    Thread-safe; per process (replicas behind sticky sessions each count their own sessions).
    Tokens idle for a whole window are forgotten, so memory stays bounded by active sessions.
    """

    max_per_window: int = MAX_SAVES_PER_MINUTE
    window: float = RATE_WINDOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    _hits: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self, session: str) -> None:
        """Count one save for ``session``, or raise :class:`StoreLimitExceeded` saying when to retry."""
        now = self.clock()
        with self._lock:
            self._forget_idle(now)
            hits = self._hits.setdefault(session, deque())
            while hits and now - hits[0] >= self.window:
                hits.popleft()
            if len(hits) >= self.max_per_window:
                wait = max(1, int(self.window - (now - hits[0]) + 0.999))
                raise StoreLimitExceeded(
                    f"At most {self.max_per_window} saves a minute are accepted from one session; "
                    f"try again in {wait} s (setting {ENV_MAX_SAVES_PER_MINUTE}).")
            hits.append(now)

    def _forget_idle(self, now: float) -> None:
        idle = [k for k, h in self._hits.items() if not h or now - h[-1] >= self.window]
        for k in idle:
            del self._hits[k]
