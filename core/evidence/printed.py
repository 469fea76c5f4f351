"""A table of pooled results *as a paper prints them*: its columns, and the parsers of its cells.

Printed numbers keep their precision: ``"-0.60"`` stands for any true value in
``[-0.605, -0.595]``, ``"<0.00001"`` for any P in ``[0, 0.00001]``.  The audit
(:mod:`core.workflow.audit`), the reproduction check (:mod:`core.workflow.reproduce`) and the reported-results
upload (:mod:`core.evidence.reported_csv`) read cells through these parsers, so a number means
the same everywhere.  They live with the evidence because they read what a source printed;
nothing here is statistics.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from core import vocab

REQUIRED_COLUMNS = ("estimate", "ci_low", "ci_high", "pvalue")
OPTIONAL_COLUMNS = ("z", "i2", "q_pvalue", "model", "claim", "measure")
NUMERIC_COLUMNS = ("estimate", "ci_low", "ci_high", "z", "i2")
TEMPLATE_COLUMNS = ("result_id", "locator", "outcome", "measure", "model", "estimate", "ci_low",
                    "ci_high", "z", "pvalue", "i2", "q_pvalue", "claim")
RATIO_MEASURES = ("OR", "RR", "HR", "ROM", "IRR")
DIFFERENCE_MEASURES = (*vocab.MEASURES, "WMD", "RD")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-"})


@dataclass(frozen=True, slots=True)
class Printed:
    """A printed number and the interval of true values it can stand for.

    ``low <= value <= high``; for an ``=`` number with ``d`` decimals the half-width is
    ``0.5 * 10**-d``; for ``"<x"`` the interval is ``[0, x]`` (P values) and for ``">x"`` it is
    ``[x, upper_limit]``.
    """

    text: str
    value: float
    low: float
    high: float
    relation: str = "="

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2 if self.relation == "=" else math.nan


def _blank(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _clean(text) -> str:
    return str(text).strip().translate(_MINUS)


def _decimal_half_width(number_text: str) -> float:
    exp = Decimal(number_text).as_tuple().exponent
    return 0.5 * 10.0 ** int(exp)


def row_label(table: pd.DataFrame, i: int) -> str:
    """'row 3 (fig3_hba1c_t1)': how messages name row ``i`` (0-based) of a reported-results table."""
    rid = table["result_id"].iloc[i] if "result_id" in table.columns else None
    return f"row {i + 1}" + (f" ({rid})" if isinstance(rid, str) and rid else "")


def parse_number(value, *, what: str = "value") -> Printed | None:
    """Parse a printed number (str or number) into a :class:`Printed`; blank gives ``None``.

    Strings keep their printed decimals (``"-0.60"`` -> half-width 0.005). Floats use their
    shortest repr (``-0.6`` -> half-width 0.05), which is wider and so still safe.
    Raises ``ValueError`` naming ``what`` if the text is not a number.
    """
    if _blank(value):
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        text = str(int(value))
    elif isinstance(value, (float, np.floating)):
        text = repr(float(value))
    else:
        text = _clean(value)
        if text == "" or text.lower() in ("nan", "na", "n/a", "none", "-"):
            return None
    try:
        num = float(text)
    except ValueError:
        raise ValueError(f"{what} must be a number; got {value!r}") from None
    if not math.isfinite(num):     # also "1e400", which overflows to inf
        raise ValueError(f"{what} must be a finite number; got {value!r}")
    try:
        hw = _decimal_half_width(text)
    except (InvalidOperation, OverflowError):
        raise ValueError(f"{what} must be a number printed with a sensible precision; got {value!r}") from None
    return Printed(str(value), num, num - hw, num + hw)


_P_RE = re.compile(
    r"^\s*(?:p\s*)?(?P<op><=|>=|=|<|>|\u2264|\u2265)?\s*"
    r"(?P<num>\d*\.?\d+(?:e-?\d+)?)"
    r"(?:\s*[x\u00d7\*]\s*10\s*\^?\s*(?P<exp>-?\d+))?\s*$",
    re.IGNORECASE,
)


def parse_pvalue(value, *, what: str = "pvalue") -> Printed | None:
    """Parse a printed P value such as ``"0.003"``, ``"<0.00001"``, ``"P = 0.02"``, ``"≤0.001"``
    or ``"1.2×10-5"`` into the interval of true P values it stands for; blank gives ``None``.

    Raises ``ValueError`` naming ``what`` when the text is not a P value or lies outside [0, 1].
    """
    if _blank(value):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        text = repr(float(value)) if isinstance(value, (float, np.floating)) else str(int(value))
    else:
        text = _clean(value)
        if text == "":
            return None
    m = _P_RE.match(text)
    if not m:
        raise ValueError(
            f"{what} must be a printed P value such as '0.003', '<0.00001' or 'P = 0.02'; "
            f"got {value!r}")
    op = {"\u2264": "<=", "\u2265": ">=", None: "="}.get(m["op"], m["op"])
    num_text = m["num"]
    num = float(num_text)
    hw = _decimal_half_width(num_text)
    if m["exp"] is not None:
        scale = 10.0 ** int(m["exp"])
        num, hw = num * scale, hw * scale
    if not 0.0 <= num <= 1.0:
        raise ValueError(f"{what} must lie between 0 and 1; got {value!r}")
    if op == "=":
        return Printed(str(value), num, max(0.0, num - hw), min(1.0, num + hw), "=")
    if op in ("<", "<="):
        return Printed(str(value), num, 0.0, num, "<")
    return Printed(str(value), num, num, 1.0, ">")


# --- claims and models ---------------------------------------------------------------------------
_NEG_CLAIM = (
    re.compile(r"\b(?:no|not|nor|non|without|neither)\b[\w\s,-]{0,40}?\bsignifican", re.I),
    re.compile(r"\bnon-?significan|\binsignifican", re.I),
    re.compile(r"\bsignifican\w*(?:\s+\w+){0,3}\s+(?:was|were|is|are)\s+not\b", re.I),
    re.compile(r"\bfailed to reach (?:statistical )?significance", re.I),
)
_POS_CLAIM = re.compile(r"\bsignifican", re.I)
CLAIM_SIGNIFICANT = "significant"
CLAIM_NOT_SIGNIFICANT = "not significant"


def parse_claim(text) -> str | None:
    """Classify a sentence as claiming ``"significant"``, ``"not significant"``, or nothing.

    "not significant", "no significant", "not statistically significant", "nor was a
    significant", "significant changes were not found", "non-significant" claim
    non-significance; any other "significant(ly)" claims significance; otherwise ``None``.
    """
    if _blank(text):
        return None
    s = str(text)
    if any(p.search(s) for p in _NEG_CLAIM):
        return CLAIM_NOT_SIGNIFICANT
    if _POS_CLAIM.search(s):
        return CLAIM_SIGNIFICANT
    return None


MODEL_FIXED = vocab.Model.FIXED.value
MODEL_RANDOM = vocab.Model.RANDOM.value
# Printed model names, lower case.  Every estimator code of the registry names its family (a
# paper printing "SJ" or "HS" used random effects; "FE" or metafor's "EE" fixed effect).
MODEL_WORDS = {
    MODEL_RANDOM: MODEL_RANDOM, "random-effects": MODEL_RANDOM, "random effects": MODEL_RANDOM, "re": MODEL_RANDOM,
    "iv, random": MODEL_RANDOM,
    **{code.lower(): MODEL_RANDOM for code in vocab.RANDOM_ESTIMATORS + vocab.REPORTED_ONLY_ESTIMATORS},
    MODEL_FIXED: MODEL_FIXED, "fixed-effect": MODEL_FIXED, "fixed effect": MODEL_FIXED, "fixed-effects": MODEL_FIXED,
    "fixed effects": MODEL_FIXED, "iv, fixed": MODEL_FIXED, "common": MODEL_FIXED, "common effect": MODEL_FIXED,
    **{code.lower(): MODEL_FIXED for code in (vocab.Tau2.FE, *vocab.ESTIMATOR_ALIASES)},
}


def parse_model(text) -> str | None:
    """Map a printed model name or estimator code to ``"random"`` / ``"fixed"``; blank or unknown
    gives ``None``."""
    if _blank(text):
        return None
    return MODEL_WORDS.get(str(text).strip().lower())


# --- one printed result ---------------------------------------------------------------------------
def _get(table, col, i):
    return table[col].iloc[i] if col in table.columns else None


@dataclass(frozen=True, slots=True)
class PrintedResult:
    """One reported result as printed, parsed: estimate and CI bounds, P, Z, I², P(Q) (each a
    :class:`Printed`), the model family and its printed text, the claim, whether the measure is a
    ratio (analysed on the log scale) and the measure as printed (upper case, or '')."""

    est: Printed
    lo: Printed
    hi: Printed
    p: Printed | None
    z: Printed | None
    i2: Printed | None
    q_p: Printed | None
    model: str | None
    model_text: str | None
    claim: str | None
    log: bool
    measure: str


def parse_result_row(table: pd.DataFrame, i: int) -> PrintedResult:
    """Parse row ``i`` (0-based) of a reported-results table; ``ValueError`` names the cell that fails."""
    label = row_label(table, i)
    vals = {}
    for col in ("estimate", "ci_low", "ci_high"):
        v = parse_number(table[col].iloc[i], what=f"`{col}` in {label}")
        if v is None:
            raise ValueError(f"`{col}` in {label} is blank; every reported result needs an "
                             "estimate and both CI bounds")
        vals[col] = v
    p = parse_pvalue(table["pvalue"].iloc[i], what=f"`pvalue` in {label}")
    z = parse_number(_get(table, "z", i), what=f"`z` in {label}")
    if z is not None and z.value < 0:   # some papers print a signed Z; the test uses |Z|
        z = Printed(z.text, -z.value, -z.high, -z.low)
    i2 = parse_number(_get(table, "i2", i), what=f"`i2` in {label}")
    if i2 is not None and not 0 <= i2.value <= 100:
        raise ValueError(f"`i2` in {label} must be a percentage between 0 and 100; got {i2.text!r}")
    q_p = parse_pvalue(_get(table, "q_pvalue", i), what=f"`q_pvalue` in {label}")
    model_raw = _get(table, "model", i)
    model = parse_model(model_raw)
    model_text = None if model_raw is None or pd.isna(model_raw) else str(model_raw).strip()
    if model_text and model is None:
        raise ValueError(f"`model` in {label} must be 'fixed' or 'random' (or FE/RE/DL/REML); "
                         f"got {model_raw!r}")
    measure_raw = _get(table, "measure", i)
    measure = "" if measure_raw is None or pd.isna(measure_raw) else str(measure_raw).strip().upper()
    if measure and measure not in RATIO_MEASURES + DIFFERENCE_MEASURES:
        raise ValueError(f"`measure` in {label} must be one of "
                         f"{', '.join(DIFFERENCE_MEASURES + RATIO_MEASURES)} or blank; got {measure_raw!r}")
    claim = parse_claim(_get(table, "claim", i))
    return PrintedResult(vals["estimate"], vals["ci_low"], vals["ci_high"], p, z, i2, q_p, model,
                         model_text, claim, measure in RATIO_MEASURES, measure)


# A printed reference list (the paper's 'refs' column) -> reference numbers.
_REF_RE = re.compile(r"\d+")


def parse_refs(text) -> tuple[int, ...]:
    """Reference numbers from a printed list such as "18, 23-25" -> (18, 23, 24, 25)."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return ()
    out: list[int] = []
    for part in re.split(r"[,;]", str(text).replace("\u2013", "-").replace("\u2212", "-")):
        nums = [int(n) for n in _REF_RE.findall(part)]
        if len(nums) == 2 and "-" in part:
            out.extend(range(nums[0], nums[1] + 1))
        else:
            out.extend(nums)
    return tuple(dict.fromkeys(out))
