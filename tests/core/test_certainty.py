"""GRADE certainty per analysis (issue 17, item 2): each domain rule at its boundary, the OIS against
published sample sizes, and a rating for every view of the shipped data."""
from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest

from core import vocab
from core.workflow.analysis import AnalysisSpec, ForestAnalysis
from core.certainty import (MID_DEFAULTS, Concern, GradeDomain, Indirectness, Level, Mid, assess,
                            optimal_information_size, summary_of_findings)
from core.evidence.dataset import load_dataset
from core.evidence.risk_of_bias import Judgement, RobDomain, RobLevel, StudyDesign, default_risk_of_bias_for
from core.subgroups import subgroup_analysis
from core.vocab import Comparison, Outcome, Population, Tau2
from tests.factories import heterogeneous_dataset

SPEC = AnalysisSpec(outcome=Outcome.HBA1C, comparison=Comparison.VS_CONTROL, population=Population.T2DM)
REASON, SOURCE = "Outcome assessors knew the allocation.", "Trial report, Methods"


def forest(yi, vi, *, designs=None, spec=SPEC, n=500, sd=1.0, groups=None) -> ForestAnalysis:
    """A hand-built analysis: effects ``yi`` with variances ``vi``; arms of ``n`` with SD ``sd``."""
    yi, vi = np.asarray(yi, float), np.asarray(vi, float)
    designs = designs or ["rct"] * len(yi)
    groups = np.array(groups or [Population.T2DM] * len(yi), dtype=object)
    sub = subgroup_analysis(yi, vi, groups, method=Tau2.FE)
    rows = tuple({"study_id": f"S{i}", "label": f"S{i}", "dm_type": g, "design_class": d, "n1": n, "sd1": sd,
                  "n2": n, "sd2": sd, "yi": y, "vi": v, "weight_pct": w}
                 for i, (y, v, d, g, w) in enumerate(zip(yi, vi, designs, groups, sub.overall.weights)))
    return ForestAnalysis(spec, rows, sub.overall, sub if spec.population == Population.ALL else None, Tau2.FE,
                          "", "%", (), ())


def rob_for(a: ForestAnalysis):
    return default_risk_of_bias_for(StudyDesign(r["study_id"], r["design_class"]) for r in a.row_records)


def variance_for(half_width: float) -> float:
    return (half_width / 1.959963984540054) ** 2


def low_rob(a: ForestAnalysis):
    """Every study of ``a`` judged at low risk of bias overall (no precaution applies)."""
    rob = rob_for(a)
    for r in a.row_records:
        rob = rob.with_judgement(Judgement(r["study_id"], RobDomain.OVERALL, RobLevel.LOW, REASON, SOURCE))
    return rob


def pair(estimate: float, half: float, **kw) -> ForestAnalysis:
    """Two identical studies whose pooled 95% CI is ``estimate`` ± ``half`` (fixed effect)."""
    return forest([estimate, estimate], [2 * variance_for(half)] * 2, **kw)


def test_two_precise_judged_trials_start_high_and_stay_high():
    a = pair(-1.5, 0.3)                                   # CI [-1.8, -1.2]: beyond a large effect (0.8 SD), OIS met
    c = assess(a, low_rob(a))
    assert c.start.level == Level.HIGH and c.rating == Level.HIGH and c.downgrades == 0 and not c.provisional
    assert c.symbols == "⊕⊕⊕⊕"
    assert c.statement == ("MSC results in a large reduction in HbA1c compared with control "
                           "(a large effect: at least 0.80 % = 0.8 SD).")


def test_single_arm_before_after_starts_low_and_is_critical_by_design():
    spec = dataclasses.replace(SPEC, comparison=Comparison.PRE_POST)
    a = forest([-1.0], [variance_for(0.3)], designs=["single_arm"], spec=spec)
    c = assess(a, rob_for(a))
    assert c.start.level == Level.LOW
    rob = c.domain(GradeDomain.RISK_OF_BIAS)
    assert rob.concern == Concern.VERY_SERIOUS and "critical" in rob.reason
    assert not c.provisional                                  # the design decided: a judgement, not a gap
    assert c.rating == Level.VERY_LOW
    assert c.statement == ("The evidence is very uncertain about the effect of MSC on HbA1c (after vs before "
                           "treatment, no control group).")


def test_any_non_randomised_study_starts_the_body_low_and_cites_the_mixture_rule():
    a = forest([-1.0, -1.0], [variance_for(0.4), variance_for(0.4)], designs=["rct", "controlled"])
    c = assess(a, rob_for(a))
    assert c.start.level == Level.LOW and "1 of 2" in c.start.reason
    assert "GRADE guidance 24" in c.start.source


def _two_studies_with_i2(i2: float) -> ForestAnalysis:
    v = 0.1
    diff = math.sqrt(2 * v / (1 - i2))          # Q = diff^2 / (2 v) and I^2 = (Q - 1) / Q for k = 2
    return forest([-1.0, -1.0 - diff], [v, v])


@pytest.mark.parametrize("i2, concern", [(0.49, Concern.NOT_SERIOUS), (0.51, Concern.SERIOUS)])
def test_inconsistency_at_i2_49_and_51(i2, concern):
    a = _two_studies_with_i2(i2)
    assert a.pooled.i2 == pytest.approx(i2 * 100)
    assert a.pooled.q_pvalue > 0.10             # so I² alone decides
    rating = assess(a, rob_for(a)).domain(GradeDomain.INCONSISTENCY)
    assert rating.concern == concern
    assert f"I² = {i2 * 100:.0f}%" in rating.reason


def test_considerable_heterogeneity_with_opposite_directions_is_very_serious():
    a = forest([-2.0, -1.5, 1.0, 1.5], [0.05] * 4)
    rating = assess(a, rob_for(a)).domain(GradeDomain.INCONSISTENCY)
    assert a.pooled.i2 > 75 and rating.concern == Concern.VERY_SERIOUS


def test_subgroup_difference_counts_in_inconsistency():
    spec = dataclasses.replace(SPEC, population=Population.ALL)
    a = forest([-0.2, -0.25, -1.2, -1.25], [0.02] * 4, spec=spec,
               groups=[Population.T1DM, Population.T1DM, Population.T2DM, Population.T2DM])
    rating = assess(a, rob_for(a)).domain(GradeDomain.INCONSISTENCY)
    assert rating.concern == Concern.SERIOUS and "subgroups differ" in rating.reason


@pytest.mark.parametrize("estimate, half, concern, phrase", [
    (-1.5, 0.3, Concern.NOT_SERIOUS, "lies on one side of the smallest important effect"),   # CI [-1.8, -1.2]
    (-0.6, 0.3, Concern.SERIOUS, "crosses the smallest important effect"),   # [-0.9, -0.3] crosses -0.5
    (-0.3, 0.5, Concern.SERIOUS, "and it includes no effect"),               # [-0.8, 0.2]: benefit + trivial
    (0.0, 0.7, Concern.VERY_SERIOUS, "important benefit and important harm"),  # [-0.7, 0.7]: both sides
])
def test_imprecision_against_the_null_and_the_mid(estimate, half, concern, phrase):
    """GRADE guidance 34 (Zeng et al. 2022): a CI crossing the threshold on one side rates down one
    level; one that appreciably crosses no effect on both sides (beyond ±MID), two."""
    a = pair(estimate, half)
    rating = assess(a, low_rob(a)).domain(GradeDomain.IMPRECISION)
    assert rating.concern == concern and phrase in rating.reason
    assert "2000 participants meet the optimal information size of 126" in rating.reason


@pytest.mark.parametrize("k, assessable", [(9, False), (10, True)])
def test_publication_bias_needs_ten_studies(k, assessable):
    rng = np.random.default_rng(k)
    vi = np.linspace(0.02, 0.3, k)
    a = forest(-1.0 + rng.normal(0, 0.05, k), vi)
    rating = assess(a, rob_for(a)).domain(GradeDomain.PUBLICATION_BIAS)
    assert (rating.concern != Concern.NOT_ASSESSABLE) == assessable
    assert ("Egger" in rating.reason) == assessable


def test_asymmetric_funnel_is_serious():
    vi = np.linspace(0.01, 0.5, 10)
    a = forest(-0.2 - 2.0 * np.sqrt(vi), vi)         # the smaller the study, the larger the effect
    rating = assess(a, rob_for(a)).domain(GradeDomain.PUBLICATION_BIAS)
    assert rating.concern == Concern.SERIOUS and "small-study effects" in rating.reason


def test_rating_floors_at_very_low_and_footnotes_state_each_downgrade():
    spec = dataclasses.replace(SPEC, comparison=Comparison.PRE_POST)
    a = forest([-2.0, -1.5, 1.0, 1.5], [0.05] * 4, spec=spec, n=5)
    c = assess(a, rob_for(a))
    assert c.downgrades >= 4 and c.rating == Level.VERY_LOW
    downgraded = re.compile(r"\((very |extremely )?serious\)")
    assert sum(bool(downgraded.search(f)) for f in c.footnotes) == sum(d.downgrade > 0 for d in c.domains)


@pytest.mark.parametrize("sd, delta, expected", [(1.0, 0.5, 63), (1.0, 0.2, 393), (1.0, 0.8, 25)])
def test_ois_against_published_sample_sizes(sd, delta, expected):
    """Cohen (1988), Statistical Power Analysis, Table 2.4.1 (two-sided alpha 0.05, power 0.80):
    n = 393, 64 and 26 per group for d = 0.2, 0.5, 0.8.  The normal-approximation formula GRADE 6
    uses gives 393, 63 and 25 (Cohen's t-based table adds about one); Lehr's rule 16/d² gives 64
    for d = 0.5 (Lehr 1992, Stat Med 11:1099)."""
    ois = optimal_information_size(sd, delta)
    assert ois.per_group == expected and ois.total == 2 * expected
    assert abs(ois.per_group - {0.5: 64, 0.2: 393, 0.8: 26}[delta]) <= 1


def test_ois_one_group_and_bad_input():
    assert optimal_information_size(1.0, 0.5, groups=1).total == 32      # 7.85 / 0.25 = 31.4
    with pytest.raises(ValueError):
        optimal_information_size(0.0, 0.5)


def test_nothing_pooled_gives_an_explicit_no_evidence_certainty():
    a = ForestAnalysis(SPEC, (), None, None, "", "", "", (), (), "nothing")
    c = assess(a, default_risk_of_bias_for([]))
    assert c.rating is None and c.domains == () and "cannot be rated" in c.statement


def test_certainty_is_frozen_and_hands_out_copies():
    a = forest([-1.0], [variance_for(0.3)])
    c = assess(a, rob_for(a))
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.rating = Level.LOW
    frame = c.to_frame()
    assert len(frame) == 5 and set(frame["domain"]) == set(GradeDomain)
    frame.loc[:, "reason"] = ""
    assert (c.to_frame()["reason"] != "").all()


def test_summary_of_findings_on_constructed_data():
    ds = heterogeneous_dataset()
    sof = summary_of_findings(ds, AnalysisSpec(comparison=Comparison.VS_CONTROL))
    frame = sof.to_frame()
    assert list(frame["outcome"]) == list(vocab.OUTCOMES)
    row = sof.row(Outcome.HBA1C)
    assert row.certainty.k == 6 and row.effect.startswith("MD (%)")
    assert row.certainty.domain(GradeDomain.INCONSISTENCY).concern != Concern.NOT_SERIOUS


@pytest.mark.parametrize("study_set", vocab.STUDY_SETS)
def test_shipped_data_gives_a_rating_for_every_view(study_set):
    ds = load_dataset()
    rob = default_risk_of_bias_for(
        StudyDesign(s, d) for s, d in ds.studies[["study_id", "design_class"]].itertuples(index=False))
    for comparison in vocab.COMPARISONS:
        for population in vocab.POPULATIONS:
            spec = AnalysisSpec(comparison=comparison, population=population, study_set=study_set)
            sof = summary_of_findings(ds, spec, rob)
            assert len(sof.rows) == len(vocab.OUTCOMES)
            for row in sof.rows:
                c = row.certainty
                if c.k == 0:
                    assert c.rating is None and "cannot be rated" in c.statement
                    continue
                assert c.rating in Level and c.symbols and c.statement.endswith(".")
                assert all(d.reason.endswith(".") and d.source for d in c.domains)
                assert len(c.footnotes) >= c.downgrades // 2
                if comparison == Comparison.PRE_POST:
                    assert c.rating == Level.VERY_LOW     # before–after: low start, critical by design


@pytest.mark.parametrize("tau2", [Tau2.DL, Tau2.SJ, Tau2.REML, Tau2.PM])
def test_no_single_study_i2_artefact_reaches_a_reason(tau2):
    """A single study (or a subgroup of one) has no heterogeneity to measure: the reason says so
    and never prints an I² (a k = 1 fit once reported I² = 100% under some estimators)."""
    ds = load_dataset()
    for comparison in vocab.COMPARISONS:
        for population in vocab.POPULATIONS:
            spec = AnalysisSpec(comparison=comparison, population=population, study_set="all", model="random",
                                tau2_method=tau2)
            for row in summary_of_findings(ds, spec).rows:
                c = row.certainty
                if c.rating is None:
                    continue
                reasons = " ".join(d.reason for d in c.domains)
                assert "I² = 100%" not in reasons
                inc = c.domain(GradeDomain.INCONSISTENCY)
                if c.k == 1:
                    assert inc.concern == Concern.NOT_ASSESSABLE and "I²" not in inc.reason


def test_certainty_inputs_are_immutable_and_checked():
    from core.certainty import CertaintyInputs, user_mid
    ds = load_dataset()
    base = CertaintyInputs.default(ds)
    mid = user_mid(Outcome.FBG, 1.0, "mmol/L", "A panel's choice for this test")
    changed = base.with_mid(Outcome.FBG, mid)
    assert base.mid_map() == {} and changed.mid_map()[Outcome.FBG] == mid
    assert changed.with_mid(Outcome.FBG, None).mids == ()
    with pytest.raises(ValueError, match="positive"):
        user_mid(Outcome.FBG, -1, "mmol/L", "A source")
    with pytest.raises(ValueError, match="source"):
        user_mid(Outcome.FBG, 1, "mmol/L", "")
    with pytest.raises(ValueError, match="unknown outcome"):
        base.with_mid("glucose", mid)
    sid = ds.studies.loc[ds.studies["design_class"] == "rct", "study_id"].iloc[0]
    judged = base.with_judgement(Judgement(sid, RobDomain.OVERALL, RobLevel.HIGH, REASON, SOURCE))
    assert len(judged.user_judgements) == 1 and base.user_judgements == ()
    assert judged.without_user_judgements().rob == base.rob
    # persisted as a table and read back: the same judgements
    from core.evidence.risk_of_bias import RiskOfBias
    assert RiskOfBias.from_frame(judged.rob.to_frame()) == judged.rob
