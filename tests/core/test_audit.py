"""Tests for core.workflow.audit: constructed consistent / inconsistent cases of each kind, the paper's own
reported results (Li et al. 2021, Stem Cell Res Ther 12:273).  The CSV reader and the comparison
claims: tests/core/test_reported_csv.py."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from core.workflow.audit import FLAGS, audit_reported
from core.evidence.printed import parse_claim, parse_pvalue
from core.evidence.reported_csv import read_reported_csv

ROOT = Path(__file__).resolve().parents[2]


def one(**kw) -> pd.DataFrame:
    base = dict(estimate="-1.51", ci_low="-2.42", ci_high="-0.60", pvalue="0.001")
    base.update(kw)
    return pd.DataFrame([base])


def flags_of(**kw) -> list[str]:
    return audit_reported(one(**kw))["flags"].iloc[0]


# --- consistent cases -------------------------------------------------------------------------
def test_consistent_row_has_no_flags_and_back_computes_se_z_p():
    # Li 2021 abstract: MD -1.51 (-2.42 to -0.60), P = 0.001.
    # Altman & Bland 2011: SE = (u - l)/(2*1.96) = 1.82/3.92 = 0.464; z = 1.51/0.464 = 3.25.
    out = audit_reported(one(z="3.25"))
    assert out["flags"].iloc[0] == []
    assert out["explanation"].iloc[0] == ""
    assert out["se_from_ci"].iloc[0] == pytest.approx(1.82 / (2 * 1.959964), rel=1e-6)
    assert out["z_from_ci"].iloc[0] == pytest.approx(3.2522, abs=1e-3)
    assert out["p_from_ci"].iloc[0] == pytest.approx(2 * stats.norm.sf(3.2522), rel=1e-3)


def test_ratio_measure_uses_log_scale():
    # Altman & Bland 2011, box part (b): for a ratio use the log estimate and log limits.
    # OR 2.00 (1.00, 4.00): SE = (ln 4 - ln 1)/3.92 = 0.3537, z = ln 2 / SE = 1.960, P = 0.050.
    out = audit_reported(one(estimate="2.00", ci_low="1.00", ci_high="4.00", pvalue="0.05",
                             z="1.96", measure="OR"))
    assert out["flags"].iloc[0] == []
    assert out["se_from_ci"].iloc[0] == pytest.approx(math.log(4) / (2 * 1.959964), rel=1e-6)
    assert out["z_from_ci"].iloc[0] == pytest.approx(1.959964, abs=1e-5)
    # the same numbers read on the raw scale are asymmetric (1.00 below, 2.00 above)
    assert "ci_asymmetric" in flags_of(estimate="2.00", ci_low="1.00", ci_high="4.00",
                                       pvalue="0.05", measure="MD")


def test_output_keeps_rows_order_and_columns():
    t = pd.DataFrame({"result_id": ["b", "a", "c"], "estimate": [1.0, 2.0, 3.0],
                      "ci_low": [0.0, 1.0, 2.0], "ci_high": [2.0, 3.0, 4.0],
                      "pvalue": ["0.3", "<0.001", "<0.001"], "extra": [1, 2, 3]},
                     index=[10, 5, 7])
    out = audit_reported(t)
    assert list(out.index) == [10, 5, 7]
    assert list(out["result_id"]) == ["b", "a", "c"]
    assert list(out.columns[:6]) == list(t.columns)
    assert {"flags", "explanation", "se_from_ci", "z_from_ci", "p_from_ci"} <= set(out.columns)


_RULE_MODELS = ("fixed", "random")


@settings(max_examples=300, deadline=None)
@given(est=st.floats(-5, 5), se=st.floats(0.01, 3), d=st.sampled_from([1, 2, 3]),
       pd_=st.sampled_from([2, 3, 4]), zd=st.sampled_from([2, 3]),
       ratio=st.booleans(), i2=st.floats(0, 99), qp=st.floats(0.0, 1.0))
def test_correctly_rounded_results_are_never_flagged(est, se, d, pd_, zd, ratio, i2, qp):
    """Property: any result computed exactly and then rounded as printed raises no flag."""
    zc = stats.norm.ppf(0.975)
    if ratio:
        est, se = est / 5, se / 3
    lo, hi = est - zc * se, est + zc * se
    z = abs(est) / se
    p = 2 * stats.norm.sf(z)
    f = (lambda x: math.exp(x)) if ratio else (lambda x: x)
    e_p, l_p, h_p = (f"{f(v):.{d}f}" for v in (est, lo, hi))
    if ratio and (float(l_p) <= 0 or float(e_p) <= 0):
        return
    p_txt = f"{p:.{pd_}f}"
    if float(p_txt) == 0:
        p_txt = "<" + f"{10 ** -pd_:.{pd_}f}"
    model = "random" if (i2 > 50 and qp < 0.10) else "fixed"
    claim = "significantly lower" if p < 0.05 else "no significant difference"
    if abs(p - 0.05) < 0.01 or min(abs(lo), abs(hi)) < 10 ** -d:
        claim = ""  # too close to call after rounding; claims are not judged there anyway
    row = dict(estimate=e_p, ci_low=l_p, ci_high=h_p, pvalue=p_txt, z=f"{z:.{zd}f}",
               i2=f"{i2:.0f}", q_pvalue=f"{qp:.2f}", model=model, claim=claim,
               measure="OR" if ratio else "SMD")
    out = audit_reported(pd.DataFrame([row]))
    assert out["flags"].iloc[0] == [], (row, out["explanation"].iloc[0])


# --- inconsistent cases, one per flag ---------------------------------------------------------
def test_reversed_ci_is_flagged_and_sign_fix_suggested():
    # Li 2021 Table 2, 6 months: -1.30 (2.27, -0.32), Z 2.60.
    out = audit_reported(one(estimate="-1.30", ci_low="2.27", ci_high="-0.32", z="2.60",
                             pvalue="0.009"))
    assert out["flags"].iloc[0] == ["ci_reversed"]
    assert "(-2.27, -0.32)" in out["explanation"].iloc[0]
    assert "consistent with the printed Z = 2.60" in out["explanation"].iloc[0]
    assert math.isnan(out["z_from_ci"].iloc[0])


def test_estimate_outside_ci_flags_z_and_p_and_gives_midpoint():
    # Li 2021 Table 3, 6 months: -2.8 (-1.02, 0.47), Z 0.73, P 0.46.
    f = flags_of(estimate="-2.8", ci_low="-1.02", ci_high="0.47", z="0.73", pvalue="0.46")
    assert f == ["estimate_outside_ci", "z_mismatch", "p_mismatch"]
    expl = audit_reported(one(estimate="-2.8", ci_low="-1.02", ci_high="0.47", z="0.73",
                              pvalue="0.46"))["explanation"].iloc[0]
    assert "midpoint is -0.275" in expl


def test_estimate_on_rounded_bound_is_not_outside():
    assert "estimate_outside_ci" not in flags_of(estimate="0.10", ci_low="0.10", ci_high="0.11",
                                                 pvalue="<0.00001")


def test_asymmetric_ci_on_difference_scale():
    f = flags_of(estimate="1.00", ci_low="0.50", ci_high="2.00", pvalue="0.01", measure="MD")
    assert f[0] == "ci_asymmetric"


def test_ratio_ci_symmetric_on_log_scale_is_not_asymmetric():
    # OR 1.00? no: 2.00 (1.00, 4.00) is symmetric in log: log 2 +- log 2.
    assert "ci_asymmetric" not in flags_of(estimate="2.00", ci_low="1.00", ci_high="4.00",
                                           pvalue="0.05", measure="OR")
    assert "ci_asymmetric" in flags_of(estimate="2.50", ci_low="1.00", ci_high="4.00",
                                       pvalue="0.05", measure="OR")


def test_ratio_with_nonpositive_bound():
    assert flags_of(estimate="1.2", ci_low="-0.1", ci_high="2.5", pvalue="0.4",
                    measure="RR") == ["ratio_ci_nonpositive"]


def test_symmetry_allows_rounding_of_three_numbers():
    # Li 2021 Fig. 3 T1DM: -1.81 (-4.54, 0.93): half-widths 2.73 and 2.74, within 0.02.
    assert flags_of(estimate="-1.81", ci_low="-4.54", ci_high="0.93", pvalue="0.20") == []
    # one more hundredth is beyond rounding (difference 0.03 > 0.02)
    assert flags_of(estimate="-1.81", ci_low="-4.54", ci_high="0.95",
                    pvalue="0.20")[0] == "ci_asymmetric"


def test_z_mismatch():
    out = audit_reported(one(z="2.00"))
    assert out["flags"].iloc[0] == ["z_mismatch", "z_p_mismatch"]
    assert "Z = 3.25" in out["explanation"].iloc[0]


def test_signed_z_is_compared_by_absolute_value():
    assert flags_of(z="-3.25") == []


def test_p_mismatch_li2021_fig5():
    # Li 2021 Fig. 5 text: SMD -0.94 (-1.53 to -0.34), P = 0.02; the CI implies P = 0.002.
    out = audit_reported(one(estimate="-0.94", ci_low="-1.53", ci_high="-0.34", pvalue="0.02"))
    assert out["flags"].iloc[0] == ["p_mismatch"]
    assert out["p_from_ci"].iloc[0] == pytest.approx(0.00196, abs=5e-5)
    assert "P = 0.0020" in out["explanation"].iloc[0]


def test_p_less_than_form():
    assert flags_of(pvalue="<0.001") == ["p_mismatch"]       # P is 0.0011
    assert flags_of(pvalue="<0.01") == []
    assert flags_of(pvalue=">0.05") == ["p_mismatch"]


def test_z_p_mismatch_alone():
    # Z and P printed without a usable relation to each other, CI consistent with Z.
    f = flags_of(estimate="0.30", ci_low="-0.50", ci_high="1.10", z="0.73", pvalue="0.046")
    assert f == ["p_mismatch", "z_p_mismatch"]


@pytest.mark.parametrize("i2,qp,model,flagged", [
    ("30", "0.50", "random", True),      # homogeneous -> fixed by the rule
    ("60", "0.05", "fixed", True),       # heterogeneous -> random by the rule
    ("60", "0.20", "random", True),      # P(Q) not < 0.10 -> fixed
    ("87", "0.006", "random", False),    # Li 2021 Table 2, 3 months
    ("0", "0.96", "fixed", False),       # Li 2021 Table 4, 12 months
    ("50", "0.01", "fixed", False),      # printed 50 could be 50.4: not judged
    ("50", "0.01", "random", False),
    ("70", "0.10", "fixed", False),      # printed 0.10 could be 0.096: not judged
    ("85", "<0.0001", "Random", False),
])
def test_model_rule(i2, qp, model, flagged):
    f = flags_of(i2=i2, q_pvalue=qp, model=model)
    assert ("model_rule" in f) is flagged


def test_model_rule_thresholds_are_parameters():
    out = audit_reported(one(i2="40", q_pvalue="0.01", model="random"), i2_threshold=25)
    assert out["flags"].iloc[0] == []


def test_claim_not_significant_but_p_and_ci_say_significant():
    # Li 2021 Fig. 7: "no significant difference", SMD 0.50 (0.03 to 0.96), P = 0.04.
    out = audit_reported(one(estimate="0.50", ci_low="0.03", ci_high="0.96", pvalue="0.04",
                             claim="no significant difference was found"))
    assert out["flags"].iloc[0] == ["claim_vs_ci", "claim_vs_p"]
    assert "P = 0.04 is below 0.05" in out["explanation"].iloc[0]


def test_claim_significant_but_p_and_ci_say_not():
    f = flags_of(estimate="-0.66", ci_low="-1.61", ci_high="0.29", pvalue="0.17",
                 claim="HbA1c decreased significantly")
    assert f == ["claim_vs_ci", "claim_vs_p"]


def test_claim_at_the_rounding_boundary_is_not_judged():
    f = flags_of(estimate="0.50", ci_low="0.00", ci_high="1.00", pvalue="0.05",
                 claim="a significant increase")
    assert f == []


@pytest.mark.parametrize("text,expected", [
    ("no significant difference was found", "not significant"),
    ("the difference was not statistically significant", "not significant"),
    ("Nor was a significant change found", "not significant"),
    ("significant changes were not found at the 3- or 12-month follow-ups", "not significant"),
    ("a non-significant trend", "not significant"),
    ("decreased significantly from baseline", "significant"),
    ("A significant change in the HbA1c level", "significant"),
    ("was higher than that of the control group", None),
    ("", None),
    (None, None),
])
def test_parse_claim(text, expected):
    assert parse_claim(text) == expected


@pytest.mark.parametrize("text,low,high", [
    ("0.003", 0.0025, 0.0035), ("<0.00001", 0.0, 0.00001), ("P = 0.02", 0.015, 0.025),
    ("p<0.001", 0.0, 0.001), ("\u22640.05", 0.0, 0.05), ("0.20", 0.195, 0.205),
    ("1.2\u00d710-5", 1.15e-5, 1.25e-5),
])
def test_parse_pvalue(text, low, high):
    p = parse_pvalue(text)
    assert (p.low, p.high) == (pytest.approx(low), pytest.approx(high))


# --- validation -------------------------------------------------------------------------------
def test_missing_required_column():
    with pytest.raises(ValueError, match=r"missing required column\(s\) pvalue"):
        audit_reported(one().drop(columns="pvalue"))


def test_not_a_dataframe():
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        audit_reported([{"estimate": 1}])


def test_unparsable_pvalue_names_row_and_value():
    t = pd.concat([one(), one(pvalue="n.s.")], ignore_index=True)
    t["result_id"] = ["ok", "bad"]
    with pytest.raises(ValueError, match=r"`pvalue` in row 2 \(bad\).*got 'n.s.'"):
        audit_reported(t)


def test_pvalue_above_one():
    with pytest.raises(ValueError, match="between 0 and 1"):
        audit_reported(one(pvalue="1.3"))


def test_blank_estimate_and_bad_model_and_i2():
    with pytest.raises(ValueError, match=r"`estimate` in row 1 is blank"):
        audit_reported(one(estimate=""))
    with pytest.raises(ValueError, match=r"`model` in row 1 must be 'fixed' or 'random'"):
        audit_reported(one(model="bayes"))
    with pytest.raises(ValueError, match=r"`i2` in row 1 must be a percentage"):
        audit_reported(one(i2="120"))
    with pytest.raises(ValueError, match=r"`ci_high` in row 1 must be a number; got 'abc'"):
        audit_reported(one(ci_high="abc"))


def test_blank_pvalue_skips_p_checks():
    assert flags_of(pvalue="") == []


# --- the paper's own reported results ---------------------------------------------------------
# Expected flags for data/reported_results.csv, each traced to Li et al. 2021 (Stem Cell Res Ther
# 12:273): Results text for Figs. 2-9 and Tables 2-4. Rows not listed must have no flag.
PAPER_FINDINGS = {
    # Results, FBG paragraph (Fig. 5): "SMD = -0.94, 95% CI -1.53 to -0.34, P = 0.02" -> P = 0.002
    "fig5_fbg_all": ["p_mismatch"],
    # Results, PBG paragraph (Fig. 6): "SMD = -0.80, 95% CI -1.34 to -0.27, P = 0.01" -> P = 0.003
    "fig6_pbg_t2": ["p_mismatch"],
    # Results, F-CP paragraph (Fig. 7): "no significant difference ... SMD = 0.50; 95% CI 0.03 to
    # 0.96, P = 0.04"
    "fig7_fcp_all": ["claim_vs_ci", "claim_vs_p"],
    # Table 2, 6 months: "-1.30 (2.27, -0.32)"
    "tab2_hba1c_6": ["ci_reversed"],
    # Table 3, 6 months: "0.73 0.46 -2.8 (-1.02, 0.47)"
    "tab3_fbg_6": ["estimate_outside_ci", "z_mismatch", "p_mismatch"],
}


def test_paper_reported_results_audit():
    table = read_reported_csv((ROOT / "data" / "reported_results.csv").read_bytes())
    out = audit_reported(table)
    assert len(out) == len(table) and list(out["result_id"]) == list(table["result_id"])
    got = {rid: f for rid, f in zip(out["result_id"], out["flags"]) if f}
    assert got == PAPER_FINDINGS
    assert set().union(*PAPER_FINDINGS.values()) <= set(FLAGS)


def test_template_is_valid_and_audits():
    table = read_reported_csv((ROOT / "data" / "templates" /
                               "reported_results_template.csv").read_bytes())
    out = audit_reported(table)
    assert out.set_index("result_id")["flags"].to_dict() == {
        "li2021_fig3_hba1c_all": [], "li2021_fig5_fbg_all": ["p_mismatch"],
        "li2021_fig7_fcp_all": ["claim_vs_ci", "claim_vs_p"], "li2021_tab4_fcp_6": []}


# --- one vocabulary: model words, flag texts, the paper's rule -----------------------------------
def test_model_words_cover_every_estimator_code():
    from core import vocab
    from core.evidence.printed import parse_model

    for code in vocab.RANDOM_ESTIMATORS + vocab.REPORTED_ONLY_ESTIMATORS:
        assert parse_model(code) == parse_model(code.lower()) == "random"
    assert parse_model(vocab.Tau2.FE) == parse_model(" ee ") == parse_model("IV, Fixed") == "fixed"
    assert parse_model("bayes") is None and parse_model(None) is None and parse_model(float("nan")) is None
    assert flags_of(i2="80", q_pvalue="0.001", model="SJ") == []    # random, as the rule asks


def test_every_flag_has_its_words():
    from core.words import AUDIT_FLAG_TEXT

    assert set(AUDIT_FLAG_TEXT) == set(FLAGS) and all(AUDIT_FLAG_TEXT.values())


def test_audit_default_rule_is_the_papers_rule():
    import inspect

    from core.workflow.analysis import PAPER_MODEL_RULE

    params = inspect.signature(audit_reported).parameters
    assert params["i2_threshold"].default == PAPER_MODEL_RULE.i2_threshold == 50.0
    assert params["q_alpha"].default == PAPER_MODEL_RULE.q_alpha == 0.10
