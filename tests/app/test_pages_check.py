"""AppTest tests of the check-the-paper pages: reproduce, studies, events, flow.

Each test asserts on numbers the page displays, against the paper (Li et al. 2021, Stem Cell Res
Ther 12:273) or against the core call the page is a thin view of.
"""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def open_page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def open_page_showing(path: str, expected_metrics: dict) -> AppTest:
    """Open a page and check that its metrics include ``expected_metrics`` (label -> value)."""
    at = open_page(path)
    m = metrics(at)
    assert {k: m.get(k) for k in expected_metrics} == expected_metrics
    return at


def spec(at, key: str) -> dict:
    for el in at.get("plotly_chart"):
        if el.key == key:
            return json.loads(el.proto.spec)
    raise AssertionError(f"no plotly chart with key {key!r}")


def test_reproduce_page_statuses_match_core_and_audit_finds_five_rows():
    from core.evidence.reported_csv import read_reported_csv
    from core.evidence.dataset import load_dataset
    from core.workflow.recompute import recomputer
    from core.workflow.reproduce import (STATUS_CANNOT, STATUS_DIFFERS, STATUS_PARTIAL, STATUS_REPRODUCED,
                                         classify_reproduction, status_kind)
    at = open_page("pages/reproduce.py")
    m = metrics(at)
    ds = load_dataset()
    expected = classify_reproduction(read_reported_csv((ROOT / "data" / "reported_results.csv").read_bytes()),
                                     recomputer(ds))["status"].map(status_kind).value_counts()
    assert m["Reproduced within rounding"] == str(expected.get(STATUS_REPRODUCED, 0))
    assert m["Partial (subset of studies)"] == str(expected.get(STATUS_PARTIAL, 0))
    assert m["Differ (full set)"] == str(expected.get(STATUS_DIFFERS, 0))
    assert m["Cannot recompute"] == str(expected.get(STATUS_CANNOT, 0))
    assert sum(int(m[k]) for k in ("Reproduced within rounding", "Partial (subset of studies)", "Differ (full set)",
                                   "Cannot recompute")) == 26
    # the paper's own audit: 26 reported rows, 5 with an inconsistency (see tests/core/test_audit.py)
    assert m["Reported results audited"] == "26"
    assert m["With at least one inconsistency"] == "5"
    # Li 2021 subgroup claims (data/comparison_claims.csv): 3 checked, 2 not supported
    assert m["Comparison claims checked"] == "3"
    assert m["Not supported by the printed numbers"] == "2"
    texts = " ".join(t.value for t in at.text)
    assert "z = 1.08, P = 0.2783" in texts
    assert "The printed P = 0.02, but the estimate and CI give P = 0.0020" in texts       # Fig. 5
    assert "The printed lower CI bound 2.27 is above the upper bound \u22120.32" in texts    # Table 2, 6 months
    assert "The estimate \u22122.8 lies outside its own 95% CI (\u22121.02, 0.47)" in texts   # Table 3, 6 months


def test_reproduce_row_opens_forest_with_its_settings():
    at = open_page("pages/reproduce.py")
    at.selectbox(key="repro_open").set_value("fig4_fbg_all")
    at.button(key="repro_open_btn").click().run()
    assert not at.exception, [e.value for e in at.exception]
    # Li 2021 Fig. 4: FBG, MSC vs control, both types, SMD
    assert at.session_state["outcome"] == "fbg"
    assert at.session_state["comparison"] == "vs_control"
    assert at.session_state["measure"] == "SMD"
    assert at.session_state["population"] == "all"
    assert at.title[0].value == "Forest plot"


def test_reproduce_page_reflects_sidebar_r():
    at = open_page("pages/reproduce.py")
    at.sidebar.slider(key="r").set_value(0.8).run()
    assert not at.exception
    assert any("Pre-post correlation r = 0.8" in c.value for c in at.caption)


def test_studies_page_counts_sources_and_map():
    import pandas as pd
    at = open_page("pages/studies.py")
    m = metrics(at)
    studies = pd.read_csv(ROOT / "data" / "studies.csv", dtype=str, keep_default_na=False)
    paper = studies[studies["set"] == "paper"]
    assert m["Studies"] == str(len(paper))
    assert m["Identity inferred"] == str(int((paper["id_confidence"] != "high").sum()))
    assert m["RCTs"] == str(int((paper["design_class"] == "rct").sum()))
    cells = sum(int(m[f"Cells {s}"]) for s in ("reported", "converted", "not used", "missing"))
    fig = spec(at, "completeness_chart")
    z = fig["data"][0]["z"]
    assert cells == sum(v is not None for row in z for v in row)
    assert len(fig["data"][0]["y"]) == len(paper)
    # with the newer trials, the medians/IQRs reported by some of them show as "converted"
    from core.evidence.completeness import completeness_table
    from core.evidence.dataset import load_dataset
    expected = completeness_table(load_dataset(), study_set="all")
    at.sidebar.radio(key="set").set_value("all").run()
    assert not at.exception
    m_all = metrics(at)
    assert m_all["Studies"] == str(len(studies))
    assert m_all["Cells converted"] == str(int((expected["status"] == "converted").sum()))
    assert int(m_all["Cells converted"]) > 0
    at.selectbox(key="studies_detail").set_value("Cai2016").run()
    texts = " ".join(t.value for t in at.text)
    assert "Extraction note:" in texts and "Reference in the paper: 24" in texts


def test_events_page_shows_paper_percentages_and_wilson_cis():
    # Li 2021 Results: 20% (3/15), 66.7% (8/12), 37% (20/54), 48.5% (33/68)
    at = open_page_showing("pages/events.py", {"T1DM: Insulin independence": "20.0%",
                                               "T1DM: Insulin dose reduced by > 50%": "66.7%",
                                               "T2DM: Insulin independence": "37.0%",
                                               "T2DM: Insulin dose reduced by > 50%": "48.5%"})
    helps = {x.label: x.help for x in at.metric}
    # Wilson 95% CI for 3/15: 0.0705 to 0.4519 (Newcombe 1998 method 3 formula)
    assert "3 of 15 patients; Wilson 95% CI 7.0% to 45.2%" in helps["T1DM: Insulin independence"]
    fig = spec(at, "events_chart")
    xs = sorted(round(x, 1) for tr in fig["data"] for x in tr["x"])
    assert xs == [20.0, 37.0, 48.5, 66.7]


def test_flow_page_counts_and_boxes():
    # Li 2021 Results, 'Search results'
    at = open_page_showing("pages/flow.py", {"Records identified": "2,270", "Full texts assessed": "40",
                                             "Studies included": "10", "Participants (T1DM · T2DM)": "92 · 147"})
    fig = spec(at, "flow_chart")
    assert len([s for s in fig["layout"]["shapes"] if s["type"] == "rect"]) == 7
    assert fig["layout"]["paper_bgcolor"] == "white"
