"""Tests for core.evidence.completeness on constructed and shipped data (its figure: test_figures_completeness.py)."""
from __future__ import annotations

import pandas as pd
import pytest

from core.evidence.completeness import (STATUSES, completeness_counts, completeness_table, time_bin)


class _DS:
    """A minimal stand-in for core.evidence.dataset.Dataset (studies, outcomes, gaps, study_label)."""

    def __init__(self, studies, outcomes, gaps):
        self.studies, self.outcomes, self.gaps = studies, outcomes, gaps

    def study_label(self, sid):
        return sid


def _ds():
    studies = pd.DataFrame({"study_id": ["A", "B"], "set": ["paper", "paper"],
                            "id_confidence": ["high", "medium"], "dm_type": ["T1DM", "T2DM"]})
    o = lambda sid, tp, disp, use="yes", arm="msc", note="": dict(  # noqa: E731
        study_id=sid, arm=arm, outcome="hba1c", timepoint_months=tp, timepoint_label=f"{tp} m",
        dispersion_type=disp, use=use, use_note=note, source_url="https://x.example/" + sid)
    outcomes = pd.DataFrame([o("A", "0", "sd"), o("A", "12", "median_iqr"), o("A", "5.5", "sd", "no", note="dup"),
                             o("B", "0", "sd?"), o("B", "0.46", "sd")])
    gaps = pd.DataFrame({"study_id": ["B"], "outcome": ["fbg"], "timepoint_months": [""],
                         "status": ["not_reachable"], "reason": ["full text paywalled"],
                         "source_url": ["https://y.example"]})
    return _DS(studies, outcomes, gaps)


@pytest.mark.parametrize("m,b", [("0", "baseline"), (2.76, "3 mo"), (5.5, "6 mo"), (11.04, "12 mo"),
                                 (13.1, "other"), (0.46, "other"), ("", "other"), (None, "other")])
def test_time_bin(m, b):
    # +-1 month, as core.workflow.analysis matches time points (24 weeks = 5.5 months counts as 6)
    assert time_bin(m) == b


def test_statuses_and_reasons():
    t = completeness_table(_ds()).set_index(["study_id", "outcome", "time_bin"])
    assert t.loc[("A", "hba1c", "baseline"), "status"] == "reported"
    assert t.loc[("A", "hba1c", "12 mo"), "status"] == "converted"
    assert "median and IQR" in t.loc[("A", "hba1c", "12 mo"), "detail"]
    assert t.loc[("A", "hba1c", "6 mo"), "status"] == "not used"
    assert "dup" in t.loc[("A", "hba1c", "6 mo"), "detail"]
    assert t.loc[("A", "hba1c", "3 mo"), "status"] == "missing"
    assert "not reported at this time point" in t.loc[("A", "hba1c", "3 mo"), "detail"]
    assert t.loc[("B", "fbg", "12 mo"), "detail"] == "full text not available to us: full text paywalled"
    assert t.loc[("B", "hba1c", "other"), "status"] == "reported"
    assert ("A", "hba1c", "other") not in t.index       # "other" only where data exist
    assert t.loc[("A", "pbg", "baseline"), "detail"] == "no numbers and no reason recorded"
    counts = completeness_counts(completeness_table(_ds())).set_index("outcome")
    assert counts.loc["hba1c", "reported"] == 3 and counts.loc["hba1c", "converted"] == 1
    assert list(counts.columns) == list(STATUSES)


def test_bad_study_set():
    with pytest.raises(ValueError, match="`study_set` must be 'paper' or 'all'"):
        completeness_table(_ds(), study_set="new")


def test_shipped_paper_map_covers_every_paper_study():
    from core.evidence.dataset import load_dataset
    ds = load_dataset()
    t = completeness_table(ds)
    paper = ds.studies[ds.studies["set"] == "paper"]
    assert set(t["study_id"]) == set(paper["study_id"])
    assert (t[t["status"] == "missing"]["detail"].str.len() > 0).all()
    # Cai 2016 (ref 24) has HbA1c at baseline and 12 months in data/outcomes.csv
    cai = t[(t["study_id"] == "Cai2016") & (t["outcome"] == "hba1c")].set_index("time_bin")["status"]
    assert cai["baseline"] == "reported" and cai["12 mo"] == "reported"
