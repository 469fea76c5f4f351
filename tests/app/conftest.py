"""Fixtures shared by the page tests."""
from __future__ import annotations

import pytest


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """A fresh SQLite store for one test (never the user's state/, never PostgreSQL)."""
    monkeypatch.setenv("MSCDM_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("MSCDM_DATABASE_URL", raising=False)
    return tmp_path / "state"
