"""The Bayesian model (issue 22) through the sidebar: the Forest plot shows the posterior median, the credible
interval and P(effect < 0) that core.workflow.analysis computes, says what the prior was, and every
analysis page runs with it."""
from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.evidence.dataset import load_dataset
from core.workflow.analysis import AnalysisSpec, analyse
from core.words import fmt_num
from core.words.bayesian import prob_text

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = ("pages/sensitivity.py", "pages/characteristics.py", "pages/followup.py", "pages/small_study.py",
         "pages/summary_of_findings.py", "pages/reproduce.py")


def _bayes_app() -> AppTest:
    """The app opened from a shared link: the model and the study set come from the URL (bound widgets)."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["model"] = "Bayesian (half-normal prior on τ)"
    at.query_params["set"] = "Paper + newer trials"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.sidebar.radio(key="model").value == "bayes" and at.sidebar.radio(key="set").value == "all"
    return at


def test_forest_page_shows_the_posterior_and_names_the_prior():
    at = _bayes_app()
    a = analyse(load_dataset(), AnalysisSpec(study_set="all", model="bayes"))     # HbA1c pre-post, k = 3
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["95% CrI"] == f"[{fmt_num(a.pooled.ci_low)}, {fmt_num(a.pooled.ci_high)}]"
    assert metrics["P(effect < 0)"] == prob_text(a.pooled.prob_below_zero)
    assert next(m.value for m in at.metric if m.label.startswith("Pooled")) == fmt_num(a.pooled.estimate)
    info = " ".join(i.value for i in at.info)
    assert "95% credible interval" in info and f"half-normal on τ with scale {a.pooled.prior_scale:.3g}" in info
    assert "HKSJ" not in info
    assert any(b.label == "R script (bayesmeta)" for b in at.get("download_button"))
    metas = [json.loads(c.proto.spec)["layout"].get("meta") or {} for c in at.get("plotly_chart")]
    prior = [m for m in metas if str(m.get("labels", [""])[0]).startswith("0.25 × default")]   # prior sensitivity
    assert len(prior) == 1 and any(s.value == "Prior sensitivity" for s in at.subheader)


def test_prior_scale_choice_changes_the_interval():
    at = _bayes_app()
    before = {m.label: m.value for m in at.metric}["95% CrI"]
    at.sidebar.selectbox(key="prior").set_value("4").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["95% CrI"] != before
    assert any("4 × half the unit-information SD" in i.value for i in at.info)


def test_every_analysis_page_runs_with_the_bayesian_model():
    at = _bayes_app()
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.message for e in at.exception])


def test_followup_says_credible_interval():
    at = _bayes_app()
    at.switch_page("pages/followup.py").run()
    assert not at.exception
    assert any(c.value.startswith("Whiskers: 95% CrI.") for c in at.caption)


def test_sensitivity_refits_say_they_are_bayesian():
    at = _bayes_app()
    at.switch_page("pages/sensitivity.py").run()
    assert not at.exception
    # the lead line under the leave-one-out heading (one element with it: issue 27 item 3)
    assert any(m.value.startswith("## Leave-one-out and cumulative meta-analysis\n\n:gray[:small[These refits keep "
                                  "the main analysis's Bayesian model and its prior") for m in at.markdown)


def test_summary_of_findings_heads_the_credible_interval():
    from core.figures.summary_of_findings import summary_of_findings_figure
    from core.workflow.analysis import AnalysisSpec as Spec
    at = _bayes_app()
    at.switch_page("pages/summary_of_findings.py").run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "Effect (95% CrI)" in shown and "Effect (95% CI)" not in shown
    from core.certainty import summary_of_findings
    sof = summary_of_findings(load_dataset(), Spec(study_set="all", model="bayes"))
    text = json.dumps(summary_of_findings_figure(sof).to_plotly_json(), ensure_ascii=False)
    assert "Effect (95% CrI)" in text
