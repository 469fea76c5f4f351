"""The coded study characteristics (issue 25): the schema check and the keyword evidence rules
(core.evidence.characteristics), on synthetic rows."""
from __future__ import annotations

import pandas as pd
import pytest

from core.errors import DatasetError
from core.evidence.characteristics import found_codes, numeric_values, unsupported
from core.evidence.dataset import load_dataset, validate_studies


def _row(**kw):
    base = {"study_id": "S1", "set": "paper", "dm_type": "T1DM", "design_class": "rct", "first_author": "A",
            "year": "2020", "title": "A trial", "msc_source": "allogeneic umbilical cord MSC",
            "dose": "1 x 10^6 cells/kg, two infusions", "route": "IV", "cell_source": "umbilical_cord",
            "donor": "allogeneic", "route_class": "intravenous", "dm_duration": "not_reported",
            "dose_per_kg": "1", "infusions": "2", "coding_note": ""}
    return pd.DataFrame([base | kw])


def test_a_supported_row_passes():
    assert unsupported(_row()) == []


@pytest.mark.parametrize("change, expected", [
    ({"cell_source": "bone_marrow"}, "cell_source: coded bone_marrow, but no word"),
    ({"msc_source": "allogeneic umbilical cord and bone marrow MSC"}, "cell_source: coded umbilical_cord, but the text "
                                                                      "also names bone_marrow"),
    ({"cell_source": "mixed"}, "cell_source: coded mixed, but the text names 1"),
    ({"donor": "not_reported"}, "donor: coded not reported, but the text names allogeneic"),
    ({"route": "dorsal pancreatic artery", "route_class": "intravenous"}, "route_class: coded intravenous, but no"),
    ({"dose_per_kg": "1.5"}, "dose_per_kg: 1.5 is not printed"),
    ({"infusions": "3"}, "infusions: 3 is not printed"),
    ({"dose_per_kg": "not_reported"}, "dose_per_kg: coded not reported, but the text gives a dose per kg"),
    ({"title": "MSC in new-onset T1DM"}, "dm_duration: coded not reported, but the text names new_onset"),
])
def test_an_unsupported_code_is_named(change, expected):
    problems = unsupported(_row(**change))
    assert len(problems) == 1 and problems[0].startswith("S1 ") and expected in problems[0], problems


def test_a_note_explains_a_derived_number_only_for_its_own_column():
    assert unsupported(_row(dose_per_kg="0.5", coding_note="dose from: 1 over two infusions = 0.5")) == []
    assert unsupported(_row(dose_per_kg="0.5", coding_note="infusions from: the schedule")) != []
    assert unsupported(_row(dose="single infusion", dose_per_kg="not_reported", infusions="1")) == []
    assert unsupported(_row(dose="1 x 10^6 cells/kg twice", infusions="2")) == []


def test_keywords():
    assert found_codes("route_class", "targeted (superior pancreatic artery) + antecubital vein") == ("intravenous",
                                                                                                      "arterial")
    assert found_codes("cell_source", "UC-MSC and BM-MSC") == ("umbilical_cord", "bone_marrow")
    assert found_codes("route_class", "infusion (route not stated)") == ()


@pytest.mark.parametrize("column, value, words", [
    ("cell_source", "cord", "'cord' is not one of umbilical_cord"), ("donor", "self", "'self' is not one of"),
    ("dose_per_kg", "-1", "must be a number > 0 or not_reported"),
    ("infusions", "1.5", "must be a whole number >= 1 or not_reported"),
    ("dose_per_kg", "NR", "'NR' must be a number > 0")])
def test_schema_check_lists_a_bad_code(column, value, words):
    with pytest.raises(DatasetError) as exc:
        validate_studies(_row(**{column: value}))
    assert any(words in p and f"column `{column}`" in p for p in exc.value.problems), exc.value.problems


def test_a_table_without_the_columns_loads_as_not_coded():
    df = _row().drop(columns=["cell_source", "dose_per_kg", "coding_note"])
    out = validate_studies(df)
    assert out.loc[0, "cell_source"] == "" and numeric_values(out, "dose_per_kg").isna().all()


def test_numeric_values_of_the_shipped_table():
    dose = numeric_values(load_dataset().studies, "dose_per_kg")
    assert dose["Jiang2011"] == pytest.approx(0.45) and pd.isna(dose["Hu2013"]) and dose["Cai2016"] == 1.1


def test_a_users_studies_table_can_correct_a_code_and_a_bad_one_is_named():
    """Codes are set or corrected through an uploaded studies table (the Your data page), checked like the
    shipped one."""
    from core.evidence.upload import build_dataset
    shipped = load_dataset()
    outcomes = shipped.outcomes[[c for c in shipped.outcomes.columns if not c.endswith("_num")]]
    kong = shipped.studies[shipped.studies["study_id"] == "Kong2014"].drop(columns=["year_num"]).copy()
    kong["donor"] = "allogeneic"
    ds = build_dataset(outcomes, shipped, studies=kong)
    assert ds.studies.set_index("study_id").loc["Kong2014", "donor"] == "allogeneic"
    kong["cell_source"] = "cord"
    with pytest.raises(DatasetError) as exc:
        build_dataset(outcomes, shipped, studies=kong)
    assert any("column `cell_source`" in p and "'cord'" in p for p in exc.value.problems)
