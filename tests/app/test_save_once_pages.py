"""Issue 24 items 2-3 through AppTest: a workbench save checks each entry once, validates the
outcomes table once (the rerun uses the version just saved as it is, not read back from the store)
and computes the effect line once, after the save; caches key on the analysis itself.
Each test has its own MSCDM_STATE_DIR; the numbers are synthetic."""
from __future__ import annotations

import dataclasses

import pytest

from core.evidence import dataset as dataset_module
from core.evidence import entry as entry_module
from core.evidence.dataset import load_dataset
from core.store import open_store
from core.store.tables import version_dataset
from core.workflow.analysis import AnalysisSpec, analyse
from tests.app.test_workbench import SYNTHETIC, open_page, pick, save, texts, type_in


def _counting(monkeypatch, module, name: str, calls: dict) -> None:
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls[name] = calls.get(name, 0) + 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


def test_a_workbench_save_checks_validates_and_explains_once(state_dir, monkeypatch):
    import ui.entry_form

    at = open_page()
    pick(at)
    type_in(at, SYNTHETIC)
    calls: dict = {}
    _counting(monkeypatch, entry_module, "check_entry", calls)           # behind check_entry_in
    _counting(monkeypatch, entry_module, "validate_outcomes", calls)     # the entry's table
    _counting(monkeypatch, dataset_module, "validate_outcomes", calls)   # a load of the saved version
    _counting(monkeypatch, ui.entry_form, "entry_effect", calls)
    save(at)
    ds_id = at.query_params["ds"]
    assert any(t.startswith("Saved as a new version (id " + ds_id) for t in texts(at))
    # two arms, each checked once as typed; one validation; one effect line, on the saved version
    assert calls == {"check_entry": 2, "validate_outcomes": 1, "entry_effect": 1}
    assert any(t.startswith("Fig. 2, HbA1c vs control, T1DM: now 2 of 2 studies; recomputed") for t in texts(at))
    # what the pages use is what a fresh load of the version gives
    in_use = at.session_state["_ds_in_use"].dataset
    loaded = version_dataset(open_store(state_dir=state_dir).get(ds_id))
    assert in_use.key == loaded.key and in_use.name == loaded.name
    assert all(getattr(in_use, t).equals(getattr(loaded, t)) for t in ("studies", "outcomes", "events", "gaps",
                                                                       "reported"))


def test_caches_key_on_the_analysis_its_dataset_and_spec():
    from ui.cache import cache_key

    ds = load_dataset()
    spec = AnalysisSpec(comparison="vs_control", study_set="all")
    a = analyse(ds, spec)
    assert cache_key(a) == ("analysis", ds.key, repr(spec))
    assert cache_key(analyse(load_dataset(), spec)) == cache_key(a)                # same content, same key
    edited = dataclasses.replace(ds, outcomes=ds.outcomes.iloc[1:])
    assert cache_key(analyse(edited, spec)) != cache_key(a)
    with pytest.raises(ValueError, match="without its dataset's key"):
        cache_key(dataclasses.replace(a, dataset_key=""))


def test_the_dataset_is_decided_once_per_run(state_dir, monkeypatch):
    import ui.datasets
    from streamlit.testing.v1 import AppTest

    from tests.app.test_workbench import APP

    at = AppTest.from_file(APP, default_timeout=60).run()
    calls = []
    shipped = ui.datasets.shipped_dataset
    monkeypatch.setattr(ui.datasets, "shipped_dataset", lambda: calls.append(1) or shipped())
    for page in ("pages/forest.py", "pages/sensitivity.py", "pages/summary_of_findings.py"):
        calls.clear()
        at.switch_page(page).run()
        assert not at.exception
        assert len(calls) == 1, f"{page}: the shipped dataset looked up {len(calls)} times in one run"
