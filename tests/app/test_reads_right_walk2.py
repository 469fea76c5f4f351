"""Issue 26 ("Reads right, second walk") through AppTest: the words and counts a reader sees on Check the
paper, Studies, Events, Follow-up, Small-study effects, Sensitivity and Study flow."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
# What a reader must never see: file paths, process notes, codes of the data files.
INTERNAL = re.compile(r"data/|\.csv|\.md\b|Pass \d|look-ups|scrt\d|srep\d|cpeptide_unspecified|not_reachable|"
                      r"not_reported|\bnone months\b|study\(ies\)|variant\(s\)")


def open_page(path: str, **state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(text: str) -> str:
    """Text as a reader sees it: Markdown's escaping backslashes removed (dataset text is escaped on screen)."""
    return str(text).replace("\\", "")


def shown_text(at) -> list[str]:
    """Every text element of the main area, and every cell of its static tables."""
    out = [e.value for kind in ("markdown", "caption", "info", "warning", "text", "header", "subheader",
                                "error", "success") for e in at.main.get(kind)]
    out += [m.label for m in at.main.get("metric")] + [str(m.value) for m in at.main.get("metric")]
    for table in at.main.get("table"):
        out += [str(c) for c in table.value.columns] + [str(v) for v in table.value.to_numpy().ravel()]
    return out


def table_with(at, heading: str) -> pd.DataFrame:
    return next(t.value for t in at.main.get("table") if heading in t.value.columns)


# --- Check the paper (items 3, 7, 10, 17) --------------------------------------------------------------------------
def test_check_the_paper_has_a_measure_column_and_every_row_in_a_static_table():
    at = open_page("pages/reproduce.py")
    table = table_with(at, "Measure")
    assert len(table) == 26                                     # every row, no inner scroll
    fig4 = table[table["Result"].str.contains(r"\(Fig\. 4\)")].iloc[0]
    assert fig4["Measure"] == "SMD" and fig4["Paper reports"] == "\u22120.47 [\u22121.07, 0.13]"
    assert set(table["Measure"]) == {"MD", "SMD"}
    assert "Δ recomputed − reported (estimate; lower, upper)" in table.columns
    assert not at.main.get("dataframe")                 # no grid that cuts columns at 1280 px
    assert not [t for t in shown_text(at) if INTERNAL.search(t)]


def test_fig4_differs_for_the_same_reason_on_check_the_paper_and_on_the_forest_plot():
    at = open_page("pages/reproduce.py")
    why = next(m.value.replace("\\", "") for m in at.main.get("markdown") if "Likely reason" in m.value)
    line = next(x for x in why.split("\n") if "(Fig. 4)" in x)
    assert "differs" in line and "in scope have no usable numbers" not in line
    # the Forest plot opened on the same result gives the same reason
    from core.evidence.dataset import load_dataset
    from core.workflow.analysis import AnalysisSpec, analyse
    from core.workflow.reproduce import reported_vs_recomputed
    a = analyse(load_dataset(), AnalysisSpec(outcome="fbg", comparison="vs_control", measure="SMD"))
    forest = reported_vs_recomputed(a).set_index("result_id").loc["fig4_fbg_all"]
    assert forest["status"] == "differs"
    assert "in scope" not in forest["explanation"]
    assert "the CI has the printed width" in forest["explanation"] and "the CI has the printed width" in line


def test_a_row_of_the_other_measure_counts_the_studies_that_have_data():
    from core.evidence.dataset import load_dataset
    from core.workflow.analysis import AnalysisSpec, analyse
    from core.workflow.reproduce import reported_vs_recomputed
    a = analyse(load_dataset(), AnalysisSpec(outcome="fbg", comparison="vs_control", measure="MD"))
    row = reported_vs_recomputed(a).set_index("result_id").loc["fig4_fbg_all"]
    assert row["status"] == "different measure" and row["k"] == a.k == 2


def test_audit_cards_use_true_minus_signs_and_no_e_notation():
    at = open_page("pages/reproduce.py")
    cards = [plain(t.value) for t in at.main.get("text")]
    table3 = next(c for c in cards if "lies outside its own 95% CI" in c)
    assert "\u22122.8" in table3 and "P < 0.0001" in table3
    assert not [c for c in cards if re.search(r"(?<![\w.])-\d|\de-\d", c)]


# --- counts (item 4), status words (item 6), the dagger (item 9): on the Forest plot's lists -----------------------
def test_t2dm_alone_explains_seven_listed_against_the_paper_six():
    at = open_page("pages/forest.py", outcome="fbg", comparison="vs_control", population="T2DM")
    warning = next(plain(w.value) for w in at.main.get("warning") if "usable numbers for this view" in w.value)
    assert warning.startswith("1 of 7 studies has usable numbers")
    assert "The paper counts 6 T2DM studies; 7 are listed here because Kong 2014 is kept" in warning


def test_a_study_whose_abstract_was_read_is_not_called_unreachable():
    at = open_page("pages/forest.py", population="T2DM")
    listing = next(m.value.replace("\\", "") for m in at.main.get("markdown") if "Jiang 2011" in m.value)
    jiang = next(x for x in listing.split("\n") if "Jiang 2011" in x)
    assert "not in the text we could read: Only the first PDF page (abstract) was reachable" in jiang
    assert "not reachable:" not in listing and "full text not available to us:" in listing
    assert not INTERNAL.search(listing)


def test_the_dagger_marks_inferred_identities_in_the_list_of_studies_without_numbers():
    at = open_page("pages/forest.py")
    listing = next(m.value.replace("\\", "") for m in at.main.get("markdown") if "**Bhansali 2017**" in m.value)
    assert "**Kong 2014 †**" in listing and "**Bhansali 2017**" in listing
    assert "**Hu 2013 †**" in listing                    # medium confidence: inferred too
    assert any("† The study's identity" in c.value for c in at.main.get("caption"))


# --- Studies (items 7, 8, 10) --------------------------------------------------------------------------------------
def test_studies_table_shows_every_study_with_short_columns_and_words():
    at = open_page("pages/studies.py", set="all")
    table = table_with(at, "Ref. in paper")
    assert len(table) == 21 and not at.main.get("dataframe")
    assert list(table.columns) == ["Study", "Set", "Ref. in paper", "Identity", "Type", "Country", "Design", "n MSC",
                                   "n control", "Follow-up (months)"]
    assert {"World J Clin Cases 2023", "Stem Cell Res Ther 2021", "Stem Cell Res Ther 2022"} <= set(table["Study"])
    assert set(table["Set"]) == {"Li 2021", "newer trial"}
    assert set(table["Design"]) <= {"RCT", "controlled, not randomised", "single-arm"}
    assert not any(re.fullmatch(r"[A-Za-z_]+\d{4}\w*", s) for s in table["Study"])    # no study id


def test_studies_missing_cells_in_full_with_words_and_the_search_said_once():
    at = open_page("pages/studies.py")
    table = table_with(at, "Why")
    assert table["Why"].str.len().max() > 150                  # whole sentences, not cut
    jiang = table[(table["Study"] == "Jiang 2011") & (table["Outcome"] == "HbA1c")]
    assert len(jiang) == 1 and jiang["Status"].iloc[0] == "missing"
    assert jiang["Why"].iloc[0].startswith("not in the text we could read: Only the first PDF page")
    assert not [t for t in shown_text(at) if INTERNAL.search(t)]
    assert [h.value for h in at.main.get("subheader")].count("How we looked for the numbers") == 1
    assert any("(#how-we-looked-for-the-numbers)" in c.value for c in at.main.get("caption"))


# --- Events (items 5, 11) ------------------------------------------------------------------------------------------
def test_events_say_at_the_t1dm_metrics_that_they_rest_on_one_study():
    at = open_page("pages/events.py")
    warnings = [plain(w.value) for w in at.main.get("warning")]
    note = next(w for w in warnings if w.startswith("Both T1DM percentages come from one sentence"))
    assert "[26] Hu 2013" in note and "3 of 15 and 8 of 12 patients" in note
    assert not any(w.startswith("Both T2DM") for w in warnings)   # T2DM cites several studies


def test_events_table_has_short_columns_and_each_sentence_once():
    at = open_page("pages/events.py")
    table = table_with(at, "Patients with event")
    assert "What the paper says" not in table.columns and "Where in the paper" not in table.columns
    said = next(m.value.replace("\\", "") for m in at.main.get("markdown")
                if m.value.startswith("**What the paper says**"))
    assert said.count("In 20% (3/15) patients of type 1 diabetes") == 1
    assert len(said.split("\n- ")) == 3                  # the heading and one line per distinct sentence


# --- Follow-up (items 8, 14) ---------------------------------------------------------------------------------------
def test_followup_says_once_what_cannot_be_recomputed_and_names_the_absent_population():
    import json
    at = open_page("pages/followup.py")
    tables = table_with(at, "Paper reports")
    assert "Recomputed" not in tables.columns and len(tables) == 8       # no column empty in all 8 rows
    assert set(tables["Months"]) == {"3 months", "6 months", "12 months"}
    said = [plain(i.value) for i in at.main.get("info") if "can be recomputed" in i.value]
    assert len(said) == 1 and said[0].startswith("None of the 8 rows can be recomputed: no study")
    assert not [m for m in at.main.get("markdown") if m.value.startswith("- **Table")]   # no 8 identical bullets
    fig = json.loads(next(c for c in at.main.get("plotly_chart") if c.key == "followup_chart").proto.spec)
    notes = [a["text"] for a in fig["layout"]["annotations"]]
    assert "T2DM: no data at any time point" in notes
    assert not any(t.get("showlegend", True) for t in fig["data"] if t.get("mode") != "text")  # one population
    assert any("T1DM: \u22121.10 [\u22121.49, \u22120.71]" in str(t.get("text")) for t in fig["data"])


def test_no_time_point_reads_as_none_months_or_a_bare_number():
    from core.evidence.dataset import load_dataset
    from core.workflow.analysis import AnalysisSpec, analyse
    from core.workflow.forest_page import forest_page_parts
    ds = load_dataset()
    reasons = [r for tp in ("3", "6", "12", "end") for r in
               analyse(ds, AnalysisSpec(timepoint=tp, study_set="all")).unavailable["reason"]]
    assert reasons and not [r for r in reasons if "none months" in r]
    a = analyse(ds, AnalysisSpec(population="T2DM", outcome="fcp"))     # Table 4: F-CP, T2DM, at 3, 6, 12 months
    parts = forest_page_parts(a)
    assert parts.other_timepoints and all(re.match(r"\d+ months \(|end of follow-up \(", t)
                                          for t in parts.other_timepoints)


# --- Small-study effects (item 15) ---------------------------------------------------------------------------------
def test_funnel_dots_are_a_clear_blue_on_light_greys_and_named_when_few():
    import json
    at = open_page("pages/small_study.py")
    data = json.loads(at.main.get("plotly_chart")[0].proto.spec)["data"]
    dots = next(t for t in data if t.get("name") == "Studies")
    shades = {t["fillcolor"] for t in data if t.get("fill") == "toself"} - {"white"}
    assert dots["marker"]["color"] == "#0047a3" and "text" in dots["mode"] and dots["text"] == ["Cai 2016"]
    # every band is light: relative luminance above that of #c0c0c0
    assert all(int(s[1:3], 16) >= 0xc0 for s in shades), shades


# --- Sensitivity (items 4, 16) -------------------------------------------------------------------------------------
def test_sensitivity_marks_changes_in_words_and_never_says_one_study_leaves_zero():
    at = open_page("pages/sensitivity.py")                     # default view: k = 1
    table = table_with(at, "Changed")                            # a static table, not a grid (issue 27)
    assert set(table["Changed"]) <= {":orange[**changed**]", ""}
    text = " ".join(shown_text(at))
    assert "leaves 0" not in text and "leaving one study out leaves" not in text
    at = open_page("pages/sensitivity.py", outcome="fbg", comparison="vs_control")     # k = 2
    # a paragraph of the captions under the robustness summary (one element: issue 27 item 3)
    assert any(plain(line) == "With k = 2, leaving one study out leaves one: each such variant rests on a "
               "single trial." for c in at.main.get("caption") for line in c.value.split("\n\n"))
    assert not [t for t in shown_text(at) if INTERNAL.search(t)]


def test_robustness_counts_unpooled_variants_in_proper_plurals():
    from core.workflow.robustness import _sentence  # noqa: the sentence's words are what is checked
    from core.workflow.robustness import robustness
    from core.evidence.dataset import load_dataset
    from core.workflow.analysis import AnalysisSpec
    rob = robustness(load_dataset(), AnalysisSpec(outcome="fbg", comparison="vs_control"))
    assert "(s)" not in rob.sentence
    one = _sentence(rob.base, None, 1)
    assert "1 variant left too few studies to pool and is not counted." in one
    assert "2 variants left too few studies to pool and are not counted." in _sentence(rob.base, None, 2)


# --- Study flow (item 7) -------------------------------------------------------------------------------------------
def test_study_flow_names_no_file():
    at = open_page("pages/flow.py")
    assert not [t for t in shown_text(at) if INTERNAL.search(t)]
    assert any("redrawn from the counts the paper prints" in plain(c.value) for c in at.main.get("caption"))


# --- codes where a reader expects words (item 8) and full tables on Summary of findings (item 10) -----------------
def test_the_deck_title_slide_and_the_history_name_settings_and_cells_in_words():
    from core.evidence.dataset import load_dataset
    from core.workflow.analysis import AnalysisSpec, analyse
    from core.words.settings import deck_settings_lines
    from core.words.statuses import cell_words
    ds = load_dataset()
    a = analyse(ds, AnalysisSpec(excluded=("Guan2015",)))
    lines = deck_settings_lines(a.spec, a, ds.study_labels())
    assert "Model: Auto (paper's rule) → fixed effect; CI: Wald z" in lines
    assert "Designs: All designs; studies: The paper's 10 studies; excluded: Guan 2015" in lines
    assert not [x for x in lines if re.search(r"->|\bDL\b|CI test: z|study set: paper|Guan2015", x)]
    assert cell_words("Guan 2015", "msc", "hba1c", "0", "n") == "Guan 2015 · MSC arm · HbA1c · baseline · n"


def test_risk_of_bias_indirectness_and_mids_are_static_tables_with_every_row():
    at = open_page("pages/summary_of_findings.py")
    rob = table_with(at, "Judgement (overall)")
    assert "Chen 2016" in set(rob["Study"]) and len(rob) == 11          # the 11th row is not hidden
    assert table_with(at, "Indirectness")["Source"].str.len().min() > 0
    assert len(table_with(at, "MID")) == 5
    assert not [d for d in at.main.get("dataframe") if {"Reason", "Source"} & set(d.value.columns)]


def test_the_forest_plot_never_names_a_population_by_its_code():
    at = open_page("pages/forest.py")
    texts = [plain(m.value) for m in at.main.get("markdown")] + [plain(i.value) for i in at.main.get("info")]
    assert not [t for t in texts if re.search(r"\(all\)|\ball\)", t)]
    assert any("(T1DM + T2DM)**" in t for t in texts)


def test_your_data_editor_shows_labels_and_keeps_codes():
    from core.evidence import upload as up
    from core.evidence.dataset import load_dataset
    from ui.editor_columns import editor_columns
    ds = load_dataset()
    table = up.editable_outcomes(ds)
    columns = editor_columns(table, ds)
    options = {c: {o["value"]: o["label"] for o in cfg["type_config"].get("options", [])}
               for c, cfg in columns.items()}
    assert columns["study_id"]["label"] == "Study" and options["study_id"]["Cai2016"] == "Cai 2016"
    assert options["arm"] == {"msc": "MSC", "control": "control"} and options["outcome"]["hba1c"] == "HbA1c"
    assert options["dispersion_type"]["sd?"].startswith("'±'")
    assert {cfg["label"] for cfg in columns.values()}.isdisjoint({"study_id", "dispersion_type", "disp1", "use"})
    assert set(table["arm"]) <= {"msc", "control"}                # the table itself keeps the codes
    at = open_page("pages/your_data.py")
    assert not at.exception
