"""Tests for core.events (Wilson score intervals) and data/events_reported.csv."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from core.events import proportion, proportions_table, wilson_interval

ROOT = Path(__file__).resolve().parents[2]
PAPER = ROOT.parent / "shared" / "seed" / "li2021_msc_diabetes_meta_analysis.txt"   # seed copy beside the checkout


# Newcombe RG. Stat Med 1998;17:857-872: the four illustrative examples (81/263, 15/148, 0/20,
# 1/29), method 3 (score interval without continuity correction), printed to 4 decimals.
@pytest.mark.parametrize("count,n,low,high", [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_newcombe_1998_method3_examples(count, n, low, high):
    ci = proportion(count, n).confidence_interval()
    assert ci.low == pytest.approx(low, abs=5e-5)   # printed rounding: 4 decimals
    assert ci.high == pytest.approx(high, abs=5e-5)


def test_extremes_are_exact_and_inside_unit_interval():
    assert wilson_interval(0, 7).low == 0.0
    assert wilson_interval(7, 7).high == 1.0
    lo, hi = wilson_interval(3, 15)
    assert 0 < lo < 3 / 15 < hi < 1


def test_symmetry_count_and_complement():
    a, b = wilson_interval(3, 15), wilson_interval(12, 15)
    assert a.low == pytest.approx(1 - b.high, abs=1e-12)
    assert a.high == pytest.approx(1 - b.low, abs=1e-12)


def test_level_widens_interval():
    p = proportion(20, 54)
    ci90, ci99 = p.confidence_interval(0.90), p.confidence_interval(0.99)
    assert ci99.low < ci90.low and ci99.high > ci90.high


def test_result_is_frozen():
    p = proportion(8, 12)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.count = 9
    assert p.estimate == pytest.approx(8 / 12)


@pytest.mark.parametrize("count,n,exc,match", [
    (5, 0, ValueError, r"`n` must be > 0; got 0"),
    (6, 5, ValueError, r"`count` must lie between 0 and n = 5; got 6"),
    (-1, 5, ValueError, r"got -1"),
    ("3", 5, TypeError, r"`count` must be an integer"),
    (2.5, 5, TypeError, r"`count` must be an integer"),
])
def test_validation(count, n, exc, match):
    with pytest.raises(exc, match=match):
        proportion(count, n)


def test_bad_level():
    with pytest.raises(ValueError, match="`level` must be between 0 and 1"):
        proportion(1, 2).confidence_interval(95)


def test_proportions_table_names_bad_row():
    df = pd.DataFrame({"count": [1, None], "n": [4, 5]})
    with pytest.raises(ValueError, match="row 2: count and n must both be given"):
        proportions_table(df)


# Li 2021, Results 'Effects of stem cell therapy on insulin requirements': the paper prints the
# percentages 20%, 66.7%, 37%, 48.5%; the counts must reproduce them.
PRINTED_PERCENT = {("T1DM", "insulin_discontinued"): 20.0,
                   ("T1DM", "insulin_reduction_gt50pct"): 66.7,
                   ("T2DM", "insulin_independence"): 37.0,
                   ("T2DM", "insulin_reduction_gt50pct"): 48.5}


def test_events_reported_csv_matches_paper():
    ev = pd.read_csv(ROOT / "data" / "events_reported.csv", dtype={"refs": str})
    assert list(ev.columns) == ["dm_type", "event", "count", "n", "refs", "locator", "snippet"]
    tab = proportions_table(ev)
    got = {(r.dm_type, r.event): round(100 * r.proportion, 1) for r in tab.itertuples()}
    assert set(got) == set(PRINTED_PERCENT)
    for key, pct in PRINTED_PERCENT.items():
        assert got[key] == pytest.approx(pct, abs=0.05 if pct % 1 else 0.5)
    text = _dehyphen(PAPER.read_text()) if PAPER.exists() else None
    for r in ev.itertuples():
        assert f"({r.count}/{r.n})" in r.snippet
        if text is not None:   # the snippet is verbatim (line-break hyphens removed)
            assert r.snippet in text, r.snippet


def _dehyphen(raw: str) -> str:
    import re
    s = re.sub(r"(?<=[a-z])-\n(?=[a-z])", "", raw)
    return " ".join(s.split())


def test_adverse_events_reported_csv():
    ae = pd.read_csv(ROOT / "data" / "adverse_events_reported.csv", dtype={"studies_refs": str})
    assert list(ae.columns) == ["event", "patients", "studies_refs", "locator", "snippet", "note"]
    text = _dehyphen(PAPER.read_text()) if PAPER.exists() else None
    for r in ae.itertuples():
        if text is not None:
            assert r.snippet in text, r.snippet
    # the paper gives patient counts for nausea/vomiting (2), fever (6) and haemorrhage (2) only
    counts = ae.set_index("event")["patients"]
    assert counts.notna().sum() == 4 and counts.sum() == 2 + 6 + 2 + 0
