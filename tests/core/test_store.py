"""The saved-datasets store: one suite, run against SQLite and a real, throwaway PostgreSQL."""
from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from core.certainty import CertaintyInputs, user_mid
from core.errors import DatasetError, StoreLimitExceeded, StoreUnavailable, UnknownDataset
from core.evidence.dataset import load_dataset
from core.evidence.risk_of_bias import Judgement
from core.store import Edit, Limits, SaveRateLimiter, SQLiteStore, Store, new_id, open_store
from core.store.tables import dataset_tables, version_dataset, version_inputs, version_tables
from core.store.postgres import PostgresStore
from tests.store_worker import numbered_tables

ROOT = Path(__file__).resolve().parents[2]
TABLES = {"outcomes": "study_id,mean\nA,1.5\n", "studies": "study_id\nA\n"}


@dataclasses.dataclass
class Backend:
    """Where one test's store lives: ``target`` is a state folder (SQLite) or a URL (PostgreSQL)."""

    kind: str
    target: str

    def open(self, limits: Limits | None = None) -> Store:
        if self.kind == "postgresql":
            return open_store(self.target, limits=limits)
        return open_store(state_dir=Path(self.target), limits=limits)

    def raw_execute(self, statement: str) -> None:
        """Run SQL straight on the database, bypassing the store."""
        if self.kind == "postgresql":
            import psycopg

            with psycopg.connect(self.target) as con:
                con.execute(statement)
        else:
            con = sqlite3.connect(Path(self.target) / "datasets.sqlite3", isolation_level=None)
            try:
                con.execute(statement)
            finally:
                con.close()

    def schema_versions(self) -> list:
        if self.kind == "postgresql":
            import psycopg

            with psycopg.connect(self.target) as con:
                return con.execute("SELECT version FROM schema_version").fetchall()
        con = sqlite3.connect(Path(self.target) / "datasets.sqlite3")
        try:
            return con.execute("SELECT version FROM schema_version").fetchall()
        finally:
            con.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path) -> Backend:
    if request.param == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        return Backend("postgresql", cluster.create_database(f"t_{uuid.uuid4().hex[:12]}"))
    return Backend("sqlite", str(tmp_path / "state"))


@pytest.fixture
def store(backend) -> Store:
    return backend.open()


def edit(field="mean", old="", new="7.4") -> Edit:
    return Edit("Cai2016", "msc", "hba1c", "12", field, old, new, "https://doi.org/10.2337/dc15-0171", "Table 2",
                "7.4 ± 1.0")


def worker(*args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.store_worker", *args], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


# --- versions, parents, edits ---------------------------------------------------------------

def test_a_saved_version_reads_back(store):
    v = store.save(TABLES, name="  mine ")
    got = store.get(v.id)
    assert got == v
    assert dict(got.tables) == TABLES and got.name == "mine" and got.parent_id is None and got.edits == ()
    assert got.created_at.tzinfo is not None


def test_ids_are_unguessable_and_new_each_save(store):
    a, b = store.save(TABLES, name="x"), store.save(TABLES, name="x")
    assert a.id != b.id and dict(store.get(a.id).tables) == dict(store.get(b.id).tables)
    assert len(a.id) >= 22                                        # >= 128 bits of base64url
    assert len({new_id() for _ in range(2000)}) == 2000


def test_parent_chain_and_edit_history(store):
    v1 = store.save(TABLES, name="start")
    v2 = store.save(TABLES, parent_id=v1.id, name="second", edits=[edit(), edit("disp1", "", "1.0")])
    v3 = store.save(TABLES, parent_id=v2.id, name="third", edits=[edit(old="7.4", new="7.3")])
    lineage = store.history(v3.id)
    assert [v.id for v in lineage] == [v3.id, v2.id, v1.id] and len(lineage) == 3
    assert lineage.head.id == v3.id and lineage.root.id == v1.id
    assert [(e.field, e.old, e.new) for e in lineage.edits] == [("mean", "", "7.4"), ("disp1", "", "1.0"),
                                                                 ("mean", "7.4", "7.3")]
    e = store.get(v2.id).edits[0]
    assert (e.cell, e.source, e.locator, e.quote) == ("Cai2016/msc/hba1c/12/mean", edit().source, "Table 2",
                                                      "7.4 ± 1.0")
    assert e.time is not None and e.time.tzinfo is not None
    assert store.history(v1.id).versions == (store.get(v1.id),)


def test_an_unknown_parent_is_refused(store):
    with pytest.raises(UnknownDataset, match="parent"):
        store.save(TABLES, parent_id=new_id(), name="orphan")


@pytest.mark.parametrize("bad", ["", "short", "x" * 65, "../../etc/passwd", "a' OR '1'='1' --aaaaaaaaaaaa",
                                 "aaaaaaaaaaaaaaaaaaaaaaa\n", None, 12345, "%" * 30])
def test_a_malformed_id_is_refused_before_the_database(store, bad, monkeypatch):
    monkeypatch.setattr(store, "_run", lambda *a, **k: pytest.fail("the database was queried"))
    for call in (store.get, store.history):
        with pytest.raises(UnknownDataset, match="not a dataset id"):
            call(bad)


def test_an_unknown_id_is_refused(store):
    with pytest.raises(UnknownDataset, match="No dataset"):
        store.get(new_id())
    with pytest.raises(LookupError):
        store.history(new_id())


# --- immutability ---------------------------------------------------------------------------

def test_versions_cannot_be_changed(store, backend):
    v = store.save(TABLES, name="fixed", edits=[edit()])
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.name = "other"
    with pytest.raises(TypeError):
        v.tables["outcomes"] = "x"
    assert not any(hasattr(store, m) for m in ("update", "delete", "list", "versions", "all", "remove"))
    for statement in (f"UPDATE datasets SET name = 'hacked' WHERE id = '{v.id}'", "DELETE FROM datasets",
                      "UPDATE edits SET new_value = 'x'", "DELETE FROM edits"):
        with pytest.raises(Exception, match="immutable"):
            backend.raw_execute(statement)
    assert store.get(v.id) == v


# --- limits ---------------------------------------------------------------------------------

def test_size_and_row_limits(backend):
    store = backend.open(Limits(max_bytes=2_000, max_rows=5))
    store.save({"outcomes": "a\n" + "1\n" * 5}, name="ok")
    with pytest.raises(StoreLimitExceeded, match="MSCDM_MAX_DATASET_ROWS"):
        store.save({"outcomes": "a\n" + "1\n" * 6}, name="too many rows")
    with pytest.raises(StoreLimitExceeded, match="MSCDM_MAX_DATASET_BYTES"):
        store.save({"outcomes": "a\n" + "x" * 2_000 + "\n"}, name="too big")
    with pytest.raises(StoreLimitExceeded, match="not a dataset table"):
        store.save({"secrets": "a\n"}, name="x")
    with pytest.raises(StoreLimitExceeded, match="needs a name"):
        store.save(TABLES, name=" ")


def test_saves_per_session_per_minute(store):
    now = [1000.0]
    store.rate_limiter = SaveRateLimiter(3, clock=lambda: now[0])
    for _ in range(3):
        store.save(TABLES, name="x", session="alice")
    with pytest.raises(StoreLimitExceeded, match=r"At most 3 saves a minute .* try again in \d+ s"):
        store.save(TABLES, name="x", session="alice")
    store.save(TABLES, name="x", session="bob")
    now[0] += 61
    store.save(TABLES, name="x", session="alice")


def test_limits_come_from_the_environment():
    limits = Limits.from_env({"MSCDM_MAX_DATASET_ROWS": "7", "MSCDM_MAX_SAVES_PER_MINUTE": "2"})
    assert (limits.max_rows, limits.max_saves_per_minute) == (7, 2) and limits.max_bytes == Limits().max_bytes
    with pytest.raises(StoreUnavailable, match="MSCDM_MAX_DATASET_BYTES"):
        Limits.from_env({"MSCDM_MAX_DATASET_BYTES": "lots"})


# --- concurrency, replicas, migrations ------------------------------------------------------

def test_concurrent_saves_from_8_threads_lose_nothing(backend):
    stores = [backend.open() for _ in range(8)]
    saved, errors, start = [], [], threading.Barrier(8)

    def run(k):
        start.wait()
        try:
            for i in range(15):
                v = stores[k].save(numbered_tables(k * 100 + i), name=f"t{k}-{i}", edits=[edit()])
                saved.append((v.id, k * 100 + i))
                stores[k].get(v.id)
        except Exception as exc:           # collected: the assertion below shows them all
            errors.append(repr(exc))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(saved) == len({i for i, _ in saved}) == 120
    reader = backend.open()
    for vid, i in saved:
        assert dict(reader.get(vid).tables) == numbered_tables(i)


def test_two_replicas_see_each_others_saves(backend):
    a, b = backend.open(), backend.open()
    v1 = a.save(TABLES, name="on A")
    v2 = b.save(TABLES, parent_id=b.get(v1.id).id, name="on B", edits=[edit()])
    assert [v.id for v in a.history(v2.id)] == [v2.id, v1.id]
    proc = worker("open-and-save", backend.target, "0")        # a replica in another process
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert dict(a.get(out.strip()).tables) == numbered_tables(0)


def test_migration_is_idempotent_when_processes_start_together(backend):
    start_at = f"{time.time() + 1.5:.3f}"
    procs = [worker("open-and-save", backend.target, start_at) for _ in range(4)]
    results = [p.communicate(timeout=90) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [err for _, err in results]
    store = backend.open()                                 # and once more, on an existing schema
    assert len({store.get(out.strip()).id for out, _ in results}) == 4
    assert backend.schema_versions() == [(1,), (2,)]


def test_a_newer_schema_is_refused(store, backend):
    backend.raw_execute("INSERT INTO schema_version (version) VALUES (99)")
    with pytest.raises(StoreUnavailable, match="schema version 99"):
        backend.open()


# --- datasets ---------------------------------------------------------------------------------

def test_the_shipped_dataset_round_trips_with_its_checks(store):
    ds = load_dataset()
    v = store.save(dataset_tables(ds), name="shipped copy")
    back = version_dataset(store.get(v.id))
    assert back.name == "shipped copy"
    for table in ("studies", "outcomes", "events", "gaps", "reported"):
        assert getattr(back, table).equals(getattr(ds, table)), table
    broken = dict(v.tables, outcomes=v.tables["outcomes"].replace(",sd?,", ",sd-ish,", 1))
    with pytest.raises(DatasetError, match="sd-ish"):
        version_dataset(store.get(store.save(broken, name="broken").id))


def test_certainty_inputs_are_versioned_with_the_dataset_and_checked_on_load(store):
    ds = load_dataset()
    judged = (CertaintyInputs.default(ds)
              .with_judgement(Judgement("Cai2016", "overall", "high", "Assessors knew the allocation here.", "Methods"))
              .with_mid("fbg", user_mid("fbg", 1.0, "mmol/L", "A panel's choice")))
    old = store.save(dataset_tables(ds), name="saved before judgements were")
    new = store.save(version_tables(ds, judged), parent_id=old.id, name="judged")
    assert version_inputs(store.get(old.id), ds) == CertaintyInputs.default(ds)       # defaults: not assessed
    got = store.get(new.id)
    assert got.parent_id == old.id and version_inputs(got, version_dataset(got)) == judged
    assert version_inputs(got, ds).rob.overall("Cai2016").reason == "Assessors knew the allocation here."
    bad = dict(got.tables, judgements=got.tables["judgements"].replace("Cai2016", "Nobody2000"))
    with pytest.raises(DatasetError, match="judgements row 2: no study 'Nobody2000'"):
        version_inputs(store.get(store.save(bad, name="bad").id), ds)
    with pytest.raises(DatasetError, match="missing column"):
        version_inputs(store.get(store.save(dict(bad, judgements="kind\nmid\n"), name="bad").id), ds)


# --- backend selection ------------------------------------------------------------------------

def test_open_store_follows_the_environment(tmp_path, monkeypatch, pg_cluster):
    monkeypatch.delenv("MSCDM_DATABASE_URL", raising=False)
    monkeypatch.setenv("MSCDM_STATE_DIR", str(tmp_path / "my state"))
    s = open_store()
    assert isinstance(s, SQLiteStore) and s.path == tmp_path / "my state" / "datasets.sqlite3" and s.path.exists()
    monkeypatch.setenv("MSCDM_DATABASE_URL", pg_cluster.create_database(f"env_{uuid.uuid4().hex[:8]}"))
    assert isinstance(open_store(), PostgresStore)
    monkeypatch.setenv("MSCDM_DATABASE_URL", "mysql://x@y/z")
    with pytest.raises(StoreUnavailable, match="postgresql://"):
        open_store()


def test_an_unreachable_postgresql_is_a_sentence_without_the_password(pg_cluster, caplog):
    port = pg_cluster.port + 1 if pg_cluster.port < 65535 else 1
    url = f"postgresql://u:s3cret@127.0.0.1:{port}/db"
    with pytest.raises(StoreUnavailable, match="The PostgreSQL database cannot be used") as err:
        open_store(url)
    # every visitor reads the message: no password, host, port or database name (issue 23); the log has them
    assert not any(x in str(err.value) for x in ("s3cret", "127.0.0.1", str(port), "/db"))
    assert f"127.0.0.1:{port}/db" in caplog.text and "s3cret" not in caplog.text


# --- SQLite's file --------------------------------------------------------------------------

def test_a_corrupt_file_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "datasets.sqlite3"
    garbage = os.urandom(8192)
    path.write_bytes(garbage)
    with pytest.raises(StoreUnavailable, match="cannot be used .* left untouched") as err:
        open_store(state_dir=tmp_path)
    assert str(tmp_path) not in str(err.value)                 # the server's path is never shown (issue 23)
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["datasets.sqlite3"]


def test_a_damaged_row_is_named_not_served(tmp_path):
    store = open_store(state_dir=tmp_path)
    v = store.save(TABLES, name="x")
    con = sqlite3.connect(store.path, isolation_level=None)
    con.execute("DROP TRIGGER datasets_update_refused")
    con.execute("UPDATE datasets SET content = replace(content, '1.5', '9.5')")
    con.close()
    with pytest.raises(StoreUnavailable, match="damaged"):
        store.get(v.id)


def test_sqlite_uses_wal_and_full_sync(tmp_path):
    store = open_store(state_dir=tmp_path)
    con = store._connect()
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA synchronous").fetchone()[0] == 2         # FULL
        assert con.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
    finally:
        con.close()


def _saves_until_killed(state: Path, first: int, count: int, delay: float) -> list[list[str]]:
    """Run a save loop, read ``count`` committed saves, wait ``delay`` s, SIGKILL it; return every
    save it reported as committed (index, id)."""
    proc = worker("save-loop", str(state), str(first))
    committed, deadline = [], time.monotonic() + 60
    while len(committed) < count and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        committed.append(line.split())
    time.sleep(delay)                         # land somewhere inside a later save
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert len(committed) == count, proc.stderr.read()
    # Reported before the kill: whole lines only (the kill can cut the last print in two, its id part-written).
    return committed + [line.split() for line in proc.stdout.read().splitlines(keepends=True) if line.endswith("\n")]


def test_sigkill_during_saves_loses_at_most_the_save_in_flight(tmp_path):
    committed = []
    for round_, delay in enumerate((0.0, 0.003, 0.011, 0.027)):
        committed += _saves_until_killed(tmp_path, 1000 * round_, 15, delay)
    store = open_store(state_dir=tmp_path)
    for index, vid in committed:
        assert dict(store.get(vid).tables) == numbered_tables(int(index))
    con = sqlite3.connect(store.path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # each kill loses at most the save in flight: a saved row the loop did not report is one that
    # committed just before the kill, before its print
    total = con.execute("SELECT count(*) FROM datasets").fetchone()[0]
    con.close()
    assert len(committed) <= total <= len(committed) + 4
