"""Per-study design and risk-of-bias judgements (issue 17, item 1)."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from core.evidence.dataset import load_dataset
from core.evidence.risk_of_bias import (FRAME_COLUMNS, TOOL_DOMAINS, Judgement, RiskOfBias, RobDomain, RobLevel,
                                        SetBy, StudyDesign, Tool, check_sentence, default_risk_of_bias,
                                        default_risk_of_bias_for)
from core.vocab import Comparison

REASON = "Allocation was concealed by a central web-based system."
SOURCE = "Cai 2016, Methods, p. 150"


def _rob() -> RiskOfBias:
    return default_risk_of_bias_for([StudyDesign("R1", "rct"), StudyDesign("N1", "controlled"),
                                     StudyDesign("S1", "single_arm")])


def test_shipped_default_is_not_assessed_except_where_the_design_decides():
    ds = load_dataset()
    rob = default_risk_of_bias(ds)
    frame = rob.to_frame()
    assert set(frame["study_id"]) == set(ds.studies["study_id"])
    by_design = frame[frame["set_by"] == SetBy.DESIGN]
    single_arm = set(ds.studies.loc[ds.studies["design_class"] == "single_arm", "study_id"])
    assert set(by_design["study_id"]) == single_arm
    assert set(by_design["domain"]) == {RobDomain.CONFOUNDING, RobDomain.OVERALL}
    assert (by_design["level"] == RobLevel.CRITICAL).all()
    others = frame[frame["set_by"] != SetBy.DESIGN]
    assert (others["level"] == RobLevel.NOT_ASSESSED).all() and (others["set_by"] == SetBy.DEFAULT).all()


def test_each_design_gets_its_tool_and_domains():
    frame = _rob().to_frame()
    assert list(frame.loc[frame["study_id"] == "R1", "domain"]) == [str(d) for d in TOOL_DOMAINS[Tool.ROB2]]
    assert list(frame.loc[frame["study_id"] == "N1", "domain"]) == [str(d) for d in TOOL_DOMAINS[Tool.ROBINS_I]]
    assert set(frame.loc[frame["study_id"] == "R1", "tool"]) == {Tool.ROB2}
    assert set(frame.loc[frame["study_id"] == "S1", "tool"]) == {Tool.ROBINS_I}
    assert len(TOOL_DOMAINS[Tool.ROB2]) == 6 and len(TOOL_DOMAINS[Tool.ROBINS_I]) == 8


@pytest.mark.parametrize("reason", ["", "   ", "fine.", "allocation was concealed properly.",
                                    "Allocation was concealed properly", "Two lines.\nNot one."])
def test_a_judgement_needs_a_clear_sentence(reason):
    with pytest.raises(ValueError):
        Judgement("R1", RobDomain.RANDOMISATION, RobLevel.LOW, reason, SOURCE)


@pytest.mark.parametrize("source", ["", "  ", "12", None])
def test_a_judgement_needs_a_source(source):
    with pytest.raises(ValueError, match="source"):
        Judgement("R1", RobDomain.RANDOMISATION, RobLevel.LOW, REASON, source)


def test_unknown_domain_or_level_is_refused():
    with pytest.raises(ValueError, match="domain"):
        Judgement("R1", "blinding", RobLevel.LOW, REASON, SOURCE)
    with pytest.raises(ValueError, match="level"):
        Judgement("R1", RobDomain.RANDOMISATION, "unclear", REASON, SOURCE)


def test_check_sentence_strips():
    assert check_sentence("  The outcome assessors were blinded.  ") == "The outcome assessors were blinded."


def test_with_judgement_returns_a_new_object_and_leaves_the_old_one():
    rob = _rob()
    new = rob.with_judgement(Judgement("R1", RobDomain.RANDOMISATION, RobLevel.LOW, REASON, SOURCE))
    assert new.judgement("R1", RobDomain.RANDOMISATION).level == RobLevel.LOW
    assert rob.judgement("R1", RobDomain.RANDOMISATION).level == RobLevel.NOT_ASSESSED
    again = new.with_judgement(Judgement("R1", RobDomain.RANDOMISATION, RobLevel.HIGH, REASON, SOURCE))
    assert again.judgement("R1", RobDomain.RANDOMISATION).level == RobLevel.HIGH
    assert sum(j.domain == RobDomain.RANDOMISATION for j in again.judgements) == 1


def test_results_are_frozen():
    rob = _rob()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rob.judgements = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        rob.judgements[0].level = RobLevel.LOW


@pytest.mark.parametrize("study, domain, level, match", [
    ("R1", RobDomain.CONFOUNDING, RobLevel.LOW, "not a rob2 domain"),        # ROBINS-I domain on an RCT
    ("R1", RobDomain.RANDOMISATION, RobLevel.SERIOUS, "not a rob2 level"),  # ROBINS-I level on an RCT
    ("N1", RobDomain.RANDOMISATION, RobLevel.LOW, "not a robins_i domain"),
    ("N1", RobDomain.CONFOUNDING, RobLevel.SOME_CONCERNS, "not a robins_i level"),
    ("S1", RobDomain.CONFOUNDING, RobLevel.LOW, "decided by the design"),
    ("S1", RobDomain.OVERALL, RobLevel.MODERATE, "decided by the design"),
])
def test_refused_judgements(study, domain, level, match):
    with pytest.raises(ValueError, match=match):
        _rob().with_judgement(Judgement(study, domain, level, REASON, SOURCE))


def test_unknown_study_is_refused():
    with pytest.raises(KeyError):
        _rob().with_judgement(Judgement("X9", RobDomain.OVERALL, RobLevel.LOW, REASON, SOURCE))


def test_overall_is_derived_from_the_most_severe_domain():
    rob = _rob()
    assert rob.overall("R1").level == RobLevel.NOT_ASSESSED
    rob = rob.with_judgement(Judgement("R1", RobDomain.RANDOMISATION, RobLevel.LOW, REASON, SOURCE))
    assert rob.overall("R1").level == RobLevel.NOT_ASSESSED          # other domains unknown
    rob = rob.with_judgement(Judgement("R1", RobDomain.MEASUREMENT, RobLevel.HIGH, REASON, SOURCE))
    derived = rob.overall("R1")
    assert derived.level == RobLevel.HIGH and derived.set_by == SetBy.DERIVED
    assert "Measurement of the outcome" in derived.reason


def test_all_domains_low_derive_low_and_a_set_overall_wins():
    rob = _rob()
    for d in TOOL_DOMAINS[Tool.ROB2][:-1]:
        rob = rob.with_judgement(Judgement("R1", d, RobLevel.LOW, REASON, SOURCE))
    assert rob.overall("R1").level == RobLevel.LOW
    rob = rob.with_judgement(Judgement("R1", RobDomain.OVERALL, RobLevel.SOME_CONCERNS, REASON, SOURCE))
    assert rob.overall("R1").level == RobLevel.SOME_CONCERNS


def test_a_before_after_comparison_is_critical_whatever_the_design():
    rob = _rob()
    for sid in ("R1", "N1", "S1"):
        j = rob.overall(sid, Comparison.PRE_POST)
        assert j.level == RobLevel.CRITICAL and j.set_by == SetBy.DESIGN
        assert "ROBINS-I" in j.source
    assert rob.overall("S1", Comparison.VS_CONTROL).level == RobLevel.CRITICAL


def test_frame_round_trip_keeps_the_users_judgements():
    rob = _rob().with_judgement(Judgement("R1", RobDomain.RANDOMISATION, RobLevel.LOW, REASON, SOURCE)) \
        .with_judgement(Judgement("N1", RobDomain.CONFOUNDING, RobLevel.SERIOUS,
                                  "Baseline HbA1c differed and was not adjusted for.", "Lu 2021, Table 1"))
    frame = rob.to_frame()
    assert list(frame.columns) == list(FRAME_COLUMNS)
    assert len(frame) == 6 + 8 + 8   # one judgement per row, defaults included
    back = RiskOfBias.from_frame(frame)
    pd.testing.assert_frame_equal(back.to_frame(), frame)
    assert back.judgement("N1", RobDomain.CONFOUNDING).reason == "Baseline HbA1c differed and was not adjusted for."


def test_from_frame_checks_columns_and_refuses_a_bad_user_row():
    with pytest.raises(ValueError, match="columns"):
        RiskOfBias.from_frame(pd.DataFrame({"study_id": ["R1"]}))
    frame = _rob().to_frame()
    frame.loc[0, ["level", "reason", "source", "set_by"]] = [RobLevel.LOW, "ok", SOURCE, SetBy.USER]
    with pytest.raises(ValueError, match="sentence"):
        RiskOfBias.from_frame(frame)


def test_to_frame_hands_out_a_copy():
    rob = _rob()
    frame = rob.to_frame()
    frame.loc[:, "level"] = RobLevel.LOW
    assert (rob.to_frame()["level"] != RobLevel.LOW).any()


def test_unknown_design_class_is_refused():
    with pytest.raises(ValueError, match="design class"):
        default_risk_of_bias_for([StudyDesign("Z1", "cohort")])
