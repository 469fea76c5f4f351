"""The issue's crash, through the app (issue 23, item 8): two studies with identical effects in one subgroup
and Hartung-Knapp on.  Every analysis page opens without an exception; the Forest plot shows the collapsed
HKSJ interval with the notice saying what it shows, and the test for subgroup differences as not computable.
"""
from __future__ import annotations

from tests.app.test_edge_cases import chart, figure_text, on_every_page, open_app
from tests.factories import make_dataset, study, two_arm_study


def identical_in_one_subgroup():
    """Two T1DM RCTs with the same arms (MD -1 each, different n) and two T2DM RCTs that differ."""
    studies = [study("Alpha2010", "T1DM"), study("Beta2011", "T1DM"), study("Gamma2012"), study("Delta2013")]
    rows = two_arm_study("Alpha2010", "hba1c", 7.5, 1.0, 8.5, 1.0, n=20)
    rows += two_arm_study("Beta2011", "hba1c", 7.5, 1.0, 8.5, 1.0, n=40)
    rows += two_arm_study("Gamma2012", "hba1c", 7.0, 1.0, 8.5, 1.0, n=25)
    rows += two_arm_study("Delta2013", "hba1c", 8.0, 1.0, 8.5, 1.0, n=30)
    return make_dataset(studies, rows, name="identical effects in T1DM")


def test_identical_effects_with_hksj_open_every_page():
    at = open_app(identical_in_one_subgroup(), comparison="vs_control", model="random", hksj=True)
    assert any("HKSJ variance factor is 0" in c.value for c in at.caption), [c.value for c in at.caption]
    assert "Test for subgroup differences: not computable" in figure_text(chart(at))
    assert "Test for overall effect (HKSJ): t = ∞, df = 1" in figure_text(chart(at))     # the T1DM subtotal
    on_every_page(at)
