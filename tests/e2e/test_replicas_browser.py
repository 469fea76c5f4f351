"""Two replicas, one database (issue 16), in headless Chromium: two app processes on two loopback
ports, both with MSCDM_DATABASE_URL naming one throwaway PostgreSQL (tests/support/pg_cluster.py).

A dataset saved through replica A's workbench opens on replica B with the same numbers; an edit
saved on B is a new version whose parent is A's; after SIGKILL of A, B still serves both versions.
The numbers typed are the workbench test's synthetic fixtures: they never enter data/."""
from __future__ import annotations

import os
import signal

import pytest

from tests.support.appserver import start_server, stop_server
from tests.support.pg_cluster import start_cluster
from core.store import open_store
from tests.e2e.conftest import no_exception_shown, screenshot, wait_app_idle
from tests.e2e.test_workbench_browser import CELL, SYNTHETIC, _click_cell, _forest_meta, _saved_id, _type

# A second missing cell of the same single-arm study (before and after), entered on replica B.
CELL_B = ("HbA1c · 6 mo", "Liu 2014")
SYNTHETIC_B = {**SYNTHETIC, "wb_0_mean": "8.7", "wb_1_mean": "7.9", "wb_locator": "Table 3 (synthetic)"}


@pytest.fixture
def database():
    cluster = start_cluster()
    try:
        yield cluster.create_database("mscdm_replicas")
    finally:
        cluster.stop()


def _replica(tmp_path, url: str, name: str):
    env = {**os.environ, "MSCDM_DATABASE_URL": url, "MSCDM_STATE_DIR": str(tmp_path / f"state-{name}"),
           "STREAMLIT_SERVER_COOKIE_SECRET": "shared-by-both-replicas"}
    return start_server(tmp_path / f"replica-{name}.log", env=env)


def _save_cell(page, base: str, query: str, cell, values) -> str:
    """Enter ``values`` for ``cell`` on the workbench of ``base`` and save; return the new id."""
    page.goto(f"{base}/your_data?{query}" if query else f"{base}/your_data")
    _click_cell(page, *cell)
    # The form asks only for what the version lacks (e.g. no "before" once a baseline is known).
    _type(page, {k: v for k, v in values.items() if page.locator(f".st-key-{k} input").count()})
    page.get_by_role("button", name="Save as a new version").click()
    new_id = _saved_id(page)
    assert no_exception_shown(page)
    return new_id


def test_a_link_saved_on_one_replica_opens_and_grows_on_the_other(browser, tmp_path, database):  # long: one flow
    a, b = _replica(tmp_path, database, "a"), _replica(tmp_path, database, "b")
    ctx_a = browser.new_context(viewport={"width": 1440, "height": 900})
    ctx_b = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page_a, page_b = ctx_a.new_page(), ctx_b.new_page()
        shipped = _forest_meta(page_b, b.url, "")

        # 1. save through replica A's workbench
        v1 = _save_cell(page_a, a.url, "", CELL, SYNTHETIC)
        on_a = _forest_meta(page_a, a.url, f"ds={v1}")
        assert on_a["studies"] == ["Cai 2016", "Liu 2014"] and on_a["estimate"] != shipped["estimate"]

        # 2. its link on replica B: the same numbers, the read-only banner naming the version
        on_b = _forest_meta(page_b, b.url, f"ds={v1}")
        assert on_b == on_a
        assert page_b.get_by_text(f"id {v1}", exact=False).count() >= 1
        screenshot(page_b, "16/replica_b_opens_a_link")

        # 3. edit on B: a new version whose parent is A's
        v2 = _save_cell(page_b, b.url, f"ds={v1}", CELL_B, SYNTHETIC_B)
        assert v2 != v1
        history = open_store(url=database).history(v2)
        assert [v.id for v in history.versions] == [v2, v1]
        assert history.versions[0].parent_id == v1
        screenshot(page_b, "16/replica_b_saved_child")

        # 4. SIGKILL A: B keeps serving both versions (a fresh browser, nothing cached in it)
        os.killpg(a.proc.pid, signal.SIGKILL)
        a.proc.wait()
        fresh = browser.new_context(viewport={"width": 1440, "height": 900})
        try:
            page = fresh.new_page()
            assert _forest_meta(page, b.url, f"ds={v1}") == on_a
            assert _forest_meta(page, b.url, f"ds={v2}")["studies"] == on_a["studies"]   # 12 mo unchanged in v2
            assert page.get_by_text(f"parent {v1}", exact=False).count() >= 1
            assert no_exception_shown(page)
            screenshot(page, "16/replica_b_after_a_killed")
        finally:
            fresh.close()
    finally:
        ctx_a.close()
        ctx_b.close()
        stop_server(a.proc)
        stop_server(b.proc)
