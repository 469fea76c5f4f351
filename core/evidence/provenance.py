"""Provenance checks: does a number in ``data/*.csv`` appear, as printed, in its source snippet?

Every extracted number carries a short verbatim ``snippet`` copied from its source page.  The
pages we could reach are often text extracted from PDFs, which damages a few glyphs.  This module
normalises those artefacts (and only those) so that a check such as "8.6 appears in the snippet"
is neither fooled by the damage nor made lenient by it.

Artefacts handled, each seen in a stored source of this project (see ``data/search_log.md``):

* ``"±"`` printed as ``"6"``.  The scite copy of the Cai et al. 2016 *Diabetes Care* abstract prints
  ``"8.6 6 0.81%"`` for ``"8.6 ± 0.81%"``: the PDF font maps the plus-minus glyph to the code
  point of ``"6"``.  Left alone, that stray ``6`` would let a value of 6 "appear" in the snippet.
* ``"±"`` dropped altogether.  The scribd copy of Jiang et al. 2011 prints
  ``"from 63.7 18.7 to 34.7 13.4 IU"``.  Nothing to normalise (both numbers are still tokens); the
  tests pin that this keeps working.
* ``"+/-"`` written out (newswise copy of the Dantas 12-month abstract: ``"0.24+/-0.18vs0.53"``).
* ``"HbAlc"`` (letter l for digit 1), as on the Chinese abstract page of Chen 2016; and the digit in
  ``"HbA1c"`` must never count as the number 1.
* Unicode minus ``"−"`` (U+2212), hyphen ``"‐"`` (U+2010), non-breaking hyphen, en dash used for
  ranges (``"31.0‐64.0"``, ``"6.6–7.5%"``); thin / narrow / no-break spaces (U+2009, U+202F, U+00A0);
  full-width digits and brackets (Chinese pages: ``"(6.64±0.79)"``).  Unicode NFKC folds the
  compatibility characters; dashes and minus signs are mapped explicitly.

A number "appears" when a numeric token of the normalised snippet is equal to it as a decimal:
``"8.00"`` prints the value ``8.0``, and ``"9.3400"`` prints ``9.34`` (World J Diabetes tables pad
to four places), but ``8.05`` never matches ``8.0``.  Signs matter: ``-0.5`` needs a minus sign in
front of ``0.5``, and a positive value does not match a token that carries a minus sign, except
when the dash sits between two numbers and is therefore a range dash (``"6.6-7.5"``).

References
----------
Unicode Standard Annex #15, "Unicode Normalization Forms", form NFKC (compatibility decomposition
followed by canonical composition).  The PDF glyph-mapping artefact is described in the PDF 1.7
reference (ISO 32000-1:2008), section 9.10 "Extraction of Text Content": text can only be
extracted correctly when a font supplies a ToUnicode map, otherwise glyph codes are reported as
whatever character shares the code.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = ["normalise_snippet", "numbers_in_snippet", "number_in_snippet", "count_in_snippet"]

# Characters that stand for a minus sign or a dash once NFKC has run.
_DASHES = {
    "\u2212": "-",  # MINUS SIGN
    "\u2010": "-",  # HYPHEN
    "\u2011": "-",  # NON-BREAKING HYPHEN
    "\u2012": "-",  # FIGURE DASH
    "\u2013": "-",  # EN DASH (ranges)
    "\u2014": "-",  # EM DASH
    "\ufe63": "-",  # SMALL HYPHEN-MINUS
}
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000]")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\ufeff]")

# "8.6 6 0.81%" / "[73 6 7.5 mmol/mol]": a lone "6" between two numbers, single spaces, where at
# least one of the two numbers is a decimal.  Requiring a decimal keeps integer lists such as
# "1 6 12" intact, while every artefact seen (mean 6 SD) has a decimal mean or a decimal SD.
_PM_AS_SIX = re.compile(r"(?<![\d.])(\d+(\.\d+)?%?) 6 (?=(\d+(\.\d+)?))")


def _pm_as_six(m: re.Match) -> str:
    if m.group(2) or m.group(4):
        return m.group(1) + " ± "
    return m.group(0)


_PLUS_MINUS_WORDS = re.compile(r"\+\s*/\s*-|\+\s*-(?=\s*\d)")
_HBA1C_L = re.compile(r"HbA\s?l\s?c", re.IGNORECASE)
_HBA1C = re.compile(r"HbA\s?1\s?c", re.IGNORECASE)

# A signed decimal number.  Group "sign" is a minus directly before the digits.
_NUMBER = re.compile(r"(?P<sign>-)?(?P<num>\d+(?:\.\d+)?)")

_WORDS = {
    "zero": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "twenty-one": 21, "twenty-two": 22,
}


def normalise_snippet(text: str) -> str:
    """Undo the PDF/HTML extraction artefacts listed in the module docstring.

    Parameters
    ----------
    text : str
        A verbatim snippet.

    Returns
    -------
    str
        The snippet with compatibility characters folded (NFKC), every dash/minus as ``"-"``,
        odd spaces as ``" "``, ``"+/-"`` and the ``"6"``-for-``"±"`` artefact as ``"±"``, and
        ``"HbAlc"`` / ``"HbA 1c"`` as ``"HbA1c"``.

    Notes
    -----
    The ``"6"``-for-``"±"`` rule only fires for ``"<decimal> 6 <number>"`` (single spaces), the form
    the artefact takes in the Cai 2016 abstract copy.  A genuine value 6 printed between two
    numbers in that exact form would be rewritten too; the tests pin the cases that must survive
    (integer lists, "6 of 10", "6.6-7.5").
    """
    if not isinstance(text, str):
        raise TypeError(f"`text` must be a str; got {type(text).__name__}")
    s = unicodedata.normalize("NFKC", text)
    s = _ZERO_WIDTH.sub("", s)
    s = _SPACES.sub(" ", s)
    for k, v in _DASHES.items():
        s = s.replace(k, v)
    s = _PLUS_MINUS_WORDS.sub("±", s)
    s = _PM_AS_SIX.sub(_pm_as_six, s)
    s = _HBA1C_L.sub("HbA1c", s)
    s = _HBA1C.sub("HbA1c", s)
    return s


def _to_decimal(value) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("`value` must be a number or a numeric string; got bool")
    if isinstance(value, Decimal):
        value = str(value)
    if isinstance(value, (int, float)):
        value = repr(value) if isinstance(value, float) else str(value)
    if not isinstance(value, str):
        raise TypeError(f"`value` must be a number or a numeric string; got {type(value).__name__}")
    v = normalise_snippet(value.strip())
    try:
        d = Decimal(v)
    except InvalidOperation:
        raise ValueError(f"`value` must be a number; got {value!r}") from None
    if not d.is_finite():
        raise ValueError(f"`value` must be finite; got {value!r}")
    return d


def numbers_in_snippet(snippet: str) -> list[Decimal]:
    """All numeric tokens of the normalised snippet, signed where a minus sign is a sign.

    A dash counts as a minus sign unless it joins two numbers (a range such as ``"6.6-7.5"``).
    The digit of ``"HbA1c"`` and integers glued to a preceding letter (``"T1DM"``, ``"CD4"``) are
    not tokens; a *decimal* glued to a letter is (flattened tables print ``"mmol/L8.95"``).  Returns decimals in order of appearance.
    """
    s = normalise_snippet(snippet)
    s = _HBA1C.sub("HbAxc", s)
    out: list[Decimal] = []
    for m in _NUMBER.finditer(s):
        start, end = m.start("num"), m.end("num")
        before = s[start - 1] if start > 0 else ""
        after = s[end] if end < len(s) else ""
        if before.isalpha() and (after.isalpha() or "." not in m.group("num")):
            continue  # "T1DM", "A1c", "CD4": an integer glued to a name is part of the name

        if before == "." or (before.isdigit()):
            continue
        d = Decimal(m.group("num"))
        if m.group("sign"):
            dash = m.start("sign")
            left = s[:dash].rstrip()
            # a dash right after a number (or after "to") is a range dash, not a sign
            is_range = bool(left) and (left[-1].isdigit() or left[-1] == "%")
            if not is_range:
                d = -d
        out.append(d)
    return out


def number_in_snippet(value: str | float, snippet: str) -> bool:
    """True if ``value`` appears in ``snippet`` as a printed number (after normalisation).

    Parameters
    ----------
    value : str or float
        The number as stored in the CSV (``"8.6"``, ``"-1.36"``, ``0.81``).
    snippet : str
        The verbatim quote from the source.

    Returns
    -------
    bool
        Whether a numeric token of the snippet equals ``value`` as a decimal (``"8.00"`` matches
        ``8.0``; ``"8.05"`` does not).

    Raises
    ------
    TypeError, ValueError
        ``value`` is not a finite number or numeric string; ``snippet`` is not a string.
    """
    target = _to_decimal(value)
    if not isinstance(snippet, str):
        raise TypeError(f"`snippet` must be a str; got {type(snippet).__name__}")
    return any(tok == target for tok in numbers_in_snippet(snippet))


def count_in_snippet(count: str | int, snippet: str) -> bool:
    """Like :func:`number_in_snippet` for a whole-number count, also accepting number words.

    Reports write small counts as words ("Six of 10", "Three of the six patients"); ``"none"``
    stands for 0.  Words are matched whole and case-insensitively.
    """
    target = _to_decimal(count)
    if target != target.to_integral_value():
        raise ValueError(f"`count` must be a whole number; got {count!r}")
    if number_in_snippet(target, snippet):
        return True
    words = re.findall(r"[a-z]+(?:-[a-z]+)?", normalise_snippet(snippet).lower())
    return any(_WORDS.get(w) == int(target) for w in words)
