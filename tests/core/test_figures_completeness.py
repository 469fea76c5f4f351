"""core.figures.completeness: the completeness map (study x outcome x time point, coloured by status)."""
from __future__ import annotations

from core.evidence.completeness import STATUSES, TIME_BINS, completeness_table
from core.evidence.dataset import load_dataset
from core.figures.completeness import INFERRED_MARK, STATUS_COLOURS, completeness_figure
from core.vocab import OUTCOME_SHORT, OUTCOMES
from tests.core.test_completeness import _ds


def test_figure_codes_hover_and_inferred_marker():
    t = completeness_table(_ds())
    fig = completeness_figure(t)
    hm = fig.data[0]
    assert hm.type == "heatmap"
    assert list(hm.y) == ["A", f"B {INFERRED_MARK}"]
    x = list(hm.x)
    assert x[:4] == ["HbA1c · baseline", "HbA1c · 3 mo", "HbA1c · 6 mo", "HbA1c · 12 mo"]
    row_a = hm.z[0]
    assert [row_a[x.index(c)] for c in x[:4]] == [STATUSES.index(s) for s in
                                                  ("reported", "missing", "not used", "converted")]
    assert "median and IQR" in hm.customdata[0][x.index("HbA1c · 12 mo")]
    assert [tr.name for tr in fig.data[1:]] == list(STATUSES)
    assert fig.layout.paper_bgcolor == "white" and fig.layout.plot_bgcolor == "white"


def test_columns_follow_the_registry_order_and_short_labels():
    t = completeness_table(load_dataset())
    fig = completeness_figure(t)
    x = list(fig.data[0].x)
    expected = [f"{OUTCOME_SHORT[o]} · {b}" for o in OUTCOMES for b in TIME_BINS]
    assert x == [c for c in expected if c in x]
    assert len(x) == len(set(t[["outcome", "time_bin"]].itertuples(index=False)))
    assert {tr.name: tr.marker.color for tr in fig.data[1:]} == STATUS_COLOURS
