"""data/reported_results.csv against the paper's text: every printed number is found, as printed,
next to its companions (Li et al. 2021, Stem Cell Res Ther 12:273; stored text copy)."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PAPER = ROOT.parent / "shared" / "seed" / "li2021_msc_diabetes_meta_analysis.txt"   # seed copy beside the checkout
ROWS = pd.read_csv(ROOT / "data" / "reported_results.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def text():
    if not PAPER.exists():
        pytest.skip("the paper's text copy is not on this machine")
    raw = re.sub(r"(?<=[a-z])-\n(?=[a-z])", "", PAPER.read_text())   # "infu-\nsion" -> "infusion"
    raw = re.sub(r"-\n(?=[a-z])", "-", raw)                           # "MSC-\ntreated" -> "MSC-treated"
    return " ".join(raw.replace("\u2212", "-").split())


@pytest.mark.parametrize("rid", ROWS["result_id"])
def test_row_numbers_appear_as_printed(rid, text):
    r = ROWS.set_index("result_id").loc[rid]
    if rid.startswith("tab"):
        # table rows: "I2 P(Q) Model Z P estimate (low, high)"
        row = (f"{r['i2']} {r['q_pvalue']} {r['model'].capitalize()} {r['z']} {r['pvalue']} "
               f"{r['estimate']} ({r['ci_low']}, {r['ci_high']})")
        assert row in text, row
    else:
        p = r["pvalue"]
        op, num = ("<", p[1:]) if p.startswith("<") else ("=", p)
        pattern = (rf"{re.escape(r['measure'])}\)? = {re.escape(r['estimate'])}[;,] 95% CI "
                   rf"{re.escape(r['ci_low'])} to {re.escape(r['ci_high'])}, P ?{op} ?{re.escape(num)}\b")
        assert re.search(pattern, text), pattern


def test_claims_are_verbatim(text):
    for rid, claim in zip(ROWS["result_id"], ROWS["claim"]):
        for part in (c.strip() for c in claim.split("...")):
            if part:
                assert part.replace("\u2212", "-") in text, (rid, part)
