"""Summary-of-findings rows per subgroup (core.certainty.subgroup_rows, issue 25 item 5): each subgroup
row is rated by the same machinery on its own studies, its effect is the Forest plot's subtotal, and it
never claims more than its outcome's row; the table, its CSV frame and its 16:9 slide carry the rows."""
from __future__ import annotations

import itertools

import pytest

from core import vocab
from core.certainty import summary_of_findings
from core.certainty.ratings import LEVELS, Level
from core.evidence.dataset import load_dataset
from core.figures.summary_of_findings import summary_of_findings_slide
from core.workflow.analysis import AnalysisSpec, analyse

DS = load_dataset()
VS_ALL = AnalysisSpec(comparison="vs_control", study_set="all")


def test_rows_by_diabetes_type_are_the_forest_subtotals():
    sof = summary_of_findings(DS, VS_ALL, subgroups_by="dm_type")
    a = analyse(DS, VS_ALL)                                     # HbA1c, model auto (the paper's rule)
    subs = [r for r in sof.rows if r.outcome == "hba1c" and r.subgroup]
    assert [r.subgroup for r in subs] == ["T1DM", "T2DM"] and sof.row("hba1c").subgroup == ""
    for r in subs:
        want = a.subgroups.subgroups[r.subgroup]
        assert (r.certainty.k, r.certainty.estimate, r.certainty.ci_low, r.certainty.ci_high) == pytest.approx(
            (want.k, want.estimate, want.ci_low, want.ci_high), rel=1e-12)
    assert [r.label for r in subs] == ["– T1DM", "– T2DM"]
    order = [(r.outcome, r.subgroup) for r in sof.rows]
    assert order.index(("hba1c", "T2DM")) < order.index(("fbg", ""))    # under their outcome
    frame = sof.to_frame()
    assert list(frame["subgroup"][:3]) == ["", "T1DM", "T2DM"] and list(frame["outcome"][:3]) == ["hba1c"] * 3
    assert list(frame["outcome_label"][:3]) == ["HbA1c"] * 3           # the CSV names the outcome, not '– T1DM'


def test_a_subgroup_is_never_rated_above_its_outcome_and_says_why_when_capped():
    sof = summary_of_findings(DS, VS_ALL, subgroups_by="design_class")
    whole = sof.row("hba1c").certainty
    rct = next(r for r in sof.rows if r.outcome == "hba1c" and r.subgroup == "RCT")
    # On its own the randomised trials start high and end low; the whole body (with a non-randomised
    # study) starts low and ends very low: the subgroup row is capped to very low, and its footnote says so.
    assert whole.rating == Level.VERY_LOW and rct.certainty.rating == Level.VERY_LOW
    assert rct.certainty.start.level == Level.HIGH
    capped = [n for n in rct.notes if n.startswith("Rated no higher than the whole outcome")]
    assert capped == ["Rated no higher than the whole outcome (very low): on its own studies this subgroup would "
                      "be rated low, but a subgroup's estimate is believed no more than the body of evidence it is "
                      "split from (ICEMAN, Schandelmaier et al. 2020)"]
    assert rct.certainty.statement.startswith("The evidence is very uncertain")     # no size named
    assert any(n.startswith("Subgroup of the outcome's studies by design") and "P = " in n for n in rct.notes)


@pytest.mark.parametrize("comparison, study_set", itertools.product(vocab.COMPARISONS, vocab.STUDY_SETS))
def test_no_subgroup_row_claims_more_than_its_outcome(comparison, study_set):
    spec = AnalysisSpec(comparison=comparison, study_set=study_set)
    n_rows = 0
    for key in vocab.SUBGROUP_KEYS:
        sof = summary_of_findings(DS, spec, subgroups_by=key)
        for r in sof.rows:
            if not r.subgroup:
                whole = r.certainty.rating
                continue
            n_rows += 1
            assert whole is not None and r.certainty.rating is not None
            assert LEVELS.index(r.certainty.rating) >= LEVELS.index(whole), (key, r.outcome, r.subgroup)
            assert any(n.startswith("Subgroup of the outcome's studies") for n in r.notes)
            if r.certainty.rating == Level.VERY_LOW:
                assert r.certainty.statement.startswith("The evidence is very uncertain")
    assert n_rows > 0 or (comparison, study_set) == ("pre_post", "paper")


def test_the_slide_carries_the_rows_within_16_9():
    sof = summary_of_findings(DS, VS_ALL, subgroups_by="route_class")        # the most rows: 11
    slide = summary_of_findings_slide(sof)
    meta = slide.layout.meta
    assert (slide.layout.width, slide.layout.height) == (1920, 1080)
    assert len(meta["subgroups"]) == len([r for r in sof.rows if r.subgroup]) == 6
    assert meta["table_font"] >= 12                      # legible: larger than the smallest font tried (10)
    assert sum("\n" not in c and c.startswith("– ") for c in meta["cells"]["outcome"]) == 6


def test_bad_key_is_refused_and_none_means_no_rows():
    with pytest.raises(ValueError, match="`subgroups_by` must be one of"):
        summary_of_findings(DS, VS_ALL, subgroups_by="shoe_size")
    assert not any(r.subgroup for r in summary_of_findings(DS, VS_ALL).rows)
