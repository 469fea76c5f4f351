"""core.figures.followup: pooled effect against months, one line per population (asserting on
fig.data and fig.layout)."""
from __future__ import annotations

import numpy as np
import pytest

from core.workflow.analysis import AnalysisSpec
from core.figures.followup import repeated_points, DODGE, END_GAP, trajectory_figure
from core.workflow.trajectory import trajectory
from tests.factories import trajectory_dataset


@pytest.fixture(scope="module")
def tr():
    return trajectory(trajectory_dataset(), AnalysisSpec())


def _point_traces(fig):
    return [t for t in fig.data if t.customdata is not None]


def test_trajectory_figure_points_carry_population_and_time(tr):
    fig = trajectory_figure(tr, title="t", y_title="MD")
    pts = fig.layout.meta["points"]
    assert ["T2DM", "24", 1, -1.0] in pts
    marked = _point_traces(fig)
    codes = {tuple(c) for t in marked for c in t.customdata}
    assert ("T2DM", "end") in codes and ("all", "12") in codes
    # End of follow-up is never joined by a line to the dated points.
    assert all(t.mode == "markers" for t in marked if all(c[1] == "end" for c in t.customdata))


def test_one_point_per_pooled_population_and_time_point_with_its_ci(tr):
    fig = trajectory_figure(tr, title="t", y_title="MD")
    drawn = {}
    for t in _point_traces(fig):
        for (pop, tp), x, y, plus, minus in zip(t.customdata, t.x, t.y, t.error_y.array, t.error_y.arrayminus):
            if np.isfinite(y):
                drawn[(pop, tp)] = (x, y, y + plus, y - minus)
    every = tr.points[np.isfinite(tr.points["estimate"])]
    # the same trials' same result is drawn once (issue 14): "both" = one type, or "end" = a dated point
    pooled = every[~repeated_points(tr.points)[every.index]]
    assert set(drawn) == set(zip(pooled["population"], pooled["timepoint"]))
    x_end = pooled["months"].max() + END_GAP
    for _, r in pooled.iterrows():
        x, est, high, low = drawn[(r["population"], r["timepoint"])]
        assert (est, high, low) == pytest.approx((r["estimate"], r["ci_high"], r["ci_low"]), abs=1e-12)
        month = x_end if r["timepoint"] == "end" else r["months"]
        assert x == pytest.approx(month + DODGE[r["population"]])
    assert len(fig.layout.meta["points"]) == len(every)
    names = {t.name for t in _point_traces(fig)}
    assert names == {"T1DM", "T2DM", "T1DM + T2DM"}
