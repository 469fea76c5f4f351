"""Issue 24 items 2-3 in core: a Dataset carries its key from the moment it is made, an analysis
carries its dataset's key, entries checked once are written with one validation, and a version
just saved reads back as the Dataset it was saved from.  Numbers are synthetic."""
from __future__ import annotations

import dataclasses

import pytest

from core import vocab
from core.evidence import dataset as dataset_module
from core.evidence import entry as entry_module
from core.evidence.dataset import load_dataset
from core.evidence.entry import Entry, apply_entries, apply_entry, check_entry_in
from core.store.tables import dataset_tables, reads_back_as_itself, tables_dataset
from core.workflow.analysis import AnalysisSpec, analyse, empty_analysis
from tests.factories import make_dataset, study, two_arm_study

HBA1C = vocab.Outcome.HBA1C


@pytest.fixture
def ds():
    a = dict(study("A2010", "T1DM"), n_msc="20", n_control="18")
    return make_dataset([a], two_arm_study("A2010", HBA1C, 7.0, 0.8, 8.6, 0.8, n=18))


def arm(arm: str, mean: str) -> Entry:
    return Entry("A2010", arm, HBA1C, "12", "18", mean, "sd", "1.0", unit="%",
                 source="https://doi.org/10.1000/synthetic", locator="Table 2")


def test_the_key_is_made_with_the_dataset_and_follows_every_table():
    ds = load_dataset()
    assert ds.key == ds.fingerprint() == load_dataset().key and len(ds.key) == 40
    for table in ("studies", "outcomes", "events", "gaps", "reported"):
        edited = dataclasses.replace(ds, **{table: getattr(ds, table).iloc[1:]})
        assert edited.key != ds.key, table
    assert dataclasses.replace(ds, name="other").key != ds.key


def test_an_analysis_carries_its_datasets_key(ds):
    spec = AnalysisSpec(comparison="vs_control", study_set="all")
    assert analyse(ds, spec).dataset_key == ds.key
    assert analyse(ds, AnalysisSpec(outcome="fcp")).dataset_key == ds.key          # nothing to pool
    assert empty_analysis(ds, spec, "why").dataset_key == ds.key


def test_checked_entries_are_written_with_one_validation_and_no_second_check(ds, monkeypatch):
    checks = [check_entry_in(ds, arm("msc", "7.4")), check_entry_in(ds, arm("control", "8.1"))]
    calls = {"check": 0, "validate": 0}
    check, validate = entry_module.check_entry, entry_module.validate_outcomes
    monkeypatch.setattr(entry_module, "check_entry", lambda *a, **k: calls.__setitem__("check", calls["check"] + 1)
                        or check(*a, **k))
    monkeypatch.setattr(entry_module, "validate_outcomes",
                        lambda *a, **k: calls.__setitem__("validate", calls["validate"] + 1) or validate(*a, **k))
    res = apply_entries(ds, checks)
    assert calls == {"check": 0, "validate": 1}
    monkeypatch.undo()
    one_by_one = apply_entry(apply_entry(ds, arm("msc", "7.4")).dataset, arm("control", "8.1"))
    assert res.dataset.outcomes.equals(one_by_one.dataset.outcomes)
    assert [(e.arm, e.field, e.old, e.new) for e in res.edits] == \
        [(e.arm, e.field, e.old, e.new) for e in apply_entry(ds, arm("msc", "7.4")).edits
         + apply_entry(ds, arm("control", "8.1")).edits]


def test_a_check_of_another_dataset_or_with_problems_is_not_written(ds):
    other = dataclasses.replace(ds, name="another")
    with pytest.raises(ValueError, match="checks check_entry_in made on this dataset"):
        apply_entries(ds, [check_entry_in(other, arm("msc", "7.4"))])
    bad = check_entry_in(ds, dataclasses.replace(arm("msc", "7.4"), disp1="-1"))
    with pytest.raises(entry_module.DatasetError, match="must be > 0"):
        apply_entries(ds, [bad])


def test_a_saved_dataset_reads_back_as_itself_and_an_inexact_one_does_not(ds):
    new = apply_entry(ds, arm("msc", "7.4")).dataset
    tables = dataset_tables(new)
    assert reads_back_as_itself(new, tables)
    back = tables_dataset(tables, name=new.name)
    assert back.key == new.key
    assert reads_back_as_itself(load_dataset(), dataset_tables(load_dataset()))
    as_number = new.outcomes.copy()
    as_number["n"] = [int(n) for n in as_number["n"]]   # numbers, not the text a load gives back
    assert not reads_back_as_itself(dataclasses.replace(new, outcomes=as_number), tables)
    reordered = new.studies[list(reversed(new.studies.columns))]
    assert not reads_back_as_itself(dataclasses.replace(new, studies=reordered), tables)


def test_the_loader_validates_through_the_one_codec(monkeypatch):
    calls = []
    validate = dataset_module.validate_outcomes
    monkeypatch.setattr(dataset_module, "validate_outcomes", lambda *a, **k: calls.append(1) or validate(*a, **k))
    load_dataset()
    assert calls == [1]
