"""The certainty inputs are saved and versioned with the dataset (issue 17): setting a risk-of-bias
judgement, an indirectness or a MID saves a new immutable version (parent: the one in use) that
carries them; a fresh session opened with ``?ds=<id>`` finds them on the Summary of findings page
and in the Forest plot's certainty line; a data edit on the workbench carries them on; a failed
save says so and changes nothing.

Each test has its own MSCDM_STATE_DIR; the judgements are synthetic and never enter data/.
"""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.store import open_store
from tests.app.test_summary_of_findings_page import CERT, footnotes, judge_overall, sof, vs_control
from tests.app.test_workbench import SYNTHETIC, pick, type_in

APP = str(Path(__file__).resolve().parents[2] / "app.py")
SOF, FOREST, YOUR_DATA = "pages/summary_of_findings.py", "pages/forest.py", "pages/your_data.py"
REASON, SOURCE = "Outcome assessors knew the allocation in this open-label trial.", "Trial report, Methods"
IND_REASON = "Most patients had recent-onset diabetes only."
LINE = "Certainty of this evidence (GRADE)"


def open_app(page: str, ds: str | None = None) -> AppTest:
    """A fresh session on ``page``, MSC vs control (HbA1c: Cai 2016 and Chen 2016, both RCTs)."""
    at = AppTest.from_file(APP, default_timeout=60)
    if ds:
        at.query_params["ds"] = ds
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return vs_control(at)


def judge(at: AppTest, study: str, reason: str = REASON) -> None:
    judge_overall(at, study, reason, SOURCE)
    assert not at.exception, [e.value for e in at.exception]


def rob_rows(at: AppTest) -> dict:
    table = next(x.value for x in at.table if "Judgement (overall)" in x.value.columns)   # static: every row
    return {r["Study"]: r for r in table.to_dict("records")}


def certainty_line(at: AppTest) -> str:
    return next(c.value for c in at.caption if c.value.startswith(LINE))


def test_a_judgement_is_saved_as_a_new_version_that_a_link_restores_on_every_page(state_dir):
    at = open_app(SOF)
    assert sof(at)["HbA1c"][CERT].startswith("⊕⊕◯◯ Low (provisional: risk of bias not assessed")
    judge(at, "Cai2016")
    first = at.query_params["ds"]
    judge(at, "Chen2016")
    assert not at.error, [e.value for e in at.error]
    second = at.query_params["ds"]
    at.selectbox(key="ind_outcome").set_value("fbg")
    at.selectbox(key="ind_concern").set_value("serious")
    at.text_input(key="ind_reason").set_value(IND_REASON)
    at.text_input(key="ind_source").set_value("Table 1 of the review")
    at.button(key="ind_set").click().run()
    third = at.query_params["ds"]
    assert len({first, second, third}) == 3

    store = open_store(state_dir=state_dir)
    assert [v.id for v in store.history(third)] == [third, second, first]
    assert store.get(first).parent_id is None and store.get(third).parent_id == second
    assert "Cai2016,overall,,high" in store.get(first).tables["judgements"]
    assert "Chen2016" not in store.get(first).tables["judgements"]       # the first version is unchanged

    link = open_app(SOF, third)                                            # a fresh session with the link
    rows = rob_rows(link)
    assert rows["Cai 2016"]["Judgement (overall)"] == "High" and rows["Cai 2016"]["Reason"] == REASON
    assert rows["Cai 2016"]["Set by"] == "user" and rows["Chen 2016"]["Judgement (overall)"] == "High"
    assert sof(link)["HbA1c"][CERT].startswith("⊕⊕◯◯ Low (a")        # judged high: no longer provisional
    assert f"Indirectness (serious): {IND_REASON}" in footnotes(link).values()
    forest = open_app(FOREST, third)
    assert "rated down for risk of bias (serious)" in certainty_line(forest)
    assert "provisional" not in certainty_line(forest)
    parent = open_app(SOF, first)                                          # the parent: Cai 2016 only
    assert rob_rows(parent)["Chen 2016"]["Judgement (overall)"] == "Not assessed"
    assert rob_rows(parent)["Cai 2016"]["Judgement (overall)"] == "High"
    assert "(provisional: risk of bias not assessed" in certainty_line(open_app(FOREST))   # the shipped data


def test_a_data_edit_on_the_workbench_carries_the_judgements_on(state_dir):
    at = open_app(SOF)
    judge(at, "Cai2016")
    judged = at.query_params["ds"]
    at.switch_page(YOUR_DATA).run()
    pick(at)
    type_in(at, SYNTHETIC)
    at.button(key="wb_save").click().run()
    edited = at.query_params["ds"]
    assert edited != judged and open_store(state_dir=state_dir).get(edited).parent_id == judged
    assert rob_rows(open_app(SOF, edited))["Cai 2016"]["Reason"] == REASON


def test_a_failed_save_says_so_and_loses_nothing(state_dir, monkeypatch):
    monkeypatch.setenv("MSCDM_MAX_SAVES_PER_MINUTE", "1")
    at = open_app(SOF)
    judge(at, "Cai2016")
    first = at.query_params["ds"]
    judge(at, "Chen2016", reason="Nobody was blinded to the arm in this trial.")
    assert any("Not saved: At most 1 saves a minute" in e.value.replace("\\", "") for e in at.error)
    assert at.query_params["ds"] == first
    assert at.text_input(key="rob_reason").value == "Nobody was blinded to the arm in this trial."
    rows = rob_rows(at)
    assert rows["Cai 2016"]["Judgement (overall)"] == "High"
    assert rows["Chen 2016"]["Judgement (overall)"] == "Not assessed"
    assert "Chen2016" not in open_store(state_dir=state_dir).get(first).tables["judgements"]
