"""Issue 14 in core: thin evidence never looks robust, the paper's diamond only on its own measure,
HKSJ and k = 1 wording, and the highlight legend."""
from __future__ import annotations

from dataclasses import replace

import pytest

from core.evidence.dataset import DATA_DIR, load_dataset
from core.figures.forest import forest_figure
from core.figures.sensitivity import interval_forest
from core.vocab import Outcome, Tau2
from core.workflow.analysis import AnalysisSpec, analyse, other_measure_reports, same_measure_reports
from core.workflow.robustness import robustness
from core.words import (MOST_INFLUENTIAL_LEGEND, ONE_STUDY_ROBUSTNESS, headline_measure, hksj_notices,
                        other_measure_sentence)
from tests.factories import heterogeneous_dataset, make_dataset, study, two_arm_study

VS = AnalysisSpec(comparison="vs_control")


@pytest.fixture(scope="module")
def shipped():
    return load_dataset(DATA_DIR)


def one_study_dataset():
    return make_dataset([study("A2010", year=2010)], two_arm_study("A2010", Outcome.HBA1C, 7.0, 1.0, 8.0, 1.0, n=25))


# --- item 2 --------------------------------------------------------------------------------------------------------
def test_one_study_robustness_says_it_cannot_be_judged_and_drops_variants_that_cannot_differ():
    rob = robustness(one_study_dataset(), VS)
    assert rob.base.k == 1
    assert rob.headline("MD") == ONE_STUDY_ROBUSTNESS
    assert not rob.family("model") and not rob.family("test")          # tau² is 0 and HKSJ undefined with k = 1
    assert any("cannot differ" in note for note in rob.skipped)


def test_shipped_single_trial_is_not_counted_as_robust(shipped):
    rob = robustness(shipped, AnalysisSpec())                       # HbA1c pre-post: Cai 2016 alone
    assert rob.base.k == 1 and rob.n_pooled < 19                    # was "19 of 19"


def test_nothing_is_highlighted_when_no_variant_moves_the_estimate():
    rob = robustness(one_study_dataset(), VS)
    assert rob.most_influential is None
    fig = interval_forest(rob.plot_frame(), title="t", x_title="MD")
    assert "Estimates (changed)" not in [t.name for t in fig.data]
    assert not [a for a in fig.layout.annotations if a.name == "highlight legend"]


def test_a_highlight_has_a_legend():
    rob = robustness(heterogeneous_dataset(), VS)
    assert rob.most_influential is not None
    fig = interval_forest(rob.plot_frame(), title="t", x_title="MD", highlight_label=MOST_INFLUENTIAL_LEGEND)
    legend = [a for a in fig.layout.annotations if a.name == "highlight legend"]
    assert len(legend) == 1 and MOST_INFLUENTIAL_LEGEND in legend[0].text


# --- item 1 --------------------------------------------------------------------------------------------------------
def test_reported_smd_is_not_drawn_on_an_md_forest(shipped):
    a = analyse(shipped, AnalysisSpec(outcome=Outcome.FBG, comparison="vs_control"))
    assert not same_measure_reports(a).empty or not other_measure_reports(a).empty
    assert set(same_measure_reports(a)["measure"]) <= {"MD"}
    assert "SMD" in set(other_measure_reports(a)["measure"])
    assert "Reported (paper)" not in [t.name for t in forest_figure(a).data]
    smd = analyse(shipped, replace(a.spec, measure="SMD"))
    assert "Reported (paper)" in [t.name for t in forest_figure(smd).data]


def test_other_measure_sentence():
    assert other_measure_sentence("SMD", -0.47, -1.07, 0.13) == (
        "The paper reports this as SMD \u22120.47 [\u22121.07, 0.13]; switch Measure to SMD to compare.")


# --- items 3, 6, 7 -------------------------------------------------------------------------------------------------
def test_hksj_notices():
    assert "undefined with one study" in hksj_notices("hksj", Tau2.DL, 1, fixed=Tau2.FE)[0]
    assert "random-effects adjustment" in hksj_notices("hksj", Tau2.FE, 3, fixed=Tau2.FE)[0]
    assert hksj_notices("z", Tau2.FE, 1, fixed=Tau2.FE) == ()
    assert hksj_notices("hksj", Tau2.DL, 3, fixed=Tau2.FE) == ()


def test_hksj_floor_reaches_the_pooling():
    het = heterogeneous_dataset()
    spec = replace(VS, model="random", test="knha")
    plain, floored = analyse(het, spec).pooled, analyse(het, replace(spec, hksj_floor=True)).pooled
    assert floored.hksj_floor and not plain.hksj_floor
    assert floored.ci_high - floored.ci_low >= plain.ci_high - plain.ci_low - 1e-12
    with pytest.raises(ValueError, match="hksj_floor"):
        AnalysisSpec(hksj_floor="yes")


def test_random_effects_with_one_study_says_tau2_cannot_be_estimated():
    a = analyse(one_study_dataset(), replace(VS, model="random"))
    assert "τ² cannot be estimated" in a.model_reason
    assert "cannot be estimated" not in analyse(heterogeneous_dataset(), replace(VS, model="random")).model_reason


def test_headline_measure_says_percentage_points():
    assert headline_measure("MD", "HbA1c", "%") == "MD (HbA1c, % points)"
    assert headline_measure("MD", "FBG", "mmol/L") == "MD (FBG, mmol/L)"
    assert headline_measure("SMD", "FBG", "mmol/L") == "SMD (FBG)"


# --- item 4 --------------------------------------------------------------------------------------------------------
def test_a_subset_recomputation_is_partial_and_differs_needs_the_full_set(shipped):
    from core.workflow.recompute import recomputer
    from core.workflow.reproduce import STATUS_DIFFERS, classify_reproduction, status_kind
    rep = classify_reproduction(shipped.reported, recomputer(shipped)).set_index("result_id")
    assert rep.at["fig5_fbg_t1", "status"] == "partial: 1 of 4 studies"        # was "differs"
    assert rep.at["fig3_hba1c_all", "status"] == "partial: 1 of 11 studies"
    differs = rep[rep["status"] == STATUS_DIFFERS]
    assert len(differs) >= 1 and (differs["k_used"] == differs["k_cited"]).all()
    assert (rep["status"].map(status_kind) == "partial").sum() == 8


def test_delta_and_printed_numbers_never_show_none_and_use_one_minus():
    from core.words import printed_with_minus, signed_difference
    assert signed_difference(float("nan")) == "—" and signed_difference(None) == "—"
    assert signed_difference(-0.3) == "\u22120.30" and signed_difference(0.12) == "+0.12"
    assert printed_with_minus("-1.51") == "\u22121.51"


def test_forest_table_says_partial_for_a_subset(shipped):
    from core.workflow.reproduce import reported_vs_recomputed
    table = reported_vs_recomputed(analyse(shipped, AnalysisSpec())).set_index("locator")
    status = table[table["population"] == "all"]["status"]
    assert (status == "partial: 1 of 11 studies").all()
