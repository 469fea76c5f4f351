"""The vocabulary of a GRADE rating: the certainty levels, the five domains, how serious a concern
is, and one domain's rating with its reason.

GRADE rates the certainty of a body of evidence high, moderate, low or very low; randomised trials
start high and observational evidence low; each domain rated serious takes one level off and very
serious two, down to very low (GRADE Handbook 2013 §5; Balshem et al. 2011, GRADE guidelines 3,
J Clin Epidemiol 64:401).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core import words
from core.evidence.risk_of_bias import check_sentence, check_source


class Level(StrEnum):
    """Certainty of the evidence, highest first."""

    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"
    VERY_LOW = "very_low"


LEVELS: tuple[Level, ...] = tuple(Level)


class Concern(StrEnum):
    NOT_SERIOUS = "not_serious"
    SERIOUS = "serious"
    VERY_SERIOUS = "very_serious"
    EXTREMELY_SERIOUS = "extremely_serious"   # imprecision only: three levels (GRADE guidance 35)
    NOT_ASSESSABLE = "not_assessable"   # e.g. inconsistency with one study: no downgrade, said so


DOWNGRADE = {Concern.NOT_SERIOUS: 0, Concern.SERIOUS: 1, Concern.VERY_SERIOUS: 2, Concern.EXTREMELY_SERIOUS: 3,
             Concern.NOT_ASSESSABLE: 0}
BY_LEVELS = {0: Concern.NOT_SERIOUS, 1: Concern.SERIOUS, 2: Concern.VERY_SERIOUS, 3: Concern.EXTREMELY_SERIOUS}


class GradeDomain(StrEnum):
    RISK_OF_BIAS = "risk_of_bias"            # GRADE guidelines 4 (Guyatt et al. 2011)
    INCONSISTENCY = "inconsistency"          # GRADE guidelines 7
    INDIRECTNESS = "indirectness"            # GRADE guidelines 8
    IMPRECISION = "imprecision"              # GRADE guidelines 6
    PUBLICATION_BIAS = "publication_bias"    # GRADE guidelines 5


def lower(level: Level, steps: int) -> Level:
    """``level`` taken down ``steps`` levels, floored at very low."""
    return LEVELS[min(LEVELS.index(Level(level)) + max(steps, 0), len(LEVELS) - 1)]


@dataclass(frozen=True, slots=True)
class DomainRating:
    """One GRADE domain: how serious the concern is, one sentence saying why (built from the
    numbers), the guidance the rule follows, and whether the rating is an assumption rather than
    a judgement (e.g. indirectness nobody has assessed)."""

    domain: GradeDomain
    concern: Concern
    reason: str
    source: str
    assumption: bool = False
    judged: bool = False          # the user's judgement replaced the rules' rating (its footnote always shows)

    @property
    def downgrade(self) -> int:
        return DOWNGRADE[self.concern]

    @property
    def label(self) -> str:
        return words.GRADE_DOMAIN_LABELS[self.domain]

    def footnote(self) -> str:
        """'Imprecision (serious): the 95% CI ...' for a downgrade or an assumption; '' otherwise."""
        if self.downgrade:
            return words.CERTAINTY_FOOTNOTE.format(label=self.label, concern=words.CONCERN_LABELS[self.concern].lower(),
                                                   reason=self.reason)
        if self.judged:
            return words.CERTAINTY_JUDGED.format(label=self.label, reason=self.reason)
        return words.CERTAINTY_ASSUMPTION.format(label=self.label, reason=self.reason) if self.assumption else ""


@dataclass(frozen=True, slots=True)
class Indirectness:
    """A user's judgement of one outcome's domain (indirectness, or imprecision overriding the rules):
    how serious, why (a clear sentence) and on what source."""

    concern: Concern
    reason: str
    source: str

    def __post_init__(self):
        object.__setattr__(self, "concern", Concern(self.concern))
        if self.concern in (Concern.NOT_ASSESSABLE, Concern.EXTREMELY_SERIOUS):
            raise ValueError("a domain is judged not serious, serious or very serious")
        object.__setattr__(self, "reason", check_sentence(self.reason))
        object.__setattr__(self, "source", check_source(self.source))


def sentence(text: str) -> str:
    """``text`` with a capital first letter (the reason templates join lower-case clauses)."""
    return text[:1].upper() + text[1:]


# An imprecision judgement has the same shape: a concern, a clear sentence and a source.
ImprecisionJudgement = Indirectness
