"""Issue 21: each certainty rule at its boundaries, with the guidance it follows.

Imprecision: GRADE guidelines 6 (Guyatt et al. 2011), guidance 34 (Zeng et al. 2022) and 35
(Schünemann et al. 2022); risk of bias: GRADE guidelines 4 and the precaution for unjudged studies;
inconsistency: GRADE guidelines 7 and Higgins et al. 2009; statements: Cochrane Handbook v6.4
Table 15.6.b and Santesso et al. 2020 (GRADE guidelines 26); information size as context:
Wetterslev et al. 2017 and RTSA's ``minTrial``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from core.certainty import Concern, GradeDomain, Level, assess
from core.certainty.assess import statement
from core.certainty.imprecision import trials_needed
from core.evidence.risk_of_bias import Judgement, RobDomain, RobLevel
from core.figures.text_width import text_width, wrap_px
from core.vocab import Comparison, Outcome
from core.words import fmt_num
from tests.core.test_certainty import REASON, SOURCE, forest, low_rob, pair, rob_for


def imprecision(a, rob=None):
    return assess(a, rob if rob is not None else low_rob(a)).domain(GradeDomain.IMPRECISION)


# --- optimal information size: met / at least half / far below (guidance 34: "far less" = below half here) ---

@pytest.mark.parametrize("n_per_arm, concern, phrase", [
    (32, Concern.NOT_SERIOUS, "128 participants meet the optimal information size of 126"),
    (16, Concern.SERIOUS, "64 participants are 51% of the optimal information size of 126"),
    (15, Concern.VERY_SERIOUS, "60 participants are 48% of the optimal information size of 126, far fewer"),
])
def test_ois_met_half_and_far_below(n_per_arm, concern, phrase):
    a = pair(-1.5, 0.3, n=n_per_arm)          # CI beyond a large effect: only the OIS can rate it down
    rating = imprecision(a)
    assert rating.concern == concern and phrase in rating.reason


# --- the CI against the thresholds ---

def test_ci_crossing_the_edge_of_the_named_size_costs_one_level():
    """[-1.3, -0.7] is beyond the MID (0.5) but crosses the edge of a large effect (0.8 SD = 0.8):
    'a large reduction' is then uncertain (guidance 35 rates the certainty of the size it names)."""
    rating = imprecision(pair(-1.0, 0.3))
    assert rating.concern == Concern.SERIOUS and "edge of a large effect (0.80 %)" in rating.reason


def test_ci_on_both_sides_with_the_named_size_uncertain_is_extremely_serious():
    a = pair(-1.0, 1.2)                        # [-2.2, 0.2]: benefit + trivial, and crosses 0.8
    assert imprecision(a).concern == Concern.VERY_SERIOUS
    a = pair(-1.0, 2.0)                        # [-3.0, 1.0]: benefit, trivial and harm, and crosses 0.8
    rating = imprecision(a)
    assert rating.concern == Concern.EXTREMELY_SERIOUS and rating.downgrade == 3


def test_trivial_effect_with_a_narrow_ci_is_precise():
    rating = imprecision(pair(0.05, 0.2))      # [-0.15, 0.25], all within ±0.5: precise about "little to no"
    assert rating.concern == Concern.NOT_SERIOUS


# --- one study vs two ---

def test_one_study_never_escapes_imprecision_but_two_can():
    one = forest([-1.5], [variance_for_half(0.3)], n=1000)
    two = pair(-1.5, 0.3, n=500)
    r1, r2 = imprecision(one), imprecision(two)
    assert r1.concern == Concern.SERIOUS and "one study" in r1.reason and r1.assumption
    assert r2.concern == Concern.NOT_SERIOUS
    assert assess(one, low_rob(one)).rating == Level.MODERATE


def variance_for_half(half: float) -> float:
    return (half / 1.959963984540054) ** 2


# --- risk of bias: not assessed / some concerns / low ---

def test_risk_of_bias_not_assessed_is_a_stated_precaution_and_provisional():
    a = pair(-1.5, 0.3)
    c = assess(a, rob_for(a))
    rob = c.domain(GradeDomain.RISK_OF_BIAS)
    assert rob.concern == Concern.SERIOUS and rob.assumption and "precaution" in rob.reason
    assert c.provisional == pytest.approx(100.0) and c.rating == Level.MODERATE
    assert c.label == "Moderate (provisional: risk of bias not assessed for studies carrying 100% of the weight)"
    assert c.level_label == "Moderate"


def test_risk_of_bias_some_concerns_and_low():
    a = forest([-1.5, -1.5], [0.01, 0.04], n=500)      # weights 80% / 20%
    concerns = rob_for(a).with_judgement(Judgement("S0", RobDomain.OVERALL, RobLevel.SOME_CONCERNS, REASON, SOURCE))
    c = assess(a, concerns)
    rob = c.domain(GradeDomain.RISK_OF_BIAS)
    assert rob.concern == Concern.SERIOUS and "80% of the weight comes from results with some concerns" in rob.reason
    assert not c.provisional                          # judged studies decided it
    low_big = rob_for(a).with_judgement(Judgement("S0", RobDomain.OVERALL, RobLevel.LOW, REASON, SOURCE))
    c = assess(a, low_big)                            # 80% low, 20% not assessed: no downgrade, said so
    rob = c.domain(GradeDomain.RISK_OF_BIAS)
    assert rob.concern == Concern.NOT_SERIOUS and rob.assumption and "20%" in rob.reason and not c.provisional
    low_small = rob_for(a).with_judgement(Judgement("S1", RobDomain.OVERALL, RobLevel.LOW, REASON, SOURCE))
    c = assess(a, low_small)                          # 80% unjudged: the precaution, provisional
    assert c.domain(GradeDomain.RISK_OF_BIAS).concern == Concern.SERIOUS and c.provisional == pytest.approx(80)
    c = assess(a, low_rob(a))
    assert c.domain(GradeDomain.RISK_OF_BIAS).concern == Concern.NOT_SERIOUS and not c.provisional


def test_user_judgements_replace_the_precaution_and_adding_trials_never_lowers_it_alone():
    one = forest([-1.5], [variance_for_half(0.3)], n=1000)
    two = pair(-1.5, 0.3, n=500)
    assert assess(one, rob_for(one)).rating == Level.LOW            # precaution + one study
    assert assess(two, rob_for(two)).rating == Level.MODERATE       # precaution only
    assert assess(two, low_rob(two)).rating == Level.HIGH           # judged: precaution gone


# --- inconsistency: I² 0 with tau² 0 vs I² 60% ---

def test_no_heterogeneity_is_not_serious_whatever_k():
    a = forest([-1.0, -1.0, -1.0], [0.3, 0.2, 0.25])
    rating = assess(a, rob_for(a)).domain(GradeDomain.INCONSISTENCY)
    assert a.pooled.i2 == 0 and rating.concern == Concern.NOT_SERIOUS
    assert "I² = 0%" in rating.reason and "τ² = 0" in rating.reason and "prediction" not in rating.reason


def test_i2_sixty_percent_is_serious():
    v = 0.1
    diff = math.sqrt(2 * v / 0.4)               # I² = 60% for two studies
    a = forest([-1.0, -1.0 - diff], [v, v])
    rating = assess(a, rob_for(a)).domain(GradeDomain.INCONSISTENCY)
    assert a.pooled.i2 == pytest.approx(60) and rating.concern == Concern.SERIOUS and "I² = 60%" in rating.reason


def test_true_effects_range_crossing_no_effect_is_a_signal_only_when_tau2_is_positive():
    """Many studies, modest I² and P(Q) >= 0.10, yet tau² so large against the mean that the true
    effects' 95% range (mu ± 1.96 tau) includes no effect while the CI excludes it."""
    z = np.linspace(-1.0, 1.0, 20)
    yi = 0.8 + z * math.sqrt(27.0 / np.sum(z**2))       # Q = 27 on 19 df with unit variances: I² = 30%, P = 0.10
    a = forest(yi, [1.0] * 20)
    res = a.pooled
    rating = assess(a, rob_for(a)).domain(GradeDomain.INCONSISTENCY)
    assert res.i2 < 50 and res.q_pvalue >= 0.10 and res.ci_low > 0
    assert rating.concern == Concern.SERIOUS and "true effects' 95% range" in rating.reason


def test_non_overlapping_study_cis_are_a_signal():
    a = forest([-0.2, -1.4], [0.02, 0.02])
    rating = assess(a, rob_for(a)).domain(GradeDomain.INCONSISTENCY)
    assert rating.concern == Concern.SERIOUS and "do not overlap" in rating.reason


# --- statements per level (Cochrane Handbook Table 15.6.b) ---

@pytest.mark.parametrize("level, expected", [
    (Level.HIGH, "MSC results in a large reduction in HbA1c compared with control."),
    (Level.MODERATE, "MSC likely results in a large reduction in HbA1c compared with control."),
    (Level.LOW, "MSC may result in a large reduction in HbA1c compared with control."),
    (Level.VERY_LOW, "The evidence is very uncertain about the effect of MSC on HbA1c compared with control."),
])
def test_statement_per_level(level, expected):
    assert statement(Outcome.HBA1C, Comparison.VS_CONTROL, level, "large", -1.2) == expected


@pytest.mark.parametrize("size, words_", [("moderate", "MSC may reduce HbA1c"), ("small", "may reduce HbA1c slightly"),
                                          ("trivial", "may result in little to no difference in HbA1c")])
def test_low_statements_by_size(size, words_):
    assert words_ in statement(Outcome.HBA1C, Comparison.VS_CONTROL, Level.LOW, size, -0.3)


def test_statement_names_the_threshold_it_used():
    a = pair(-0.6, 0.05, n=500)                # 0.5 <= 0.6 < 0.8 SD: a moderate effect with a MID of 0.5
    c = assess(a, low_rob(a))
    assert c.rating == Level.HIGH and c.statement == "MSC reduces HbA1c compared with control (by 0.50 % = 0.5 SD " \
                                                     "to 0.80 % = 0.8 SD)."


# --- information size as context (Wetterslev et al. 2017; RTSA minTrial) ---

@pytest.mark.parametrize("tau2, delta, expected", [(0.0, 0.5, 1), (0.05, 0.5, 2), (0.5, 0.5, 16), (0.2, 0.25, 26)])
def test_trials_needed_follows_rtsa(tau2, delta, expected):
    """RTSA's minTrial solves K = tau² (z_{1-alpha/2} + z_{1-beta})² / delta² and rounds up:
    (1.96 + 0.8416)² = 7.849, so tau² = 0.5, delta = 0.5 gives 15.7 -> 16."""
    assert trials_needed(tau2, delta) == expected


def test_context_sentence_reports_ois_and_trials():
    yi = np.array([-1.6, -0.6, -1.2])
    a = forest(yi, [0.02, 0.03, 0.025])
    c = assess(a, rob_for(a))
    assert c.context.startswith("Information size: 3000 participants against an optimal information size of 126")
    assert "a meta-analysis would need at least" in c.context and "Wetterslev" in c.context


# --- measuring text for the slide ---

def test_text_width_uses_helvetica_metrics_and_errs_wide_on_unknown_glyphs():
    assert text_width("Hello", 10) == pytest.approx((722 + 556 + 222 + 222 + 556) / 100)
    assert text_width("⊕", 10) == pytest.approx(10.0)
    assert text_width("a", 10, bold=True) > text_width("a", 10)
    lines = wrap_px("The evidence is very uncertain about the effect of MSC on HbA1c", 120, 12)
    assert len(lines) > 1 and all(text_width(line, 12) <= 120 for line in lines)
    assert " ".join(lines) == "The evidence is very uncertain about the effect of MSC on HbA1c"


def test_bayesian_view_judges_imprecision_on_the_credible_interval():
    """Issue 22 with issue 21: under the Bayesian model the certainty reads the 95% credible interval
    (the pooled result's ci_low/ci_high) and says so."""
    from core.certainty import summary_of_findings
    from core.evidence.dataset import load_dataset
    from core.workflow.analysis import AnalysisSpec
    sof = summary_of_findings(load_dataset(), AnalysisSpec(comparison=Comparison.VS_CONTROL, model="bayes"))
    c = sof.row(Outcome.HBA1C).certainty
    reason = c.domain(GradeDomain.IMPRECISION).reason
    assert f"The 95% credible interval [{fmt_num(c.ci_low)}, {fmt_num(c.ci_high)}]" in reason and "CI" not in reason


def test_a_user_imprecision_judgement_replaces_the_rules_and_shows_both():
    """Issue 21: where a rule reads GRADE conservatively (one study), the user may override it with a
    reason and a source; the footnote keeps what the rules said."""
    from core.certainty import CertaintyInputs, Indirectness
    from core.evidence.dataset import load_dataset
    one = forest([-1.5], [variance_for_half(0.3)], n=1000)
    judged = Indirectness(Concern.NOT_SERIOUS, "A second trial with the same design confirms this effect.",
                          "A panel's reading")
    c = assess(one, low_rob(one), imprecision=judged)
    rating = c.domain(GradeDomain.IMPRECISION)
    assert rating.concern == Concern.NOT_SERIOUS and rating.source == "A panel's reading"
    assert rating.reason.startswith("A second trial with the same design confirms this effect (your judgement; "
                                    "the rules gave serious: the 95% CI")
    assert c.rating == Level.HIGH
    ds = load_dataset()
    inputs = CertaintyInputs.default(ds).with_imprecision(Outcome.HBA1C, judged)
    back = CertaintyInputs.from_frame(inputs.to_frame(), ds)            # saved with the dataset and read back
    assert back.imprecision_map() == {Outcome.HBA1C: judged}
    assert inputs.with_imprecision(Outcome.HBA1C, None).imprecision == ()
