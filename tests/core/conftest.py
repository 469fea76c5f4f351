"""Fixtures of the store suites (tests/core/test_store*.py)."""
from __future__ import annotations

import pytest

from tests.store_pg import start_cluster


@pytest.fixture(scope="session")
def pg_cluster():
    """A PostgreSQL cluster for the whole session.  If it cannot start, the tests FAIL (no skip)."""
    cluster = start_cluster()
    yield cluster
    cluster.stop()
