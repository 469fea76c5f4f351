"""core.workflow.trajectory: the pooled effect by follow-up time (its figure: tests/core/test_figures_followup.py).

``tests.factories.trajectory_dataset`` has two T2DM and one T1DM single-arm studies with HbA1c at
0, 3, 6, 12 and (one study) 24 months, so each point's k and estimate are known by construction:
a pre-post mean change is after minus before (Cochrane Handbook 6.5.2.8).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core.workflow.analysis import AnalysisSpec, analyse
from core.evidence.dataset import DATA_DIR, load_dataset
from core.workflow.reproduce import STATUSES
from core.workflow.trajectory import (COLUMNS, POPULATION_LABELS, POPULATIONS, STANDARD_MONTHS, TrajectoryResult,
                             followup_tables, other_months, trajectory)
from core.words import STATUS_OTHER_MEASURE, population_phrase
from tests.factories import arm, make_dataset, study, trajectory_dataset


@pytest.fixture(scope="module")
def shipped():
    return load_dataset(DATA_DIR)


@pytest.fixture(scope="module")
def tr():
    return trajectory(trajectory_dataset(), AnalysisSpec())


def test_trajectory_k_and_estimates_by_time_point(tr):
    ds = trajectory_dataset()
    assert tr.timepoints == ("3", "6", "12", "24", "end")
    assert other_months(ds, AnalysisSpec()) == (24.0,)
    pts = tr.points.set_index(["population", "timepoint"])
    # T2DM: P and Q at 3, 6, 12 months; only P at 24; end = each study's last time.
    assert [pts.loc[("T2DM", t), "k"] for t in ("3", "6", "12", "24", "end")] == [2, 2, 2, 1, 2]
    assert pts.loc[("T1DM", "3"), "k"] == 0 and "No study" in pts.loc[("T1DM", "3"), "message"]
    # One study at 24 months: its own mean change 7.0 - 8.0 = -1.0.
    assert pts.loc[("T2DM", "24"), "estimate"] == pytest.approx(-1.0, abs=1e-12)
    assert pts.loc[("all", "6"), "k"] == 3
    for (pop, tp), r in pts.iterrows():
        single = analyse(ds, replace(AnalysisSpec(), population=pop, timepoint=tp))
        assert r["k"] == single.k


def test_followup_tables_cover_tables_2_to_4(shipped):
    t = followup_tables(shipped, AnalysisSpec())
    # Li et al. 2021 Tables 2-4 print 8 rows (HbA1c 3/6/12, FBG 6/12, F-CP 3/6/12 months).
    assert len(t) == 8 and set(t["locator"].str[:7]) == {"Table 2", "Table 3", "Table 4"}
    assert set(t["status"]) <= {"reproduced within rounding", "differs", "cannot recompute", "different measure"}


def test_time_points_in_month_order_then_end(tr):
    months = [float(t) for t in tr.timepoints[:-1]]
    assert tr.timepoints[-1] == "end" and months == sorted(months)
    assert {f"{m:g}" for m in STANDARD_MONTHS} <= set(tr.timepoints)
    # every population is analysed at every time point, in POPULATIONS order
    assert list(tr.points["population"]) == [p for p in POPULATIONS for _ in tr.timepoints]
    assert list(tr.points["timepoint"]) == list(tr.timepoints) * len(POPULATIONS)
    assert list(tr.points.columns) == list(COLUMNS)
    assert np.isnan(tr.points.loc[tr.points["timepoint"] == "end", "months"]).all()


def test_population_without_data_gives_a_message_and_no_numbers(tr):
    empty = tr.points[tr.points["k"] == 0]
    assert len(empty) and (empty["message"] != "").all() and (empty["studies"] == "").all()
    assert empty[["estimate", "ci_low", "ci_high", "pvalue"]].isna().all().all()
    pooled = tr.pooled_points()
    assert len(pooled) == len(tr.points) - len(empty) and (pooled["message"] == "").all()
    assert np.isfinite(pooled["estimate"]).all()


def test_other_months_exclude_those_within_the_tolerance():
    # 5.5 months (24 weeks) counts as 6 months; 9 and 24 months are other follow-up times.
    rows = [arm("S2015", "msc", "hba1c", t, 20, m, 1.0) for t, m in ((0, 8.0), (5.5, 7.6), (9, 7.5), (24, 7.3))]
    ds = make_dataset([study("S2015", "T2DM", "single_arm")], rows)
    assert other_months(ds, AnalysisSpec()) == (9.0, 24.0)
    t = trajectory(ds, AnalysisSpec(population="T2DM"))
    assert t.timepoints == ("3", "6", "9", "12", "24", "end")
    pts = t.points.set_index(["population", "timepoint"])
    assert pts.loc[("T2DM", "6"), "estimate"] == pytest.approx(7.6 - 8.0)
    assert pts.loc[("T2DM", "9"), "estimate"] == pytest.approx(7.5 - 8.0)
    assert pts.loc[("T2DM", "end"), "estimate"] == pytest.approx(7.3 - 8.0)
    assert pts.loc[("T2DM", "3"), "k"] == 0


def test_population_labels_are_the_shared_phrases():
    assert POPULATION_LABELS == {p: population_phrase(p) for p in POPULATIONS}
    assert POPULATIONS[-1] == "all"


def test_points_are_a_copy_the_caller_cannot_change_the_result_through(tr):
    assert isinstance(tr, TrajectoryResult)
    pts = tr.points
    pts.loc[:, "estimate"] = 99.0
    pts["extra"] = 1
    assert (tr.points["estimate"] != 99.0).any() and "extra" not in tr.points.columns
    with pytest.raises(AttributeError):
        tr.timepoints = ()


def test_followup_statuses_are_the_reproduction_statuses(shipped):
    t = followup_tables(shipped, AnalysisSpec())
    assert set(t["status"]) <= set(STATUSES) | {STATUS_OTHER_MEASURE}
