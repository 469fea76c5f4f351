"""Each study's design and its risk-of-bias judgements (issue 17, item 1).

Randomised trials are judged with RoB 2 (Sterne et al. 2019, BMJ 366:l4898), non-randomised
controlled studies and single-arm before–after studies with ROBINS-I (Sterne et al. 2016, BMJ
355:i4919).  The shipped default is "not assessed" for every domain (the paper did no assessment),
except where the design alone decides: a single-arm before–after study has no concurrent control,
so confounding is inherently not controllable, which ROBINS-I rates "critical" (and the overall
judgement is at least as severe as the worst domain).  A before–after *comparison* (the pre-post
view) carries that same judgement for every study, randomised or not, because randomisation does
not protect a within-arm change over time.

Users add judgements, each with a reason (a clear sentence) and a source; the result is a new
frozen :class:`RiskOfBias`.  ``to_frame`` / ``from_frame`` give one judgement per row so the set
can be saved and versioned with a dataset.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

import pandas as pd

from core import words
from core.vocab import Comparison, DesignClass


class Tool(StrEnum):
    ROB2 = "rob2"
    ROBINS_I = "robins_i"


class RobDomain(StrEnum):
    RANDOMISATION = "randomisation"
    CONFOUNDING = "confounding"
    SELECTION = "selection"
    CLASSIFICATION = "classification"
    DEVIATIONS = "deviations"
    MISSING_DATA = "missing_data"
    MEASUREMENT = "measurement"
    REPORTING = "reporting"
    OVERALL = "overall"


class RobLevel(StrEnum):
    LOW = "low"
    SOME_CONCERNS = "some_concerns"   # RoB 2
    HIGH = "high"                     # RoB 2
    MODERATE = "moderate"             # ROBINS-I
    SERIOUS = "serious"               # ROBINS-I
    CRITICAL = "critical"             # ROBINS-I
    NOT_ASSESSED = "not_assessed"


class SetBy(StrEnum):
    DEFAULT = "default"   # nobody has judged it
    DESIGN = "design"     # the design alone decides
    USER = "user"
    DERIVED = "derived"   # an overall judgement computed from the domains


TOOL_DOMAINS = {
    Tool.ROB2: (RobDomain.RANDOMISATION, RobDomain.DEVIATIONS, RobDomain.MISSING_DATA, RobDomain.MEASUREMENT,
                RobDomain.REPORTING, RobDomain.OVERALL),
    Tool.ROBINS_I: (RobDomain.CONFOUNDING, RobDomain.SELECTION, RobDomain.CLASSIFICATION, RobDomain.DEVIATIONS,
                    RobDomain.MISSING_DATA, RobDomain.MEASUREMENT, RobDomain.REPORTING, RobDomain.OVERALL),
}
# Each tool's levels, least to most severe.
TOOL_LEVELS = {Tool.ROB2: (RobLevel.LOW, RobLevel.SOME_CONCERNS, RobLevel.HIGH),
               Tool.ROBINS_I: (RobLevel.LOW, RobLevel.MODERATE, RobLevel.SERIOUS, RobLevel.CRITICAL)}
DESIGN_TOOL = {DesignClass.RCT: Tool.ROB2, DesignClass.CONTROLLED: Tool.ROBINS_I, DesignClass.SINGLE_ARM: Tool.ROBINS_I}
FRAME_COLUMNS = ("study_id", "design_class", "tool", "domain", "level", "reason", "source", "set_by")
MIN_REASON_WORDS = 4


def check_sentence(text: str, what: str = "reason") -> str:
    """Return ``text`` stripped if it reads as a clear sentence: one line, at least
    ``MIN_REASON_WORDS`` words, starting with a capital letter or digit and ending with '.', '!' or
    '?'.  Raise ``ValueError`` saying what is wrong otherwise."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"a judgement needs a {what}: one clear sentence saying why")
    text = text.strip()
    if "\n" in text:
        raise ValueError(f"the {what} must be one sentence on one line; got {text!r}")
    if len(text.split()) < MIN_REASON_WORDS or not (text[0].isupper() or text[0].isdigit()) \
            or text[-1] not in ".!?":
        raise ValueError(f"the {what} must be a clear sentence (a capital letter first, at least "
                         f"{MIN_REASON_WORDS} words, a full stop at the end); got {text!r}")
    return text


def check_source(text: str) -> str:
    """Return ``text`` stripped if it names a source (at least one letter, 3+ characters)."""
    if not isinstance(text, str) or len(text.strip()) < 3 or not any(c.isalpha() for c in text):
        raise ValueError(f"a judgement needs a source (e.g. 'Cai 2016, Methods, p. 151'); got {text!r}")
    return text.strip()


@dataclass(frozen=True, slots=True)
class Judgement:
    """One risk-of-bias judgement of one study in one domain, with why and on what authority."""

    study_id: str
    domain: str
    level: str
    reason: str
    source: str
    set_by: str = SetBy.USER

    def __post_init__(self):
        for name, enum in (("domain", RobDomain), ("level", RobLevel), ("set_by", SetBy)):
            try:
                object.__setattr__(self, name, enum(getattr(self, name)))
            except ValueError:
                raise ValueError(f"`{name}` must be one of {[str(e) for e in enum]}; "
                                 f"got {getattr(self, name)!r}") from None
        object.__setattr__(self, "reason", check_sentence(self.reason))
        object.__setattr__(self, "source", check_source(self.source))

    @property
    def assessed(self) -> bool:
        return self.level != RobLevel.NOT_ASSESSED


@dataclass(frozen=True, slots=True)
class StudyDesign:
    """A study's design class (core.vocab.DESIGN_CLASSES) and the tool that judges it."""

    study_id: str
    design_class: str

    @property
    def tool(self) -> Tool:
        """RoB 2 for a randomised trial, ROBINS-I for any non-randomised comparison."""
        return DESIGN_TOOL[self.design_class]

    @property
    def before_after(self) -> bool:
        return self.design_class == DesignClass.SINGLE_ARM


def before_after_judgement(study_id: str, domain: str = RobDomain.OVERALL) -> Judgement:
    """The judgement an uncontrolled before–after comparison carries by design (critical)."""
    return Judgement(study_id, domain, RobLevel.CRITICAL, words.ROB_BEFORE_AFTER, words.ROB_BEFORE_AFTER_SOURCE,
                     SetBy.DESIGN)


def not_assessed(study_id: str, domain: str) -> Judgement:
    """The shipped default for a domain nobody has judged."""
    return Judgement(study_id, domain, RobLevel.NOT_ASSESSED, words.ROB_NOT_ASSESSED, words.ROB_NOT_ASSESSED_SOURCE,
                     SetBy.DEFAULT)


def _design_judgements(design: StudyDesign) -> tuple[Judgement, ...]:
    if not design.before_after:
        return ()
    return tuple(before_after_judgement(design.study_id, d) for d in (RobDomain.CONFOUNDING, RobDomain.OVERALL))


@dataclass(frozen=True, slots=True)
class RiskOfBias:
    """Every study's design and its judgements.  ``judgements`` holds the explicit ones (set by the
    design or a user); any other domain is "not assessed".  Immutable: ``with_judgement`` returns a
    new object."""

    designs: tuple[StudyDesign, ...]
    judgements: tuple[Judgement, ...] = ()

    def design(self, study_id: str) -> StudyDesign:
        for d in self.designs:
            if d.study_id == study_id:
                return d
        raise KeyError(f"no study {study_id!r} in this risk-of-bias table")

    def judgement(self, study_id: str, domain: str) -> Judgement:
        """The judgement of ``study_id`` in ``domain`` (the "not assessed" default when none is set)."""
        for j in self.judgements:
            if j.study_id == study_id and j.domain == domain:
                return j
        if domain not in TOOL_DOMAINS[self.design(study_id).tool]:
            raise ValueError(f"{domain!r} is not a {self.design(study_id).tool} domain")
        return not_assessed(study_id, domain)

    def overall(self, study_id: str, comparison: str = Comparison.VS_CONTROL) -> Judgement:
        """The overall judgement of one study's result for ``comparison``.

        A pre-post comparison is an uncontrolled before–after change whatever the design, so it is
        critical by design.  Otherwise: the overall judgement if set; else derived from the domains
        judged (at least as severe as the most severe one, the RoB 2 and ROBINS-I rule); else "not
        assessed"."""
        if comparison == Comparison.PRE_POST:
            return before_after_judgement(study_id)
        set_ = self.judgement(study_id, RobDomain.OVERALL)
        if set_.assessed:
            return set_
        tool = self.design(study_id).tool
        judged = [self.judgement(study_id, d) for d in TOOL_DOMAINS[tool][:-1]]
        judged = [j for j in judged if j.assessed]
        if not judged:
            return set_
        worst = max(judged, key=lambda j: TOOL_LEVELS[tool].index(j.level))
        all_low = worst.level == RobLevel.LOW and len(judged) == len(TOOL_DOMAINS[tool]) - 1
        if worst.level == RobLevel.LOW and not all_low:
            return set_   # some domains low, others not judged: the overall level is unknown
        reason = words.ROB_DERIVED.format(domain=words.ROB_DOMAIN_LABELS[worst.domain],
                                          level=words.ROB_LEVEL_LABELS[worst.level].lower())
        return Judgement(study_id, RobDomain.OVERALL, worst.level, reason, words.ROB_DERIVED_SOURCE[tool],
                         SetBy.DERIVED)

    def with_judgement(self, judgement: Judgement) -> "RiskOfBias":
        """A copy with ``judgement`` set (replacing any earlier one for that study and domain).

        Refused: an unknown study, a domain or level the study's tool does not have, and any change
        to a judgement the design decides."""
        design = self.design(judgement.study_id)
        if judgement.domain not in TOOL_DOMAINS[design.tool]:
            raise ValueError(f"{judgement.domain!r} is not a {design.tool} domain; "
                             f"use one of {[str(d) for d in TOOL_DOMAINS[design.tool]]}")
        if judgement.assessed and judgement.level not in TOOL_LEVELS[design.tool]:
            raise ValueError(f"{judgement.level!r} is not a {design.tool} level; "
                             f"use one of {[str(v) for v in TOOL_LEVELS[design.tool]]}")
        current = self.judgement(judgement.study_id, judgement.domain)
        if current.set_by == SetBy.DESIGN:
            raise ValueError(f"{judgement.study_id}: the {judgement.domain} judgement is decided by the design "
                             f"({current.reason})")
        kept = tuple(j for j in self.judgements
                     if (j.study_id, j.domain) != (judgement.study_id, judgement.domain))
        return replace(self, judgements=kept + (judgement,))

    def to_frame(self) -> pd.DataFrame:
        """One row per study and domain of its tool, the defaults included (a new frame each call)."""
        rows = [{"study_id": d.study_id, "design_class": d.design_class, "tool": str(d.tool), "domain": str(dom),
                 "level": str(j.level), "reason": j.reason, "source": j.source, "set_by": str(j.set_by)}
                for d in self.designs for dom in TOOL_DOMAINS[d.tool]
                for j in (self.judgement(d.study_id, dom),)]
        return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> "RiskOfBias":
        """Read back what ``to_frame`` wrote: the users' judgements are kept, the design's are
        re-derived from the design class and the defaults are implied."""
        missing = [c for c in FRAME_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"a risk-of-bias table needs the columns {missing}")
        designs = tuple(StudyDesign(sid, dc) for sid, dc in
                        frame[["study_id", "design_class"]].drop_duplicates().itertuples(index=False))
        rob = default_risk_of_bias_for(designs)
        for r in frame[frame["set_by"] == SetBy.USER].itertuples(index=False):
            rob = rob.with_judgement(Judgement(r.study_id, r.domain, r.level, r.reason, r.source, SetBy.USER))
        return rob


def default_risk_of_bias_for(designs) -> RiskOfBias:
    """The shipped default for these study designs: not assessed, except what the design decides."""
    designs = tuple(designs)
    unknown = sorted({d.design_class for d in designs} - set(DESIGN_TOOL))
    if unknown:
        raise ValueError(f"unknown design class(es) {unknown}; expected one of {list(DESIGN_TOOL)}")
    return RiskOfBias(designs, tuple(j for d in designs for j in _design_judgements(d)))


def default_risk_of_bias(dataset) -> RiskOfBias:
    """The shipped default for a :class:`~core.evidence.dataset.Dataset` (or its studies frame)."""
    studies = getattr(dataset, "studies", dataset)
    return default_risk_of_bias_for(StudyDesign(str(s), str(c)) for s, c in
                                    studies[["study_id", "design_class"]].itertuples(index=False))
