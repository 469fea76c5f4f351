"""core.evidence.reported_csv (the reported-results upload) and core.workflow.claims (claims comparing two
reported results, Altman & Bland BMJ 2003;326:219)."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from core.workflow.audit import audit_reported
from core.evidence.reported_csv import read_reported_csv

ROOT = Path(__file__).resolve().parents[2]


# --- CSV upload -------------------------------------------------------------------------------
def test_read_csv_keeps_printed_decimals():
    df = read_reported_csv(b"estimate,ci_low,ci_high,pvalue\n-0.60,-1.92,0.72,0.37\n")
    assert df["estimate"].iloc[0] == "-0.60"


def test_read_csv_accepts_bom_and_unicode_minus():
    data = "\ufeffestimate,ci_low,ci_high,pvalue\n\u22120.60,\u22121.92,0.72,0.37\n".encode()
    out = audit_reported(read_reported_csv(data))
    assert out["flags"].iloc[0] == []


@pytest.mark.parametrize("data,match", [
    (b"", "empty"),
    (b"   \n  ", "empty"),
    ("estimate,ci_low,ci_high,pvalue\n1,0,2,0.05\ncaf\u00e9,1,2,3\n".encode("latin-1"),
     "not UTF-8"),
    (b"estimate,ci_low,pvalue\n1,0,0.05\n", r"missing required column\(s\): ci_high"),
    (b"estimate,ci_low,ci_high,pvalue\n", "no data rows"),
    (b"estimate,ci_low,ci_high,pvalue\nabout 1,0,2,0.05\n",
     r"`estimate` in row 1 must be a number; got 'about 1'"),
    (b"result_id,estimate,ci_low,ci_high,pvalue\nx,1,0,2,0.05\ny,1,0,2,significant\n",
     r"`pvalue` in row 2 \(y\)"),
    (b"estimate,estimate,ci_low,ci_high,pvalue\n1,1,0,2,0.05\n", "duplicate column"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not UTF-8|binary"),
])
def test_read_csv_errors(data, match):
    with pytest.raises(ValueError, match=match):
        read_reported_csv(data)


def test_safe_csv_neutralises_formulas_but_not_numbers():
    from core.export.tables import to_csv_bytes as to_safe_csv
    df = pd.DataFrame({"claim": ["=HYPERLINK(\"x\")", "+1+1", "@SUM(A1)", "fine", "-0.60"],
                       "flags": [["p_mismatch"], [], [], ["a", "b"], []]})
    text = to_safe_csv(df).decode()
    assert "'=HYPERLINK" in text and "'+1+1" in text and "'@SUM(A1)" in text
    assert "\n-0.60," in text and "a; b" in text


# --- claims comparing two results -------------------------------------------------------------
def test_compare_estimates_constructed():
    from core.workflow.claims import compare_estimates
    zc = stats.norm.ppf(0.975)
    # SE_a = 1 and SE_b = 1 by construction: SE(diff) = sqrt(2) (Altman & Bland BMJ 2003;326:219)
    c = compare_estimates((3.0, 3.0 - zc, 3.0 + zc), (1.0, 1.0 - zc, 1.0 + zc))
    assert c.diff == pytest.approx(2.0)
    assert c.se == pytest.approx(math.sqrt(2), rel=1e-12)
    assert c.z == pytest.approx(2 / math.sqrt(2))
    assert c.pvalue == pytest.approx(2 * stats.norm.sf(math.sqrt(2)))
    lo, hi = c.confidence_interval()
    assert (hi - lo) == pytest.approx(2 * zc * math.sqrt(2))
    with pytest.raises(ValueError, match="`b`: ci_low 2.0 is above ci_high 1.0"):
        compare_estimates((1.0, 0.0, 2.0), (1.0, 2.0, 1.0))


def test_paper_comparison_claims():
    from core.workflow.claims import audit_comparison_claims
    rep = read_reported_csv((ROOT / "data" / "reported_results.csv").read_bytes())
    claims = pd.read_csv(ROOT / "data" / "comparison_claims.csv", dtype=str)
    out = audit_comparison_claims(claims, rep).set_index("claim_id")
    # Li 2021 Fig. 6: T2DM PBG -0.80 (-1.34, -0.27) vs T1DM -1.27 (-1.93, -0.61): called
    # "significantly smaller", but z = 0.47 / sqrt(0.2730^2 + 0.3367^2) = 1.08, P = 0.28.
    assert not out.at["pbg_t2_smaller_than_t1", "consistent"]
    assert out.at["pbg_t2_smaller_than_t1", "pvalue"] == pytest.approx(0.278, abs=0.002)
    # Discussion: FBG decrease "more pronounced" in T1DM, but Fig. 5 gives T1DM -0.88 vs T2DM -0.94.
    assert not out.at["fbg_t1_more_pronounced", "consistent"]
    assert out.at["pbg_t1_more_pronounced", "consistent"]
    with pytest.raises(ValueError, match="not a reported result_id"):
        audit_comparison_claims(claims.assign(result_b="nope"), rep)
