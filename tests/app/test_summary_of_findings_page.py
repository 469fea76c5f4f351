"""AppTest of the Summary of findings page (issues 17, 21): the ratings and footnotes the shipped data
gives, a row opening its analysis on the Forest plot, the user's judgements changing the ratings
(and refused ones changing nothing), the Forest plot's one-line certainty, and, over every view of
the shipped data, ratings that never claim more than thin evidence allows."""
from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PAGE = "pages/summary_of_findings.py"
VS_CONTROL = "vs_control"
CERT, EFFECT, STUDIES = "Certainty of the evidence (GRADE)", "Effect (95% CI)", "Studies (participants)"
REASON, SOURCE = "Outcome assessors knew the allocation in this open-label trial.", "Trial report, Methods"


@pytest.fixture
def at() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


COLUMNS = ("Outcome", EFFECT, CERT, "What happens")
STUDIES_CELL = re.compile(r"^(\d+ stud(y|ies) \(\d+ participants\)|No study)")
PROVISIONAL = " (provisional: risk of bias not assessed for studies carrying 100% of the weight)"


def sof(at) -> dict:
    """Outcome -> the row of the summary-of-findings table as shown (one Markdown cell per column,
    after the bold headings)."""
    cells = [m.value.replace("\\", "") for m in at.markdown]
    start = cells.index("**What happens**") + 1
    rows = {}
    for i in range(start, start + 5 * len(COLUMNS), len(COLUMNS)):
        row = dict(zip(COLUMNS, cells[i:i + len(COLUMNS)]))
        rows[row["Outcome"]] = row
    counts = [c.value.replace("\\", "") for c in at.caption if STUDIES_CELL.match(c.value.replace("\\", ""))]
    for row, count in zip(rows.values(), counts):
        row[STUDIES] = count
    return rows


def footnotes(at) -> dict:
    """Letter -> footnote text, as the page prints them ('**a** text', Markdown-escaped)."""
    out = {}
    for m in at.markdown:
        v = m.value
        if v.startswith("**") and v[3:5] == "**":
            out[v[2]] = v[6:].replace("\\", "")
    return out


def vs_control(at) -> AppTest:
    at.sidebar.radio(key="comparison").set_value(VS_CONTROL).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_default_view_before_after_is_very_low_with_each_reason(at):
    rows, notes = sof(at), footnotes(at)
    hba1c = rows["HbA1c"]
    # Li 2021's T1DM single-arm studies, shipped numbers: Cai 2016's MSC arm (21 patients) carries the HbA1c change
    assert hba1c[STUDIES] == "1 study (21 participants): Cai 2016" and hba1c[EFFECT] == "MD (%) −1.10 [−1.49, −0.71]"
    assert hba1c[CERT] == "⊕◯◯◯ Very low (a, b, c, d)"          # the design decided the risk of bias: not provisional
    assert hba1c["What happens"] == ("The evidence is very uncertain about the effect of MSC on HbA1c (after vs "
                                     "before treatment, no control group).")
    assert rows["Fasting C-peptide (F-CP)"][CERT] == "No evidence"
    assert notes["a"].startswith("Starting level (low): Every contribution is a before–after change")
    assert notes["b"] == "Risk of bias (very serious): 100% of the weight comes from results at critical risk of bias."
    assert notes["c"] == ("Imprecision (serious): The 95% CI [−1.49, −0.71] lies on one side of the smallest "
                          "important effect (0.50 %); 21 participants are 78% of the optimal information size of 27; "
                          "one study: rated down at least one level however narrow its CI (an assumption: a single "
                          "small trial's effect has not been replicated).")
    assert notes["d"].startswith("Indirectness (assumed): Not assessed: assumed not serious")


def test_msc_vs_control_is_provisional_low_or_very_low(at):
    rows, notes = sof(vs_control(at)), footnotes(at)
    hba1c = rows["HbA1c"]
    # Cai 2016 (T1DM) + Chen 2016 (T2DM), both RCTs, 54 participants, risk of bias not judged
    assert hba1c[STUDIES] == "2 studies (54 participants)" and hba1c[EFFECT] == "MD (%) −1.13 [−1.50, −0.75]"
    assert hba1c[CERT] == f"⊕⊕◯◯ Low{PROVISIONAL} (a, b, c)"
    assert notes["a"].startswith("Risk of bias (serious): Risk of bias has not been assessed for studies carrying "
                                 "100% of the weight, so most of it is not known to be at low risk; rated down one "
                                 "level as a precaution")
    assert notes["b"] == ("Imprecision (serious): The 95% CI [−1.50, −0.75] lies on one side of the smallest "
                          "important effect (0.50 %); 54 participants are 56% of the optimal information size of 96.")
    assert hba1c["What happens"] == ("MSC may result in a large reduction in HbA1c compared with control (a large "
                                     "effect: at least 0.70 % = 0.8 SD).")
    shown = {r["Outcome"]: r[CERT].split(" (")[0] for r in rows.values()}
    assert shown == {"HbA1c": "⊕⊕◯◯ Low", "Fasting blood glucose (FBG)": "⊕◯◯◯ Very low",
                     "2-h postprandial glucose (PBG)": "⊕◯◯◯ Very low", "Fasting C-peptide (F-CP)": "No evidence",
                     "Insulin requirement": "⊕◯◯◯ Very low"}
    assert rows["Insulin requirement"][STUDIES] == "1 study (42 participants): Cai 2016"
    info = [c.value for c in at.caption if c.value.startswith("Information size: 54 participants")]
    assert info and "optimal information size of 96" in info[0]


def test_choosing_a_row_opens_the_forest_plot_with_that_outcome(at):
    vs_control(at)
    certainty = sof(at)["Fasting blood glucose (FBG)"][CERT].rsplit(" (", 1)[0]
    at.button(key="sof_open_fbg").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Forest plot"
    assert at.session_state["outcome"] == "fbg" and at.session_state["comparison"] == VS_CONTROL
    line = [c.value for c in at.caption if c.value.startswith("Certainty of this evidence (GRADE)")]
    assert line == [f"Certainty of this evidence (GRADE): {certainty} — starts high, rated down for risk of bias "
                    "(serious), imprecision (very serious)."]


def judge_overall(at, study: str, reason: str, source: str) -> None:
    """Set ``study``'s overall risk of bias to high, with ``reason`` and ``source``, through the page's form."""
    at.selectbox(key="rob_study").set_value(study).run()
    at.selectbox(key="rob_domain").set_value("overall").run()
    at.selectbox(key="rob_level").set_value("high")
    at.text_input(key="rob_reason").set_value(reason)
    at.text_input(key="rob_source").set_value(source)
    at.button(key="rob_set").click().run()


def test_user_risk_of_bias_judgements_rate_down_and_bad_ones_are_refused(at):
    vs_control(at)
    at.text_input(key="rob_reason").set_value("too short")
    at.text_input(key="rob_source").set_value(SOURCE)
    at.button(key="rob_set").click().run()
    assert any("Not saved" in e.value and "clear sentence" in e.value for e in at.error)
    assert sof(at)["HbA1c"][CERT].startswith(f"⊕⊕◯◯ Low{PROVISIONAL}")
    assert any(c.value.startswith("One clear sentence: a capital letter first, at least 4 words")
               for c in at.caption)                 # the rule is stated beside the field, before any refusal
    for study, label in (("Cai2016", "Cai 2016"), ("Chen2016", "Chen 2016")):
        judge_overall(at, study, REASON, SOURCE)
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert [s.value for s in at.success] == [f"Judgement set: {label} · Overall · High\\. Saved with the "
                                                 "dataset as a new version; the ratings above use it\\."]
    rows, notes = sof(at), footnotes(at)
    assert rows["HbA1c"][CERT] == "⊕⊕◯◯ Low (a, b, c)"       # judged: the same level, no longer provisional
    assert "Risk of bias (serious): 100% of the weight comes from results at high or serious risk of bias." \
        in notes.values()
    rob_table = next(x.value for x in at.table if "Judgement (overall)" in x.value.columns)   # static: every row
    rob = {r["Study"]: r for r in rob_table.to_dict("records")}
    assert rob["Cai 2016"]["Judgement (overall)"] == "High" and rob["Cai 2016"]["Reason"] == REASON
    assert rob["Cai 2016"]["Set by"] == "user" and rob["Jiang 2011"]["Judgement (overall)"] == "Critical"
    at.button(key="rob_clear").click().run()
    assert sof(at)["HbA1c"][CERT].startswith(f"⊕⊕◯◯ Low{PROVISIONAL}")


def test_indirectness_and_mid_set_by_the_user(at):
    vs_control(at)
    at.selectbox(key="ind_outcome").set_value("hba1c")
    at.selectbox(key="ind_concern").set_value("serious")
    at.text_input(key="ind_reason").set_value("Most patients had recent-onset diabetes only.")
    at.text_input(key="ind_source").set_value("Table 1 of the review")
    at.button(key="ind_set").click().run()
    assert not at.error, [e.value for e in at.error]
    assert sof(at)["HbA1c"][CERT].startswith(f"⊕◯◯◯ Very low{PROVISIONAL}")
    assert "Indirectness (serious): Most patients had recent-onset diabetes only." in footnotes(at).values()
    at.selectbox(key="mid_outcome").set_value("fbg").run()
    at.number_input(key="mid_value").set_value(1.0)
    at.text_input(key="mid_source").set_value("A panel's choice for this test")
    at.button(key="mid_set").click().run()
    assert not at.error, [e.value for e in at.error]
    fbg = [t for t in footnotes(at).values() if "[−2.46, −1.06]" in t]
    assert fbg and "lies on one side of the smallest important effect (1.00 mmol/L)" in fbg[0]
    assert "no MID is established" not in fbg[0]
    mids = {r["Outcome"]: r for r in next(x.value for x in at.table if "MID" in x.value.columns).to_dict("records")}
    assert mids["Fasting blood glucose (FBG)"]["Set by"] == "you"
    assert mids["HbA1c"]["MID"] == "0.50 %" and "NICE NG28" in mids["HbA1c"]["Source"]


def test_forest_plot_shows_the_views_certainty_with_a_link():
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    line = [c.value for c in app.caption if c.value.startswith("Certainty of this evidence (GRADE)")]
    assert line == ["Certainty of this evidence (GRADE): ⊕◯◯◯ Very low — starts low, rated down for risk of bias "
                    "(very serious), imprecision (serious)."]
    links = [e for e in app.get("page_link") if "Summary of findings" in e.proto.label]
    assert len(links) == 1 and links[0].proto.page.endswith("summary_of_findings")


VIEW_CHOICES = {"comparison": ("vs_control", "pre_post"), "population": ("all", "T1DM", "T2DM"),
                "study_set": ("paper", "all")}


def _radio(at, key):
    return next(r for r in at.sidebar.radio if r.key == key)


@pytest.mark.parametrize("comparison", VIEW_CHOICES["comparison"])
def test_no_view_claims_more_than_thin_evidence_allows(comparison):
    """Issue 21, on the shipped data and every comparison x population x study set: no single study
    of fewer than 100 participants is rated above low; every rating that rests on unjudged risk of
    bias says "provisional"; no very-low statement names a size; and the Forest plot's certainty
    line says what the Summary of findings says for the same view."""
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    _radio(at, "comparison").set_value(comparison).run()
    seen = 0
    for population, study_set in itertools.product(VIEW_CHOICES["population"], VIEW_CHOICES["study_set"]):
        _radio(at, "population").set_value(population).run()
        _radio(at, "set").set_value(study_set).run()
        assert not at.exception, [e.value for e in at.exception]
        for row in sof(at).values():
            cert, said = row[CERT], row["What happens"]
            if cert == "No evidence":
                continue
            seen += 1
            k, n = (int(x) for x in re.findall(r"\d+", row[STUDIES])[:2])
            if k == 1 and n < 100:
                assert cert.startswith(("⊕⊕◯◯ Low", "⊕◯◯◯ Very low")), (population, study_set, row)
            if comparison == "vs_control":          # every between-arm study is unjudged in the shipped data
                assert "(provisional: risk of bias not assessed" in cert, row
            if cert.startswith("⊕◯◯◯"):
                assert said.startswith("The evidence is very uncertain about the effect of MSC on"), row
                assert not re.search(r"large|moderate|slightly|little to no|reduc|increas", said), row
    assert seen >= 10


def test_forest_line_agrees_with_the_summary_of_findings_for_a_single_study_view():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page(PAGE).run()
    _radio(at, "comparison").set_value("vs_control").run()
    _radio(at, "population").set_value("T1DM").run()
    row = sof(at)["HbA1c"]
    assert row[STUDIES] == "1 study (42 participants): Cai 2016"
    at.button(key="sof_open_hba1c").click().run()
    line = [c.value for c in at.caption if c.value.startswith("Certainty of this evidence (GRADE)")]
    assert len(line) == 1 and line[0].startswith(
        f"Certainty of this evidence (GRADE): {row[CERT].rsplit(' (', 1)[0]} — starts high, rated down for")


def test_imprecision_judged_by_the_user_replaces_the_rules_with_a_reason(at):
    """Issue 21: the one-study rule is an assumption a user may override, with a reason and a source."""
    vs_control(at)
    before = sof(at)["Insulin requirement"][CERT]
    at.selectbox(key="imp_outcome").set_value("insulin")
    at.selectbox(key="imp_concern").set_value("not_serious")
    at.text_input(key="imp_reason").set_value("The trial was large enough for this outcome's real MID.")
    at.text_input(key="imp_source").set_value("A panel's reading of Cai 2016")
    at.button(key="imp_set").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(s.value.startswith("Imprecision set: Insulin requirement · not serious") for s in at.success)
    after = sof(at)["Insulin requirement"][CERT]
    assert before.startswith("⊕◯◯◯ Very low") and after.startswith("⊕⊕⊕◯ Moderate (provisional")
    assert any(t.startswith("Imprecision (not serious, your judgement): The trial was large enough for this outcome's "
                            "real MID (your judgement; the rules gave very serious: the 95% CI")
               for t in footnotes(at).values())
    at.button(key="imp_reset").click().run()
    assert sof(at)["Insulin requirement"][CERT] == before
