"""The Summary of findings' subgroup rows (issue 25 item 5) through AppTest: off by default; the toggle
and the "Subgroups by" choice are bound to the URL; each subgroup row sits under its outcome with its
own rating and footnote and no Open button; the figure carries them (its slide and table: tests/core)."""
from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from tests.app import apptest
from ui import state as S

PAGE = "pages/summary_of_findings.py"


def open_page(query=None) -> AppTest:
    return apptest.open_page(PAGE, query)


def figure_meta(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["meta"]


def shown(at) -> list[str]:
    return [m.value.replace("\\", "") for m in at.markdown]


def test_off_by_default_then_rows_by_diabetes_type_bound_to_the_url():
    at = open_page({"comparison": S.LABELS["comparison"]["vs_control"], "set": S.LABELS["set"]["all"]})
    assert not any(t.startswith("– ") for t in shown(at)) and figure_meta(at)["subgroups"] == []
    at.toggle(key="sofsub").set_value(True).run()
    assert not at.exception
    # A page switch writes both choices back into the URL (bound widgets keep it in step on the page).
    assert S.carry_choices_into_url({}, {"sofsub": True, "subby": "cell_source"}, {}) == {
        "sofsub": "true", "subby": "Cell source"}
    texts = shown(at)
    hba1c = texts.index("HbA1c")
    assert texts[hba1c + 4:hba1c + 5] == ["– T1DM"]          # the row right under HbA1c's 4 cells
    assert "– T2DM" in texts
    meta = figure_meta(at)
    assert ["hba1c", "T1DM"] in meta["subgroups"] and ["hba1c", "T2DM"] in meta["subgroups"]
    assert "– T1DM" in meta["cells"]["outcome"]
    assert any(t.startswith("**") and "Subgroup of the outcome's studies by diabetes type" in t for t in texts)
    opens = [b.key for b in at.button if str(b.key).startswith("sof_open_")]
    assert sorted(opens) == sorted(f"sof_open_{o}" for o in ("hba1c", "fbg", "pbg", "fcp", "insulin"))


def test_rows_by_a_characteristic_from_a_shared_link():
    at = open_page({"comparison": S.LABELS["comparison"]["vs_control"], "set": S.LABELS["set"]["all"],
                    "sofsub": "true", "subby": "Cell source"})
    assert at.toggle(key="sofsub").value is True and at.selectbox(key="subby").value == "cell_source"
    meta = figure_meta(at)
    assert ["hba1c", "Adipose tissue"] in meta["subgroups"] and ["hba1c", "Mixed sources"] in meta["subgroups"]
    texts = shown(at)
    assert "– Adipose tissue" in texts and "– Umbilical cord / Wharton's jelly" in texts


def test_a_view_with_one_subgroup_says_so():
    at = open_page({"population": "T1DM", "sofsub": "true"})
    assert any("No subgroup rows" in i.value and "diabetes type" in i.value for i in at.info)
    assert figure_meta(at)["subgroups"] == []
