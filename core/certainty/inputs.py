"""What a user sets for a certainty assessment, in one immutable object: the per-study risk-of-bias
judgements, per-outcome MIDs and per-outcome indirectness judgements (each with a reason and a
source).  Every change returns a new object, so an app can keep it in a session or save it with a
dataset: ``rob.to_frame()`` / ``RiskOfBias.from_frame`` give the judgements as one table.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Mapping

from core.certainty.imprecision import Mid
from core.certainty.ratings import Indirectness
from core.evidence.risk_of_bias import Judgement, RiskOfBias, SetBy, check_source, default_risk_of_bias
from core.vocab import OUTCOMES


@dataclass(frozen=True, slots=True)
class CertaintyInputs:
    """``rob``: every study's judgements (the defaults plus the user's); ``mids`` and
    ``indirectness``: the user's per-outcome choices as (outcome, value) pairs (absent: the default)."""

    rob: RiskOfBias
    mids: tuple[tuple[str, Mid], ...] = ()
    indirectness: tuple[tuple[str, Indirectness], ...] = ()

    @classmethod
    def default(cls, dataset) -> "CertaintyInputs":
        """Nothing set by a user: the shipped risk-of-bias defaults, default MIDs, indirectness assumed."""
        return cls(default_risk_of_bias(dataset))

    def mid_map(self) -> Mapping[str, Mid]:
        return MappingProxyType(dict(self.mids))

    def indirectness_map(self) -> Mapping[str, Indirectness]:
        return MappingProxyType(dict(self.indirectness))

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
