"""core.evidence.dataset: the shipped tables load, and schema problems are reported together and precisely."""
from __future__ import annotations

import pandas as pd
import pytest

from core.evidence.dataset import load_dataset, validate_outcomes, validate_studies
from core.errors import DatasetError
from tests.factories import arm, study


def test_shipped_data_loads_and_keeps_missing_as_missing():
    ds = load_dataset()
    assert set(ds.studies["set"]) == {"paper", "update"}
    # Jiang 2011's post-therapy time is not reported: the cell stays empty, never guessed.
    jiang = ds.outcomes[(ds.outcomes["study_id"] == "Jiang2011") & (ds.outcomes["outcome"] == "insulin")]
    assert jiang["timepoint_num"].isna().sum() == 1


def test_outcome_problems_are_listed_together():
    rows = pd.DataFrame([arm("A2010", "msc", "hba1c", 0, 10, 8.0, -1.2), arm("A2010", "arm3", "hba1c", 12, 0, 7.0, 1),
                         arm("Z1999", "msc", "hba1c", 12, 10, "seven", 1)])
    with pytest.raises(DatasetError) as err:
        validate_outcomes(rows, ["A2010"])
    problems = "\n".join(err.value.problems)
    assert "row 2, column `disp1`: '-1.2' is an impossible SD; expected a value > 0" in problems
    assert "row 3, column `arm`: 'arm3' is not one of msc, control" in problems
    assert "row 3, column `n`: '0' must be > 0" in problems
    assert "row 4, column `mean`: 'seven' is not a finite number" in problems
    assert "row 4, column `study_id`: 'Z1999' is not in the studies table" in problems


def test_duplicates_need_a_marked_choice():
    rows = pd.DataFrame([arm("A2010", "msc", "hba1c", 0, 10, 8.0, 1.0)] * 2)
    with pytest.raises(DatasetError, match="appears 2 times with use=yes"):
        validate_outcomes(rows, ["A2010"])
    rows.loc[1, "use"] = "no"
    assert len(validate_outcomes(rows, ["A2010"])) == 2


def test_missing_columns_and_bounds():
    with pytest.raises(DatasetError, match="missing column\\(s\\) mean"):
        validate_outcomes(pd.DataFrame([arm("A", "msc", "hba1c", 0, 10, 8, 1)]).drop(columns=["mean"]))
    bad = pd.DataFrame([arm("A", "msc", "hba1c", 0, 10, 8.0, 9.0, dispersion_type="median_iqr", disp2=7.0)])
    with pytest.raises(DatasetError, match="do not contain the centre"):
        validate_outcomes(bad)


def test_studies_schema():
    with pytest.raises(DatasetError, match="'T3DM' is not one of T1DM, T2DM"):
        validate_studies(pd.DataFrame([study("A2010", dm_type="T3DM")]))
    with pytest.raises(DatasetError, match="appears more than once"):
        validate_studies(pd.DataFrame([study("A2010"), study("A2010")]))


def test_fingerprint_is_memoised_and_follows_the_content():
    from dataclasses import replace

    ds = load_dataset()
    fp = ds.fingerprint()
    assert fp == ds.fingerprint() == load_dataset().fingerprint() and len(fp) == 40
    edited = replace(ds, outcomes=ds.outcomes.iloc[1:])
    assert edited.fingerprint() != fp and replace(ds, name="other").fingerprint() != fp


def test_vocabularies_come_from_the_registry():
    from core import vocab
    from core.evidence import dataset

    for name in ("OUTCOMES", "OUTCOME_CODES", "DM_TYPES", "DESIGN_CLASSES"):
        assert not hasattr(dataset, name), f"dataset.{name} duplicates core.vocab.{name}"
    bad = load_dataset().outcomes.assign(outcome="ldl")
    with pytest.raises(DatasetError, match="is not one of " + ", ".join(vocab.OUTCOME_CODES)):
        validate_outcomes(bad)
