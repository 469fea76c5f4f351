"""core.figures.events: proportions with Wilson CIs as dots and whiskers."""
from __future__ import annotations

import pytest

from core.events import proportions_table
from core.evidence.paper_tables import load_events_reported
from core.words import EVENT_LABELS
from core.figures.events import events_figure


@pytest.fixture(scope="module")
def tab():
    return proportions_table(load_events_reported())


def test_events_figure_points_and_whiskers(tab):
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


def test_every_row_is_drawn_at_its_proportion(tab):
    fig = events_figure(tab)
    drawn = {y: (x, x - lo, x + hi) for t in fig.data
             for y, x, lo, hi in zip(t.y, t.x, t.error_x.arrayminus, t.error_x.array)}
    assert len(drawn) == len(tab)
    for _, r in tab.iterrows():
        x, low, high = drawn[f"{r['dm_type']}: {EVENT_LABELS.get(r['event'], r['event'])}"]
        assert (x, low, high) == pytest.approx((100 * r["proportion"], 100 * r["ci_low"], 100 * r["ci_high"]))
