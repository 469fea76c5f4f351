"""What a user sets for a certainty assessment, in one immutable object: the per-study risk-of-bias
judgements, per-outcome MIDs, per-outcome indirectness judgements and per-outcome imprecision
judgements that replace the rules' rating (each with a reason and a source).  Every change returns a new object, so an app can keep it in a session or save it with a
dataset: ``to_frame()`` gives what the user set as one tidy table (one row per input, columns
:data:`INPUT_COLUMNS`) and ``from_frame(frame, dataset)`` reads it back, checking every row.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Mapping

import pandas as pd

from core.certainty.imprecision import Mid
from core.certainty.ratings import Indirectness
from core.errors import DatasetError
from core.evidence.risk_of_bias import Judgement, RiskOfBias, SetBy, check_source, default_risk_of_bias
from core.vocab import OUTCOME_BY_CODE, OUTCOMES


class InputKind(StrEnum):
    """What one row of the inputs table sets."""

    RISK_OF_BIAS = "risk_of_bias"     # study_id, domain, level, reason, source
    INDIRECTNESS = "indirectness"     # outcome, level (the concern), reason, source
    IMPRECISION = "imprecision"       # outcome, level (the concern), reason, source: overrides the rules
    MID = "mid"                       # outcome, value, unit, source


# The inputs table: one row per input the user set; a column a kind does not use is empty.
INPUT_COLUMNS = ("kind", "study_id", "domain", "outcome", "level", "value", "unit", "reason", "source")


@dataclass(frozen=True, slots=True)
class CertaintyInputs:
    """``rob``: every study's judgements (the defaults plus the user's); ``mids`` and
    ``indirectness``: the user's per-outcome choices as (outcome, value) pairs (absent: the default)."""

    rob: RiskOfBias
    mids: tuple[tuple[str, Mid], ...] = ()
    indirectness: tuple[tuple[str, Indirectness], ...] = ()
    imprecision: tuple[tuple[str, Indirectness], ...] = ()   # the user's judgement replacing the rules' rating

    @classmethod
    def default(cls, dataset) -> "CertaintyInputs":
        """Nothing set by a user: the shipped risk-of-bias defaults, default MIDs, indirectness assumed."""
        return cls(default_risk_of_bias(dataset))

    def mid_map(self) -> Mapping[str, Mid]:
        return MappingProxyType(dict(self.mids))

    def indirectness_map(self) -> Mapping[str, Indirectness]:
        return MappingProxyType(dict(self.indirectness))

    def imprecision_map(self) -> Mapping[str, Indirectness]:
        return MappingProxyType(dict(self.imprecision))

    @property
    def user_judgements(self) -> tuple[Judgement, ...]:
        return tuple(j for j in self.rob.judgements if j.set_by == SetBy.USER)

    def with_judgement(self, judgement: Judgement) -> "CertaintyInputs":
        """A copy with one more user judgement (``RiskOfBias.with_judgement`` checks it)."""
        return replace(self, rob=self.rob.with_judgement(judgement))

    def without_user_judgements(self) -> "CertaintyInputs":
        return replace(self, rob=replace(self.rob, judgements=tuple(
            j for j in self.rob.judgements if j.set_by != SetBy.USER)))

    def with_mid(self, outcome: str, mid: Mid | None) -> "CertaintyInputs":
        """A copy with ``outcome``'s MID set (None: back to the default)."""
        return replace(self, mids=_set(self.mids, _outcome(outcome), mid))

    def with_indirectness(self, outcome: str, judgement: Indirectness | None) -> "CertaintyInputs":
        """A copy with ``outcome``'s indirectness judged (None: back to the assumption)."""
        return replace(self, indirectness=_set(self.indirectness, _outcome(outcome), judgement))

    def with_imprecision(self, outcome: str, judgement: Indirectness | None) -> "CertaintyInputs":
        """A copy with ``outcome``'s imprecision judged by the user, replacing the rules' rating in
        every view of it (None: back to the rules)."""
        return replace(self, imprecision=_set(self.imprecision, _outcome(outcome), judgement))

    def carried_to(self, dataset) -> "CertaintyInputs":
        """These inputs on ``dataset`` (a new version of the data): its designs' defaults plus each
        user judgement that still applies (its study is there and its tool has that domain and
        level); MIDs and indirectness as they are."""
        rob = default_risk_of_bias(dataset)
        for j in self.user_judgements:
            try:
                rob = rob.with_judgement(j)
            except (KeyError, ValueError):
                continue          # the study is gone, or its design changed: the judgement no longer applies
        return replace(self, rob=rob)

    def to_frame(self) -> pd.DataFrame:
        """What the user set, one row per input (columns :data:`INPUT_COLUMNS`, all text)."""
        empty = dict.fromkeys(INPUT_COLUMNS, "")
        rows = [{**empty, "kind": InputKind.RISK_OF_BIAS, "study_id": j.study_id, "domain": str(j.domain),
                 "level": str(j.level), "reason": j.reason, "source": j.source} for j in self.user_judgements]
        rows += [{**empty, "kind": kind, "outcome": o, "level": str(i.concern), "reason": i.reason, "source": i.source}
                 for kind, pairs in ((InputKind.INDIRECTNESS, self.indirectness),
                                     (InputKind.IMPRECISION, self.imprecision)) for o, i in pairs]
        rows += [{**empty, "kind": InputKind.MID, "outcome": o, "value": repr(float(m.value)), "unit": m.unit,
                  "source": m.source} for o, m in self.mids]
        return pd.DataFrame([{k: str(v) for k, v in r.items()} for r in rows], columns=list(INPUT_COLUMNS))

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, dataset, *, source: str = "certainty inputs") -> "CertaintyInputs":
        """Read back what :meth:`to_frame` wrote, on ``dataset``; :class:`DatasetError` lists every
        row that cannot be used (unknown kind, study, domain, level, outcome or unit; a missing
        reason or source; a second row for the same input)."""
        missing = [c for c in INPUT_COLUMNS if c not in frame.columns]
        if missing:
            raise DatasetError([f"judgements: missing column(s) {', '.join(missing)}"], source)
        inputs, problems, seen = cls.default(dataset), [], set()
        for i, r in enumerate(frame.fillna("").astype(str).to_dict("records"), start=2):   # row 1: the header
            key = (r["kind"], r["study_id"], r["domain"], r["outcome"])
            try:
                if key in seen:
                    raise ValueError("a second row for the same input")
                seen.add(key)
                inputs = _with_row(inputs, r)
            except (KeyError, ValueError) as exc:
                problems.append(f"judgements row {i}: {exc.args[0] if exc.args else exc}")
        if problems:
            raise DatasetError(problems, source)
        return inputs


def _with_row(inputs: CertaintyInputs, r: dict) -> CertaintyInputs:
    kind = r["kind"]
    if kind == InputKind.RISK_OF_BIAS:
        return inputs.with_judgement(Judgement(r["study_id"], r["domain"], r["level"], r["reason"], r["source"]))
    if kind == InputKind.INDIRECTNESS:
        return inputs.with_indirectness(r["outcome"], Indirectness(r["level"], r["reason"], r["source"]))
    if kind == InputKind.IMPRECISION:
        return inputs.with_imprecision(r["outcome"], Indirectness(r["level"], r["reason"], r["source"]))
    if kind == InputKind.MID:
        outcome = _outcome(r["outcome"])
        if r["unit"] not in OUTCOME_BY_CODE[outcome].units:
            raise ValueError(f"{r['unit']!r} is not a unit of {outcome}; expected one of "
                             f"{list(OUTCOME_BY_CODE[outcome].units)}")
        return inputs.with_mid(outcome, user_mid(outcome, r["value"], r["unit"], r["source"]))
    raise ValueError(f"kind {kind!r} is not one of {[str(k) for k in InputKind]}")


def _outcome(outcome: str) -> str:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}; expected one of {list(OUTCOMES)}")
    return str(outcome)


def _set(pairs: tuple, key: str, value) -> tuple:
    kept = tuple((k, v) for k, v in pairs if k != key)
    return kept if value is None else kept + ((key, value),)


def user_mid(outcome: str, value: float, unit: str, source: str) -> Mid:
    """A user's MID for ``outcome``: a positive finite number in ``unit`` with a source; a clear
    ``ValueError`` otherwise."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"a MID must be a number; got {value!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"a MID must be a positive number; got {value!r}")
    return Mid(_outcome(outcome), v, str(unit), check_source(source))
