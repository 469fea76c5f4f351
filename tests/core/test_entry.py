"""The entry form's checks (issue 12, §1) and the edit an entry makes.  Numbers are synthetic."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from core import vocab
from core.errors import DatasetError
from core.evidence.entry import (Entry, EntryCheck, apply_entry, check_entry, check_entry_in, parse_number,
                                 randomised_n)
from core.store.tables import dataset_tables, tables_dataset
from tests.factories import make_dataset, study, two_arm_study

HBA1C, FCP = vocab.Outcome.HBA1C, vocab.Outcome.FCP


@pytest.fixture
def ds():
    a = dict(study("A2010", "T1DM"), n_msc="20", n_control="18")
    single = dict(study("S2012"), design_class="single_arm", n_msc="12", n_control="0")
    return make_dataset([a, single], two_arm_study("A2010", HBA1C, 7.0, 0.8, 8.6, 0.8, n=18))


def entry(**kw) -> Entry:
    base = dict(study_id="A2010", arm="msc", outcome=HBA1C, timepoint_months="12", n="18", mean="7.4",
                dispersion_type="sd", disp1="1.0", unit="%", source="https://doi.org/10.1000/synthetic",
                locator="Table 2", quote="7.4 ± 1.0")
    return Entry(**{**base, **kw})


def problems(ds, **kw) -> tuple[str, ...]:
    return check_entry_in(ds, entry(**kw)).messages


def test_a_good_entry_has_no_problems(ds):
    check = check_entry_in(ds, entry())
    assert isinstance(check, EntryCheck) and check.ok and check.messages == ()


@pytest.mark.parametrize("kw, message", [
    (dict(disp1="-1.2"), "an SD must be > 0; got −1.2"),
    (dict(disp1="0", dispersion_type="se"), "an SE must be > 0; got 0"),
    (dict(n="40"), "n = 40 is larger than the 20 patients randomised to the MSC arm"),
    (dict(n="19", arm="control"), "n = 19 is larger than the 18 patients randomised to the control arm"),
    (dict(dispersion_type="ci95", mean="2.4", disp1="1.0", disp2="2.0"),
     "the 95% CI [1.0, 2.0] does not contain its mean 2.4"),
    (dict(unit="mmol/mol"), "mmol/mol is not a unit of HbA1c; expected %"),
    (dict(outcome=FCP, unit="%"), "% is not a unit of F-CP; expected nmol/L, ng/mL, pmol/L or pmol/mL"),
    (dict(dispersion_type="median_range", mean="5.1", disp1="5.5", disp2="9.0"),
     "the median 5.1 lies outside its range [5.5, 9.0]"),
    (dict(dispersion_type="median_iqr", mean="10", disp1="5.5", disp2="9.0"),
     "the median 10 lies outside its IQR [5.5, 9.0]"),
    (dict(dispersion_type="median_iqr", mean="5", disp1="6", disp2="4"),
     "the IQR [6, 4] must have its lower bound below its upper bound"),
    (dict(dispersion_type="ci95", disp2=""), "the upper bound of the 95% CI is required"),
    (dict(dispersion_type="se", n="1"), "an SE needs n ≥ 2; got n = 1"),
    (dict(n="2.5"), "n must be a whole number ≥ 1; got 2.5"),
    (dict(n=""), "n is required"),
    (dict(mean="abc"), "the mean must be a number (digits 0-9 with a point for decimals, e.g. 7.5); got 'abc'"),
    (dict(mean="1e12"), "the mean must be a finite number of at most 1e+09; got 1e12"),
    (dict(disp2="3"), "an SD is one number; leave the second value empty"),
    (dict(source=" "), "the source is required: a URL, DOI or citation"),
    (dict(source="javascript:alert(1)"), "the source must be a web address (http or https), a DOI or a citation"),
    (dict(locator=""), "the locator is required: the table, figure or page the numbers are on"),
    (dict(timepoint_months="-3"), "the time point must be months ≥ 0; got −3"),
    (dict(study_id="Nobody2020"), "'Nobody2020' is not a study of this dataset"),
    (dict(arm="placebo"), "'placebo' is not an arm; expected MSC or control"),
    (dict(dispersion_type="variance"),
     "'variance' is not a dispersion type; expected SD, SE, 95% CI, median with IQR or median with range"),
    (dict(study_id="S2012", arm="control", n="5"), "S2012 has no control arm (no patients randomised to it)"),
])
def test_each_problem_is_named_in_a_sentence(ds, kw, message):
    assert message in problems(ds, **kw)


def test_problems_are_listed_by_field(ds):
    check = check_entry_in(ds, entry(disp1="-1", unit="mg", locator=""))
    assert check.for_field("disp1") == ("an SD must be > 0; got −1",)
    assert check.for_field("unit") == ("mg is not a unit of HbA1c; expected %",)
    assert len(check.for_field("locator")) == 1 and check.for_field("mean") == ()


def test_numbers_as_typed():
    assert parse_number(" −1.5 ").value == -1.5 and parse_number("−1.5").shown == "−1.5"
    assert parse_number("").value is None and parse_number("").ok
    assert not parse_number("nan").ok and not parse_number("inf").ok
    assert check_entry(entry(mean=7.4, disp1=1.0, n=18)).ok                # numbers, not text
    assert check_entry(entry(n="40")).ok                                    # randomised n not known: not checked


def test_randomised_n_comes_from_the_studies_table(ds):
    assert (randomised_n(ds, "A2010", "msc"), randomised_n(ds, "A2010", "control")) == (20, 18)
    assert randomised_n(ds, "S2012", "control") == 0 and randomised_n(ds, "Nobody", "msc") is None


def test_a_new_cell_is_added_with_its_provenance(ds):
    when = datetime(2030, 1, 2, tzinfo=timezone.utc)
    result = apply_entry(ds, entry(outcome=FCP, unit="nmol/L", timepoint_months="6", mean="0.3", disp1="0.1"),
                         now=when)
    assert not result.superseded
    row = dict(result.row)
    assert (row["source_url"], row["locator"], row["snippet"], row["use"]) == \
        ("https://doi.org/10.1000/synthetic", "Table 2", "7.4 ± 1.0", "yes")
    o = result.dataset.outcomes
    added = o[(o["outcome"] == FCP) & (o["timepoint_months"] == "6")]
    assert len(added) == 1 and added.iloc[0]["mean_num"] == 0.3 and added.iloc[0]["timepoint_label"] == "6 months"
    assert len(o) == len(ds.outcomes) + 1
    edits = {e.field: e for e in result.edits}
    assert (edits["mean"].old, edits["mean"].new) == ("", "0.3") and edits["mean"].time == when
    assert edits["mean"].cell == "A2010/msc/fcp/6/mean" and edits["mean"].source == row["source_url"]
    assert "disp2" not in edits                                            # unchanged (empty -> empty)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.edits = ()
    with pytest.raises(TypeError):
        result.row["mean"] = "1"


def test_a_changed_cell_keeps_the_old_row_unused(ds):
    result = apply_entry(ds, entry(mean="7.4"))
    assert result.superseded
    o = result.dataset.outcomes
    cell = o[(o["arm"] == "msc") & (o["timepoint_months"] == "12") & (o["outcome"] == HBA1C)]
    assert sorted(cell["use"]) == ["no", "yes"]
    assert cell[cell["use"] == "yes"].iloc[0]["mean"] == "7.4"
    assert cell[cell["use"] == "no"].iloc[0]["mean"] == "7.0"
    assert cell[cell["use"] == "no"].iloc[0]["use_note"].startswith("superseded")
    changed = {e.field: (e.old, e.new) for e in result.edits}
    assert changed["mean"] == ("7.0", "7.4") and changed["disp1"] == ("0.8", "1.0")
    assert ds.outcomes["mean"].tolist().count("7.4") == 0                  # the input dataset is unchanged


def test_a_bad_entry_is_refused_with_its_problems(ds):
    with pytest.raises(DatasetError) as err:
        apply_entry(ds, entry(disp1="-1.2", n="40"))
    assert err.value.problems == ["n = 40 is larger than the 20 patients randomised to the MSC arm",
                                  "an SD must be > 0; got −1.2"]


def test_an_applied_entry_survives_the_store_round_trip(ds):
    result = apply_entry(ds, entry(mean="7.4"))
    back = tables_dataset(dataset_tables(result.dataset), name="round trip")
    cols = [c for c in result.dataset.outcomes.columns]
    assert back.outcomes[cols].equals(result.dataset.outcomes[cols])


# What a field check accepts, the save accepts, and the reverse (issue 23, item 2): float() alone took
# '1_000', Arabic-Indic and full-width digits, which validate_outcomes then refused as "outcomes row 50".
TYPED = ("7.4", " 7.4 ", "+7.4", "7.", ".5", "7e0", "7.4E+00", "−1.5", "-0", "00012", "1_000", "٧٫٤", "٧", "７",
         "nan", "inf", "-Infinity", "1e400", "0x10", "1,5", "7.4.1", "", " ", "e5", "1e", "..5", "٫5")


@pytest.mark.parametrize("typed", TYPED)
def test_the_field_check_and_the_save_accept_exactly_the_same_numbers(ds, typed):
    e = entry(mean=typed, quote="")
    check_ok = not check_entry_in(ds, e).for_field("mean")
    try:
        apply_entry(ds, e)
        saved = True
    except DatasetError:
        saved = False
    assert check_ok == saved, (typed, check_entry_in(ds, e).messages)
    if typed in ("1_000", "٧٫٤", "７"):
        assert not check_ok and "digits 0-9" in " ".join(check_entry_in(ds, e).messages)


@pytest.mark.parametrize("typed", ("1_000", "٧", "７", "nan"))
def test_n_and_dispersion_refuse_what_the_save_would_refuse(ds, typed):
    assert check_entry_in(ds, entry(n=typed)).for_field("n")
    assert check_entry_in(ds, entry(disp1=typed)).for_field("disp1")
    assert check_entry_in(ds, entry(dispersion_type="ci95", disp1="6.0", disp2=typed)).for_field("disp2")


def test_a_nul_character_is_named_under_its_field(ds):
    # issue 23 (item 9): it saved on SQLite and failed on PostgreSQL with a message blaming the database
    check = check_entry_in(ds, entry(source="https://example.org/\x00x", quote="a\x00b"))
    assert check.for_field("source") == ("the source holds a NUL character (U+0000); remove it",)
    assert check.for_field("quote") == ("the quote holds a NUL character (U+0000); remove it",)
