"""Tests for core.workflow.reproduce with constructed reported / recomputed inputs (pure, no dataset)."""
from __future__ import annotations

import pandas as pd
import pytest

from core.workflow.recompute import Recomputed, parse_refs, spec_settings_for_row
from core.workflow.reproduce import STATUS_CANNOT, STATUS_DIFFERS, STATUS_REPRODUCED, classify_reproduction


def reported(**over):
    base = dict(result_id="r1", outcome="hba1c", comparison="pre_post", population="all",
                timepoint="end", measure="MD", model="", estimate="-1.51", ci_low="-2.42",
                ci_high="-0.60", pvalue="0.001", refs="")
    base.update(over)
    return pd.DataFrame([base])


def rec_frame(**over):
    base = dict(result_id="r1", estimate=-1.51, ci_low=-2.42, ci_high=-0.60)
    base.update(over)
    return pd.DataFrame([base])


def classify(rep=None, rec=None, **kw):
    return classify_reproduction(rep if rep is not None else reported(),
                                 rec if rec is not None else rec_frame(), **kw).iloc[0]


def test_exact_match_is_reproduced():
    r = classify()
    assert r["status"] == STATUS_REPRODUCED
    assert r["diff_estimate"] == pytest.approx(0.0)


@pytest.mark.parametrize("delta,status", [(0.0099, STATUS_REPRODUCED), (0.0101, STATUS_DIFFERS),
                                          (-0.0099, STATUS_REPRODUCED), (-0.02, STATUS_DIFFERS)])
def test_tolerance_is_001_on_each_value(delta, status):
    # issue 5: "reproduced within rounding" means +-0.01 on the estimate and the CI bounds
    assert classify(rec=rec_frame(ci_high=-0.60 + delta))["status"] == status
    assert classify(rec=rec_frame(estimate=-1.51 + delta))["status"] == status


def test_printed_one_decimal_uses_its_rounding_half_width():
    rep = reported(estimate="-2.8", ci_low="-3.5", ci_high="-2.1")
    assert classify(rep, rec_frame(estimate=-2.84, ci_low=-3.5, ci_high=-2.1))["status"] == STATUS_REPRODUCED
    assert classify(rep, rec_frame(estimate=-2.86, ci_low=-3.5, ci_high=-2.1))["status"] == STATUS_DIFFERS


def test_cannot_recompute_with_reason():
    rec = rec_frame(estimate=None, ci_low=None, ci_high=None, missing="no study has F-CP numbers")
    r = classify(rec=rec)
    assert r["status"] == STATUS_CANNOT
    assert r["explanation"] == "Cannot recompute: no study has F-CP numbers."


def test_row_absent_from_recomputed_table_cannot_recompute():
    r = classify(rec=rec_frame(result_id="other"))
    assert r["status"] == STATUS_CANNOT and "no recomputation is available" in r["explanation"]


def test_differs_fewer_studies():
    r = classify(rec=rec_frame(estimate=-1.10, ci_low=-1.49, ci_high=-0.71, k_used=1, k_cited=3,
                               unavailable="Smith 2015: not reachable"))
    assert r["status"] == "partial: 1 of 3 studies"          # a subset of the paper's studies (issue 14)
    assert "only 1 of 3 cited studies have numbers (Smith 2015: not reachable)" in r["explanation"]
    assert "estimate by +0.41" in r["explanation"]


def test_differs_model():
    r = classify(reported(model="random"), rec_frame(estimate=-1.40, model="FE"))
    assert "paper's model differs (paper: random effect; recomputed: fixed effect)" in r["explanation"]


def test_differs_only_ci_points_to_variance():
    r = classify(rec=rec_frame(ci_low=-2.10, ci_high=-0.92))
    assert r["status"] == STATUS_DIFFERS
    assert "estimate is reproduced but the CI is not" in r["explanation"]


def test_differs_printed_ci_sign_lost():
    # Li 2021 Table 2, 6 months, printed -1.30 (2.27, -0.32); a recomputation giving -2.27 would
    # show that the printed lower bound lost its minus sign.
    rep = reported(estimate="-1.30", ci_low="2.27", ci_high="-0.32", pvalue="0.009")
    r = classify(rep, rec_frame(estimate=-1.30, ci_low=-2.27, ci_high=-0.32))
    assert r["status"] == STATUS_DIFFERS
    assert "printed CI inconsistent" in r["explanation"] and "lost the sign" in r["explanation"]
    assert r["audit_flags"] == ["ci_reversed"]


def test_differs_opposite_sign():
    r = classify(rec=rec_frame(estimate=1.51, ci_low=0.60, ci_high=2.42))
    assert "opposite sign" in r["explanation"]


def test_differs_inferred_identity():
    r = classify(rec=rec_frame(estimate=-0.9, ci_low=-1.5, ci_high=-0.3, k_used=2, k_cited=2,
                               inferred="Chen 2016 (medium)"))
    assert "identity of Chen 2016 (medium) as the paper's cited study is inferred" in r["explanation"]


def test_differs_same_width_shifted():
    # printed -1.51 (-2.42, -0.60), width 1.82; recomputed shifted by +0.5 with the same width
    r = classify(rec=rec_frame(estimate=-1.01, ci_low=-1.92, ci_high=-0.10))
    assert "the CI has the printed width (1.82 vs 1.82)" in r["explanation"]


def test_differs_without_visible_reason():
    r = classify(rec=rec_frame(estimate=-0.9, ci_low=-1.5, ci_high=-0.2, k_used=2, k_cited=2))
    assert r["explanation"].endswith("No reason is visible from the data.")


def test_callable_input_and_row_order():
    rep = pd.concat([reported(result_id="a"), reported(result_id="b")], ignore_index=True)

    def rec(row):
        return Recomputed(-1.51, -2.42, -0.60) if row["result_id"] == "b" else None
    out = classify_reproduction(rep, rec)
    assert list(out["result_id"]) == ["a", "b"]
    assert list(out["status"]) == [STATUS_CANNOT, STATUS_REPRODUCED]


def test_input_validation():
    with pytest.raises(TypeError, match="`recomputed` must be a DataFrame or a callable"):
        classify_reproduction(reported(), 3)
    with pytest.raises(ValueError, match="needs a `result_id` column to match"):
        classify_reproduction(reported(), rec_frame().drop(columns="result_id"))
    with pytest.raises(ValueError, match="duplicate result_id"):
        classify_reproduction(reported(), pd.concat([rec_frame(), rec_frame()]))
    with pytest.raises(ValueError, match="`tolerance` must be >= 0"):
        classify_reproduction(reported(), rec_frame(), tolerance=-1)


def test_parse_refs_and_settings():
    assert parse_refs("18, 19, 23\u201325") == (18, 19, 23, 24, 25)
    assert parse_refs(None) == ()
    row = reported(measure="WMD", model="Random", timepoint="6").iloc[0]
    assert spec_settings_for_row(row) == dict(outcome="hba1c", comparison="pre_post", population="all",
                                              measure="MD", model="random", timepoint="6")
    assert spec_settings_for_row(reported().iloc[0])["model"] == "auto"


def test_every_reported_row_of_the_paper_gets_a_status():
    # Integration with core.workflow.analysis on the shipped data: every row has one of the three statuses,
    # and every "differs" / "cannot recompute" row says why.
    from pathlib import Path

    from core.evidence.reported_csv import read_reported_csv
    from core.evidence.dataset import load_dataset
    from core.workflow.recompute import recomputer
    from core.workflow.reproduce import STATUSES, status_kind
    root = Path(__file__).resolve().parents[2]
    rep = read_reported_csv((root / "data" / "reported_results.csv").read_bytes())
    out = classify_reproduction(rep, recomputer(load_dataset()))
    assert list(out["result_id"]) == list(rep["result_id"])
    assert set(out["status"].map(status_kind)) <= set(STATUSES)
    for _, r in out.iterrows():
        if r["status"] == STATUS_CANNOT:
            assert r["explanation"].startswith("Cannot recompute: ") and len(r["explanation"]) > 30
        if status_kind(r["status"]) in (STATUS_DIFFERS, "partial"):
            assert "Likely reason:" in r["explanation"] or "No reason is visible" in r["explanation"]


def test_one_agreement_rule_for_both_tables():
    from core.evidence.printed import parse_number
    from core.workflow.reproduce import agreement

    printed = [parse_number(x) for x in ("-2.8", "-1.02", "0.47")]
    a = agreement(printed, (-2.84, -1.02, 0.47))
    assert a.reproduced and a.status == STATUS_REPRODUCED      # "-2.8" stands for [-2.85, -2.75]
    b = agreement(printed, (-2.8, -1.035, 0.47))
    assert not b.reproduced and b.status == STATUS_DIFFERS and b.within == (True, False, True)
    assert b.diffs[1] == pytest.approx(-0.015)
    nan = agreement(printed, (float("nan"), -1.02, 0.47))
    assert nan.status == STATUS_DIFFERS


def test_statuses_are_named_once_in_words():
    from core import words
    from core.workflow.reproduce import STATUSES

    assert STATUSES == (words.STATUS_REPRODUCED, words.STATUS_PARTIAL, words.STATUS_DIFFERS, words.STATUS_CANNOT)
    assert (STATUS_REPRODUCED, words.STATUS_PARTIAL, STATUS_DIFFERS, STATUS_CANNOT) == STATUSES


def test_a_significance_flip_between_paper_and_recomputed_is_said_in_words():
    """Issue 26 item 2: the paper's T1DM before-after HbA1c result includes no effect (-1.81 [-4.54, 0.93]);
    the recomputed subtotal from 1 of its studies excludes it: the explanation says the two disagree."""
    from core.evidence.dataset import load_dataset
    from core.workflow.analysis import AnalysisSpec, analyse
    from core.workflow.reproduce import reported_vs_recomputed
    table = reported_vs_recomputed(analyse(load_dataset(), AnalysisSpec()))
    t1dm = table[table["population"] == "T1DM"].iloc[0]
    assert t1dm["explanation"].startswith("The two disagree on whether there is an effect: the paper's 95% CI "
                                          "[−4.54, 0.93] includes no effect, the recomputed [−1.49, −0.71] excludes it.")
    both = table[table["population"] == "all"].iloc[0]
    assert "disagree" not in both["explanation"]               # both exclude no effect
    assert "(ies)" not in " ".join(table["explanation"])
