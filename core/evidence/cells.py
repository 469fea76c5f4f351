"""The cells the extraction workbench works on: a study × outcome × time point (:class:`Cell`), the
cells of a completeness table that have no numbers (:func:`missing_cells`), where each sits on the
completeness map (:func:`cell_axes`), and the arms the entry form asks for in one cell
(:func:`entry_sections`, the arm rule)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.evidence.completeness import bin_months
from core.evidence.dataset import Dataset
from core.evidence.entry import randomised_n
from core.vocab import OUTCOME_SHORT, CellStatus, DesignClass
from core.words import AFTER_SECTION, ARM_SECTION, BEFORE_SECTION
from core.words.formats import plain
from core.words.phrases import INFERRED_MARK


@dataclass(frozen=True, slots=True)
class Cell:
    """A study × outcome × time point of the completeness map."""

    study_id: str
    outcome: str
    months: float
    label: str

    @property
    def place(self) -> tuple:
        """Which cell it is (the label aside, which a new version may word differently)."""
        return self.study_id, self.outcome, self.months


@dataclass(frozen=True, slots=True)
class Section:
    """One arm at one time point, as the entry form shows it."""

    arm: str
    months: float
    title: str


def cell_axes(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Each row's x (outcome · time bin) and y (study label, with a dagger when inferred) on the
    map, so that a clicked point can be traced back to its row.  The labels are plotly tick labels:
    plain text, so a study named "<i>X</i>" reads as typed."""
    ys = [f"{plain(lab)} {INFERRED_MARK}" if str(conf) != "high" else plain(lab)
          for lab, conf in zip(table["label"], table["id_confidence"])]
    xs = [f"{OUTCOME_SHORT.get(o, o)} · {b}" for o, b in zip(table["outcome"], table["time_bin"])]
    return xs, ys


def missing_cells(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a completeness table (:func:`core.evidence.completeness.completeness_table`) without
    numbers at baseline, 3, 6 or 12 months, with the outcome's short name and their place on the map
    (``x``, ``y``)."""
    miss = table[(table["status"] == CellStatus.MISSING) & (table["time_bin"] != "other")].copy()
    miss["outcome_short"] = miss["outcome"].map(lambda o: OUTCOME_SHORT.get(o, o))
    miss["x"], miss["y"] = cell_axes(miss) if len(miss) else ([], [])
    return miss.reset_index(drop=True)


def cell_of(row) -> Cell:
    """The :class:`Cell` of one row of :func:`missing_cells`."""
    return Cell(row["study_id"], row["outcome"], bin_months(row["time_bin"]),
                f"{row['label']}, {row['outcome_short']} at {row['time_bin']}")


def entry_sections(ds: Dataset, cell: Cell) -> tuple[Section, ...]:
    """MSC and control arms for a controlled study; before and after for a single-arm one (before
    only when the baseline is missing too)."""
    s = ds.studies[ds.studies["study_id"] == cell.study_id].iloc[0]
    if s["design_class"] != DesignClass.SINGLE_ARM and randomised_n(ds, cell.study_id, "control") != 0:
        return tuple(Section(a, cell.months, ARM_SECTION[a]) for a in ("msc", "control"))
    if cell.months == 0:
        return (Section("msc", 0.0, BEFORE_SECTION),)
    o = ds.outcomes
    has_base = ((o["study_id"] == cell.study_id) & (o["arm"] == "msc") & (o["outcome"] == cell.outcome)
                & (o["timepoint_num"] == 0) & (o["use"] == "yes")).any()
    after = Section("msc", cell.months, AFTER_SECTION.format(when=f"{cell.months:g} months"))
    return (after,) if has_base else (Section("msc", 0.0, BEFORE_SECTION), after)
