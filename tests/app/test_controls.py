"""The choice table draws every control (issue 24 item 4): the sidebar, the Sensitivity page's variant
controls and the Which MSC therapy? page show each choice with the table's title, help and options."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.words.controls import NOT_APPLICABLE_HELP
from core.workflow.analysis import AnalysisSpec
from ui import state as S
from ui.controls import SIDEBAR

APP = str(Path(__file__).resolve().parents[2] / "app.py")
KINDS = {S.Kind.SELECTBOX: "selectbox", S.Kind.RADIO: "radio", S.Kind.HRADIO: "radio", S.Kind.CHECKBOX: "checkbox",
         S.Kind.SLIDER: "slider", S.Kind.MULTISELECT: "multiselect", S.Kind.TOGGLE: "toggle"}
# Where each page's own choices are drawn first ("subby" is also drawn by the Summary of findings, once its
# subgroup rows are on: test_the_summary_of_findings_draws_subby_from_the_table).
PAGE_CHOICES = {"pages/characteristics.py": ("subby", "regon"), "pages/summary_of_findings.py": ("sofsub",)}
VARIANT_KEYS = ("design", "prepost", "r", "smd", "model", "tau2", "hksj", "pi")


def widgets(at, root=None) -> dict:
    """Every keyed choice widget on the page (or under ``root``): key -> (kind, widget)."""
    root = root or at
    return {w.key: (kind, w) for kind in set(KINDS.values()) for w in root.get(kind) if w.key}


@pytest.fixture(scope="module")
def app():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    return at


def test_every_choice_is_drawn_once_in_the_sidebar_or_on_its_page():
    in_sidebar = [k for _, keys in SIDEBAR for k in keys]
    drawn = in_sidebar + [k for keys in PAGE_CHOICES.values() for k in keys]
    assert sorted(drawn) == sorted(c.key for c in S.CHOICES)          # every choice, none twice


def test_the_sidebar_draws_every_choice_from_the_table(app):
    found = widgets(app, app.sidebar)
    for _, keys in SIDEBAR:
        for key in keys:
            c = S.CHOICE_BY_KEY[key]
            kind, w = found[key]
            assert (kind, w.label, w.help) == (KINDS[c.kind], c.title, c.help), key
            if c.options and key != "exclude":
                assert tuple(w.options) == tuple(S.fmt(key)(o) for o in c.options), key
            assert w.value == (list(c.default) if isinstance(c.default, tuple) else c.default), key
    # the disabled rules that apply in the sidebar: floor needs HKSJ, the prior the Bayesian model
    assert found["floor"][1].disabled and found["prior"][1].disabled
    assert not found["prepost"][1].disabled and not found["smd"][1].disabled    # variant-only rules


def test_the_page_choices_are_drawn_from_the_table(app):
    for page, keys in PAGE_CHOICES.items():
        app.switch_page(page).run()
        assert not app.exception
        found = widgets(app)
        for key in keys:
            c = S.CHOICE_BY_KEY[key]
            kind, w = found[key]
            assert (kind, w.label, w.help) == (KINDS[c.kind], c.title, c.help), key


def test_the_summary_of_findings_draws_subby_from_the_table(app):
    app.switch_page("pages/summary_of_findings.py").run()
    assert "subby" not in widgets(app)                     # only with the subgroup rows on
    app.toggle(key="sofsub").set_value(True).run()
    assert not app.exception
    kind, w = widgets(app)["subby"]
    c = S.CHOICE_BY_KEY["subby"]
    assert (kind, w.label, w.help) == (KINDS[c.kind], c.title, c.help)


def test_sidebar_and_sensitivity_titles_come_from_the_same_table(app):
    app.switch_page("pages/sensitivity.py").run()
    assert not app.exception
    side, main = widgets(app, app.sidebar), widgets(app, app.main)
    variant = {k.removeprefix("sens_"): v for k, v in main.items() if k.startswith("sens_")}
    assert set(VARIANT_KEYS) <= set(variant)
    for key in VARIANT_KEYS:
        (kind, w), (side_kind, s) = variant[key], side[key]
        assert (kind, w.label) == (side_kind, s.label) == (KINDS[S.CHOICE_BY_KEY[key].kind],
                                                           S.CHOICE_BY_KEY[key].title), key
    # default view: HbA1c pre-post with MD: the pre-post controls apply, the SMD variant does not
    assert not variant["prepost"][1].disabled and not variant["r"][1].disabled
    assert variant["smd"][1].disabled and variant["smd"][1].help == NOT_APPLICABLE_HELP["smd"]


def test_a_variant_control_is_off_where_the_main_analysis_does_not_use_it():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/sensitivity.py").run()
    at.sidebar.radio(key="comparison").set_value("vs_control").run()
    at.sidebar.radio(key="measure").set_value("SMD").run()
    assert not at.exception
    variant = {k.removeprefix("sens_"): w for k, (_, w) in widgets(at, at.main).items()}
    assert [variant[k].disabled for k in ("prepost", "r", "smd")] == [True, True, False]
    assert (variant["prepost"].help, variant["r"].help) == (NOT_APPLICABLE_HELP["prepost"], NOT_APPLICABLE_HELP["r"])
    assert variant["smd"].help == S.CHOICE_BY_KEY["smd"].help
    at.sidebar.checkbox(key="hksj").check().run()
    assert not at.sidebar.checkbox(key="floor").disabled          # the floor applies once HKSJ is on


# A link shared before the choice table: every choice's URL form (labels for the labelled ones).
SHARED_LINK = {"outcome": "Fasting blood glucose (FBG)", "comparison": "MSC vs control (end of follow-up)",
               "population": "T2DM", "measure": "SMD", "model": "Random effects", "tau2": "REML", "hksj": "true",
               "floor": "true", "timepoint": "12 months", "set": "Paper + newer trials", "pi": "true",
               "smd": "Exact Hedges' g (metafor)", "prepost": "After vs before as two groups", "r": "0.7",
               "design": "RCTs only", "sort": "Year"}


def test_a_link_shared_before_the_table_opens_the_same_view():
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in SHARED_LINK.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception and not at.session_state["_url_notices"]
    state = {c.key: at.session_state[c.key] for c in S.CHOICES if c.key in at.session_state}
    assert S.spec_from_state(state) == AnalysisSpec(
        outcome="fbg", comparison="vs_control", population="T2DM", measure="SMD", model="random", tau2_method="REML",
        test="hksj", hksj_floor=True, timepoint="12", r=0.7, smd_variant="hedges_exact", design="rct",
        study_set="all", prepost="independent")
    assert state["pi"] is True and state["sort"] == "year"
    assert not at.sidebar.checkbox(key="floor").disabled
