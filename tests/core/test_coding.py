"""Setting a study's coded characteristic (core.evidence.coding, issue 25 item 1): the allowed values
and their problems, the new studies table and coding note, the one Edit it records (kept by the store
and listed by dataset_changes), and the analyses that then use the new code."""
from __future__ import annotations

import pytest

from core.errors import DatasetError
from core.evidence.changes import changes_text, dataset_changes
from core.evidence.coding import (CodeChange, apply_code_change, check_code_change, current_code,
                                  is_characteristic_edit, normalised_value)
from core.evidence.dataset import load_dataset
from core.store import SQLiteStore
from core.store.tables import version_dataset, version_tables
from core.certainty import CertaintyInputs
from core.words.characteristics import characteristic_value_words
from core.words.statuses import cell_words
from core.workflow.analysis import AnalysisSpec, analyse
from core.workflow.characteristics import regress_on, split_by

DS = load_dataset()


@pytest.mark.parametrize("column, raw, stored", [
    ("cell_source", "adipose", "adipose"), ("cell_source", "not_reported", "not_reported"),
    ("cell_source", "fat", None), ("donor", "Autologous", None), ("dose_per_kg", " 1.50 ", "1.5"),
    ("dose_per_kg", "0", None), ("dose_per_kg", "−1", None), ("dose_per_kg", "1e7", None),
    ("dose_per_kg", "nan", None), ("infusions", "3", "3"), ("infusions", "2.5", None), ("infusions", "", None),
])
def test_normalised_value(column, raw, stored):
    assert normalised_value(column, raw) == stored


def test_each_problem_is_named():
    def problems(**kw):
        base = dict(study_id="Cai2016", column="cell_source", value="adipose", reason="Full text, Methods.")
        return " ".join(check_code_change(DS, CodeChange(**{**base, **kw})))

    assert problems() == ""
    assert "no study 'Nobody2020'" in problems(study_id="Nobody2020")
    assert "'year' is not a coded characteristic" in problems(column="year")
    assert "already coded Mixed sources" in problems(value="mixed")
    assert "Say why" in problems(reason="  ") and "Say why" in problems(reason="123")
    assert "whole number" in problems(column="infusions", value="1.5")
    assert "more than 5000 characters" in problems(quote="x" * 5001)
    assert "NUL" in problems(locator="p.\x003")


def test_apply_writes_the_code_the_note_and_one_edit():
    change = CodeChange("Jiang2011", "dose_per_kg", "0.5", "Synthetic reason: the registry entry", "Arm B")
    res = apply_code_change(DS, change)
    assert (res.old, res.new) == ("0.45", "0.5")
    assert current_code(res.dataset, "Jiang2011", "dose_per_kg") == "0.5"
    assert current_code(DS, "Jiang2011", "dose_per_kg") == "0.45"           # the original is untouched
    note = res.dataset.studies.set_index("study_id").loc["Jiang2011", "coding_note"]
    assert note.startswith(DS.studies.set_index("study_id").loc["Jiang2011", "coding_note"])
    assert note.endswith("Dose (10⁶ cells/kg per infusion) set by a user in the workbench: 0.5 × 10⁶ cells/kg per "
                         "infusion (was 0.45 × 10⁶ cells/kg per infusion), because: Synthetic reason: the registry "
                         "entry (Arm B).")
    (edit,) = res.edits
    assert (edit.cell, edit.old, edit.new, edit.source, edit.locator) == (
        "Jiang2011/dose_per_kg", "0.45", "0.5", "Synthetic reason: the registry entry", "Arm B")
    assert is_characteristic_edit(edit) and edit.time is not None
    assert res.dataset.studies["year_num"].notna().all()                       # still a validated table
    with pytest.raises(DatasetError, match="already coded"):
        apply_code_change(res.dataset, change)


def test_words_for_values_and_cells():
    assert characteristic_value_words("donor", "allogeneic") == "Allogeneic"
    assert characteristic_value_words("infusions", "not_reported") == "not reported"
    assert characteristic_value_words("infusions", "") == "not reported"
    assert characteristic_value_words("infusions", "2") == "2 infusion(s)"
    assert cell_words("Cai 2016", "", "", "", "route_class") == "Cai 2016 · study characteristic · route"
    assert cell_words("Cai 2016", "msc", "hba1c", "12", "mean").startswith("Cai 2016 · MSC arm")


def test_the_store_keeps_the_code_and_its_edit(tmp_path):
    res = apply_code_change(DS, CodeChange("Cai2016", "donor", "allogeneic", "Synthetic reason"))
    store = SQLiteStore(tmp_path / "s.sqlite")
    v = store.save(version_tables(res.dataset, CertaintyInputs.default(res.dataset)), parent_id=None, name="t",
                   edits=res.edits)
    back = store.get(v.id)
    assert current_code(version_dataset(back), "Cai2016", "donor") == "allogeneic"
    assert [(e.field, e.old, e.new, e.arm, e.outcome, e.timepoint) for e in back.edits] == [
        ("donor", "mixed", "allogeneic", "", "", "")]


def test_dataset_changes_lists_a_changed_code_after_the_outcome_cells():
    res = apply_code_change(DS, CodeChange("Hu2013", "infusions", "3", "Synthetic reason"))
    changes = dataset_changes(DS, res.dataset)
    assert [(e.cell, e.old, e.new) for e in changes] == [("Hu2013/infusions", "2", "3")]
    assert "because: Synthetic reason" in changes[0].source
    assert "Hu2013/infusions: 2 -> 3  | source: " in changes_text(changes)
    assert dataset_changes(DS, DS) == ()


def test_the_split_uses_the_new_code():
    spec = AnalysisSpec(comparison="vs_control", study_set="all")
    before = split_by(analyse(DS, spec), DS.studies, "cell_source")
    res = apply_code_change(DS, CodeChange("Cai2016", "cell_source", "bone_marrow", "Synthetic reason"))
    after = split_by(analyse(res.dataset, spec), res.dataset.studies, "cell_source")
    assert {g: before.separate.subgroups[g].k for g in before.separate.groups} == {
        "Umbilical cord / Wharton's jelly": 2, "Adipose tissue": 1, "Mixed sources": 1}
    assert {g: after.separate.subgroups[g].k for g in after.separate.groups} == {
        "Umbilical cord / Wharton's jelly": 2, "Bone marrow": 1, "Adipose tissue": 1}


def test_the_meta_regression_uses_a_new_dose():
    spec = AnalysisSpec(comparison="vs_control", study_set="all")
    res = apply_code_change(DS, CodeChange("Cai2016", "dose_per_kg", "not_reported", "Synthetic reason"))
    before = regress_on(analyse(DS, spec), DS.studies, "dose_per_kg")
    after = regress_on(analyse(res.dataset, spec), res.dataset.studies, "dose_per_kg")
    assert "Cai 2016" in before.labels and "Cai 2016" not in after.labels and "Cai 2016" in after.missing


def test_the_studies_page_line_does_not_say_the_text_supports_a_users_code():
    from core.words.characteristics import coded_line
    res = apply_code_change(DS, CodeChange("Cai2016", "cell_source", "adipose", "Synthetic reason"))
    line = coded_line(res.dataset.studies.set_index("study_id").loc["Cai2016"].to_dict())
    assert line.startswith("Coded from the text above, except where the coding note says a user set the code: ")
    assert line.endswith("Cell source set by a user in the workbench: Adipose tissue (was Mixed sources), because: "
                         "Synthetic reason.")
    assert coded_line(DS.studies.set_index("study_id").loc["Cai2016"].to_dict()).startswith(
        "Coded from the text above: cell source: Mixed sources")
