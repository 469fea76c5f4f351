"""Tests for core.figures.flow.flow_figure (asserting on fig.layout, plotly style)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.io as pio
import pytest

from core.figures.flow import REQUIRED_STAGES, flow_figure

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def flow():
    return pd.read_csv(ROOT / "data" / "flow.csv")


def test_flow_counts_follow_the_paper(flow):
    # Li 2021, Results 'Search results': 2270 records, 2230 excluded, 40 read, 30 excluded,
    # 10 included, 239 patients = 92 T1DM + 147 T2DM = 143 MSC + 96 controls; 4 + 6 studies.
    c = flow.set_index("stage")["count"]
    assert c["records_identified"] - c["excluded_title_abstract"] == c["full_texts_assessed"] == 40
    assert c["full_texts_assessed"] - c["excluded_full_text"] == c["studies_included"] == 10
    assert c["participants_t1dm"] + c["participants_t2dm"] == c["participants_total"] == 239
    assert c["participants_msc"] + c["participants_control"] == 239
    assert c["studies_t1dm"] + c["studies_t2dm"] == c["studies_included"]
    assert flow["locator"].notna().all()


def test_layout_boxes_labels_arrows(flow):
    fig = flow_figure(flow)
    lay = fig.to_dict()["layout"]
    assert lay["paper_bgcolor"] == "white" and lay["plot_bgcolor"] == "white"
    assert fig.layout.template == pio.templates["plotly_white"]
    rects = [s for s in lay["shapes"] if s["type"] == "rect"]
    assert [s["name"] for s in rects] == list(REQUIRED_STAGES)
    labels = {a["name"].split(":", 1)[1]: a["text"] for a in lay["annotations"]
              if a.get("name", "").startswith("label:")}
    assert "n = 2,270" in labels["records_identified"]
    assert "n = 2,230" in labels["excluded_title_abstract"]
    assert "n = 40" in labels["full_texts_assessed"]
    assert "n = 30" in labels["excluded_full_text"]
    assert "n = 10" in labels["studies_included"]
    assert "239 participants: 143 MSC-treated, 96 controls" in labels["studies_included"]
    assert "4 studies" in labels["participants_t1dm"] and "92 participants" in labels["participants_t1dm"]
    assert "6 studies" in labels["participants_t2dm"] and "147 participants" in labels["participants_t2dm"]
    arrows = [a for a in lay["annotations"] if a.get("showarrow")]
    assert len(arrows) == 6
    assert not lay["xaxis"]["visible"] and not lay["yaxis"]["visible"]


def test_arrows_end_on_box_edges(flow):
    fig = flow_figure(flow)
    shapes = {s.name: s for s in fig.layout.shapes}
    for a in fig.layout.annotations:
        if not a.showarrow:
            continue
        dst = a.name.split("->")[1]
        box = shapes[dst]
        on_top = abs(a.y - box.y1) < 1e-9 and box.x0 <= a.x <= box.x1
        on_left = abs(a.x - box.x0) < 1e-9 and box.y0 <= a.y <= box.y1
        assert on_top or on_left, a.name


def test_missing_stage_and_bad_count(flow):
    with pytest.raises(ValueError, match="missing stage\\(s\\) studies_included"):
        flow_figure(flow[flow["stage"] != "studies_included"])
    bad = flow.copy()
    bad["count"] = bad["count"].astype(object)
    bad.loc[0, "count"] = "many"
    with pytest.raises(ValueError, match="whole number >= 0; got 'many' for stage 'records_identified'"):
        flow_figure(bad)
    with pytest.raises(ValueError, match="missing column\\(s\\) count"):
        flow_figure(flow.drop(columns="count"))
