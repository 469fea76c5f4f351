"""The GRADE domains other than imprecision, each rated from the numbers of one analysis.

- Risk of bias (GRADE guidelines 4, Guyatt et al. 2011, J Clin Epidemiol 64:407; Cochrane Handbook
  v5.1 Table 12.2.d): each contributing study's overall judgement counts with its share of the
  weight; "most information" means more than half of it.  Most weight at critical risk: very
  serious; at high (RoB 2) or serious (ROBINS-I) risk or worse: serious; with RoB 2 "some
  concerns" or worse: serious.  ROBINS-I "moderate" is not rated down: it is what a sound
  non-randomised study reaches, and non-randomised evidence already starts at low.  A study nobody
  has judged is not known to be at low risk: when most of the weight is not known to be at low
  risk (not assessed, or some concerns or worse) and part of it is not assessed, the domain is
  rated serious as a stated precaution (the conservative reading GRADE leaves to the reviewer), and
  the rating is *provisional* until the studies are judged; the user's judgements then replace the
  precaution.  Design-decided judgements (an uncontrolled before–after comparison) are judgements.
- Inconsistency (GRADE guidelines 7, Guyatt et al. 2011, J Clin Epidemiol 64:1294; Cochrane
  Handbook v6.4 §10.10.2), from the spread of the study results only: serious when I² > 50%
  (substantial), P(Q) < 0.10, two studies' 95% CIs do not overlap, the 95% range of the true
  effects (mu ± 1.96 tau, Higgins et al. 2009, J R Stat Soc A 172:137) includes no effect while the
  CI does not, or the subgroups differ (P < 0.10); very serious when I² > 75% (considerable) with
  P(Q) < 0.10 and study estimates on both sides of no effect.  The t-based prediction interval is
  not used: at k = 3 its width comes mostly from t(1), i.e. from few studies, which is imprecision.
  With one study: not assessable.
- Indirectness (GRADE guidelines 8, Guyatt et al. 2011, J Clin Epidemiol 64:1303): set by the user
  with a reason; by default not serious, flagged as an assumption.
- Publication bias (GRADE guidelines 5, Guyatt et al. 2011, J Clin Epidemiol 64:1277; Sterne et al.
  2011, BMJ 343:d4002): not assessable with fewer than 10 studies; otherwise Egger's test, serious
  when P < 0.10 (the level Egger et al. 1997 used).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from core import words
from core.bias import MIN_K_FOR_TESTS, egger_test
from core.certainty.imprecision import estimated_tau2
from core.certainty.ratings import Concern, DomainRating, GradeDomain, Indirectness, sentence
from core.evidence.risk_of_bias import RiskOfBias, RobLevel
from core.vocab import Population

MOST = 50.0                   # percent of the weight: "most information"
I2_SUBSTANTIAL = 50.0         # Cochrane Handbook v6.4 §10.10.2
I2_CONSIDERABLE = 75.0
P_HETEROGENEITY = 0.10        # Cochrane Handbook v6.4 §10.10.2: the Q test has low power
P_SUBGROUPS = 0.10
P_EGGER = 0.10                # Egger et al. 1997, BMJ 315:629

# Which overall judgements count as "critical", "high or worse" and "some concerns or worse".
CRITICAL = {RobLevel.CRITICAL}
HIGH_OR_WORSE = {RobLevel.HIGH, RobLevel.SERIOUS, RobLevel.CRITICAL}
CONCERNS_OR_WORSE = HIGH_OR_WORSE | {RobLevel.SOME_CONCERNS}


@dataclass(frozen=True, slots=True)
class WeightShares:
    """Percent of an analysis's weight whose overall risk-of-bias judgement is critical, high or
    worse, some concerns or worse, low, and not assessed (the first three nest)."""

    critical: float
    high: float
    concerns: float
    low: float
    unknown: float


def weight_shares(analysis, rob: RiskOfBias) -> WeightShares:
    """The shares of the weight by overall judgement, for the analysis's comparison."""
    by_level: dict = {}
    for r in analysis.row_records:
        level = rob.overall(r["study_id"], analysis.spec.comparison).level
        by_level[level] = by_level.get(level, 0.0) + float(r["weight_pct"])

    def share(levels) -> float:
        return sum(by_level.get(v, 0.0) for v in levels)

    return WeightShares(share(CRITICAL), share(HIGH_OR_WORSE), share(CONCERNS_OR_WORSE), share({RobLevel.LOW}),
                        share({RobLevel.NOT_ASSESSED}))


def risk_of_bias_rating(analysis, rob: RiskOfBias) -> DomainRating:
    """Rate risk of bias from the contributing studies' judgements weighted by their weight."""
    shares = weight_shares(analysis, rob)
    pct = {f: getattr(shares, f) for f in WeightShares.__dataclass_fields__}
    t = words.CERTAINTY_REASONS
    note = t["rob.unknown_note"].format(**pct) if shares.unknown > 0 else ""
    source = words.GRADE_SOURCES["risk_of_bias"]
    for key, field_, concern in (("rob.very_serious", "critical", Concern.VERY_SERIOUS),
                                 ("rob.serious", "high", Concern.SERIOUS),
                                 ("rob.concerns", "concerns", Concern.SERIOUS)):
        if pct[field_] > MOST:
            return DomainRating(GradeDomain.RISK_OF_BIAS, concern, t[key].format(**pct, unknown_note=note), source)
    if shares.unknown > 0 and shares.unknown + shares.concerns > MOST:
        return DomainRating(GradeDomain.RISK_OF_BIAS, Concern.SERIOUS, t["rob.precaution"].format(**pct), source,
                            assumption=True)
    if shares.unknown > 0:
        return DomainRating(GradeDomain.RISK_OF_BIAS, Concern.NOT_SERIOUS, t["rob.unknown"].format(**pct), source,
                            assumption=True)
    return DomainRating(GradeDomain.RISK_OF_BIAS, Concern.NOT_SERIOUS, t["rob.low"].format(**pct), source)


def provisional_share(analysis, rob: RiskOfBias) -> float:
    """Percent of the weight whose risk of bias nobody judged, when the rating rests on it: most of
    the weight, or enough to trigger the precaution; 0 otherwise."""
    shares = weight_shares(analysis, rob)
    rests = shares.unknown > MOST or (shares.unknown > 0 and shares.unknown + shares.concerns > MOST
                                      and shares.concerns <= MOST)
    return shares.unknown if rests else 0.0


def p_clause(p: float) -> str:
    """'= 0.17' or '< 0.00001': a P value's relation and number, to follow 'P(Q) '."""
    return words.fmt_p(p).split(" ", 1)[1]


def _cis_overlap(res) -> bool:
    """Whether every pair of the studies' 95% CIs overlaps (GRADE guidelines 7, criterion 2)."""
    half = 1.959963984540054 * np.sqrt(res.vi)
    return bool(np.max(res.yi - half) <= np.min(res.yi + half))


def _inconsistency_signals(analysis) -> tuple[list[str], list[str]]:
    """(signals that call for rating down, other findings), each a clause with its number."""
    res, t = analysis.pooled, words.CERTAINTY_REASONS
    bad, fine = [], []
    (bad if res.i2 > I2_SUBSTANTIAL else fine).append(t["inc.i2"].format(i2=res.i2))
    (bad if res.q_pvalue < P_HETEROGENEITY else fine).append(t["inc.q"].format(p=p_clause(res.q_pvalue)))
    overlap = _cis_overlap(res)
    (fine if overlap else bad).append(t["inc.overlap" if overlap else "inc.no_overlap"])
    tau2 = estimated_tau2(res)
    if tau2 > 0:
        tau = math.sqrt(tau2)
        low, high = res.estimate - 1.959963984540054 * tau, res.estimate + 1.959963984540054 * tau
        rng = {"low": words.fmt_num(low), "high": words.fmt_num(high), "tau2": words.fmt_num(tau2, 3)}
        ci_excludes = not res.ci_low <= 0 <= res.ci_high
        range_includes = low <= 0 <= high
        (bad if ci_excludes and range_includes else fine).append(
            t["inc.range_null" if range_includes else "inc.range_excludes"].format(**rng))
    else:
        fine.append(t["inc.tau0"])
    sub = analysis.subgroups
    if analysis.spec.population == Population.ALL and sub is not None and sub.df_between >= 1 \
            and sub.p_between < P_SUBGROUPS:
        bad.append(t["inc.subgroups"].format(p=p_clause(sub.p_between)))
    return bad, fine


def inconsistency_rating(analysis) -> DomainRating:
    """Rate inconsistency from the spread of the study results (module docstring)."""
    res, t = analysis.pooled, words.CERTAINTY_REASONS
    source = words.GRADE_SOURCES["inconsistency"]
    if res.k < 2:
        return DomainRating(GradeDomain.INCONSISTENCY, Concern.NOT_ASSESSABLE, t["inc.single"], source)
    bad, fine = _inconsistency_signals(analysis)
    both_sides = bool(np.any(res.yi < 0) and np.any(res.yi > 0))
    if res.i2 > I2_CONSIDERABLE and res.q_pvalue < P_HETEROGENEITY and both_sides:
        return DomainRating(GradeDomain.INCONSISTENCY, Concern.VERY_SERIOUS,
                            t["inc.very_serious"].format(signals=", ".join(bad)), source)
    if bad:
        return DomainRating(GradeDomain.INCONSISTENCY, Concern.SERIOUS,
                            t["inc.serious"].format(signals=", ".join(bad + fine)), source)
    return DomainRating(GradeDomain.INCONSISTENCY, Concern.NOT_SERIOUS,
                        t["inc.none"].format(signals=", ".join(fine)), source)


def imprecision_override(computed: DomainRating, judgement: Indirectness | None) -> DomainRating:
    """``computed`` (the rules' imprecision), or the user's judgement replacing it: the reason keeps
    what the rules said, so the override is visible next to what it overrides."""
    if judgement is None:
        return computed
    reason = words.CERTAINTY_REASONS["imp.user"].format(
        reason=judgement.reason.rstrip("."), concern=words.CONCERN_LABELS[computed.concern].lower(),
        computed=computed.reason[:1].lower() + computed.reason[1:])
    return DomainRating(GradeDomain.IMPRECISION, judgement.concern, reason, judgement.source, judged=True)


def indirectness_rating(judgement: Indirectness | None) -> DomainRating:
    """The user's indirectness judgement, or the default: not serious, as an assumption."""
    if judgement is None:
        return DomainRating(GradeDomain.INDIRECTNESS, Concern.NOT_SERIOUS, words.CERTAINTY_REASONS["ind.assumed"],
                            words.GRADE_SOURCES["indirectness"], assumption=True)
    return DomainRating(GradeDomain.INDIRECTNESS, judgement.concern, judgement.reason, judgement.source)


def publication_bias_rating(analysis) -> DomainRating:
    """Not assessable below ``core.bias.MIN_K_FOR_TESTS`` studies; otherwise Egger's test."""
    res, t = analysis.pooled, words.CERTAINTY_REASONS
    source = words.GRADE_SOURCES["publication_bias"]
    if res.k < MIN_K_FOR_TESTS:
        return DomainRating(GradeDomain.PUBLICATION_BIAS, Concern.NOT_ASSESSABLE,
                            t["pub.few"].format(k=res.k, min_k=MIN_K_FOR_TESTS), source)
    try:
        egger = egger_test(res)
    except ValueError as exc:
        return DomainRating(GradeDomain.PUBLICATION_BIAS, Concern.NOT_ASSESSABLE,
                            t["pub.egger_na"].format(why=str(exc)), source)
    asymmetric = egger.pvalue < P_EGGER
    reason = sentence(t["pub.egger"].format(p=words.fmt_p(egger.pvalue),
                                            verdict=t["pub.asymmetric" if asymmetric else "pub.symmetric"]))
    return DomainRating(GradeDomain.PUBLICATION_BIAS, Concern.SERIOUS if asymmetric else Concern.NOT_SERIOUS,
                        reason, source)
