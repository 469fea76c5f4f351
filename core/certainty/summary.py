"""A GRADE summary of findings: one row per outcome for a view's comparison and population.

Each row carries the studies and participants, the pooled effect with its CI in the outcome's
units, the certainty with its symbols, one footnote per downgrade (and per assumption) stating its
reason, and GRADE's plain-language statement (GRADE Handbook 2013 §5 and ch. 9 on summary of
findings tables; Santesso et al. 2020, GRADE guidelines 26).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from core import words
from core.workflow.analysis import AnalysisSpec, analyse
from core.certainty.assess import Certainty, assess
from core.certainty.imprecision import Mid
from core.certainty.ratings import Indirectness, Level
from core.evidence.risk_of_bias import RiskOfBias, default_risk_of_bias
from core.certainty.subgroup_rows import subgroup_certainties
from core.vocab import OUTCOME_LABELS, OUTCOMES, SUBGROUP_KEYS
from core.words.characteristics import SOF_SUBGROUP_LABEL

SOF_COLUMNS = ["outcome", "outcome_label", "studies", "participants", "study_names", "effect", "certainty",
               "symbols", "provisional", "start", "footnotes", "statement", "information_size", "subgroup"]


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One outcome's row: its analysis's certainty and the effect as the table prints it."""

    outcome: str             # a core.vocab.Outcome code
    certainty: Certainty
    effect: str              # "MD (%) −1.13 [−1.50, −0.75]", or a sentence when nothing pooled
    subgroup: str = ""       # a subgroup row (core.certainty.subgroup_rows): the subgroup's label
    extra_notes: tuple[str, ...] = ()   # a subgroup row's own footnotes (what it is; a capped rating)

    @property
    def label(self) -> str:
        """The outcome as a reader names it; '– T1DM' for a subgroup row."""
        return SOF_SUBGROUP_LABEL.format(group=self.subgroup) if self.subgroup else OUTCOME_LABELS[self.outcome]

    @property
    def studies_text(self) -> str:
        """'1 study (42 participants): Cai 2016'; with more studies, 'k studies (n participants)'."""
        return words.sof_studies(self.certainty.k, self.certainty.participants, self.certainty.studies)

    @property
    def notes(self) -> tuple[str, ...]:
        """The row's footnotes: the starting level when below high, then ``Certainty.footnotes``."""
        c = self.certainty
        start = () if c.start is None or c.start.level == Level.HIGH else (
            words.SOF_START_NOTE.format(level=words.CERTAINTY_LABELS[c.start.level].lower(), reason=c.start.reason),)
        return start + c.footnotes + self.extra_notes

    def _record(self) -> dict:
        c = self.certainty
        return {"outcome": str(self.outcome), "outcome_label": OUTCOME_LABELS[self.outcome], "studies": c.k,
                "participants": c.participants, "study_names": "; ".join(c.studies), "effect": self.effect,
                "certainty": c.label, "symbols": c.symbols, "provisional": bool(c.provisional),
                "start": c.start.reason if c.start else "",
                "footnotes": " ".join(f"({chr(97 + i)}) {f}" for i, f in enumerate(c.footnotes)),
                "statement": c.statement, "information_size": c.context, "subgroup": self.subgroup}


@dataclass(frozen=True, slots=True)
class SummaryOfFindings:
    """Rows in the order of ``core.vocab.OUTCOMES`` for ``spec``'s comparison and population; with
    ``subgroups_by`` (a core.vocab.SUBGROUP_KEYS key), each outcome's subgroup rows follow its row."""

    spec: AnalysisSpec
    rows: tuple[FindingRow, ...]
    subgroups_by: str = ""

    def row(self, outcome: str) -> FindingRow:
        """The outcome's own row (not one of its subgroup rows)."""
        for r in self.rows:
            if r.outcome == outcome and not r.subgroup:
                return r
        raise KeyError(outcome)

    def to_frame(self) -> pd.DataFrame:
        """One row per outcome (a new frame each call)."""
        return pd.DataFrame([r._record() for r in self.rows], columns=SOF_COLUMNS)

    def footnotes(self) -> "Footnotes":
        """The table's footnotes lettered once for the whole table, as GRADE summary-of-findings
        tables print them: a, b, c ... in order of first use, one letter per distinct text (the
        same assumption on every row gets one letter).  A row that starts below high gets a first
        footnote saying why (the design), then one per downgrade and one per assumption."""
        letters: dict[str, str] = {}
        per_row = []
        for r in self.rows:
            mine = []
            for text in r.notes:
                if text not in letters:
                    letters[text] = footnote_letter(len(letters))
                mine.append(letters[text])
            per_row.append(tuple(mine))
        return Footnotes(tuple(per_row), tuple((letter, text) for text, letter in letters.items()))


def footnote_letter(i: int) -> str:
    """'a' .. 'z', then 'aa', 'ab', ... for the ``i``-th footnote (0-based)."""
    return chr(97 + i) if i < 26 else footnote_letter(i // 26 - 1) + chr(97 + i % 26)


@dataclass(frozen=True, slots=True)
class Footnotes:
    """``letters[i]``: the footnote letters of row i; ``notes``: (letter, text) in letter order."""

    letters: tuple[tuple[str, ...], ...]
    notes: tuple[tuple[str, str], ...]


def effect_text(c: Certainty) -> str:
    """'MD (%) −1.13 [−1.50, −0.75]'; '' when nothing was pooled."""
    if c.rating is None:
        return ""
    return f"{words.measure_unit(c.measure, c.unit)} {words.fmt_ci(c.estimate, c.ci_low, c.ci_high)}"


def summary_of_findings(dataset, spec: AnalysisSpec, rob: RiskOfBias | None = None, *,
                        mids: dict[str, Mid] | None = None,
                        indirectness: dict[str, Indirectness] | None = None,
                        imprecision: dict[str, Indirectness] | None = None,
                        subgroups_by: str | None = None) -> SummaryOfFindings:
    """Assess every outcome under ``spec``'s other choices.  ``rob`` defaults to the shipped
    risk-of-bias table of ``dataset``; ``mids`` and ``indirectness`` map an outcome to the user's
    MID, indirectness judgement and imprecision judgement (the defaults, and the rules, otherwise).
    ``subgroups_by``: add under each outcome a row per subgroup by that key (core.certainty.subgroup_rows)."""
    if subgroups_by and subgroups_by not in SUBGROUP_KEYS:
        raise ValueError(f"`subgroups_by` must be one of {SUBGROUP_KEYS}; got {subgroups_by!r}")
    rob = default_risk_of_bias(dataset) if rob is None else rob
    mids, indirectness, imprecision = mids or {}, indirectness or {}, imprecision or {}
    rows = []
    for outcome in OUTCOMES:
        def rate(analysis, outcome=outcome):
            return assess(analysis, rob, mid=mids.get(outcome), indirectness=indirectness.get(outcome),
                          imprecision=imprecision.get(outcome))

        view = replace(spec, outcome=outcome)
        a = analyse(dataset, view)
        c = rate(a)
        rows.append(FindingRow(outcome, c, effect_text(c)))
        if subgroups_by:
            rows += [FindingRow(outcome, sc, effect_text(sc), label, notes) for label, sc, notes in
                     subgroup_certainties(dataset, view, a, c.rating, subgroups_by, rate)]
    return SummaryOfFindings(spec, tuple(rows), subgroups_by or "")
