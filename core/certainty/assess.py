"""One analysis's GRADE certainty: the starting level, the five domains, the rating and the
plain-language statement.

Starting level (GRADE Handbook 2013 §5.1; Balshem et al. 2011, GRADE guidelines 3, J Clin
Epidemiol 64:401): randomised trials start high, observational evidence low.  A pre-post view
compares each MSC arm with itself before treatment, an uncontrolled before–after comparison, so it
starts low whatever the studies' design.  A between-arm view starts high only when every
contributing study is randomised; any non-randomised contribution starts the whole body low.  That
mixture rule is conservative: GRADE guidance 24 (Cuello-Garcia et al. 2022, J Clin Epidemiol
142:200) advises judging randomised and non-randomised evidence separately and using the latter
only where it adds to the former, which one pooled estimate cannot do.

The rating is the starting level minus one per serious, two per very serious and three per
extremely serious domain, floored at very low.  It is *provisional* when it rests on studies whose
risk of bias nobody judged (:func:`core.certainty.domains.provisional_share`), and every label says so.

The statement follows the Cochrane Handbook v6.4 Table 15.6.b and GRADE guidelines 26 (Santesso et al.
2020, J Clin Epidemiol 119:126, Table 2): high "results in", moderate "likely results in", low "may
result in", each with the size of the effect; very low names no size: "The evidence is very
uncertain about the effect of MSC on ...".  The size (trivial, small, moderate, large) comes from
the thresholds of :func:`core.certainty.imprecision.size_thresholds`, and the sentence names the
threshold it used.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from core import words
from core.certainty.domains import (imprecision_override, indirectness_rating, inconsistency_rating,
                                    provisional_share, publication_bias_rating, risk_of_bias_rating)
from core.certainty.imprecision import (LARGE_EFFECT_SD, MID_DEFAULTS, MODERATE_EFFECT_SD, SMALL_EFFECT_SD,
                                        InformationSize, Mid, Thresholds, imprecision_rating, information_context,
                                        information_size, size_thresholds)
from core.certainty.ratings import DomainRating, Indirectness, Level, lower
from core.evidence.risk_of_bias import RiskOfBias
from core.vocab import Comparison, DesignClass

DOMAIN_COLUMNS = ["domain", "label", "concern", "downgrade", "reason", "source", "assumption"]


@dataclass(frozen=True, slots=True)
class StartingLevel:
    level: Level
    reason: str
    source: str


def starting_level(analysis) -> StartingLevel:
    """Where the rating starts, from the contributing designs and the comparison (module docstring)."""
    t, k = words.CERTAINTY_REASONS, analysis.k
    if analysis.spec.comparison == Comparison.PRE_POST:
        return StartingLevel(Level.LOW, t["start.before_after"], words.GRADE_SOURCES["start"])
    n_nrs = sum(r["design_class"] != DesignClass.RCT for r in analysis.row_records)
    if n_nrs == 0:
        return StartingLevel(Level.HIGH, t["start.rct_one" if k == 1 else "start.rct"].format(k=k),
                             words.GRADE_SOURCES["start"])
    return StartingLevel(Level.LOW, t["start.nrs"].format(n_nrs=n_nrs, k=k),
                         words.GRADE_SOURCES["start_mixed" if n_nrs < k else "start"])


@dataclass(frozen=True, slots=True)
class Certainty:
    """The certainty of one analysis.  ``rating`` is None only when nothing could be pooled (then
    ``statement`` says so and ``domains`` is empty)."""

    outcome: str
    comparison: str
    population: str
    k: int
    participants: int
    measure: str
    unit: str
    estimate: float
    ci_low: float
    ci_high: float
    start: StartingLevel | None
    domains: tuple[DomainRating, ...]
    rating: Level | None
    size: str
    statement: str
    mid: Mid
    ois: InformationSize | None
    provisional: float = 0.0      # percent of the weight whose risk of bias nobody judged, when the rating rests on it
    studies: tuple[str, ...] = ()  # the contributing studies' labels
    context: str = ""             # information size as context, not a verdict (imprecision.trials_context)

    @property
    def downgrades(self) -> int:
        return sum(d.downgrade for d in self.domains)

    @property
    def label(self) -> str:
        """'Low'; 'Low (provisional: ...)' when the rating rests on unjudged risk of bias."""
        if not self.rating:
            return words.CERTAINTY_NONE
        base = words.CERTAINTY_LABELS[self.rating]
        return words.CERTAINTY_PROVISIONAL.format(label=base, pct=self.provisional) if self.provisional else base

    @property
    def level_label(self) -> str:
        """'Low', without the provisional note (for narrow places that show the note elsewhere)."""
        return words.CERTAINTY_LABELS[self.rating] if self.rating else words.CERTAINTY_NONE

    @property
    def symbols(self) -> str:
        return words.CERTAINTY_SYMBOLS[self.rating] if self.rating else ""

    @property
    def footnotes(self) -> tuple[str, ...]:
        """One footnote per downgrade, then one per assumption, each stating its reason."""
        downs = [d.footnote() for d in self.domains if d.downgrade]
        assumed = [d.footnote() for d in self.domains if (d.assumption or d.judged) and not d.downgrade]
        return tuple(downs + assumed)

    def line(self) -> str:
        """'Certainty of this evidence (GRADE): ⊕◯◯◯ Very low — starts low, rated down for risk of bias
        (very serious), imprecision (serious).'; '' when nothing was pooled."""
        if self.rating is None:
            return ""
        start = words.CERTAINTY_LABELS[self.start.level].lower()
        down = [f"{d.label.lower()} ({words.CONCERN_LABELS[d.concern].lower()})" for d in self.domains if d.downgrade]
        why = (words.CERTAINTY_LINE_DOWN.format(start=start, domains=", ".join(down)) if down
               else words.CERTAINTY_LINE_NONE.format(start=start))
        return words.CERTAINTY_LINE.format(symbols=self.symbols, label=self.label, why=why)

    def caption(self) -> str:
        """'Certainty of the evidence (GRADE): ⊕◯◯◯ Very low (provisional: ...)' for a slide; ''
        when nothing was pooled."""
        return words.CERTAINTY_CAPTION.format(symbols=self.symbols, label=self.label) if self.rating else ""

    def domain(self, domain: str) -> DomainRating:
        for d in self.domains:
            if d.domain == domain:
                return d
        raise KeyError(f"no {domain!r} rating (nothing was pooled)" if not self.domains else domain)

    def to_frame(self) -> pd.DataFrame:
        """One row per GRADE domain (a new frame each call)."""
        return pd.DataFrame([{"domain": str(d.domain), "label": d.label, "concern": str(d.concern),
                              "downgrade": d.downgrade, "reason": d.reason, "source": d.source,
                              "assumption": d.assumption} for d in self.domains], columns=DOMAIN_COLUMNS)


def effect_size_band(analysis, mid: Mid, *, small_effect_sd: float = SMALL_EFFECT_SD) -> str:
    """'trivial', 'small', 'moderate' or 'large' for the pooled estimate; '' when no threshold is known."""
    return size_thresholds(analysis, mid, small_effect_sd=small_effect_sd).size_of(analysis.pooled.estimate)


def _amount(value: float, th: Thresholds, sd: float | None) -> str:
    """'1.21 % = 0.8 SD'; '0.80 SD' for an SMD; '0.50 % (the MID, above 0.8 SD here)' when the MID
    raised the edge."""
    text = f"{words.fmt_num(value)} {th.unit}"
    if not math.isclose(value, sd * th.sd_per_unit, rel_tol=1e-9):
        return text + words.CERTAINTY_EDGE_RAISED.format(sd=sd)
    return text if th.unit == "SD" else f"{text} = {sd:g} SD"


def size_basis(th: Thresholds, size: str, small_effect_sd: float = SMALL_EFFECT_SD) -> str:
    """The threshold a statement's size rests on, in words: ' (a large effect: at least 1.21 % = 0.8 SD)'."""
    if not size:
        return ""
    important = f"{words.fmt_num(th.important)} {th.unit}, " + (
        words.CERTAINTY_MID_WORD if th.from_mid else words.CERTAINTY_ASSUMED_WORD.format(sd=small_effect_sd))
    values = {"important": important,
              "moderate": _amount(th.moderate, th, MODERATE_EFFECT_SD) if th.moderate else "",
              "large": _amount(th.large, th, LARGE_EFFECT_SD) if th.large else ""}
    key = size if size in ("trivial", "large") or th.moderate else "small_open"
    return words.CERTAINTY_SIZE_BASIS[key].format(**values)


def statement(outcome: str, comparison: str, rating: Level, size: str, estimate: float, basis: str = "") -> str:
    """The plain-language statement (module docstring); ``basis`` names the size's threshold."""
    noun_outcome = words.CERTAINTY_OUTCOME_NOUNS[outcome]
    if rating == Level.VERY_LOW:
        return words.CERTAINTY_VERY_UNCERTAIN.format(outcome=noun_outcome,
                                                     comparator=words.CERTAINTY_COMPARATORS[comparison]) + "."
    template = words.CERTAINTY_STATEMENTS[rating][size or "moderate"]
    verb, noun = words.CERTAINTY_DIRECTION["down" if estimate < 0 else "up"]
    text = template.format(verb=verb, noun=noun, outcome=noun_outcome)
    return f"{text}{words.CERTAINTY_COMPARATORS[comparison]}{basis}."


def _no_evidence(analysis, mid: Mid) -> Certainty:
    spec, nan = analysis.spec, float("nan")
    text = words.CERTAINTY_NO_EVIDENCE.format(outcome=words.CERTAINTY_OUTCOME_NOUNS[spec.outcome])
    return Certainty(spec.outcome, spec.comparison, spec.population, 0, 0, spec.measure, analysis.unit, nan, nan, nan,
                     None, (), None, "", text, mid, None)


def assess(analysis, rob: RiskOfBias, *, mid: Mid | None = None, indirectness: Indirectness | None = None,
           imprecision: Indirectness | None = None, alpha: float = 0.05, power: float = 0.8,
           small_effect_sd: float = SMALL_EFFECT_SD) -> Certainty:
    """Rate the certainty of the evidence of one :class:`~core.workflow.analysis.ForestAnalysis`.

    ``rob``: the studies' risk-of-bias judgements (``core.evidence.risk_of_bias``); ``mid``: the
    outcome's MID (default ``MID_DEFAULTS[outcome]``); ``indirectness``: the user's judgement
    (default not serious, as an assumption); ``imprecision``: the user's judgement replacing the rules'
    imprecision rating (the reason keeps what the rules said); ``alpha``, ``power``: for the OIS;
    ``small_effect_sd``: the effect the OIS is sized for when no MID is established.
    """
    spec = analysis.spec
    mid = MID_DEFAULTS[spec.outcome] if mid is None else mid
    if analysis.pooled is None:
        return _no_evidence(analysis, mid)
    ois = information_size(analysis, mid, alpha=alpha, power=power, small_effect_sd=small_effect_sd)
    domains = (risk_of_bias_rating(analysis, rob), inconsistency_rating(analysis), indirectness_rating(indirectness),
               imprecision_override(imprecision_rating(analysis, mid, ois, small_effect_sd=small_effect_sd),
                                    imprecision),
               publication_bias_rating(analysis))
    start = starting_level(analysis)
    rating = lower(start.level, sum(d.downgrade for d in domains))
    res = analysis.pooled
    th = size_thresholds(analysis, mid, small_effect_sd=small_effect_sd)
    size = th.size_of(res.estimate)
    basis = size_basis(th, size, small_effect_sd) if rating != Level.VERY_LOW else ""
    return Certainty(spec.outcome, spec.comparison, spec.population, analysis.k, analysis.participants, spec.measure,
                     analysis.unit, res.estimate, res.ci_low, res.ci_high, start, domains, rating, size,
                     statement(spec.outcome, spec.comparison, rating, size, res.estimate, basis), mid, ois,
                     provisional_share(analysis, rob), tuple(str(r["label"]) for r in analysis.row_records),
                     information_context(analysis, th, ois))

