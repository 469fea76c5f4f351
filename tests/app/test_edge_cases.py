"""Numeric edge cases through the whole app (AppTest): k = 0 after filters, k = 1, all studies
identical, tau^2 = 0, a single subgroup, SD = 0 in one arm, n = 1 and extreme values.

Each has a defined behaviour and message, and no exception ever reaches a page.  Constructed
datasets (synthetic numbers, tests/factories.py) are put where an upload puts them:
``st.session_state[ui.data.USER_DATASET_KEY]``.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.evidence.dataset import load_dataset
from core.errors import DatasetError
from core.evidence.upload import build_dataset, editable_outcomes
from tests.factories import make_dataset, study, two_arm_study
from ui.data import USER_DATASET_KEY

APP = str(Path(__file__).resolve().parents[2] / "app.py")
ANALYSIS_PAGES = ("pages/forest.py", "pages/sensitivity.py", "pages/followup.py", "pages/small_study.py")
SHIPPED = load_dataset()
NO_DATA = "No study in the current selection has usable numbers"


def set_widget(at, key, value):
    for kind in ("radio", "selectbox", "multiselect", "checkbox", "slider"):
        try:
            widget = getattr(at.sidebar, kind)(key=key)
        except KeyError:
            continue
        widget.set_value(value).run()
        return
    raise KeyError(key)


def open_app(dataset=None, **widgets) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if dataset is not None:
        at.session_state[USER_DATASET_KEY] = dataset
    at.run()
    for key, value in widgets.items():
        set_widget(at, key, value)
    assert not at.exception, [e.message for e in at.exception]
    return at


def on_every_page(at) -> None:
    """Every analysis page runs on the same settings without an exception."""
    for page in ANALYSIS_PAGES:          # a renamed page fails here rather than being left out
        at.switch_page(page).run()
        assert not at.exception, (page, [e.message for e in at.exception])
    at.switch_page("pages/forest.py").run()


def chart(at, i=0) -> dict:
    charts = at.get("plotly_chart")
    assert charts, "no chart drawn"
    return json.loads(charts[i].proto.spec)


def metrics(at) -> dict:
    return {m.label.split(" ")[0] if m.label.startswith("Pooled") else m.label: m.value for m in at.metric}


def figure_text(spec: dict) -> str:
    parts = [str(a.get("text", "")) for a in spec["layout"].get("annotations", [])]
    for t in spec["data"]:
        txt = t.get("text")
        parts += [str(x) for x in txt] if isinstance(txt, list) else [str(txt or "")]
    return " | ".join(parts)


def identical_dataset():
    """Three T2DM RCTs with exactly the same arms: every effect is MD = 7.5 - 8.5 = -1."""
    studies = [study("Alpha2010"), study("Beta2011"), study("Gamma2012")]
    rows = [r for s in studies for r in two_arm_study(s["study_id"], "hba1c", 7.5, 1.0, 8.5, 1.0, n=20)]
    return make_dataset(studies, rows, name="identical studies")


def homogeneous_dataset():
    """Small differences (Q < df), so DerSimonian-Laird truncates tau^2 at 0: random = fixed."""
    studies = [study("Alpha2010"), study("Beta2011"), study("Gamma2012")]
    rows = []
    for s, m1 in zip(studies, (7.45, 7.50, 7.55)):
        rows += two_arm_study(s["study_id"], "hba1c", m1, 1.0, 8.5, 1.0, n=20)
    return make_dataset(studies, rows, name="homogeneous studies")


# ---------------------------------------------------------------------------------------------
def test_k0_after_filters_says_nothing_can_be_pooled():
    ids = SHIPPED.studies["study_id"].tolist()
    at = open_app(design="rct", exclude=ids)
    assert any(NO_DATA in w.value for w in at.warning), [w.value for w in at.warning]
    assert not at.get("plotly_chart")                     # no empty plot, no made-up diamond
    assert not at.metric
    on_every_page(at)


def test_k1_uses_fixed_effect_and_random_gives_the_same_result():
    at = open_app()                                         # shipped default: HbA1c pre-post, Cai 2016 only
    assert any("because k = 1 does not meet the paper's rule" in i.value for i in at.info)
    m = metrics(at)
    assert m["Studies · participants"] == "1 · 21"
    assert m["Pooled"] == "−1.10"                          # Cai 2016: 8.6 -> 7.5 (data/outcomes.csv)
    assert "Heterogeneity: not applicable (k = 1)" in figure_text(chart(at))
    set_widget(at, "model", "random")
    assert chart(at)["layout"]["meta"]["method"] != "FE"   # random effects as chosen ...
    assert metrics(at)["Pooled"] == "−1.10" and metrics(at)["95% CI"] == m["95% CI"]   # ... tau² = 0 for k = 1
    on_every_page(at)


def test_identical_studies_have_zero_heterogeneity():
    at = open_app(identical_dataset(), comparison="vs_control")
    assert any("I² = 0% and P(Q) = 1 does not meet" in i.value for i in at.info), [i.value for i in at.info]
    m = metrics(at)
    assert m["Pooled"] == "−1.00" and m["Studies · participants"] == "3 · 120"
    # Auto chose fixed effect (the info above), so RevMan's line has no Tau².
    assert "Heterogeneity: Chi² = 0.00, df = 2 (P = 1.00); I² = 0%" in figure_text(chart(at))
    on_every_page(at)


def test_tau2_zero_makes_random_effects_equal_fixed_effect():
    at = open_app(homogeneous_dataset(), comparison="vs_control", model="fixed")
    fixed = metrics(at)
    set_widget(at, "model", "random")
    rand = metrics(at)
    assert "Tau² = 0.00" in figure_text(chart(at))
    assert (rand["Pooled"], rand["95% CI"]) == (fixed["Pooled"], fixed["95% CI"]) == ("−1.00", "[−1.36, −0.64]")
    on_every_page(at)


def test_single_subgroup_has_no_subgroup_test():
    at = open_app(homogeneous_dataset(), comparison="vs_control")
    spec = chart(at)
    names = [t.get("name") for t in spec["data"]]
    assert "Diamond: T2DM" in names and "Diamond: Total" in names and "Diamond: T1DM" not in names
    assert "Test for subgroup differences: not applicable (one subgroup)" in figure_text(spec)
    on_every_page(at)


def test_sd_zero_in_one_arm_is_refused_with_its_row_and_column():
    table = editable_outcomes(identical_dataset())
    row = table.index[(table["study_id"] == "Beta2011") & (table["arm"] == "control")
                      & (table["timepoint_months"] == "12")][0]
    table.loc[row, "disp1"] = "0"
    with pytest.raises(DatasetError) as err:
        build_dataset(table, identical_dataset())
    expected = f"outcomes row {row + 2}, column `disp1`: '0' is an impossible SD; expected a value > 0"
    assert expected in err.value.problems
    # Through the Your data page: the problem is listed, and the data in use does not change.
    at = open_app()
    at.switch_page("pages/your_data.py").run()
    at.session_state["yd_edited"] = editable_outcomes(SHIPPED).assign(
        disp1=lambda d: d["disp1"].where(d.index != 0, "0"))
    at.session_state["yd_editor_version"] = at.session_state["yd_editor_version"] + 1
    at.run()
    at.button(key="yd_apply").click().run()
    assert not at.exception
    problems = next(d.value for d in at.dataframe if "problem" in d.value.columns)
    assert problems["problem"].str.contains("is an impossible SD; expected a value > 0").any()
    assert USER_DATASET_KEY not in at.session_state          # no dataset of the user's was set ...
    at.switch_page("pages/forest.py").run()
    meta = chart(at)["layout"]["meta"]
    assert not at.exception and (meta["studies"], meta["k"]) == (["Cai 2016"], 1)   # ... the shipped default view


def test_extreme_values_are_pooled_or_explained_never_a_traceback():
    studies = [study("Big2010"), study("Tiny2011"), study("Huge2012", "T1DM")]
    rows = (two_arm_study("Big2010", "hba1c", 9.99e8, 1e-3, -9.99e8, 1e-3, n=1_000_000)
            + two_arm_study("Tiny2011", "hba1c", 1e-9, 1e-9, 2e-9, 1e-9, n=2)
            + two_arm_study("Huge2012", "hba1c", 5e8, 9e8, 1, 9e8, n=3))
    at = open_app(make_dataset(studies, rows, name="extreme values"), comparison="vs_control")
    shown = " ".join(metrics(at).values())
    assert metrics(at)["Studies · participants"] == "3 · 2000010"
    assert "nan" not in shown.lower() and "inf" not in shown.lower()
    for measure in ("SMD", "MD"):
        set_widget(at, "measure", measure)
        assert not at.exception, (measure, [e.message for e in at.exception])
        # Both measures pool all three studies into finite numbers (measured; neither is refused).
        shown = " ".join(metrics(at).values())
        assert metrics(at)["Studies · participants"] == "3 · 2000010", measure
        assert "nan" not in shown.lower() and "inf" not in shown.lower(), (measure, shown)
    on_every_page(at)


def test_n_of_one_per_arm_never_reaches_the_page_as_an_exception():
    studies = [study("One2010"), study("One2011")]
    rows = (two_arm_study("One2010", "hba1c", 7, 1, 8, 1, n=1)
            + two_arm_study("One2011", "hba1c", 7, 1, 8, 1, n=1))
    at = open_app(make_dataset(studies, rows, name="n = 1"), comparison="vs_control")
    assert metrics(at)["Studies · participants"] == "2 · 4"      # MD works with n = 1 per arm
    set_widget(at, "measure", "SMD")              # an SMD needs n1 + n2 >= 3
    assert not at.exception, [e.message for e in at.exception]
    assert any("No study in the current selection has numbers from which this effect can be computed" in w.value
               for w in at.warning), [w.value for w in at.warning]
    # the unusable studies are listed one per line, each with its reason (pages/forest.py)
    unusable = [line.replace("\\", "") for m in at.markdown for line in m.value.splitlines()
                if line.startswith("- **One")]
    assert len(unusable) == 2 and all("an SMD needs n1 + n2 >= 3" in line for line in unusable), unusable
    assert not at.get("plotly_chart")
    on_every_page(at)
