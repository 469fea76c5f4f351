"""Imprecision: the CI against no effect and against a minimal important difference (MID), and the
optimal information size (OIS).

GRADE guidelines 6 (Guyatt et al. 2011, J Clin Epidemiol 64:1283): rate down when the 95% CI
includes no effect or crosses the MID (it then holds both important and unimportant effects); rate
down twice when it includes both an important benefit and an important harm; and rate down when the
total number of participants is below the OIS, the sample size one adequately powered trial would
need.  GRADE guidance 34 (Zeng et al. 2022, J Clin Epidemiol 150:216) allows rating down twice
when the information is far below the OIS; here a CI that includes no effect *and* an OIS
shortfall (both criteria failing) counts as very serious.

The OIS for a continuous outcome (two-sided alpha, power 1 - beta; Chow, Shao & Wang 2008,
Sample Size Calculations in Clinical Research, 2nd ed., §3.2.1 for two groups, §3.1.1 for one):

- two parallel groups: ``n per group = 2 (z_{1-alpha/2} + z_{1-beta})^2 sigma^2 / delta^2``;
- one group measured before and after: ``n = (z_{1-alpha/2} + z_{1-beta})^2 sigma_d^2 / delta^2``,
  with ``sigma_d`` the SD of the change.

``delta`` is the MID when one is established; otherwise a small effect of ``small_effect_sd`` SD
(0.2, Cohen's "small", Cochrane Handbook v6.4 §15.5.3.1).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from core import words
from core.certainty.ratings import Concern, DomainRating, GradeDomain, sentence
from core.vocab import OUTCOMES, Comparison, Outcome

SMALL_EFFECT_SD = 0.2


@dataclass(frozen=True, slots=True)
class Mid:
    """A minimal important difference in an outcome's units, with its source; ``value`` None when
    no MID is established."""

    outcome: str
    value: float | None
    unit: str
    source: str

    @property
    def established(self) -> bool:
        return self.value is not None and self.value > 0


def _default_mid(outcome: str) -> Mid:
    if outcome == Outcome.HBA1C:
        return Mid(outcome, 0.5, "%", words.MID_HBA1C_SOURCE)
    return Mid(outcome, None, "", words.MID_NOT_ESTABLISHED)


# Editable defaults, one per outcome.  Only HbA1c has a MID whose source was verified.
MID_DEFAULTS: dict[str, Mid] = {o: _default_mid(o) for o in OUTCOMES}


@dataclass(frozen=True, slots=True)
class InformationSize:
    """The OIS for one analysis: ``per_group`` and ``total`` participants (per group = total for a
    one-group before–after design), from ``sd`` and ``delta`` (natural units) at ``alpha``, ``power``."""

    per_group: int
    total: int
    groups: int
    sd: float
    delta: float
    alpha: float
    power: float


def optimal_information_size(sd: float, delta: float, *, groups: int = 2, alpha: float = 0.05,
                             power: float = 0.8) -> InformationSize:
    """The participants one adequately powered trial would need (formulas in the module docstring)."""
    if not (sd > 0 and delta > 0 and 0 < alpha < 1 and 0 < power < 1 and groups in (1, 2)):
        raise ValueError(f"need sd > 0, delta > 0, 0 < alpha, power < 1 and 1 or 2 groups; got sd={sd!r}, "
                         f"delta={delta!r}, alpha={alpha!r}, power={power!r}, groups={groups!r}")
    z = NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)
    per_group = math.ceil(groups * z**2 * sd**2 / delta**2)
    return InformationSize(per_group, per_group * groups, groups, sd, delta, alpha, power)


@dataclass(frozen=True, slots=True)
class OutcomeSpread:
    """SDs of one analysis in the outcome's natural units: ``standardiser`` (what an SMD divides
    by) and ``sd`` (of what is compared: the outcome between groups, or the change within one)."""

    standardiser: float
    sd: float
    groups: int


def _pooled(pairs) -> float:
    """sqrt(sum (n - 1) sd^2 / sum (n - 1)) over (n, sd) pairs; NaN without usable pairs."""
    pairs = [(n, sd) for n, sd in pairs if n > 1 and math.isfinite(sd) and sd > 0]
    df = sum(n - 1 for n, _ in pairs)
    return math.sqrt(sum((n - 1) * sd**2 for n, sd in pairs) / df) if df else float("nan")


def outcome_spread(analysis) -> OutcomeSpread:
    """The SDs behind an analysis's rows.  Between arms: the pooled SD of all arms.  Before–after:
    the baseline SD standardises (metafor SMCR), and the SD of the change is
    ``sqrt(sd1^2 + sd2^2 - 2 r sd1 sd2)`` (Cochrane Handbook v6.4 §6.5.2.8; r = 0 for the
    'independent' pre-post method)."""
    rows = analysis.row_records
    arms = [(r["n1"], r["sd1"]) for r in rows] + [(r["n2"], r["sd2"]) for r in rows]
    if analysis.spec.comparison == Comparison.VS_CONTROL:
        pooled = _pooled(arms)
        return OutcomeSpread(pooled, pooled, 2)
    r = analysis.spec.r if analysis.spec.prepost == "change" else 0.0
    change = [(x["n1"], math.sqrt(max(x["sd1"]**2 + x["sd2"]**2 - 2 * r * x["sd1"] * x["sd2"], 0.0))) for x in rows]
    base = _pooled([(x["n2"], x["sd2"]) for x in rows]) if analysis.spec.prepost == "change" else _pooled(arms)
    return OutcomeSpread(base, _pooled(change), 1)


def mid_in_effect_units(analysis, mid: Mid, spread: OutcomeSpread) -> float | None:
    """The MID on the analysis's scale: as is for an MD in the MID's unit, divided by the
    standardising SD for an SMD; None when no MID applies."""
    if not mid.established:
        return None
    if analysis.spec.measure == "SMD":
        return mid.value / spread.standardiser if spread.standardiser > 0 else None
    return mid.value if mid.unit == analysis.unit else None


def information_size(analysis, mid: Mid, *, alpha: float = 0.05, power: float = 0.8,
                     small_effect_sd: float = SMALL_EFFECT_SD) -> InformationSize | None:
    """The OIS for this analysis (delta = the MID, or ``small_effect_sd`` standardising SDs);
    None when the rows give no usable SD."""
    spread = outcome_spread(analysis)
    applies = mid.established and (analysis.spec.measure == "SMD" or mid.unit == analysis.unit)
    delta = mid.value if applies else small_effect_sd * spread.standardiser
    if not (math.isfinite(spread.sd) and spread.sd > 0 and math.isfinite(delta) and delta > 0):
        return None
    return optimal_information_size(spread.sd, delta, groups=spread.groups, alpha=alpha, power=power)


def imprecision_rating(analysis, mid: Mid, ois: InformationSize | None, *,
                       small_effect_sd: float = SMALL_EFFECT_SD) -> DomainRating:
    """Rate imprecision from the pooled CI, the MID (if any) and the OIS (rules in the module docstring)."""
    res, t = analysis.pooled, words.CERTAINTY_REASONS
    m = mid_in_effect_units(analysis, mid, outcome_spread(analysis))
    lo, hi = res.ci_low, res.ci_high
    unit = "SD" if analysis.spec.measure == "SMD" else analysis.unit
    ci = {"low": words.fmt_num(lo), "high": words.fmt_num(hi), "mid": f"{words.fmt_num(m)} {unit}" if m else ""}
    includes_null = lo <= 0 <= hi
    crosses_mid = m is not None and (lo < -m < hi or lo < m < hi)
    both = m is not None and lo < -m and hi > m
    n = analysis.participants
    short = ois is not None and n < ois.total
    parts = []
    if both:
        parts.append(t["imp.ci_both"].format(**ci))
    else:
        parts += [t["imp.ci_null"].format(**ci)] if includes_null else []
        parts += [t["imp.ci_mid"].format(**ci)] if crosses_mid else []
        if not parts:
            parts.append(t["imp.ci_ok_mid" if m is not None else "imp.ci_ok"].format(**ci))
    if ois is None:
        parts.append(t["imp.ois_na"])
    else:
        parts.append(t["imp.ois_short" if short else "imp.ois_met"].format(n=n, ois=ois.total))
    if m is None:
        parts.append(t["imp.no_mid"].format(delta_sd=small_effect_sd))
    if both or (includes_null and short):
        concern = Concern.VERY_SERIOUS
    elif includes_null or crosses_mid or short:
        concern = Concern.SERIOUS
    else:
        concern = Concern.NOT_SERIOUS
    return DomainRating(GradeDomain.IMPRECISION, concern, sentence("; ".join(parts)) + ".",
                        words.GRADE_SOURCES["imprecision"])
