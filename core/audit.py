"""Internal-consistency audit of reported pooled results (no study data needed).

``audit_reported(table)`` takes a table of results *as printed* in a paper (estimate, 95 % CI,
P, and optionally Z, I², P(Q), model, a significance claim) and flags what does not add up:

========================  ===================================================================
flag                      meaning
========================  ===================================================================
``ci_reversed``           the printed lower bound exceeds the printed upper bound
``estimate_outside_ci``   the estimate lies outside its own CI, even allowing for rounding
``ci_asymmetric``         the CI is not symmetric about the estimate (on the analysis scale)
``z_mismatch``            printed Z disagrees with Z back-computed from the estimate and CI
``p_mismatch``            printed P disagrees with P back-computed from the estimate and CI
``z_p_mismatch``          printed Z and printed P disagree with each other
``model_rule``            fixed/random model contradicts the stated rule (I² and P(Q))
``claim_vs_p``            the text's "significant / not significant" contradicts P
``claim_vs_ci``           the text's "significant / not significant" contradicts the CI
``ratio_ci_nonpositive``  a ratio measure has a CI bound <= 0, so it has no log scale
========================  ===================================================================

Every check allows for printed rounding: each printed number ``x`` with ``d`` decimals stands for
any true value in ``[x - 0.5*10**-d, x + 0.5*10**-d]``, and derived quantities are bounded by
interval arithmetic over those half-widths, so a correctly rounded result is never flagged.
This is why numbers should be given *as printed* (strings keep trailing zeros: ``"-0.60"`` has 2
decimals, the float ``-0.6`` only 1, which gives a wider, still safe, tolerance).

References
----------
.. [1] Altman DG, Bland JM. How to obtain the P value from a confidence interval. BMJ
   2011;343:d2304. (SE = (upper - lower)/(2 x 1.96); z = Est/SE; P = exp(-0.717 z - 0.416 z^2);
   here the exact normal tail ``P = 2 (1 - Phi(z))`` is used instead of their approximation.
   For ratios, work on the log scale.)
.. [2] Higgins JPT, Li T, Deeks JJ (eds). Chapter 6: Choosing effect measures and computing
   estimates of effect. Cochrane Handbook for Systematic Reviews of Interventions v6.4, 2023,
   section 6.5.2.2 (obtaining SE from a 95 % CI: SE = (upper - lower)/3.92; ratio measures on
   the log scale, section 6.3.2).
.. [3] Li Y, Wang F, Liang H, et al. Efficacy of mesenchymal stem cell transplantation therapy
   for type 1 and type 2 diabetes mellitus: a meta-analysis. Stem Cell Res Ther 2021;12:273,
   Methods, 'Statistical analysis' (random effects "When the effects were observed to be
   heterogeneous (I2 >50% and P < 0.10)"; "P < 0.05 was considered statistically significant").
"""
from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
from scipy import stats

#: Two-sided 95 % normal critical values: exact (1.959964) and the rounded 1.96 that some
#: software (and Altman & Bland [1]) use; both are admitted by the interval arithmetic.
Z_CRIT = (float(stats.norm.ppf(0.975)), 1.96)

REQUIRED_COLUMNS = ("estimate", "ci_low", "ci_high", "pvalue")
OPTIONAL_COLUMNS = ("z", "i2", "q_pvalue", "model", "claim", "measure")
NUMERIC_COLUMNS = ("estimate", "ci_low", "ci_high", "z", "i2")
RATIO_MEASURES = ("OR", "RR", "HR", "ROM", "IRR")
DIFFERENCE_MEASURES = ("MD", "SMD", "WMD", "RD")
FLAGS = (
    "ci_reversed", "estimate_outside_ci", "ci_asymmetric", "z_mismatch", "p_mismatch",
    "z_p_mismatch", "model_rule", "claim_vs_p", "claim_vs_ci", "ratio_ci_nonpositive",
)
_EPS = 1e-9
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-"})


# ---------------------------------------------------------------------------------------------
# Printed numbers
# ---------------------------------------------------------------------------------------------
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


def _clean(text) -> str:
    return str(text).strip().translate(_MINUS)


def _decimal_half_width(number_text: str) -> float:
    exp = Decimal(number_text).as_tuple().exponent
    return 0.5 * 10.0 ** int(exp)


def parse_number(value, *, what: str = "value") -> Printed | None:
    """Parse a printed number (str or number) into a :class:`Printed`; blank gives ``None``.

    Strings keep their printed decimals (``"-0.60"`` -> half-width 0.005). Floats use their
    shortest repr (``-0.6`` -> half-width 0.05), which is wider and so still safe.
    Raises ``ValueError`` naming ``what`` if the text is not a number.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
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
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
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


# ---------------------------------------------------------------------------------------------
# Claims and models
# ---------------------------------------------------------------------------------------------
_NEG_CLAIM = (
    re.compile(r"\b(?:no|not|nor|non|without|neither)\b[\w\s,-]{0,40}?\bsignifican", re.I),
    re.compile(r"\bnon-?significan|\binsignifican", re.I),
    re.compile(r"\bsignifican\w*(?:\s+\w+){0,3}\s+(?:was|were|is|are)\s+not\b", re.I),
    re.compile(r"\bfailed to reach (?:statistical )?significance", re.I),
)
_POS_CLAIM = re.compile(r"\bsignifican", re.I)


def parse_claim(text) -> str | None:
    """Classify a sentence as claiming ``"significant"``, ``"not significant"``, or nothing.

    "not significant", "no significant", "not statistically significant", "nor was a
    significant", "significant changes were not found", "non-significant" claim
    non-significance; any other "significant(ly)" claims significance; otherwise ``None``.
    """
    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return None
    s = str(text)
    if any(p.search(s) for p in _NEG_CLAIM):
        return "not significant"
    if _POS_CLAIM.search(s):
        return "significant"
    return None


_MODEL_WORDS = {
    "random": "random", "random-effects": "random", "random effects": "random", "re": "random",
    "dl": "random", "reml": "random", "iv, random": "random",
    "fixed": "fixed", "fixed-effect": "fixed", "fixed effect": "fixed", "fixed-effects": "fixed",
    "fixed effects": "fixed", "fe": "fixed", "ee": "fixed", "iv, fixed": "fixed",
    "common": "fixed", "common effect": "fixed",
}


def parse_model(text) -> str | None:
    """Map a printed model name to ``"random"`` / ``"fixed"``; blank or unknown gives ``None``."""
    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return None
    return _MODEL_WORDS.get(str(text).strip().lower())


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------
def _validate_table(table) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"`table` must be a pandas DataFrame; got {type(table).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"reported-results table is missing required column(s) {', '.join(missing)}; "
            f"required: {', '.join(REQUIRED_COLUMNS)}; found: {', '.join(map(str, table.columns))}")


def _row_label(table: pd.DataFrame, i: int) -> str:
    rid = table["result_id"].iloc[i] if "result_id" in table.columns else None
    return f"row {i + 1}" + (f" ({rid})" if isinstance(rid, str) and rid else "")


def _get(table, col, i):
    return table[col].iloc[i] if col in table.columns else None


# ---------------------------------------------------------------------------------------------
# Numbers behind the checks
# ---------------------------------------------------------------------------------------------
def _fmt(x: float, nd: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    if x != 0 and abs(x) < 10 ** -nd:
        return f"{x:.1e}"
    return f"{x:.{nd}f}"


def _fmt_p(p: float) -> str:
    if p < 0.0001:
        return f"{p:.1e}"
    return f"{p:.4f}"


def _p_two_sided(z: float) -> float:
    return float(2.0 * stats.norm.sf(abs(z)))


@dataclass(frozen=True, slots=True)
class _Scale:
    est: Printed
    lo: Printed
    hi: Printed
    log: bool

    def tr(self, x: float) -> float:
        return math.log(x) if self.log else x

    # bounds of the transformed values (monotone transform)
    def est_b(self):
        return self.tr(self.est.low), self.tr(self.est.high)

    def lo_b(self):
        return self.tr(self.lo.low), self.tr(self.lo.high)

    def hi_b(self):
        return self.tr(self.hi.low), self.tr(self.hi.high)


def _z_interval(sc: _Scale) -> tuple[float, float, float]:
    """(z_point, z_min, z_max) for |estimate| / SE, SE = width / (2 z_crit), over rounding."""
    e_lo, e_hi = sc.est_b()
    l_lo, l_hi = sc.lo_b()
    h_lo, h_hi = sc.hi_b()
    width = sc.tr(sc.hi.value) - sc.tr(sc.lo.value)
    w_min, w_max = max(h_lo - l_hi, 0.0), h_hi - l_lo
    se_point = width / (2 * Z_CRIT[0])
    z_point = abs(sc.tr(sc.est.value)) / se_point if se_point > 0 else math.inf
    abs_min = 0.0 if e_lo <= 0 <= e_hi else min(abs(e_lo), abs(e_hi))
    abs_max = max(abs(e_lo), abs(e_hi))
    se_min = w_min / (2 * max(Z_CRIT))
    se_max = w_max / (2 * min(Z_CRIT))
    z_min = abs_min / se_max if se_max > 0 else math.inf
    z_max = abs_max / se_min if se_min > 0 else math.inf
    return z_point, z_min, z_max


def _overlaps(a_lo, a_hi, b_lo, b_hi) -> bool:
    return a_lo <= b_hi + _EPS and b_lo <= a_hi + _EPS


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------
def audit_reported(table: pd.DataFrame, *, i2_threshold: float = 50.0, q_alpha: float = 0.10,
                   alpha: float = 0.05) -> pd.DataFrame:
    """Audit a table of reported pooled results for internal consistency.

    Parameters
    ----------
    table : pandas.DataFrame, shape (n_results, n_columns)
        Required columns ``estimate``, ``ci_low``, ``ci_high`` (95 % CI), ``pvalue`` (as printed:
        ``"0.003"``, ``"<0.00001"``; may be blank). Optional: ``z``, ``i2`` (percent),
        ``q_pvalue`` (as printed), ``model`` (``"fixed"``/``"random"``), ``claim`` (text of the
        sentence that reports the result), ``measure`` (``MD``, ``SMD``, ``WMD``, ``RD`` are
        analysed on their own scale; ``OR``, ``RR``, ``HR``, ``ROM``, ``IRR`` on the log scale;
        blank means a difference scale). Numbers may be strings as printed (best: keeps
        trailing zeros) or numbers.
    i2_threshold, q_alpha : float
        The model rule: random effects iff I² > ``i2_threshold`` (percent) and
        P(Q) < ``q_alpha``. Defaults are Li et al. 2021's stated rule [3]_.
    alpha : float
        Significance level for the claim checks (Li et al.: two-tailed P < 0.05).

    Returns
    -------
    pandas.DataFrame, shape (n_results, n_columns + 5)
        The input columns, same rows and order, plus ``flags`` (list of short codes from
        :data:`FLAGS`, empty when consistent), ``explanation`` (one sentence per flag, with the
        numbers; empty when consistent), ``se_from_ci``, ``z_from_ci`` and ``p_from_ci``
        (back-computed, on the analysis scale; NaN when the CI is unusable).

    Raises
    ------
    TypeError
        ``table`` is not a DataFrame.
    ValueError
        A required column is missing, or a cell cannot be parsed (the message names the column
        and the row), or estimate / CI bound is blank.

    Notes
    -----
    SE = (upper - lower) / (2 x 1.959964) ([2]_ §6.5.2.2), Z = |estimate| / SE and
    P = 2 (1 - Phi(Z)) ([1]_). Each printed number with ``d`` decimals is the interval
    ``x ± 0.5·10^-d``; Z and P are bounded over those intervals (and over the critical values
    1.959964 and 1.96), and a flag is raised only when the printed Z or P interval does not
    overlap the back-computed one. The model rule and claims are judged only when the verdict
    is the same over the whole rounding interval (e.g. a printed "P = 0.05" is never judged).

    References
    ----------
    .. [1] Altman DG, Bland JM. BMJ 2011;343:d2304.
    .. [2] Cochrane Handbook v6.4, section 6.5.2.2.
    .. [3] Li Y et al. Stem Cell Res Ther 2021;12:273, Methods, 'Statistical analysis'.
    """
    _validate_table(table)
    parsed = [_parse_row(table, i) for i in range(len(table))]
    flags_col, expl_col, se_col, z_col, p_col = [], [], [], [], []
    for row in parsed:
        flags, sentences, se, z, p = _audit_row(row, i2_threshold=i2_threshold, q_alpha=q_alpha,
                                                alpha=alpha)
        flags_col.append(flags)
        expl_col.append(" ".join(sentences))
        se_col.append(se)
        z_col.append(z)
        p_col.append(p)
    out = table.copy()
    out["flags"] = pd.Series(flags_col, index=out.index, dtype=object)
    out["explanation"] = pd.Series(expl_col, index=out.index, dtype=object)
    out["se_from_ci"] = pd.Series(se_col, index=out.index, dtype=float)
    out["z_from_ci"] = pd.Series(z_col, index=out.index, dtype=float)
    out["p_from_ci"] = pd.Series(p_col, index=out.index, dtype=float)
    return out


@dataclass(frozen=True, slots=True)
class _Row:
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


def _parse_row(table: pd.DataFrame, i: int) -> _Row:
    label = _row_label(table, i)
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
    return _Row(vals["estimate"], vals["ci_low"], vals["ci_high"], p, z, i2, q_p, model,
                model_text, claim, measure in RATIO_MEASURES, measure)


def _audit_row(r: _Row, *, i2_threshold, q_alpha, alpha):
    flags: list[str] = []
    say: list[str] = []
    e, lo, hi = r.est, r.lo, r.hi
    null = 1.0 if r.log else 0.0
    se_pt = z_pt = p_pt = math.nan

    if r.log and (lo.value <= 0 or hi.value <= 0 or e.value <= 0):
        flags.append("ratio_ci_nonpositive")
        say.append(f"For a ratio measure ({r.measure}) the estimate and CI must be > 0, but the "
                   f"printed values are {e.text} ({lo.text}, {hi.text}); the scale checks are skipped.")
        return flags, say, se_pt, z_pt, p_pt

    reversed_ = lo.low > hi.high + _EPS
    if reversed_:
        flags.append("ci_reversed")
        hint = ""
        if not r.log and lo.value > 0 and -lo.value <= e.value <= hi.value:
            alt = Printed("-" + lo.text.lstrip("+"), -lo.value, -lo.high, -lo.low)
            z_alt, zmin, zmax = _z_interval(_Scale(e, alt, hi, False))
            hint = (f" With a minus sign restored ({_fmt(-lo.value, 2)}, {hi.text}) the interval "
                    f"holds the estimate, has half-widths {_fmt(e.value + lo.value, 2)} and "
                    f"{_fmt(hi.value - e.value, 2)}, and gives Z = {_fmt(z_alt, 2)}"
                    + (f", consistent with the printed Z = {r.z.text}"
                       if r.z and _overlaps(zmin, zmax, r.z.low, r.z.high) else "") + ".")
        say.append(f"The printed lower CI bound {lo.text} is above the upper bound {hi.text}, so "
                   f"the interval is impossible as printed; SE, Z and P are not back-computed.{hint}")
    elif e.high < lo.low - _EPS or e.low > hi.high + _EPS:
        flags.append("estimate_outside_ci")
        mid = (lo.value * hi.value) ** 0.5 if r.log else (lo.value + hi.value) / 2
        say.append(f"The estimate {e.text} lies outside its own 95% CI ({lo.text}, {hi.text}); "
                   f"the CI's midpoint{' (geometric)' if r.log else ''} is {_fmt(mid, 3)}.")

    if not reversed_:
        sc = _Scale(e, lo, hi, r.log)
        # symmetry on the analysis scale: (hi - est) - (est - lo) = hi + lo - 2 est
        e_lo, e_hi = sc.est_b()
        l_lo, l_hi = sc.lo_b()
        h_lo, h_hi = sc.hi_b()
        asym_min = h_lo + l_lo - 2 * e_hi
        asym_max = h_hi + l_hi - 2 * e_lo
        tol_asym = (asym_max - asym_min) / 2
        if "estimate_outside_ci" not in flags and not (asym_min <= _EPS and asym_max >= -_EPS):
            flags.append("ci_asymmetric")
            below = sc.tr(e.value) - sc.tr(lo.value)
            above = sc.tr(hi.value) - sc.tr(e.value)
            scale = "log " if r.log else ""
            say.append(f"The CI is not symmetric about the estimate on the {scale}scale of "
                       f"analysis: {_fmt(below, 3)} below and {_fmt(above, 3)} above "
                       f"{e.text}, more than printed rounding allows "
                       f"(±{_fmt(tol_asym, 3)}).")
        width = sc.tr(hi.value) - sc.tr(lo.value)
        se_pt = width / (2 * Z_CRIT[0])
        z_pt, z_min, z_max = _z_interval(sc)
        p_pt = _p_two_sided(z_pt)
        p_min, p_max = _p_two_sided(z_max), _p_two_sided(z_min)
        mid_hint = ""
        if "estimate_outside_ci" in flags or "ci_asymmetric" in flags:
            mid = (sc.tr(lo.value) + sc.tr(hi.value)) / 2
            zm = abs(mid) / se_pt if se_pt > 0 else math.inf
            mid_hint = (f" Using the CI midpoint instead of the estimate gives Z = {_fmt(zm, 2)} "
                        f"and P = {_fmt_p(_p_two_sided(zm))}.")
        if r.z is not None and not _overlaps(z_min, z_max, r.z.low, r.z.high):
            flags.append("z_mismatch")
            say.append(f"The printed Z = {r.z.text}, but the estimate and CI give Z = "
                       f"{_fmt(z_pt, 2)} (SE = {_fmt(se_pt, 4)}; {_fmt(z_min, 2)} to "
                       f"{_fmt(z_max, 2)} allowing for rounding).{mid_hint}")
            mid_hint = ""
        if r.p is not None and not _overlaps(p_min, p_max, r.p.low, r.p.high):
            flags.append("p_mismatch")
            say.append(f"The printed P = {r.p.text}, but the estimate and CI give "
                       f"P = {_fmt_p(p_pt)} (Z = {_fmt(z_pt, 2)}; {_fmt_p(p_min)} to "
                       f"{_fmt_p(p_max)} allowing for rounding).{mid_hint}")

        # claim vs CI: does the CI exclude the null for every rounding-consistent value?
        if r.claim is not None:
            excl = sc.tr(lo.low) > sc.tr(null) + _EPS or sc.tr(hi.high) < sc.tr(null) - _EPS
            incl = sc.tr(lo.high) <= sc.tr(null) <= sc.tr(hi.low)
            if r.claim == "not significant" and excl:
                flags.append("claim_vs_ci")
                say.append(f"The text claims no significant effect, but the 95% CI ({lo.text}, "
                           f"{hi.text}) excludes {_fmt(null, 0)}.")
            elif r.claim == "significant" and incl:
                flags.append("claim_vs_ci")
                say.append(f"The text claims a significant effect, but the 95% CI ({lo.text}, "
                           f"{hi.text}) includes {_fmt(null, 0)}.")

    if r.claim is not None and r.p is not None:
        if r.claim == "not significant" and r.p.high < alpha - _EPS:
            flags.append("claim_vs_p")
            say.append(f"The text claims no significant effect, but the printed P = {r.p.text} "
                       f"is below {alpha:g}.")
        elif r.claim == "significant" and r.p.low >= alpha - _EPS and r.p.relation != "<":
            flags.append("claim_vs_p")
            say.append(f"The text claims a significant effect, but the printed P = {r.p.text} "
                       f"is not below {alpha:g}.")

    if r.z is not None and r.p is not None:
        pz_min, pz_max = _p_two_sided(r.z.high), _p_two_sided(max(r.z.low, 0.0))
        if not _overlaps(pz_min, pz_max, r.p.low, r.p.high):
            flags.append("z_p_mismatch")
            say.append(f"The printed Z = {r.z.text} implies P = {_fmt_p(_p_two_sided(r.z.value))} "
                       f"({_fmt_p(pz_min)} to {_fmt_p(pz_max)} allowing for rounding), but the "
                       f"printed P = {r.p.text}.")

    if r.model is not None and r.i2 is not None and r.q_p is not None:
        het_all = r.i2.low > i2_threshold and r.q_p.high < q_alpha
        het_none = r.i2.high <= i2_threshold or r.q_p.low >= q_alpha
        expected = "random" if het_all else "fixed" if het_none else None
        if expected is not None and expected != r.model:
            flags.append("model_rule")
            say.append(f"The stated rule (random effects iff I² > {i2_threshold:g}% and "
                       f"P(Q) < {q_alpha:g}) gives a {expected}-effect model for I² = "
                       f"{r.i2.text}% and P(Q) = {r.q_p.text}, but a {r.model}-effect model is "
                       "reported.")
    return flags, say, se_pt, z_pt, p_pt


# ---------------------------------------------------------------------------------------------
# CSV upload
# ---------------------------------------------------------------------------------------------
TEMPLATE_COLUMNS = ("result_id", "locator", "outcome", "measure", "model", "estimate", "ci_low",
                    "ci_high", "z", "pvalue", "i2", "q_pvalue", "claim")
MAX_UPLOAD_BYTES = 2_000_000
MAX_UPLOAD_ROWS = 5_000


def read_reported_csv(data: bytes) -> pd.DataFrame:
    """Read an uploaded CSV of reported results, keeping every cell as printed (text).

    Parameters
    ----------
    data : bytes
        The file's content, UTF-8 (a BOM is accepted) or UTF-16 with BOM.

    Returns
    -------
    pandas.DataFrame
        All columns as strings (blank cells are NaN), so printed decimals survive; numbers are
        checked to parse. Pass it straight to :func:`audit_reported`.

    Raises
    ------
    ValueError
        Empty file, file too large, not text (wrong encoding), not a CSV, missing required
        columns, duplicate column names, no data rows, or a non-numeric ``estimate`` /
        ``ci_low`` / ``ci_high`` / ``z`` / ``i2`` or an unreadable ``pvalue`` / ``q_pvalue``
        (the message names the column, the row and the value).
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"`data` must be bytes; got {type(data).__name__}")
    if len(data) == 0 or not bytes(data).strip():
        raise ValueError("The uploaded file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValueError(f"The uploaded file is {len(data):,} bytes; the limit is "
                         f"{MAX_UPLOAD_BYTES:,} bytes.")
    raw = bytes(data)
    try:
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = raw.decode("utf-16")
        else:
            text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(
            "The uploaded file is not UTF-8 text (byte "
            f"{exc.start} cannot be decoded); save it as 'CSV UTF-8' and upload it again.") from None
    if "\x00" in text:
        raise ValueError("The uploaded file contains binary data; upload a CSV text file.")
    try:
        header = next(csv.reader(io.StringIO(text)), [])
    except csv.Error as exc:
        raise ValueError(f"The uploaded file could not be read as CSV: {exc}") from None
    names = [h.strip().lower() for h in header]
    dupes = sorted({c for c in names if c and names.count(c) > 1})
    if dupes:
        raise ValueError(f"The uploaded file has duplicate column(s): {', '.join(dupes)}.")
    try:
        df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""],
                         skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"The uploaded file could not be read as CSV: {str(exc).strip()}") from None
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(
            f"The uploaded file is missing required column(s): {', '.join(missing)}. Required: "
            f"{', '.join(REQUIRED_COLUMNS)}; found: {', '.join(df.columns) or '(none)'}. "
            "Download the template for the expected layout.")
    if len(df) == 0:
        raise ValueError("The uploaded file has a header but no data rows.")
    if len(df) > MAX_UPLOAD_ROWS:
        raise ValueError(f"The uploaded file has {len(df):,} rows; the limit is {MAX_UPLOAD_ROWS:,}.")
    for i in range(len(df)):
        label = _row_label(df, i)
        for col in NUMERIC_COLUMNS:
            if col in df.columns:
                parse_number(df[col].iloc[i], what=f"`{col}` in {label}")
        for col in ("pvalue", "q_pvalue"):
            if col in df.columns:
                parse_pvalue(df[col].iloc[i], what=f"`{col}` in {label}")
    return df


def to_safe_csv(df: pd.DataFrame) -> bytes:
    """CSV of the audit table, through the project's one neutralising writer
    (:func:`core.export.to_csv_bytes`: formula-like text cells get a leading apostrophe, lists are
    joined by "; ", CR/LF inside a cell is quoted)."""
    from core.export import to_csv_bytes   # lazy: core.export pulls in plotly and kaleido

    return to_csv_bytes(df)


# ---------------------------------------------------------------------------------------------
# Claims that compare two reported results (subgroups)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EstimateComparison:
    """Difference ``a - b`` between two independent estimates, from their 95 % CIs.

    ``se`` = sqrt(SE_a² + SE_b²) with each SE = CI width / (2 × 1.959964); ``z`` = diff / se;
    ``pvalue`` two-sided normal. Each SE is on the scale of the estimates (difference measures).
    """

    diff: float
    se: float
    z: float
    pvalue: float

    def confidence_interval(self, level: float = 0.95) -> tuple[float, float]:
        zc = float(stats.norm.ppf(1 - (1 - level) / 2))
        return (self.diff - zc * self.se, self.diff + zc * self.se)


def compare_estimates(a: tuple[float, float, float], b: tuple[float, float, float]) -> EstimateComparison:
    """Test the difference between two independent estimates given as (estimate, ci_low, ci_high).

    References
    ----------
    .. [1] Altman DG, Bland JM. Interaction revisited: the difference between two estimates.
       BMJ 2003;326:219 (SE of the difference = sqrt(SE1² + SE2²); z = d / SE(d)).
    .. [2] Cochrane Handbook v6.4, section 6.5.2.2 (SE from a 95 % CI).
    """
    for name, v in (("a", a), ("b", b)):
        if len(v) != 3 or not all(isinstance(x, (int, float)) and math.isfinite(x) for x in v):
            raise ValueError(f"`{name}` must be (estimate, ci_low, ci_high) finite numbers; got {v!r}")
        if v[1] > v[2]:
            raise ValueError(f"`{name}`: ci_low {v[1]} is above ci_high {v[2]}")
    se_a = (a[2] - a[1]) / (2 * Z_CRIT[0])
    se_b = (b[2] - b[1]) / (2 * Z_CRIT[0])
    diff = a[0] - b[0]
    se = math.hypot(se_a, se_b)
    z = diff / se if se > 0 else math.inf
    return EstimateComparison(diff, se, z, _p_two_sided(z))


COMPARISON_CLAIM_KINDS = ("a_differs_significantly", "a_larger_effect")


def audit_comparison_claims(claims: pd.DataFrame, reported: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Check claims that one reported result differs from, or exceeds, another.

    ``claims`` has columns ``claim_id``, ``result_a``, ``result_b`` (``result_id`` values of
    ``reported``), ``kind`` (``"a_differs_significantly"``: the text says A and B differ
    significantly; ``"a_larger_effect"``: the text says A's effect is more pronounced, i.e. larger
    in absolute size) and optional ``claim``, ``locator``. Returns the claims with ``diff``,
    ``se``, ``z``, ``pvalue``, ``consistent`` (bool) and ``explanation``.
    """
    need = ("claim_id", "result_a", "result_b", "kind")
    missing = [c for c in need if c not in claims.columns]
    if missing:
        raise ValueError(f"claims table is missing column(s) {', '.join(missing)}")
    rep = reported.set_index("result_id")
    rows = []
    for i, c in enumerate(claims.to_dict("records")):
        if c["kind"] not in COMPARISON_CLAIM_KINDS:
            raise ValueError(f"`kind` in row {i + 1} must be one of {', '.join(COMPARISON_CLAIM_KINDS)}; "
                             f"got {c['kind']!r}")
        vals = {}
        for side in ("result_a", "result_b"):
            rid = c[side]
            if rid not in rep.index:
                raise ValueError(f"`{side}` in row {i + 1} names {rid!r}, which is not a reported result_id")
            r = rep.loc[rid]
            vals[side] = tuple(parse_number(r[k], what=f"`{k}` of {rid}").value
                               for k in ("estimate", "ci_low", "ci_high"))
        cmp = compare_estimates(vals["result_a"], vals["result_b"])
        a_e, b_e = vals["result_a"][0], vals["result_b"][0]
        ptxt = _fmt_p(cmp.pvalue)
        if c["kind"] == "a_differs_significantly":
            ok = cmp.pvalue < alpha
            expl = (f"{c['result_a']} ({a_e:g}) minus {c['result_b']} ({b_e:g}) = {cmp.diff:.2f} "
                    f"(SE {cmp.se:.3f}), z = {cmp.z:.2f}, P = {ptxt}: "
                    + ("the difference is significant, as claimed." if ok else
                       f"the subgroups do not differ significantly (P >= {alpha:g}), contrary to the claim."))
        else:
            larger = abs(a_e) > abs(b_e)
            ok = larger
            expl = (f"|{a_e:g}| vs |{b_e:g}|: " + (
                f"{c['result_a']} is larger, as claimed" if larger else
                f"{c['result_a']} is not larger than {c['result_b']}, contrary to the claim")
                + f"; the difference {cmp.diff:.2f} has P = {ptxt}.")
        rows.append({**c, "diff": cmp.diff, "se": cmp.se, "z": cmp.z, "pvalue": cmp.pvalue,
                     "consistent": ok, "explanation": expl})
    return pd.DataFrame(rows)
