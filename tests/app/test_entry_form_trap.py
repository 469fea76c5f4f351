"""Issue 23, item 2: the entry form cannot trap.  Switching the dispersion type clears the values
typed for the old type, visibly; a field check accepts exactly what the save accepts; the refusal's
count is the number of sentences shown.  Numbers are synthetic test fixtures."""
from __future__ import annotations

from tests.app.test_workbench import SYNTHETIC, open_page, pick, red, save, texts, type_in


def test_switching_from_a_95ci_back_to_sd_clears_both_bounds_and_says_so(state_dir):
    at = open_page()
    pick(at)
    type_in(at, {k: v for k, v in SYNTHETIC.items() if k != "wb_0_disp1"})
    at.selectbox(key="wb_0_dtype").select("ci95").run()
    type_in(at, {"wb_0_disp1": "6.0", "wb_0_disp2": "7.8"})
    assert red(at) == []
    at.selectbox(key="wb_0_dtype").select("sd").run()
    assert not at.exception
    assert at.text_input(key="wb_0_disp1").value == "" and at.text_input(key="wb_0_disp2").value == ""
    assert at.text_input(key="wb_0_disp2").disabled           # empty, so disabled: nothing held in it
    cleared = [i.value for i in at.info if i.value.startswith("Dispersion changed")]
    assert cleared and "from 95% CI to SD" in cleared[0] and "(6.0, 7.8)" in cleared[0].replace("\\", "")
    assert "The SD is required." in " ".join(red(at)).replace("\\", "")    # the old lower bound is not the SD
    type_in(at, {"wb_0_disp1": "0.8"})
    save(at)
    assert "ds" in at.query_params and not at.error


def test_a_median_type_clears_the_mean_too(state_dir):
    at = open_page()
    pick(at)
    type_in(at, {"wb_0_mean": "6.9", "wb_0_disp1": "0.8"})
    at.selectbox(key="wb_0_dtype").select("median_iqr").run()
    assert [at.text_input(key=f"wb_0_{f}").value for f in ("mean", "disp1", "disp2")] == ["", "", ""]
    assert at.text_input(key="wb_0_mean").label == "Median"


def test_numbers_the_save_would_refuse_are_refused_under_their_field(state_dir):
    at = open_page()
    pick(at)
    type_in(at, {**SYNTHETIC, "wb_0_mean": "1_000", "wb_1_mean": "٧٫٤"})
    shown = " ".join(red(at)).replace("\\", "")
    assert "The mean must be a number (digits 0-9 with a point for decimals, e.g. 7.5); got '1_000'" in shown
    assert "got '٧٫٤'" in shown
    save(at)
    assert "ds" not in at.query_params
    assert not any("outcomes row" in t for t in texts(at))


def test_the_refusal_counts_the_sentences_it_shows(state_dir):
    at = open_page()
    pick(at)
    type_in(at, {"wb_0_mean": "6.9", "wb_0_disp1": "-1", "wb_1_mean": "7.4", "wb_1_disp1": "0.9"})
    save(at)
    refusal = next(e.value.replace("\\", "") for e in at.error if e.value.startswith("Not saved"))
    # both arms lack the source and the locator: each is named once, under its field
    assert red(at).count(":red[The source is required: a URL, DOI or citation.]") == 1
    assert refusal.startswith(f"Not saved: {len(red(at))} problem(s), named under their fields")
