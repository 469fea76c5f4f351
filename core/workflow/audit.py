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

import math
from dataclasses import dataclass, field

import pandas as pd
from scipy import stats

from core.workflow.analysis import PAPER_MODEL_RULE
from core.evidence.printed import (CLAIM_NOT_SIGNIFICANT, CLAIM_SIGNIFICANT, REQUIRED_COLUMNS, Printed,
                                   PrintedResult, parse_result_row)
from core.vocab import Model

#: Two-sided 95 % normal critical values: exact (1.959964) and the rounded 1.96 that some
#: software (and Altman & Bland [1]) use; both are admitted by the interval arithmetic.
Z_CRIT = (float(stats.norm.ppf(0.975)), 1.96)

FLAGS = (
    "ci_reversed", "estimate_outside_ci", "ci_asymmetric", "z_mismatch", "p_mismatch",
    "z_p_mismatch", "model_rule", "claim_vs_p", "claim_vs_ci", "ratio_ci_nonpositive",
)
_EPS = 1e-9


def _validate_table(table) -> None:
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"`table` must be a pandas DataFrame; got {type(table).__name__}")
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"reported-results table is missing required column(s) {', '.join(missing)}; "
            f"required: {', '.join(REQUIRED_COLUMNS)}; found: {', '.join(map(str, table.columns))}")


# ---------------------------------------------------------------------------------------------
# Numbers behind the checks
# ---------------------------------------------------------------------------------------------
def _fmt(x: float, nd: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "n/a"
    if x != 0 and abs(x) < 10 ** -nd:
        return f"{x:.1e}"
    return f"{x:.{nd}f}"


def fmt_audit_p(p: float) -> str:
    """A back-computed P as the audit's explanations print it: 4 decimals, or '1.2e-05' below 0.0001."""
    if p < 0.0001:
        return f"{p:.1e}"
    return f"{p:.4f}"


def two_sided_p(z: float) -> float:
    """Two-sided normal P value ``2 (1 - Phi(|z|))`` (Altman & Bland 2011 [1]_, exact tail)."""
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
def audit_reported(table: pd.DataFrame, *, i2_threshold: float = PAPER_MODEL_RULE.i2_threshold,
                   q_alpha: float = PAPER_MODEL_RULE.q_alpha, alpha: float = 0.05) -> pd.DataFrame:
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
    audits = [_audit_row(parse_result_row(table, i), i2_threshold=i2_threshold, q_alpha=q_alpha, alpha=alpha)
              for i in range(len(table))]
    out = table.copy()
    out["flags"] = pd.Series([a.flags for a in audits], index=out.index, dtype=object)
    out["explanation"] = pd.Series([" ".join(a.say) for a in audits], index=out.index, dtype=object)
    out["se_from_ci"] = pd.Series([a.se for a in audits], index=out.index, dtype=float)
    out["z_from_ci"] = pd.Series([a.z for a in audits], index=out.index, dtype=float)
    out["p_from_ci"] = pd.Series([a.p for a in audits], index=out.index, dtype=float)
    return out


@dataclass(slots=True)
class _RowAudit:
    """What the checks of one row found, filled in as they run: flags in :data:`FLAGS` order of
    discovery, one sentence per flag, and the back-computed SE, Z and P (NaN when unusable)."""

    flags: list = field(default_factory=list)
    say: list = field(default_factory=list)
    se: float = math.nan
    z: float = math.nan
    p: float = math.nan

    def flag(self, code: str, sentence: str) -> None:
        self.flags.append(code)
        self.say.append(sentence)


def _audit_row(r: PrintedResult, *, i2_threshold, q_alpha, alpha) -> _RowAudit:
    out = _RowAudit()
    e, lo, hi = r.est, r.lo, r.hi
    if r.log and (lo.value <= 0 or hi.value <= 0 or e.value <= 0):
        out.flag("ratio_ci_nonpositive",
                 f"For a ratio measure ({r.measure}) the estimate and CI must be > 0, but the "
                 f"printed values are {e.text} ({lo.text}, {hi.text}); the scale checks are skipped.")
        return out
    reversed_ = lo.low > hi.high + _EPS
    _check_ci_order(r, out, reversed_)
    if not reversed_:
        sc = _Scale(e, lo, hi, r.log)
        _check_symmetry(r, sc, out)
        _check_z_and_p(r, sc, out)
        _check_claim_vs_ci(r, sc, out)
    _check_claim_vs_p(r, out, alpha)
    _check_z_vs_p(r, out)
    _check_model_rule(r, out, i2_threshold, q_alpha)
    return out


def _check_ci_order(r: PrintedResult, out: _RowAudit, reversed_: bool) -> None:
    e, lo, hi = r.est, r.lo, r.hi
    if reversed_:
        hint = ""
        if not r.log and lo.value > 0 and -lo.value <= e.value <= hi.value:
            alt = Printed("-" + lo.text.lstrip("+"), -lo.value, -lo.high, -lo.low)
            z_alt, zmin, zmax = _z_interval(_Scale(e, alt, hi, False))
            hint = (f" With a minus sign restored ({_fmt(-lo.value, 2)}, {hi.text}) the interval "
                    f"holds the estimate, has half-widths {_fmt(e.value + lo.value, 2)} and "
                    f"{_fmt(hi.value - e.value, 2)}, and gives Z = {_fmt(z_alt, 2)}"
                    + (f", consistent with the printed Z = {r.z.text}"
                       if r.z and _overlaps(zmin, zmax, r.z.low, r.z.high) else "") + ".")
        out.flag("ci_reversed", f"The printed lower CI bound {lo.text} is above the upper bound {hi.text}, so "
                                f"the interval is impossible as printed; SE, Z and P are not back-computed.{hint}")
    elif e.high < lo.low - _EPS or e.low > hi.high + _EPS:
        mid = (lo.value * hi.value) ** 0.5 if r.log else (lo.value + hi.value) / 2
        out.flag("estimate_outside_ci",
                 f"The estimate {e.text} lies outside its own 95% CI ({lo.text}, {hi.text}); "
                 f"the CI's midpoint{' (geometric)' if r.log else ''} is {_fmt(mid, 3)}.")


def _check_symmetry(r: PrintedResult, sc: _Scale, out: _RowAudit) -> None:
    # symmetry on the analysis scale: (hi - est) - (est - lo) = hi + lo - 2 est
    e_lo, e_hi = sc.est_b()
    l_lo, l_hi = sc.lo_b()
    h_lo, h_hi = sc.hi_b()
    asym_min = h_lo + l_lo - 2 * e_hi
    asym_max = h_hi + l_hi - 2 * e_lo
    tol_asym = (asym_max - asym_min) / 2
    if "estimate_outside_ci" not in out.flags and not (asym_min <= _EPS and asym_max >= -_EPS):
        below = sc.tr(r.est.value) - sc.tr(r.lo.value)
        above = sc.tr(r.hi.value) - sc.tr(r.est.value)
        scale = "log " if r.log else ""
        out.flag("ci_asymmetric", f"The CI is not symmetric about the estimate on the {scale}scale of "
                                  f"analysis: {_fmt(below, 3)} below and {_fmt(above, 3)} above "
                                  f"{r.est.text}, more than printed rounding allows "
                                  f"(±{_fmt(tol_asym, 3)}).")


def _check_z_and_p(r: PrintedResult, sc: _Scale, out: _RowAudit) -> None:
    """Back-compute SE, Z and P from the CI (Altman & Bland [1]_) and compare the printed Z and P."""
    width = sc.tr(r.hi.value) - sc.tr(r.lo.value)
    se_pt = width / (2 * Z_CRIT[0])
    z_pt, z_min, z_max = _z_interval(sc)
    p_pt = two_sided_p(z_pt)
    p_min, p_max = two_sided_p(z_max), two_sided_p(z_min)
    out.se, out.z, out.p = se_pt, z_pt, p_pt
    mid_hint = ""
    if "estimate_outside_ci" in out.flags or "ci_asymmetric" in out.flags:
        mid = (sc.tr(r.lo.value) + sc.tr(r.hi.value)) / 2
        zm = abs(mid) / se_pt if se_pt > 0 else math.inf
        mid_hint = (f" Using the CI midpoint instead of the estimate gives Z = {_fmt(zm, 2)} "
                    f"and P = {fmt_audit_p(two_sided_p(zm))}.")
    if r.z is not None and not _overlaps(z_min, z_max, r.z.low, r.z.high):
        out.flag("z_mismatch", f"The printed Z = {r.z.text}, but the estimate and CI give Z = "
                               f"{_fmt(z_pt, 2)} (SE = {_fmt(se_pt, 4)}; {_fmt(z_min, 2)} to "
                               f"{_fmt(z_max, 2)} allowing for rounding).{mid_hint}")
        mid_hint = ""
    if r.p is not None and not _overlaps(p_min, p_max, r.p.low, r.p.high):
        out.flag("p_mismatch", f"The printed P = {r.p.text}, but the estimate and CI give "
                               f"P = {fmt_audit_p(p_pt)} (Z = {_fmt(z_pt, 2)}; {fmt_audit_p(p_min)} to "
                               f"{fmt_audit_p(p_max)} allowing for rounding).{mid_hint}")


def _check_claim_vs_ci(r: PrintedResult, sc: _Scale, out: _RowAudit) -> None:
    """Does the CI exclude the null for every rounding-consistent value?"""
    if r.claim is None:
        return
    null = 1.0 if r.log else 0.0
    lo, hi = r.lo, r.hi
    excl = sc.tr(lo.low) > sc.tr(null) + _EPS or sc.tr(hi.high) < sc.tr(null) - _EPS
    incl = sc.tr(lo.high) <= sc.tr(null) <= sc.tr(hi.low)
    if r.claim == CLAIM_NOT_SIGNIFICANT and excl:
        out.flag("claim_vs_ci", f"The text claims no significant effect, but the 95% CI ({lo.text}, "
                                f"{hi.text}) excludes {_fmt(null, 0)}.")
    elif r.claim == CLAIM_SIGNIFICANT and incl:
        out.flag("claim_vs_ci", f"The text claims a significant effect, but the 95% CI ({lo.text}, "
                                f"{hi.text}) includes {_fmt(null, 0)}.")


def _check_claim_vs_p(r: PrintedResult, out: _RowAudit, alpha: float) -> None:
    if r.claim is None or r.p is None:
        return
    if r.claim == CLAIM_NOT_SIGNIFICANT and r.p.high < alpha - _EPS:
        out.flag("claim_vs_p", f"The text claims no significant effect, but the printed P = {r.p.text} "
                               f"is below {alpha:g}.")
    elif r.claim == CLAIM_SIGNIFICANT and r.p.low >= alpha - _EPS and r.p.relation != "<":
        out.flag("claim_vs_p", f"The text claims a significant effect, but the printed P = {r.p.text} "
                               f"is not below {alpha:g}.")


def _check_z_vs_p(r: PrintedResult, out: _RowAudit) -> None:
    if r.z is None or r.p is None:
        return
    pz_min, pz_max = two_sided_p(r.z.high), two_sided_p(max(r.z.low, 0.0))
    if not _overlaps(pz_min, pz_max, r.p.low, r.p.high):
        out.flag("z_p_mismatch", f"The printed Z = {r.z.text} implies P = {fmt_audit_p(two_sided_p(r.z.value))} "
                                 f"({fmt_audit_p(pz_min)} to {fmt_audit_p(pz_max)} allowing for rounding), but the "
                                 f"printed P = {r.p.text}.")


def _check_model_rule(r: PrintedResult, out: _RowAudit, i2_threshold: float, q_alpha: float) -> None:
    """The stated rule [3]_, judged only when the verdict holds over the whole rounding interval."""
    if r.model is None or r.i2 is None or r.q_p is None:
        return
    het_all = r.i2.low > i2_threshold and r.q_p.high < q_alpha
    het_none = r.i2.high <= i2_threshold or r.q_p.low >= q_alpha
    expected = Model.RANDOM if het_all else Model.FIXED if het_none else None
    if expected is not None and expected != r.model:
        out.flag("model_rule", f"The stated rule (random effects iff I² > {i2_threshold:g}% and "
                               f"P(Q) < {q_alpha:g}) gives a {expected}-effect model for I² = "
                               f"{r.i2.text}% and P(Q) = {r.q_p.text}, but a {r.model}-effect model is "
                               "reported.")
