"""Tests for core.evidence.provenance: normalising extraction artefacts and finding printed numbers.

The snippets below are verbatim quotes already stored in data/outcomes.csv and data/events.csv
(source pages named in each test), so every artefact tested is one that occurs in our data.
"""
from decimal import Decimal

import pytest

from core.evidence.provenance import count_in_snippet, normalise_snippet, number_in_snippet, numbers_in_snippet

# Cai et al. 2016 Diabetes Care abstract, scite copy (https://staging.scite.ai/authors/xiumin-xu-OVyrx4):
# the PDF font maps "±" to "6".
CAI = ("HbA 1c decreased 12.6% (8.6 6 0.81% [70.0 6 7.1 mmol/mol] to 7.5 6 1.0% [58.0 6 8.6 mmol/mol], "
       "P < 0.01) in the treated group")
CAI_CONTROL = ("whereas it increased 1.2% in the control group (8.7 6 0.9% [72.0 6 7.5 mmol/mol] to "
               "8.8 6 0.9% [73 6 7.5 mmol/mol], P < 0.01 vs. SCT)")
# Jiang et al. 2011, scribd copy of the PDF: "±" dropped altogether.
JIANG = "A daily mean dose of insulin used in 10 patients was decreased from 63.7 18.7 to 34.7 13.4 IU (P < 0.01)"


def test_six_for_plus_minus_is_restored():
    out = normalise_snippet(CAI)
    assert "8.6 ± 0.81%" in out
    assert "[70.0 ± 7.1 mmol/mol]" in out
    assert "7.5 ± 1.0%" in out


def test_six_artefact_next_to_an_integer_is_restored():
    # "[73 6 7.5 mmol/mol]": integer mean, decimal SD
    assert "[73 ± 7.5 mmol/mol]" in normalise_snippet(CAI_CONTROL)


def test_six_artefact_is_not_a_number():
    # Without the rule, the stray "6" would let a value of 6 "appear" in the Cai snippet.
    assert not number_in_snippet(6, CAI)
    assert not number_in_snippet("6", CAI_CONTROL)


def test_integer_lists_keep_a_real_six():
    assert normalise_snippet("at months 1 6 12") == "at months 1 6 12"
    assert number_in_snippet(6, "followed at months 1 6 12")


def test_real_values_around_the_artefact_are_found():
    for v in ("8.6", "0.81", "7.5", "1.0", 70.0, 7.1, "58.0"):
        assert number_in_snippet(v, CAI), v
    for v in ("8.7", "0.9", "8.8", "73", "7.5"):
        assert number_in_snippet(v, CAI_CONTROL), v


def test_dropped_plus_minus_leaves_both_numbers():
    for v in ("63.7", "18.7", "34.7", "13.4", "10"):
        assert number_in_snippet(v, JIANG), v


def test_written_plus_minus():
    # newswise copy of the Dantas 12-month abstract
    s = "Group 1 had lower insulin requirement at T3(0.24+/-0.18vs0.53+/-0.23UI/kg,p=0.04)"
    assert "0.24±0.18" in normalise_snippet(s)
    assert number_in_snippet("0.18", s)  # not read as -0.18
    assert number_in_snippet("0.53", s)
    assert not number_in_snippet("-0.18", s)


def test_hba1c_spellings_normalised_and_not_a_number():
    # Chen 2016 Chinese abstract page prints "HbAlc" (letter l)
    assert normalise_snippet("和HbAlc (6.82±0.53)%") == "和HbA1c (6.82±0.53)%"
    assert not number_in_snippet(1, "HbA1c was lower")
    assert not number_in_snippet(1, "T1DM and CD4 cells")


def test_unicode_minus_and_range_dashes():
    s = "MD = \u22121.51, 95% CI \u22122.42 to \u22120.60"
    assert number_in_snippet("-1.51", s)
    assert number_in_snippet(-2.42, s)
    assert not number_in_snippet("1.51", s)  # the sign is part of the printed number
    # Bhansali 2014 abstract: U+2010 hyphen as a range dash; en dash too
    r = "from 42.0 (31.0\u201064.0) IU per day; 6.9% (6.4\u20137.2%)"
    assert number_in_snippet("64.0", r) and number_in_snippet("7.2", r)
    assert not number_in_snippet("-64.0", r)


def test_thin_and_no_break_spaces_and_full_width():
    assert number_in_snippet("0.81", "8.6\u2009±\u20090.81\u00a0%")
    assert number_in_snippet("6.64", "FPG\uff086.64\u00b10.79\uff09mmol/L")
    assert normalise_snippet("\uff11\uff12") == "12"


def test_trailing_zeros_match_but_other_digits_do_not():
    # World J Diabetes prints four decimals: "9.3400 (8.3575, 11.7725)"
    s = "baseline: 9.3400 (8.3575, 11.7725)"
    assert number_in_snippet("9.34", s)
    assert number_in_snippet(8.3575, s)
    assert not number_in_snippet("9.3", s)
    assert not number_in_snippet("9.341", s)


def test_decimal_glued_to_a_unit_is_a_token():
    # flattened table cell on wjgnet: "FPG in mmol/L8.95 (8.13, 10.14)"
    assert numbers_in_snippet("FPG in mmol/L8.95 (8.13, 10.14)") == [Decimal("8.95"), Decimal("8.13"),
                                                                       Decimal("10.14")]


def test_counts_accept_number_words():
    assert count_in_snippet(6, "Six of 10 (60%) patients in both the ABM-MSC and ABM-MNC groups")
    assert count_in_snippet(3, "Three of the six patients became insulin free")
    assert count_in_snippet(0, "but none in the control group, achieved the primary endpoint")
    assert not count_in_snippet(7, "Six of 10 (60%)")
    with pytest.raises(ValueError, match="whole number"):
        count_in_snippet("2.5", "2.5")


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="must be a number"):
        number_in_snippet("n/a", "1")
    with pytest.raises(ValueError, match="finite"):
        number_in_snippet("nan", "1")
    with pytest.raises(TypeError, match="snippet"):
        number_in_snippet("1", None)
    with pytest.raises(TypeError, match="bool"):
        number_in_snippet(True, "1")
    with pytest.raises(TypeError, match="text"):
        normalise_snippet(3)
