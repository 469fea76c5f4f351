"""Tests for core.evidence.paper_tables (loaders with schema checks, reference mapping); the
proportions figure: test_figures_events.py."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from core.errors import DatasetError
from core.evidence.paper_tables import (load_adverse_events, load_events_reported, load_flow, refs_to_studies)

ROOT = Path(__file__).resolve().parents[2]


def test_loaders_read_shipped_tables():
    assert load_flow().set_index("stage").at["records_identified", "count"] == 2270   # Li 2021, Results
    ev = load_events_reported()
    assert list(zip(ev["count"], ev["n"])) == [(3, 15), (8, 12), (20, 54), (33, 68)]
    ae = load_adverse_events()
    assert ae["patients"].isna().sum() == 1          # hypoglycaemia: no patient count in the paper


def test_loader_errors_name_row_and_column(tmp_path):
    for name in ("flow.csv", "events_reported.csv", "adverse_events_reported.csv"):
        shutil.copy(ROOT / "data" / name, tmp_path / name)
    ev = pd.read_csv(tmp_path / "events_reported.csv", dtype=str)
    ev.loc[1, "count"] = "13"
    ev.to_csv(tmp_path / "events_reported.csv", index=False)
    with pytest.raises(DatasetError, match="row 2: count 13 exceeds n 12"):
        load_events_reported(tmp_path)
    fl = pd.read_csv(tmp_path / "flow.csv", dtype=str)
    fl.loc[0, "count"] = "2270.5"
    fl.to_csv(tmp_path / "flow.csv", index=False)
    with pytest.raises(DatasetError, match="row 1, column 'count': expected a whole number >= 0, got '2270.5'"):
        load_flow(tmp_path)
    fl.drop(columns="locator").to_csv(tmp_path / "flow.csv", index=False)
    with pytest.raises(DatasetError, match="column 'locator' is missing"):
        load_flow(tmp_path)


def test_refs_to_studies_flags_non_included_reference():
    studies = pd.DataFrame({"study_id": ["Bhansali2017", "Liu2014", "Kong2014"], "ref_no": ["18", "19", ""]})
    # Li 2021 Adverse events: fever "in 2 studies [19, 20]"; ref 20 is a methods reference
    assert refs_to_studies("19, 20", studies) == "[19] Liu2014; [20] a reference that is not one of the included studies"
    assert refs_to_studies("18", studies, lambda s: s.upper()) == "[18] BHANSALI2017"
    assert refs_to_studies("", studies) == ""


def test_comparison_claims_reference_reported_rows():
    from core.evidence.paper_tables import load_comparison_claims
    claims = load_comparison_claims()
    rep = pd.read_csv(ROOT / "data" / "reported_results.csv", dtype=str)
    assert set(claims["result_a"]) | set(claims["result_b"]) <= set(rep["result_id"])
    paper = (ROOT.parent / "shared" / "seed" / "li2021_msc_diabetes_meta_analysis.txt")
    if paper.exists():
        import re
        text = " ".join(re.sub(r"(?<=[a-z])-\n(?=[a-z])", "", paper.read_text()).split())
        for claim in claims["claim"]:
            assert claim in text, claim
