"""One changed cell of the evidence (:class:`Edit`) and the clock every edit and saved version is
stamped with (:func:`utc_now`).  They belong to the evidence: the entry form makes edits and
:mod:`core.evidence.changes` lists them, while :mod:`core.store` only keeps them with a version."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone


def utc_now() -> datetime:
    """The current time, timezone-aware UTC (what every stored time is)."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True, slots=True)
class Edit:
    """One changed cell: the value in ``field`` of the outcome row study_id/arm/outcome/timepoint
    went from ``old`` to ``new`` ("" when there was none), with the source that supports it."""

    study_id: str
    arm: str
    outcome: str
    timepoint: str
    field: str
    old: str
    new: str
    source: str
    locator: str
    quote: str = ""
    time: datetime | None = None

    @property
    def cell(self) -> str:
        """The cell as one path, e.g. ``Cai2016/msc/hba1c/12/mean``; a study-level edit (a coded
        characteristic: no arm, outcome or time point) is ``Cai2016/cell_source``."""
        return "/".join(p for p in (self.study_id, self.arm, self.outcome, self.timepoint, self.field) if p)
