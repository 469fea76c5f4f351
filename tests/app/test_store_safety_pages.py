"""Issue 23 (items 5, 6, 9) through AppTest: a store that failed its integrity check shows a banner
naming the problem (never the server's path), refuses every save in a sentence, and still serves
the readable versions; a redacted version says so; the session that saved a version is not told
it is "read-only"; the client address for the per-client limits comes from the trusted header."""
from __future__ import annotations

import types

from core.store import open_store
from core.store.operator import redact
from core.store.tables import dataset_tables
from core.evidence.dataset import load_dataset
from tests.app.test_workbench import SECOND_CELL, SYNTHETIC, open_page, pick, save, save_entry, texts, type_in
from tests.core.test_store_safety import _damaged


def test_a_damaged_store_refuses_saves_with_a_banner_and_serves_what_it_can(state_dir):
    path, _ = _damaged(state_dir)
    store = open_store(state_dir=state_dir)
    assert store.write_refused
    store.close()
    before = path.read_bytes()
    at = open_page()
    shown = texts(at) + [e.value.replace("\\", "") for e in at.error]
    assert any(t.startswith("Saving is turned off. The saved-datasets database failed its integrity check (")
               and t.endswith("every version that can still be read is served.") for t in shown)
    assert not any(str(state_dir) in t or "sqlite3" in t for t in shown)
    pick(at)
    type_in(at, SYNTHETIC)
    save(at)
    assert any(e.value.replace("\\", "").startswith("Not saved: The saved-datasets database failed") for e in at.error)
    assert "ds" not in at.query_params and path.read_bytes() == before


def test_a_redacted_version_says_when_and_why(state_dir):
    store = open_store(state_dir=state_dir)
    v = store.save(dataset_tables(load_dataset()), name="to go")
    redact(store, v.id, "personal data in a source field")
    at = open_page({"ds": v.id})
    assert any("was redacted by the operator on" in t and "personal data in a source field" in t for t in texts(at))
    assert any(t.startswith("Dataset: shipped dataset") for t in texts(at))


def test_the_session_that_saved_is_not_told_read_only(state_dir):
    at = open_page()
    ds = save_entry(at)
    assert any(t.startswith(f"Dataset: saved dataset “My extraction” (id {ds}) · saved by you") for t in texts(at))
    other = open_page({"ds": ds})
    assert any(t.startswith(f"Dataset: saved dataset “My extraction” (id {ds}) · read-only") for t in texts(other))


def test_the_client_address_comes_from_the_trusted_header_only(monkeypatch):
    import ui.datasets as d

    ctx = types.SimpleNamespace(headers={"X-Real-IP": "203.0.113.7", "X-Forwarded-For": "6.6.6.6, 203.0.113.7"},
                                ip_address="127.0.0.1")
    monkeypatch.setattr(d.st, "context", ctx)
    monkeypatch.delenv("MSCDM_CLIENT_ADDRESS_HEADER", raising=False)
    assert d.client_address() == "127.0.0.1"               # no proxy named: the peer (a header could be forged)
    monkeypatch.setenv("MSCDM_CLIENT_ADDRESS_HEADER", "X-Real-IP")
    assert d.client_address() == "203.0.113.7"


def test_the_history_names_a_redacted_ancestor(state_dir):
    at = open_page()
    first = save_entry(at)
    save_entry(at, SECOND_CELL)
    store = open_store(state_dir=state_dir)
    redact(store, first, "test of the history")
    store.close()
    at.run()
    history = next(d.value for d in at.dataframe if "cell" in d.value.columns and "old" in d.value.columns)
    gone = history[history["version"] == first]
    assert list(gone["cell"]) == ["(redacted)"] and "test of the history" in gone["source"].iloc[0]
    assert SYNTHETIC["wb_source"] not in set(gone["source"])
