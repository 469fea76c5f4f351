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


def test_knha_floor_option_never_gives_a_narrower_interval():
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
    assert "The paper pooled 10 studies; 11 are listed here because Kong 2014 and Li 2016" in warning[0]
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
    tables = {d.proto.id: d.value for d in at.dataframe}
    papers = next(v for v in tables.values() if "Audit of the printed numbers" in v.columns)
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
