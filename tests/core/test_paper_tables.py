"""Tests for core.evidence.paper_tables (loaders with schema checks, reference mapping) and
core.figures.events (the proportions figure)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from core.errors import DatasetError
from core.events import proportions_table
from core.figures.events import events_figure
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
    assert refs_to_studies("19, 20", studies) == "[19] Liu2014; [20] not an included study in data/studies.csv"
    assert refs_to_studies("18", studies, lambda s: s.upper()) == "[18] BHANSALI2017"
    assert refs_to_studies("", studies) == ""


def test_events_figure_points_and_whiskers():
    tab = proportions_table(load_events_reported())
    fig = events_figure(tab)
    assert [tr.name for tr in fig.data] == ["T1DM", "T2DM"]
    t1 = fig.data[0]
    assert list(t1.x) == pytest.approx([20.0, 100 * 8 / 12])
    # whiskers reach the Wilson bounds: 3/15 -> 7.05% to 45.19%
    assert t1.x[0] - t1.error_x.arrayminus[0] == pytest.approx(7.05, abs=0.01)
    assert t1.x[0] + t1.error_x.array[0] == pytest.approx(45.19, abs=0.01)
    assert list(t1.text) == ["3/15", "8/12"]
    assert fig.layout.paper_bgcolor == "white" and tuple(fig.layout.xaxis.range) == (0, 100)
    with pytest.raises(ValueError, match="missing column\\(s\\) ci_high"):
        events_figure(tab.drop(columns="ci_high"))


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
