"""What a dataset changes against another (normally the shipped data): every added or changed
outcome cell and every changed coded characteristic of a study, as :class:`~core.store.Edit`
records, and the plain-text list offered with an export ("ready to propose as a change to data/").

Cells are the used outcome rows, keyed by study, arm, outcome and time point; a field is one of
the fields an entry sets (:data:`core.evidence.entry.ENTRY_FIELDS`).  A row used in the base and
no longer used in the dataset counts as removed (new value "").
"""
from __future__ import annotations

import math

from core.evidence.characteristics import NOTE_COLUMN
from core.evidence.dataset import Dataset
from core.evidence.edits import Edit
from core.vocab import CHARACTERISTIC_COLUMNS
from core.words import CHANGE_LINE, CHANGES_HEADER, NO_CHANGES

CELL_FIELDS = ("n", "mean", "dispersion_type", "disp1", "disp2", "unit", "source_url", "locator", "snippet")


def _months(raw) -> str:
    try:
        v = float(raw)
    except (TypeError, ValueError):
        return str(raw)
    return f"{v:g}" if math.isfinite(v) else str(raw)


def _used_rows(ds: Dataset) -> dict:
    o = ds.outcomes
    used = o[o["use"] == "yes"]
    return {(r["study_id"], r["arm"], r["outcome"], _months(r["timepoint_months"])): r
            for r in used.to_dict("records")}


def dataset_changes(base: Dataset, ds: Dataset) -> tuple[Edit, ...]:
    """Every used outcome cell of ``ds`` that is new or different from ``base`` (and every used
    cell of ``base`` that ``ds`` no longer uses), in ``ds``'s row order then ``base``'s."""
    old, new = _used_rows(base), _used_rows(ds)
    out: list[Edit] = []
    for key in list(new) + [k for k in old if k not in new]:
        before, after = old.get(key, {}), new.get(key, {})
        src = after or before
        for f in CELL_FIELDS:
            a, b = str(before.get(f, "") or ""), str(after.get(f, "") or "")
            if a != b:
                out.append(Edit(*key, f, a, b, str(src.get("source_url", "")), str(src.get("locator", "")),
                                str(src.get("snippet", ""))))
    return tuple(out) + characteristic_changes(base, ds)


def characteristic_changes(base: Dataset, ds: Dataset) -> tuple[Edit, ...]:
    """Every coded characteristic (core.vocab.CHARACTERISTIC_COLUMNS) of a study in both datasets that
    ``ds`` codes differently, as study-level edits (no arm, outcome or time point); the source is the
    study's coding note in ``ds``, which says who set the code and why."""
    old = {r["study_id"]: r for r in base.studies.to_dict("records")}
    out = []
    for row in ds.studies.to_dict("records"):
        before = old.get(row["study_id"])
        if before is None:
            continue
        for f in CHARACTERISTIC_COLUMNS:
            a, b = str(before.get(f, "") or ""), str(row.get(f, "") or "")
            if a != b:
                out.append(Edit(row["study_id"], "", "", "", f, a, b, str(row.get(NOTE_COLUMN, "") or ""), "", ""))
    return tuple(out)


def changes_text(changes, *, header: str | None = None) -> str:
    """The plain-text list of ``changes`` (one line per cell, with its source), for a reviewer."""
    lines = [header or CHANGES_HEADER.format(n=len(changes)), ""]
    if not changes:
        lines.append(NO_CHANGES)
    for e in changes:
        quote = f"  | quote: {e.quote}" if e.quote else ""
        lines.append(CHANGE_LINE.format(cell=e.cell, old=e.old or "(none)", new=e.new or "(none)",
                                        source=e.source or "(none)", locator=e.locator or "(none)", quote=quote))
    return "\n".join(lines) + "\n"
