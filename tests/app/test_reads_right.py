"""Issue 14 through AppTest: no misleading picture, no cut-off explanation, no internal code on screen,
and thin evidence never looks robust."""
from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def start(**widgets) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception
    for key, value in widgets.items():
        widget = at.sidebar.selectbox(key=key) if key in ("outcome", "timepoint") else None
        if widget is None:
            try:
                widget = at.sidebar.radio(key=key)
            except KeyError:
                widget = at.sidebar.checkbox(key=key)
        widget.set_value(value).run()
        assert not at.exception, [e.value for e in at.exception]
    return at


def figure(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def texts(at) -> list[str]:
    return [e.value for kind in ("info", "warning", "caption", "markdown") for e in at.get(kind)]


# --- item 1: the paper's diamond only on an axis of its own measure ------------------------------------------------
def test_smd_diamond_is_not_drawn_on_an_md_axis_and_one_click_switches():
    at = start(outcome="fbg", comparison="vs_control")
    names = [t.get("name") for t in figure(at)["data"]]
    assert "Reported (paper)" not in names                      # the paper's SMD is not on the mmol/L axis
    sentence = "The paper reports this as SMD \u22120.47 [\u22121.07, 0.13]; switch Measure to SMD to compare."
    assert sentence in [i.value for i in at.info]
    at.button(key="switch_measure_0").click().run()
    assert not at.exception
    assert at.session_state["measure"] == "SMD"
    assert "Reported (paper)" in [t.get("name") for t in figure(at)["data"]]
    assert not any("switch Measure" in i.value for i in at.info)


# --- item 3: HKSJ --------------------------------------------------------------------------------------------------
def test_hksj_with_one_study_says_it_is_undefined():
    at = start(hksj=True)                                    # default view: HbA1c pre-post, k = 1
    assert any("HKSJ (t-based) CI is undefined with one study" in i.value for i in at.info)


def test_hksj_on_a_fixed_effect_model_is_called_a_random_effects_adjustment():
    at = start(outcome="fbg", comparison="vs_control", model="fixed", hksj=True)
    assert any("HKSJ is a random-effects adjustment" in i.value for i in at.info)


def test_hksj_floor_option_never_gives_a_narrower_interval():
    # FBG, MSC vs control, k = 2 with I² = 0%: the HKSJ variance factor is below 1, the floor lifts it
    at = start(outcome="fbg", comparison="vs_control", model="random")
    z_ci = at.metric[1].value
    at.sidebar.checkbox(key="hksj").check().run()
    hksj_ci = at.metric[1].value
    at.sidebar.checkbox(key="floor").check().run()
    assert not at.exception
    assert any("Ad hoc variance floor on" in i.value for i in at.info)
    floored = width(at.metric[1].value)
    assert width(z_ci) <= floored and width(hksj_ci) < floored


def width(ci: str) -> float:
    low, high = (float(x.replace("\u2212", "-")) for x in ci.strip("[]").split(","))
    return high - low


# --- items 6, 7, 8 ------------------------------------------------------------------------------------------------
def test_random_effects_with_one_study_says_tau2_cannot_be_estimated():
    at = start(model="random")
    assert any("τ² cannot be estimated" in i.value for i in at.info)


def test_headline_names_percentage_points():
    at = start()
    assert at.metric[0].label == "Pooled MD (HbA1c, % points)"


def test_missing_studies_are_said_before_the_downloads():
    at = start(outcome="fbg", comparison="vs_control")
    warning = [w.value for w in at.warning if "usable numbers for this view" in w.value]
    assert warning and warning[0].startswith("2 of 11 studies have usable numbers")
    # item 9: the 11th study is explained where the count is shown (sidebar: "The paper's 10 studies")
    assert "The paper counts 10 studies; 11 are listed here because Kong 2014 and Li 2016" in warning[0]
    order = [(e.type, getattr(e, "value", "")) for e in walk(at.main)]
    first_warning = next(i for i, (_t, v) in enumerate(order) if "usable numbers for this view" in str(v))
    downloads = next(i for i, (_t, v) in enumerate(order) if v == "Download this view")
    chart = next(i for i, (t, _v) in enumerate(order) if t == "plotly_chart")
    assert first_warning < chart < downloads


def walk(node):
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for child in children.values():
        yield from walk(child)


def array(value):
    """A plotly JSON array, plain or typed ({"dtype", "bdata"})."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).reshape(value.get("shape", -1))
    return np.array([np.nan if v is None else v for v in value], dtype=object if value and
                    isinstance(value[0], list) else float)


# --- item 5: Follow-up ----------------------------------------------------------------------------------------------
def open_page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90).run()
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_followup_draws_one_trial_once_as_a_dot_and_marks_empty_times():
    at = open_page("pages/followup.py")                       # HbA1c pre-post: Cai 2016 at 12 months only
    fig = figure(at)
    points = [t for t in fig["data"] if t.get("customdata")]
    drawn = [tuple(c) for t in points for c, y in zip(array(t["customdata"]), array(t["y"])) if np.isfinite(y)]
    assert drawn == [("T1DM", "12")]                          # not four times (T1DM/both × 12/end)
    assert all(t["mode"] == "markers" for t in points)        # one value is a dot, not a line
    no_data = [a for a in fig["layout"]["annotations"] if a.get("text") == "no data"]
    assert sorted(a["x"] for a in no_data) == [3, 6]
    papers = next(t.value for t in at.get("table") if "Audit of the printed numbers" in t.value.columns)
    audit = dict(zip(papers["Where in the paper"], papers["Audit of the printed numbers"]))
    assert "CI bounds reversed" in audit["Table 2, row 6 months"]      # printed [2.27, −0.32]
    assert "estimate outside its CI" in audit["Table 3, row 6 months"]  # printed −2.8 (−1.02, 0.47)


# --- no internal code on screen ------------------------------------------------------------------------------------
PAGES = ("pages/forest.py", "pages/sensitivity.py", "pages/followup.py", "pages/small_study.py", "pages/reproduce.py",
         "pages/studies.py", "pages/events.py", "pages/flow.py", "pages/your_data.py")
# Internal codes a clinician should never read: ids with underscores (result_id, fig5_fbg_t1, single_arm,
# records_identified, abs_hba1c_prepost), lower-case outcome codes, and the data file's name.
INTERNAL = re.compile(r"^(?:[a-z]+(?:_[a-z0-9]+)+|hba1c|fbg|pbg|fcp|rct|sd\?)$|data/studies\.csv")
FIXED_PAGES = ("pages/forest.py", "pages/sensitivity.py", "pages/followup.py", "pages/reproduce.py")


def shown_cells(at):
    for d in at.dataframe:
        value = d.value
        frame = value.data if hasattr(value, "data") else value      # a Styler shows its data
        config = json.loads(d.proto.columns or "{}")               # column_config labels replace the names
        yield from (str((config.get(str(c)) or {}).get("label") or c) for c in frame.columns)
        for col in frame.columns:
            yield from (str(v) for v in frame[col].head(60))
    for t in at.table:                                              # light tables (st.table)
        yield from (str(c) for c in t.value.columns)
        for col in t.value.columns:
            yield from (str(v) for v in t.value[col].head(60))


# Your data shows the upload template's column names and codes on purpose: they are the file format a user types.
@pytest.mark.parametrize("path", [p for p in PAGES if p != "pages/your_data.py"])
def test_no_internal_code_in_shown_headers_or_cells(path):
    at = open_page(path)
    bad = sorted({c for c in shown_cells(at) if INTERNAL.search(c.strip())})
    assert not bad, bad


def test_your_data_limits_agree_with_the_config_and_sd_question_is_explained():
    import tomllib
    config = tomllib.loads((Path(APP).parent / ".streamlit" / "config.toml").read_text())
    at = open_page("pages/your_data.py")
    uploader = at.get("file_uploader")[0]
    assert uploader.proto.max_upload_size_mb in (0, config["server"]["maxUploadSize"])   # 0: the config's
    assert f"Up to {config['server']['maxUploadSize']} MB per file" in uploader.proto.help
    assert any("`sd?`" in c.value and "used as an SD" in c.value and "row 2" in c.value for c in at.caption)


# --- words and tables: the remaining bullets -------------------------------------------------------------------------
def shown_words(at) -> list[str]:
    """Every label, value and help a reader sees on a page: metrics, texts, tables, chart labels and hovers."""
    out = [t for kind in ("title", "caption", "markdown", "info", "warning", "text") for t in
           (e.value for e in at.get(kind))]
    out += [w for m in at.metric for w in (m.label, m.value, m.help or "")]
    out += list(shown_cells(at))
    for t in at.get("table"):
        frame = t.value
        out += [str(c) for c in frame.columns] + [str(v) for col in frame.columns for v in frame[col]]
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            y, text = trace.get("y"), trace.get("text")
            out += [str(v) for v in (y if isinstance(y, list) else [])]
            out += [str(v) for v in (text if isinstance(text, list) else [text] if text else [])]
    return out


def test_events_page_names_each_event_one_way():
    at = open_page("pages/events.py")
    words = " ".join(shown_words(at)).lower()
    for other in ("insulin-free", "insulin stopped", "insulin discontinued", "dose cut"):
        assert other not in words.replace("'insulin was discontinued'", ""), other
    labels = [m.label for m in at.metric]
    assert labels == ["T1DM: Insulin independence", "T1DM: Insulin dose reduced by > 50%",
                      "T2DM: Insulin independence", "T2DM: Insulin dose reduced by > 50%"]
    chart = {y for tr in figure(at)["data"] for y in tr["y"]}
    table = set(at.table[0].value["Event"])
    assert chart == set(labels) and table == {"Insulin independence", "Insulin dose reduced by > 50%"}


def test_flow_page_counts_use_thousands_separators_and_notes_are_shown_in_full():
    at = open_page("pages/flow.py")
    flow = at.get("table")[0].value                        # a static table: its text wraps, nothing is cut
    assert "2,270" in set(flow["Count"]) and "2,230" in set(flow["Count"])
    unseparated = re.compile(r"(?<![\d,.])(?!(?:19|20)\d\d(?!\d))\d{4,}(?![\d,.])")   # 2270, not a year
    assert not [w for w in shown_words(at) if unseparated.search(w)]
    note = next(v for v in flow["What the paper says"] if v.startswith("potential research articles"))
    assert note.endswith("to November 2020")            # the longest note, whole
    assert not [d for d in at.dataframe if d.proto.id and "flow" in str(d.proto)]


@pytest.mark.parametrize("path", ["pages/events.py", "pages/flow.py"])
def test_pages_that_ignore_the_sidebar_say_so_at_the_top(path):
    from core.words import SIDEBAR_IGNORED
    at = open_page(path)
    captions = [c.value for c in at.main.caption]
    assert SIDEBAR_IGNORED in captions[:3]
    changed = AppTest.from_file(APP, default_timeout=90).run()
    changed.sidebar.selectbox(key="outcome").set_value("fbg").run()
    changed.switch_page(path).run()
    assert not changed.exception
    assert [m.value for m in changed.metric] == [m.value for m in at.metric]   # the statement is true


def test_studies_detail_panel_shows_long_characteristics_in_full():
    import pandas as pd
    studies = pd.read_csv(Path(APP).parent / "data" / "studies.csv", dtype=str, keep_default_na=False)
    studies = studies[studies["set"] == "paper"].reset_index(drop=True)          # the default study set
    longest = studies.loc[studies["design"].str.len().idxmax()]
    at = open_page("pages/studies.py")
    at.selectbox(key="studies_detail").set_value(longest["study_id"]).run()
    assert not at.exception
    panel = " ".join(m.value for m in at.markdown).replace("\\", "")
    for col in ("design", "dose", "route", "msc_source"):
        assert longest[col] in panel, col


def test_forest_hover_names_designs_as_a_reader_does():
    at = start(outcome="fbg", comparison="vs_control")
    hovers = [t for tr in figure(at)["data"] for t in (tr.get("text") or []) if isinstance(t, str) and "<br>" in t]
    assert hovers and not [h for h in hovers if re.search(r"\b(rct|single_arm|controlled)\)", h)]
    assert any("(T1DM, RCT)" in h or "(T2DM, RCT)" in h for h in hovers)


def test_check_the_paper_explanations_show_no_result_ids():
    import pandas as pd
    ids = set(pd.read_csv(Path(APP).parent / "data" / "reported_results.csv", dtype=str)["result_id"])
    at = open_page("pages/reproduce.py")
    texts_shown = [e.value for kind in ("markdown", "caption", "text") for e in at.get(kind)]
    leaked = sorted({i for i in ids for t in texts_shown if re.search(rf"\b{re.escape(i)}\b", t)})
    assert not leaked, leaked
    assert any("FBG, after vs before, T1DM, Fig. 5 is not larger than FBG, after vs before, T2DM, Fig. 5" in t
               for t in texts_shown)


def test_forest_ci_metric_takes_its_own_width():
    """The four metrics are one horizontal row (one block, issue 27 item 3) in which the CI, the longest
    value, is sized to its content: equal shares cut it at 1280 px."""
    import streamlit as st
    widths = {}
    original = st.delta_generator.DeltaGenerator.metric

    def metric(self, label, value, *args, **kwargs):
        widths[label] = kwargs.get("width", "stretch")
        return original(self, label, value, *args, **kwargs)

    st.delta_generator.DeltaGenerator.metric = metric
    try:
        at = start()
    finally:
        st.delta_generator.DeltaGenerator.metric = original
    row = next(c for c in at.main.children.values() if c.type == "flex_container" and "forest_metrics" in c.proto.id)
    assert [m.label for m in row.get("metric")] == [m.label for m in at.metric] and len(at.metric) == 4
    assert row.proto.flex_container.direction == row.proto.flex_container.HORIZONTAL
    ci = at.metric[1].value
    assert at.metric[1].label == "95% CI" and len(ci) > max(len(m.value) for m in at.metric if m is not at.metric[1])
    assert widths["95% CI"] == "content" and {w for k, w in widths.items() if k != "95% CI"} == {"stretch"}


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two '#rrggbb' colours ('white' allowed)."""
    def lum(h):
        h = "ffffff" if h == "white" else h.lstrip("#")
        c = [int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        c = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in c]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_funnel_study_dot_stands_out_on_every_shade():
    at = open_page("pages/small_study.py")                  # default view: one study, on the darkest shading
    data = figure(at)["data"]
    dot = next(t for t in data if t.get("name") == "Studies")["marker"]
    shades = {t["fillcolor"] for t in data if t.get("fill") == "toself"}
    assert "#c8c8c8" in shades                              # the darkest band (issue 26 item 15: light greys)
    assert min(contrast(dot["color"], s) for s in shades) >= 5, dot
    assert dot["line"]["width"] >= 2


def test_flow_diagram_is_centred_and_uses_the_container_width():
    at = open_page("pages/flow.py")
    chart = at.get("plotly_chart")[0]
    fig = json.loads(chart.proto.spec)
    x0, x1 = fig["layout"]["xaxis"]["range"]
    boxes = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    left, right = min(s["x0"] for s in boxes) - x0, x1 - max(s["x1"] for s in boxes)
    assert abs(left - right) < 0.01 * (x1 - x0)                 # 0.3 vs 0.4 of 10.2 before
    assert fig["layout"].get("width") is None                  # the chart takes the container width
