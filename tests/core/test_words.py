"""core.words: RevMan 5's printed formats, checked against how the paper prints them."""
from __future__ import annotations

import pytest

from core.words import favours_labels, fmt_ci, fmt_num, fmt_p


@pytest.mark.parametrize("p, printed", [
    (0.1712, "P = 0.17"),        # Fig. 2 text: "P = 0.17"
    (0.00127, "P = 0.001"),      # abstract: "P = 0.001"
    (0.00621, "P = 0.006"),      # Fig. 5 text: "P = 0.006"
    (0.00019, "P = 0.0002"),     # Fig. 6 text: "P = 0.0002"
    (0.000001, "P < 0.00001"),   # Fig. 6 text: "P < 0.00001"
    (0.0402, "P = 0.04"),        # Fig. 7 text: "P = 0.04"
])
def test_fmt_p_matches_revman_style(p, printed):
    assert fmt_p(p) == printed


def test_numbers_use_true_minus_and_two_decimals():
    assert fmt_num(-0.004) == "0.00"           # no "-0.00"
    assert fmt_ci(-0.66, -1.61, 0.29) == "\u22120.66 [\u22121.61, 0.29]"


def test_favours_sides():
    assert favours_labels(True, "vs_control") == ("Favours MSC", "Favours control")
    assert favours_labels(False, "vs_control") == ("Favours control", "Favours MSC")   # C-peptide: higher is better
    assert favours_labels(True, "pre_post")[0] == "Favours after MSC"


def test_heterogeneity_words_for_one_study_and_two_identical_studies():
    """Issue 15: the forest plot's lines for k = 1 and for two identical studies (no 100 % I²)."""
    from core.pooling import meta_analysis
    from core.words import heterogeneity_line, prediction_interval_line

    one = meta_analysis([12.345678], [97.1], method="DL")       # Q's rounding residue was 3.2e-32 here
    assert heterogeneity_line(one) == "Heterogeneity: not applicable (k = 1)"
    assert prediction_interval_line(one) == "95% prediction interval [−6.97, 31.66] (norm)"
    two = meta_analysis([12.345678] * 2, [97.1, 12.0], method="DL")
    assert heterogeneity_line(two) == "Heterogeneity: Tau² = 0.00; Chi² = 0.00, df = 1 (P = 1.00); I² = 0%"
