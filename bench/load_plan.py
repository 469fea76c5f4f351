"""The load test's plans (bench/load_test.py): stepping the number of sessions to find how many one
server core holds, and the shared PostgreSQL of a run with several replicas.

The capacity criterion is the server's view (rerun request sent -> ``script_finished`` received,
timed by the browsers' network stack on the other core): p95 <= ``P95_LIMIT_MS`` with 0 errors.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

P95_LIMIT_MS = 1000.0
DATASET_PARAM = "ds"            # the app's URL parameter naming a saved dataset


@dataclass(frozen=True, slots=True)
class StepRow:
    """One step: its session count and the figures the capacity is judged on."""

    sessions: int
    interactions: int
    errors: int
    server_p50_ms: float
    server_p95_ms: float
    browser_p95_ms: float
    server_busy: float
    rate_per_session: float

    @property
    def holds(self) -> bool:
        return self.errors == 0 and self.server_p95_ms <= P95_LIMIT_MS

    def line(self) -> str:
        return (f"{self.sessions:8d} {self.interactions:12d} {self.errors:6d} {self.server_p50_ms:10.0f} "
                f"{self.server_p95_ms:10.0f} {self.browser_p95_ms:11.0f} {100 * self.server_busy:9.0f}% "
                f"{self.rate_per_session:9.2f}  {'holds' if self.holds else 'over'}")


@dataclass(frozen=True, slots=True)
class StepSummary:
    rows: tuple
    capacity: int               # the most sessions that held (0: none)

    def table(self) -> str:
        head = ("sessions interactions errors server_p50 server_p95 browser_p95 server_cpu /sess/s   "
                f"(server p95 <= {P95_LIMIT_MS:.0f} ms and 0 errors)")
        return "\n".join([head, *(r.line() for r in self.rows),
                          f"capacity: {self.capacity} concurrent sessions hold p95 <= {P95_LIMIT_MS:.0f} ms"])


def step_row(r) -> StepRow:
    rate = r.interactions / r.clicking_s / r.sessions if r.clicking_s and r.clicking_s == r.clicking_s else 0.0
    return StepRow(r.sessions, r.interactions, r.error_count, r.wire_ms["p50"], r.wire_ms["p95"],
                   r.latency_ms["p95"], r.server_busy, rate)


def step_sessions(counts, run, report, echo=print, stop_after_over: int = 1) -> StepSummary:
    """Run ``run(sessions=n)`` for each ``n`` of ``counts`` (ascending), echoing each report; stop
    after ``stop_after_over`` steps that did not hold.  The capacity is the largest ``n`` that held
    with every smaller step holding too."""
    rows, over, capacity = [], 0, 0
    for n in sorted(counts):
        r = run(sessions=n)
        echo(f"--- step: {n} sessions ---\n{report(r)}")
        row = step_row(r)
        rows.append(row)
        if row.holds and over == 0:
            capacity = n
        over += not row.holds
        if over >= stop_after_over:
            break
    summary = StepSummary(tuple(rows), capacity)
    echo(summary.table())
    return summary


@contextlib.contextmanager
def postgres_env(base_env: dict | None = None):
    """A throwaway PostgreSQL cluster (tests/support/pg_cluster.py) with a database ``mscdm``; yields the
    replicas' environment (``MSCDM_DATABASE_URL`` and a fresh ``MSCDM_STATE_DIR``)."""
    from tests.support.pg_cluster import start_cluster

    cluster = start_cluster()
    try:
        url = cluster.create_database("mscdm")
        with tempfile.TemporaryDirectory(prefix="mscdm-state-") as state:
            yield {**(base_env or os.environ), "MSCDM_DATABASE_URL": url, "MSCDM_STATE_DIR": state}
    finally:
        cluster.stop()


def saved_dataset_query(env: dict, name: str = "load test") -> str:
    """Save the shipped dataset in the store ``env`` names; return ``?ds=<id>`` to open it."""
    from core.evidence.dataset import DATA_DIR, load_dataset
    from core.store import open_store
    from core.store.tables import dataset_tables

    store = open_store(url=env.get("MSCDM_DATABASE_URL") or "",
                       state_dir=Path(env["MSCDM_STATE_DIR"]) if env.get("MSCDM_STATE_DIR") else None)
    version = store.save(dataset_tables(load_dataset(DATA_DIR)), name=name)
    return f"?{DATASET_PARAM}={version.id}"
