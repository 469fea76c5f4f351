"""Provenance and completeness checks on the shipped evidence tables in data/.

Rules (issue 3):
* every outcome/event row names its source (URL) and quotes it (snippet);
* every reported number of a row appears, as printed, in its snippet (through
  core.evidence.provenance's normaliser for PDF artefacts).  For ``n`` the source sentence often does not
  repeat the arm size; such rows must say where n comes from, with the words "n from" in
  ``use_note`` or ``locator``.  Event counts may be words ("Six of 10"); a count that is only
  implied by wording ("no side effects" = 0) must say so with "count from" in ``locator``;
* no study x arm x outcome x time point is duplicated without exactly one ``use=yes`` row, and every
  ``use=no`` row says why;
* every paper-set study x outcome without a usable row has a row in gaps.csv explaining why;
* every study_id in outcomes/events/gaps exists in studies.csv, with the same set.
"""
from pathlib import Path

import pandas as pd
import pytest

from core.evidence.dataset import EVENT_COLUMNS, GAP_COLUMNS, OUTCOME_COLUMNS, STUDY_COLUMNS, load_dataset
from core.vocab import OUTCOMES
from core.evidence.provenance import count_in_snippet, number_in_snippet

DATA = Path(__file__).resolve().parents[1] / "data"
GAP_STATUSES = ("figure_only", "not_reported", "not_reachable")


def _read(name):
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def studies():
    return _read("studies.csv")


@pytest.fixture(scope="module")
def outcomes():
    return _read("outcomes.csv")


@pytest.fixture(scope="module")
def events():
    return _read("events.csv")


@pytest.fixture(scope="module")
def gaps():
    return _read("gaps.csv")


def test_columns_are_exactly_the_agreed_ones(studies, outcomes, events, gaps):
    assert tuple(studies.columns) == STUDY_COLUMNS
    assert tuple(outcomes.columns) == OUTCOME_COLUMNS
    assert tuple(events.columns) == EVENT_COLUMNS
    assert tuple(gaps.columns) == GAP_COLUMNS


def test_shipped_tables_pass_the_loader_schema():
    ds = load_dataset(DATA)
    assert len(ds.outcomes) > 0 and len(ds.gaps) > 0


def test_studies_codes(studies):
    assert set(studies["set"]) <= {"paper", "update"}
    assert set(studies["id_confidence"]) <= {"high", "medium", "low"}
    assert set(studies["design_class"]) <= {"rct", "controlled", "single_arm"}
    assert set(studies["dm_type"]) <= {"T1DM", "T2DM"}
    assert (studies["confidence"].str.strip() != "").all(), "every study says how it was identified"
    refs = studies.loc[studies["ref_no"] != "", "ref_no"]
    assert not refs.duplicated().any(), f"a reference number is given to two studies: {refs[refs.duplicated()]}"


@pytest.mark.parametrize("table", ["outcomes.csv", "events.csv"])
def test_every_row_has_source_and_snippet(table):
    df = _read(table)
    bad = df[(df["source_url"].str.strip() == "") | (df["snippet"].str.strip() == "")]
    assert bad.empty, f"{table} rows without source_url or snippet: {list(bad.index + 2)}"
    assert df["source_url"].str.match(r"https?://").all()


def test_outcome_numbers_appear_in_snippet(outcomes):
    problems = []
    for i, r in outcomes.iterrows():
        for col in ("mean", "disp1", "disp2"):
            if r[col] != "" and not number_in_snippet(r[col], r["snippet"]):
                problems.append(f"row {i + 2} {r['study_id']} {col}={r[col]!r} not in snippet")
        n_explained = "n from" in (r["use_note"] + " " + r["locator"]).lower()
        if not n_explained and not number_in_snippet(r["n"], r["snippet"]):
            problems.append(f"row {i + 2} {r['study_id']}: n={r['n']} not in snippet and no 'n from' note")
    assert not problems, "\n".join(problems)


def test_event_numbers_appear_in_snippet(events):
    problems = []
    for i, r in events.iterrows():
        loc = r["locator"].lower()
        if "count from" not in loc and not count_in_snippet(r["count"], r["snippet"]):
            problems.append(f"row {i + 2} {r['study_id']}: count={r['count']} not in snippet")
        if r["n"] != "" and "n from" not in loc and not count_in_snippet(r["n"], r["snippet"]):
            problems.append(f"row {i + 2} {r['study_id']}: n={r['n']} not in snippet and no 'n from' note")
    assert not problems, "\n".join(problems)


def test_duplicates_have_exactly_one_used_row(outcomes):
    key = ["study_id", "arm", "outcome", "timepoint_months"]
    problems = []
    for k, grp in outcomes.groupby(key):
        if len(grp) > 1 and (grp["use"] == "yes").sum() != 1:
            problems.append(f"{k}: {len(grp)} rows, {(grp['use'] == 'yes').sum()} marked use=yes")
    unexplained = outcomes[(outcomes["use"] == "no") & (outcomes["use_note"].str.strip() == "")]
    assert not problems, "\n".join(problems)
    assert unexplained.empty, f"use=no rows without use_note: {list(unexplained.index + 2)}"
    assert set(outcomes["use"]) <= {"yes", "no"}


def test_every_paper_study_outcome_without_numbers_has_a_gap_row(studies, outcomes, gaps):
    used = outcomes[outcomes["use"] == "yes"]
    have = set(zip(used["study_id"], used["outcome"]))
    gap_keys = set(zip(gaps["study_id"], gaps["outcome"]))
    missing = [(s, o) for s in studies.loc[studies["set"] == "paper", "study_id"] for o in OUTCOMES
               if (s, o) not in have and (s, o) not in gap_keys]
    assert not missing, f"paper-set study x outcome with neither numbers nor a gaps.csv reason: {missing}"


def test_gap_rows_are_well_formed(outcomes, gaps):
    assert set(gaps["status"]) <= set(GAP_STATUSES)
    assert set(gaps["outcome"]) <= set(OUTCOMES)
    assert (gaps["reason"].str.strip() != "").all()
    assert not gaps.duplicated(["study_id", "outcome", "timepoint_months"]).any()
    # a gap for "all time points" (blank) contradicts numbers for that study x outcome
    used = outcomes[outcomes["use"] == "yes"]
    have = set(zip(used["study_id"], used["outcome"]))
    has_numbers = pd.Series([(s, o) in have for s, o in zip(gaps["study_id"], gaps["outcome"])], index=gaps.index)
    contradictions = gaps[(gaps["timepoint_months"] == "") & has_numbers]
    assert contradictions.empty, f"gaps for all time points but numbers exist: {contradictions.values.tolist()}"


@pytest.mark.parametrize("table", ["outcomes.csv", "events.csv", "gaps.csv"])
def test_study_ids_exist_with_the_same_set(studies, table):
    df = _read(table)
    sets = dict(zip(studies["study_id"], studies["set"]))
    unknown = sorted(set(df["study_id"]) - set(sets))
    assert not unknown, f"{table}: study_id not in studies.csv: {unknown}"
    if "set" in df.columns:
        wrong = df[[sets[s] != st for s, st in zip(df["study_id"], df["set"])]]
        assert wrong.empty, f"{table}: set differs from studies.csv in rows {list(wrong.index + 2)}"


# --- coded study characteristics (issue 25) ---------------------------------------------------------

def test_every_study_has_every_characteristic_coded(studies):
    """No empty cell in the shipped table: a code, a number, or not_reported where the text does not say."""
    from core import vocab
    empty = [(s, c) for c in vocab.CHARACTERISTIC_COLUMNS for s, v in zip(studies["study_id"], studies[c]) if v == ""]
    assert not empty, f"uncoded characteristics: {empty}"


def test_every_coded_characteristic_is_supported_by_its_quoted_text(studies):
    from core.evidence.characteristics import unsupported
    problems = unsupported(studies)
    assert not problems, "\n".join(problems)


def test_the_shipped_codes_read_the_texts_as_a_person_would(studies):
    """A few codes pinned against their words, so that a too-lenient keyword rule cannot pass them all."""
    by = studies.set_index("study_id")
    assert by.loc["Cai2016", ["cell_source", "donor", "route_class", "dose_per_kg", "dm_duration"]].tolist() == [
        "mixed", "mixed", "arterial", "1.1", "established"]          # UC-MSC + autologous BM-MNC, dorsal pancreatic artery
    assert by.loc["Bhansali2017", ["donor", "route_class", "infusions"]].tolist() == ["autologous", "both", "2"]
    assert by.loc["Hu2013", ["dose_per_kg", "dm_duration"]].tolist() == ["not_reported", "new_onset"]  # total cells only
    assert by.loc["Jiang2011", "dose_per_kg"] == "0.45" and "1.35 / 3" in by.loc["Jiang2011", "coding_note"]
