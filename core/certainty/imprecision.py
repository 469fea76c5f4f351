"""Imprecision: the CI against thresholds on the outcome's scale, and the optimal information size.

Thresholds (:func:`size_thresholds`).  The smallest important effect is the outcome's MID where one
is set; otherwise, as a stated assumption, a small effect of 0.2 SD (Cohen's "small"; Cochrane
Handbook v6.4 §15.5.3.1).  The edges of a moderate and a large effect are 0.5 and 0.8 SD (Cohen
1988), never below the MID.  They set the size a statement names (:mod:`.assess`) and what the CI is
judged against.

The CI (GRADE guidance 34, Zeng et al. 2022, J Clin Epidemiol 150:216; guidance 35, Schünemann et al.
2022, J Clin Epidemiol 150:225).  The scale splits into important benefit, trivial, important harm.
A CI within one region is precise; a CI in two (it crosses the threshold: it holds both important and
unimportant effects, whether or not it includes no effect) is rated down one level; a CI in all three
(it appreciably crosses no effect on both sides: important benefit *and* important harm) two.  When
the statement names a moderate or large effect, a CI that crosses that size's lower edge also leaves
the named size uncertain: one more level (guidance 35 rates the certainty of the size it names).

The optimal information size (OIS; GRADE guidelines 6, Guyatt et al. 2011, J Clin Epidemiol
64:1283; guidance 34).  Our operational rule, from guidance 34's "far less than the OIS": the
participants reach the OIS: no concern; at least half of it: one level; less than half ("far
less"): two levels.  Never three from the OIS alone.

One study (a stated assumption, the conservative reading): a single trial's result is rated down
at least one level for imprecision, however narrow its CI; nothing shows it would replicate, and
large effects from single small trials usually shrink (Pereira et al. 2012, JAMA 308:1676; GRADE
guidelines 6 on fragile small samples).

The domain's levels are the largest of the three, at most three ("extremely serious", guidance 35).

The OIS for a continuous outcome (two-sided alpha, power 1 - beta; Chow, Shao & Wang 2008,
Sample Size Calculations in Clinical Research, 2nd ed., §3.2.1 for two groups, §3.1.1 for one):

- two parallel groups: ``n per group = 2 (z_{1-alpha/2} + z_{1-beta})^2 sigma^2 / delta^2``;
- one group measured before and after: ``n = (z_{1-alpha/2} + z_{1-beta})^2 sigma_d^2 / delta^2``,
  with ``sigma_d`` the SD of the change.

Context, not a verdict (:func:`trials_needed`): the minimum number of trials a random-effects
meta-analysis needs for that power, given the estimated tau² (Wetterslev et al. 2017, BMC Med Res
Methodol 17:39; RTSA's ``minTrial``): ``K >= tau² (z_{1-alpha/2} + z_{1-beta})^2 / delta^2``, because
the pooled variance can never fall below ``tau² / K``.  No sequential boundaries are drawn
(Cochrane Handbook v6.4 ch. 22 discourages them for main conclusions).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from core import words
from core.certainty.ratings import BY_LEVELS, DomainRating, GradeDomain, sentence
from core.pooling import meta_analysis
from core.vocab import OUTCOMES, Comparison, Measure, Outcome, PrePost, Tau2

SMALL_EFFECT_SD = 0.2          # Cohen 1988; Cochrane Handbook v6.4 §15.5.3.1
MODERATE_EFFECT_SD = 0.5
LARGE_EFFECT_SD = 0.8
OIS_FAR_BELOW = 0.5            # participants / OIS below this: "far less than the OIS" (guidance 34)
MAX_LEVELS = 3                 # "extremely serious" (guidance 35)


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


def _z_sum(alpha: float, power: float) -> float:
    return NormalDist().inv_cdf(1 - alpha / 2) + NormalDist().inv_cdf(power)


def optimal_information_size(sd: float, delta: float, *, groups: int = 2, alpha: float = 0.05,
                             power: float = 0.8) -> InformationSize:
    """The participants one adequately powered trial would need (formulas in the module docstring)."""
    if not (sd > 0 and delta > 0 and 0 < alpha < 1 and 0 < power < 1 and groups in (1, 2)):
        raise ValueError(f"need sd > 0, delta > 0, 0 < alpha, power < 1 and 1 or 2 groups; got sd={sd!r}, "
                         f"delta={delta!r}, alpha={alpha!r}, power={power!r}, groups={groups!r}")
    per_group = math.ceil(groups * _z_sum(alpha, power)**2 * sd**2 / delta**2)
    return InformationSize(per_group, per_group * groups, groups, sd, delta, alpha, power)


def trials_needed(tau2: float, delta: float, *, alpha: float = 0.05, power: float = 0.8) -> int:
    """The fewest trials a random-effects meta-analysis needs to detect ``delta`` with ``power`` when
    the between-trial variance is ``tau2`` (module docstring; 1 when tau² = 0).  Same scale for both."""
    if not (tau2 >= 0 and delta > 0 and math.isfinite(tau2)):
        raise ValueError(f"need tau2 >= 0 and delta > 0; got tau2={tau2!r}, delta={delta!r}")
    return max(1, math.ceil(tau2 * _z_sum(alpha, power)**2 / delta**2))


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
    r = analysis.spec.r if analysis.spec.prepost == PrePost.CHANGE else 0.0
    change = [(x["n1"], math.sqrt(max(x["sd1"]**2 + x["sd2"]**2 - 2 * r * x["sd1"] * x["sd2"], 0.0))) for x in rows]
    base = _pooled([(x["n2"], x["sd2"]) for x in rows]) if analysis.spec.prepost == PrePost.CHANGE else _pooled(arms)
    return OutcomeSpread(base, _pooled(change), 1)


def mid_in_effect_units(analysis, mid: Mid, spread: OutcomeSpread) -> float | None:
    """The MID on the analysis's scale: as is for an MD in the MID's unit, divided by the
    standardising SD for an SMD; None when no MID applies."""
    if not mid.established:
        return None
    if analysis.spec.measure == Measure.SMD:
        return mid.value / spread.standardiser if spread.standardiser > 0 else None
    return mid.value if mid.unit == analysis.unit else None


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Effect sizes on the analysis's scale (positive; ``unit`` is "SD" for an SMD): the smallest
    important effect (the MID, or an assumed small effect when ``from_mid`` is False) and the lower
    edges of a moderate and a large effect (None when no SD is available to convert them)."""

    important: float | None
    moderate: float | None
    large: float | None
    unit: str
    from_mid: bool
    sd_per_unit: float            # effect units per SD: 1 for an SMD, the standardising SD for an MD

    def edge(self, size: str) -> float | None:
        """The lower edge of ``size`` ('small', 'moderate', 'large'); None for 'trivial' or unknown."""
        return {"small": self.important, "moderate": self.moderate, "large": self.large}.get(size)

    def size_of(self, estimate: float) -> str:
        """'trivial', 'small', 'moderate' or 'large' for ``estimate``; '' when no threshold is known."""
        if self.important is None:
            return ""
        e = abs(estimate)
        if e < self.important:
            return "trivial"
        return next((name for name in ("large", "moderate") if self.edge(name) is not None and e >= self.edge(name)),
                    "small")


def size_thresholds(analysis, mid: Mid, *, small_effect_sd: float = SMALL_EFFECT_SD) -> Thresholds:
    """The thresholds of ``analysis`` (module docstring), on its scale."""
    spread = outcome_spread(analysis)
    smd = analysis.spec.measure == Measure.SMD
    per_sd = 1.0 if smd else spread.standardiser
    per_sd = per_sd if math.isfinite(per_sd) and per_sd > 0 else None
    m = mid_in_effect_units(analysis, mid, spread)
    important = m if m is not None else (small_effect_sd * per_sd if per_sd else None)
    moderate = max(MODERATE_EFFECT_SD * per_sd, important) if per_sd and important else None
    large = max(LARGE_EFFECT_SD * per_sd, moderate) if moderate else None
    return Thresholds(important, moderate, large, "SD" if smd else analysis.unit, m is not None, per_sd or float("nan"))


def information_size(analysis, mid: Mid, *, alpha: float = 0.05, power: float = 0.8,
                     small_effect_sd: float = SMALL_EFFECT_SD) -> InformationSize | None:
    """The OIS for this analysis (delta = the MID, or ``small_effect_sd`` standardising SDs);
    None when the rows give no usable SD."""
    spread = outcome_spread(analysis)
    applies = mid.established and (analysis.spec.measure == Measure.SMD or mid.unit == analysis.unit)
    delta = mid.value if applies else small_effect_sd * spread.standardiser
    if not (math.isfinite(spread.sd) and spread.sd > 0 and math.isfinite(delta) and delta > 0):
        return None
    return optimal_information_size(spread.sd, delta, groups=spread.groups, alpha=alpha, power=power)


def _regions(lo: float, hi: float, important: float) -> int:
    """How many of important benefit / trivial / important harm the CI [lo, hi] reaches into."""
    return (lo < -important) + (lo < important and hi > -important) + (hi > important)


def ci_levels(lo: float, hi: float, estimate: float, th: Thresholds, *, bayesian: bool = False) -> tuple[int, list[str]]:
    """Levels the CI (a credible interval when ``bayesian``) alone calls for, and the clauses saying
    why (module docstring)."""
    t = words.CERTAINTY_REASONS
    fmt = {"low": words.fmt_num(lo), "high": words.fmt_num(hi), "interval": words.CERTAINTY_INTERVALS[bayesian]}
    if th.important is None:
        crosses = lo < 0 < hi
        return int(crosses), [t["imp.ci_null" if crosses else "imp.ci_ok"].format(**fmt)]
    fmt["mid"] = f"{words.fmt_num(th.important)} {th.unit}"
    regions = _regions(lo, hi, th.important)
    key = {1: "imp.ci_one_region", 2: "imp.ci_mid", 3: "imp.ci_both"}[max(regions, 1)]
    clauses = [t[key].format(**fmt)]
    if regions == 2 and lo < 0 < hi:
        clauses[0] += t["imp.and_null"]
    size = th.size_of(estimate)
    edge = th.edge(size) if size in ("moderate", "large") else None
    edge = edge if edge is not None and edge > th.important else None      # a distinct threshold only
    extra = edge is not None and (lo < -edge < hi if estimate < 0 else lo < edge < hi)
    if extra:
        clauses.append(t["imp.ci_size_edge"].format(size=words.CERTAINTY_SIZE_WORDS[size],
                                                    edge=f"{words.fmt_num(edge)} {th.unit}"))
    return max(regions, 1) - 1 + int(extra), clauses


def ois_levels(n: int, ois: InformationSize | None) -> tuple[int, str]:
    """Levels the information size calls for (module docstring), and the clause saying why."""
    t = words.CERTAINTY_REASONS
    if ois is None:
        return 0, t["imp.ois_na"]
    ratio = n / ois.total
    if ratio >= 1:
        return 0, t["imp.ois_met"].format(n=n, ois=ois.total)
    key, levels = ("imp.ois_far", 2) if ratio < OIS_FAR_BELOW else ("imp.ois_short", 1)
    return levels, t[key].format(n=n, ois=ois.total, pct=100 * ratio)


def estimated_tau2(res) -> float:
    """The result's tau², or DerSimonian-Laird's when it pooled with a fixed effect (whose tau² is 0
    by assumption, not by estimate)."""
    return res.tau2 if res.is_random else meta_analysis(res.yi, res.vi, method=Tau2.DL).tau2


def trials_context(analysis, th: Thresholds, *, alpha: float = 0.05, power: float = 0.8) -> str:
    """One clause: the fewest trials needed given the estimated tau² (the analysis's estimator, or
    DerSimonian-Laird under a fixed effect); '' with one study or no threshold."""
    res = analysis.pooled
    if res.k < 2 or not th.important:
        return ""
    tau2 = estimated_tau2(res)
    t = words.CERTAINTY_REASONS
    if tau2 <= 0:
        return t["imp.trials_tau0"]
    k = trials_needed(tau2, th.important, alpha=alpha, power=power)
    return t["imp.trials"].format(tau2=words.fmt_num(tau2, 3), trials=f"{k} trial{'s' if k > 1 else ''}")


def information_context(analysis, th: Thresholds, ois: InformationSize | None) -> str:
    """The information size in one sentence, as context beside the imprecision rating: participants
    against the OIS, and the fewest trials given tau² (:func:`trials_context`)."""
    t = words.CERTAINTY_REASONS
    if ois is None:
        return ""
    head = t["ctx.ois"].format(n=analysis.participants, ois=ois.total, power=100 * ois.power)
    trials = trials_context(analysis, th, alpha=ois.alpha, power=ois.power)
    return f"{head}{'; ' + trials if trials else ''}."


def imprecision_rating(analysis, mid: Mid, ois: InformationSize | None, *,
                       small_effect_sd: float = SMALL_EFFECT_SD) -> DomainRating:
    """Rate imprecision from the pooled CI, the thresholds and the OIS (rules in the module docstring)."""
    res, t = analysis.pooled, words.CERTAINTY_REASONS
    th = size_thresholds(analysis, mid, small_effect_sd=small_effect_sd)
    by_ci, parts = ci_levels(res.ci_low, res.ci_high, res.estimate, th, bayesian=res.is_bayesian)
    by_ois, ois_clause = ois_levels(analysis.participants, ois)
    parts.append(ois_clause)
    single = 1 if res.k == 1 else 0
    if single:
        parts.append(t["imp.single"])
    if not th.from_mid:
        parts.append(t["imp.no_mid"].format(delta_sd=small_effect_sd))
    levels = min(MAX_LEVELS, max(by_ci, by_ois, single))
    return DomainRating(GradeDomain.IMPRECISION, BY_LEVELS[levels], sentence("; ".join(parts)) + ".",
                        words.GRADE_SOURCES["imprecision"], assumption=bool(single or not th.from_mid))
