"""Sensitivity, Follow-up and Small-study-effects pages through AppTest.

Every control on these pages is exercised, and the numbers the pages display are checked
against the same core calls run directly (or against the trial's own numbers).
"""
from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.workflow.analysis import AnalysisSpec, analyse
from core.bias import begg_test, egger_test, trim_and_fill
from core.evidence.dataset import DATA_DIR, load_dataset
from core.words import fmt_ci, fmt_num, fmt_p
from core.workflow.robustness import robustness
from tests.factories import heterogeneous_dataset, make_dataset, study, two_arm_study
from ui.data import USER_DATASET_KEY
from ui.text import plain

APP = str(Path(__file__).resolve().parents[2] / "app.py")
ALL = "all"           # sidebar "Studies": paper + newer trials
VS = AnalysisSpec(comparison="vs_control")


def charts(at) -> dict:
    return {c.key: json.loads(c.proto.spec) for c in at.get("plotly_chart")}


def metric(at, label) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


# AppTest does not expose a table's key; tables are found by their kind (grid or static) and order on the page.
TABLES = {"sens_compare_table": ("table", 0), "followup_table": ("table", 0), "followup_tables": ("table", 1)}
CHANGED = re.compile(r"^:orange\[\*\*(.*)\*\*\]$")      # a changed row's cell, as ui.text.marked_rows marks it


def table(at, key):
    kind, index = TABLES[key]
    return at.get(kind)[index].value


def unmarked(cell: str) -> str:
    m = CHANGED.match(cell)
    return (m.group(1) if m else cell).replace("\\", "")


def variant_cell(at, quantity) -> str:
    """The variant's cell in the row ``quantity`` of the static comparison table (headings as shown)."""
    t = table(at, "sens_compare_table")
    assert list(t.columns) == ["", "Main analysis", "Variant", "Changed"]
    row = [i for i, q in enumerate(t.iloc[:, 0]) if unmarked(q) == quantity]
    return unmarked(t["Variant"].iloc[row[0]])


@pytest.fixture(scope="module")
def shipped():
    return load_dataset(DATA_DIR)


def open_page(page: str, dataset=None, **sidebar) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    if dataset is not None:
        at.session_state[USER_DATASET_KEY] = dataset
    at.switch_page(page).run()
    for key, value in sidebar.items():
        w = at.sidebar.selectbox(key=key) if key == "outcome" else at.sidebar.radio(key=key)
        w.set_value(value).run()
    assert not at.exception
    return at


# ------------------------------------------------------------------ sensitivity


def test_sensitivity_default_view_k1_says_so(shipped):
    at = open_page("pages/sensitivity.py")
    assert at.title[0].value == "Sensitivity"
    # Default: HbA1c pre-post, paper's studies -> only Cai 2016 (8.6 -> 7.5: MD -1.10).
    assert charts(at)["sens_compare_chart"]["layout"]["meta"]["estimates"] == [-1.1, -1.1]
    rob = robustness(shipped, AnalysisSpec())
    # one trial: no "19 of 19" counts, but the sentence that robustness cannot be judged (issue 14)
    assert not [m for m in at.metric if m.label == "Direction holds"]
    assert any(w.value == rob.headline("MD") and "cannot be judged from one study" in w.value for w in at.warning)
    assert any("left too few studies to pool" in i.value for i in at.info)
    assert not any("With k = 1" in c.value for c in at.caption)     # nothing to leave out (issue 26 item 16)
    # Leaving out the only study: the variant cannot be pooled, said plainly.
    at.checkbox(key="sens_x_Cai2016").check().run()
    assert not at.exception
    assert any("The variant cannot be pooled" in w.value for w in at.warning)
    assert variant_cell(at, "Studies (k)") == "0"
    # The rows the variant changed, and only those, are marked (bold orange, 'changed' in words).
    t = table(at, "sens_compare_table")
    marked = {unmarked(q) for q, c in zip(t.iloc[:, 0], t["Changed"]) if CHANGED.match(q) and unmarked(c) == "changed"}
    assert {"Studies (k)", "Estimate", "95% CI"} <= marked and len(marked) == sum(t["Changed"] != "")
    assert all(not CHANGED.match(q) for q, c in zip(t.iloc[:, 0], t["Changed"]) if c == "")
    assert any("Left out: Cai 2016" in m.value for m in at.markdown)
    # Reset puts the study back.
    at.button(key="sens_reset").click().run()
    assert at.checkbox(key="sens_x_Cai2016").value is False
    assert variant_cell(at, "Estimate") == fmt_num(-1.1)
    # With one study, leave-one-out and cumulative have nothing to do.
    assert any("nothing to leave out" in m.value for m in at.markdown)


def test_every_variant_control_changes_the_variant(shipped):
    at = open_page("pages/sensitivity.py", set=ALL)
    base = AnalysisSpec(study_set="all")
    main = analyse(shipped, base)
    assert main.k == 3
    c = charts(at)
    assert {"sens_compare_chart", "sens_robustness_chart", "sens_r_chart", "sens_loo_chart",
            "sens_cum_chart"} <= set(c)
    assert c["sens_loo_chart"]["layout"]["meta"]["k"] == [2, 2, 2, 3]

    def check(spec, what):
        v = analyse(shipped, spec)
        assert variant_cell(at, "Estimate") == fmt_num(v.pooled.estimate), what
        assert variant_cell(at, "P") == fmt_p(v.pooled.pvalue), what
        assert charts(at)["sens_compare_chart"]["layout"]["meta"]["estimates"][1] == \
            pytest.approx(v.pooled.estimate, abs=1e-6), what

    # Each control in turn, cumulatively (each step changes one more choice).
    at.checkbox(key="sens_x_Zang2022").check().run()
    v = replace(base, excluded=("Zang2022",))
    check(v, "exclude")
    at.checkbox(key="sens_x_Zang2022").uncheck()
    at.radio(key="sens_design").set_value("rct").run()
    v = replace(base, design="rct")
    check(v, "design")
    at.slider(key="sens_r").set_value(0.8).run()
    v = replace(v, r=0.8)
    check(v, "r")
    assert any("Pre-post r: 0.5 → 0.8" in plain(m.value) for m in at.markdown)     # as the reader sees it
    at.radio(key="sens_model").set_value("random")
    at.selectbox(key="sens_tau2").set_value("REML").run()
    v = replace(v, model="random", tau2_method="REML")
    check(v, "tau2")
    at.checkbox(key="sens_hksj").check().run()
    v = replace(v, test="knha")
    check(v, "hksj")
    assert variant_cell(at, "Model") == "Random effects (REML) + HKSJ"
    at.checkbox(key="sens_pi").check().run()
    names = [t.get("name") for t in charts(at)["sens_compare_chart"]["data"]]
    assert "Prediction intervals" in names
    at.radio(key="sens_prepost").set_value("independent").run()
    check(replace(v, prepost="independent"), "prepost")
    # Reset returns every control to the main analysis.
    at.button(key="sens_reset").click().run()
    assert variant_cell(at, "Estimate") == fmt_num(main.pooled.estimate)
    assert at.slider(key="sens_r").value == 0.5 and at.radio(key="sens_design").value == "all"
    # SMD variant is disabled for MD and active for SMD.
    assert at.radio(key="sens_smd").disabled
    at.sidebar.radio(key="measure").set_value("SMD").run()
    assert not at.radio(key="sens_smd").disabled
    at.radio(key="sens_smd").set_value("hedges_exact").run()
    check(replace(base, measure="SMD", smd_variant="hedges_exact"), "smd")


def test_robustness_summary_matches_core(shipped):
    at = open_page("pages/sensitivity.py", set=ALL)
    rob = robustness(shipped, AnalysisSpec(study_set="all"))
    assert metric(at, "Direction holds") == f"{rob.n_same_direction} of {rob.n_pooled}"
    assert metric(at, "Significant") == f"{rob.n_significant} of {rob.n_pooled}"
    assert metric(at, "Range of estimates") == f"{fmt_num(rob.estimate_min)} to {fmt_num(rob.estimate_max)}"
    assert any(plain(i.value) == rob.sentence for i in at.info)          # escaped: labels are a dataset's text
    meta = charts(at)["sens_r_chart"]["layout"]["meta"]
    assert meta["r"][0] == 0.0 and meta["r"][-1] == 0.9
    # Between arms, the r plot is replaced by a sentence and the r slider is disabled.
    at.sidebar.radio(key="comparison").set_value("vs_control").run()
    assert "sens_r_chart" not in charts(at)
    assert at.slider(key="sens_r").disabled
    assert any("do not use r" in m.value for m in at.markdown)


def test_sensitivity_on_a_constructed_dataset_and_nothing_to_pool():
    at = open_page("pages/sensitivity.py", dataset=heterogeneous_dataset(), comparison="vs_control")
    rob = robustness(heterogeneous_dataset(), VS)
    assert metric(at, "Direction holds") == f"{rob.n_same_direction} of {rob.n_pooled}"
    assert len([c for c in at.checkbox if c.key.startswith("sens_x_")]) == 6
    at.sidebar.selectbox(key="outcome").set_value("fcp").run()
    assert not at.exception
    assert any("No study in the current selection" in w.value for w in at.warning)


# ------------------------------------------------------------------ follow-up


def test_followup_points_table_and_open_forest(shipped):
    at = open_page("pages/followup.py", set=ALL)
    pts = charts(at)["followup_chart"]["layout"]["meta"]["points"]
    a = analyse(shipped, AnalysisSpec(study_set="all", population="T2DM", timepoint="12"))
    assert ["T2DM", "12", a.k, pytest.approx(a.pooled.estimate, abs=1e-6)] in pts
    t = table(at, "followup_table")
    row = t[(t["Population"] == "T2DM") & (t["Time point"] == "12 months")]
    assert row["k"].item() == a.k and row["P"].item() == fmt_p(a.pooled.pvalue)
    assert "Zang 2022" in row["Studies"].item()
    papers = table(at, "followup_tables")
    assert len(papers) == 8 and papers["Where in the paper"].str.startswith("Table").all()
    # Pick a point and open its forest plot: the shared choices follow.
    at.selectbox(key="followup_pick").set_value("T2DM|3").run()
    at.button(key="followup_open").click().run()
    assert not at.exception
    assert at.title[0].value == "Forest plot"
    assert at.session_state["population"] == "T2DM" and at.session_state["timepoint"] == "3"
    forest = charts(at)["forest_chart"]["layout"]["meta"]
    assert forest["studies"] == ["Lian 2022"] and forest["population"] == "T2DM"


def test_followup_with_nothing_to_pool_says_so():
    at = open_page("pages/followup.py", outcome="fcp")
    assert not charts(at)
    assert any("No time point has usable numbers" in w.value for w in at.warning)


# ------------------------------------------------------------------ small-study effects


def test_small_study_k_below_10_caution_and_tests(shipped):
    at = open_page("pages/small_study.py", set=ALL, comparison="vs_control")
    a = analyse(shipped, replace(VS, study_set="all"))
    assert a.k == 4
    assert any("Cochrane Handbook (section 13.3.5.4)" in w.value and "k = 4" in w.value for w in at.warning)
    assert metric(at, "Egger P") == fmt_p(egger_test(a.pooled).pvalue).removeprefix("P ").removeprefix("= ")
    assert metric(at, "Begg P") == fmt_p(begg_test(a.pooled).pvalue).removeprefix("P ").removeprefix("= ")
    tf = trim_and_fill(a.pooled)
    assert metric(at, "Studies filled") == str(tf.k0)
    meta = charts(at)["funnel_chart"]["layout"]["meta"]
    assert meta["k"] == 4 and meta["k0"] == tf.k0


def test_small_study_with_k_below_3_still_works():
    at = open_page("pages/small_study.py")
    assert charts(at)["funnel_chart"]["layout"]["meta"]["k"] == 1
    assert any("none of the three methods can be computed" in i.value for i in at.info)
    assert any("Not computed: Egger" in m.value or "needs k >= 3" in m.value for m in at.markdown)


def test_small_study_k_at_least_10_has_no_caution():
    studies = [study(f"S{2000 + i}", year=2000 + i) for i in range(11)]
    rows = []
    for i in range(11):
        rows += two_arm_study(f"S{2000 + i}", "hba1c", 7.0 + 0.1 * (i % 4), 0.8 + 0.05 * i, 8.0, 0.9,
                              n=10 + 6 * i)
    ds = make_dataset(studies, rows)
    at = open_page("pages/small_study.py", dataset=ds, comparison="vs_control")
    assert charts(at)["funnel_chart"]["layout"]["meta"]["k"] == 11
    assert not any("13.3.5.4" in w.value for w in at.warning)
    a = analyse(ds, VS)
    assert metric(at, "Egger P") == fmt_p(egger_test(a.pooled).pvalue).removeprefix("P ").removeprefix("= ")


def test_copy_link_url_keeps_every_value():
    from ui.share import current_url

    url = current_url("http://127.0.0.1:8501/old?x=1", "sensitivity",
                      {"exclude": ["Cai 2016", "Hu 2013"], "set": ["Paper + newer trials"], "r": ["0.8"]})
    assert url == ("http://127.0.0.1:8501/sensitivity?exclude=Cai+2016&exclude=Hu+2013&"
                   "set=Paper+%2B+newer+trials&r=0.8")
    assert current_url(None, "", {}) == "http://localhost:8501/"


def test_small_study_trim_and_fill_of_a_bayesian_view_compares_like_with_like(shipped):
    at = open_page("pages/small_study.py", set=ALL, comparison="vs_control", model="bayes")
    a = analyse(shipped, replace(VS, study_set="all", model="bayes"))
    from core.workflow.bayes import trim_and_fill as bayes_trim_and_fill
    f = bayes_trim_and_fill(a.pooled).filled
    caption = next(c.value for c in at.caption if c.value.startswith("Adjusted estimate"))
    assert caption.startswith(f"Adjusted estimate {fmt_ci(f.estimate, f.ci_low, f.ci_high)}")
    assert "Both are Bayesian" in caption
