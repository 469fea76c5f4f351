"""Setting or correcting a study's coded characteristic (issue 25 item 1): one :class:`CodeChange`
(study, characteristic, new code, and the reason / source that supports it) is checked against the
registry's codes (:data:`core.vocab.CATEGORICAL_CHARACTERISTICS`, :data:`core.vocab.NUMERIC_CHARACTERISTICS`)
and written into the studies table of a new Dataset, with one :class:`~core.evidence.edits.Edit` that
the version history shows (old and new code, the reason as its source).

The shipped codes are read from each study's quoted text; a user's code may rest on another source
(the full paper, a trial registry).  So the change never claims the quoted text supports it: the
study's ``coding_note`` gains a line naming the user's code and reason, which the Studies page shows.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from core import vocab
from core.errors import DatasetError
from core.evidence.characteristics import NOTE_COLUMN
from core.evidence.dataset import Dataset, validate_studies
from core.evidence.edits import Edit, utc_now
from core.evidence.entry import parse_number
from core.evidence.limits import MAX_CELL_CHARS
from core.vocab import NOT_REPORTED
from core.words.characteristics import (CHARACTERISTIC_LABELS, CODING_NOTE_LINE, CODING_PROBLEMS,
                                        characteristic_value_words)

EDIT_ARM = ""            # a study-level edit names no arm, outcome or time point
MIN_REASON_CHARS = 3


@dataclass(frozen=True, slots=True)
class CodeChange:
    """Set ``column`` of ``study_id`` to ``value`` (a code, a number or ``not_reported``), because of
    ``reason`` (a source: citation, URL, or a sentence), found at ``locator``, quoting ``quote``."""

    study_id: str
    column: str
    value: str
    reason: str
    locator: str = ""
    quote: str = ""


@dataclass(frozen=True, slots=True)
class CodeChangeResult:
    """The new Dataset, the edit its version records, and the code before and after (as stored)."""

    dataset: Dataset
    edits: tuple[Edit, ...]
    old: str
    new: str


def normalised_value(column: str, raw) -> str | None:
    """The stored text of a typed value: the code itself, ``not_reported``, a number as typed (dose)
    or a whole number (infusions); None when it is none of those."""
    text = str(raw if raw is not None else "").strip()
    if text in (NOT_REPORTED, ""):
        return NOT_REPORTED if text else None
    if column in vocab.CATEGORICAL_CHARACTERISTICS:
        return text if text in vocab.CATEGORICAL_CHARACTERISTICS[column] else None
    n = parse_number(text)
    if n.value is None or not n.ok or n.value <= 0 or n.value > 1e6:
        return None
    if column == "infusions":
        return str(int(n.value)) if n.value == int(n.value) else None
    return f"{n.value:g}"


def current_code(dataset: Dataset, study_id: str, column: str) -> str:
    """The stored code of ``column`` for ``study_id`` ('' when the table has no such cell)."""
    rows = dataset.studies[dataset.studies["study_id"] == study_id]
    if rows.empty or column not in rows.columns:
        return ""
    return str(rows.iloc[0][column] or "")


def check_code_change(dataset: Dataset, change: CodeChange) -> tuple[str, ...]:
    """Every problem of ``change`` on ``dataset``, each a sentence (empty: it can be saved)."""
    p = CODING_PROBLEMS
    if change.study_id not in set(dataset.studies["study_id"]):
        return (p["study"].format(study=change.study_id),)
    if change.column not in vocab.CHARACTERISTIC_COLUMNS:
        return (p["column"].format(column=change.column),)
    out = []
    value = normalised_value(change.column, change.value)
    if value is None:
        kind = "number" if change.column == "dose_per_kg" else "count" if change.column == "infusions" else "code"
        out.append(p[kind].format(value=str(change.value).strip() or "(empty)"))
    elif value == (current_code(dataset, change.study_id, change.column) or NOT_REPORTED):
        out.append(p["same"].format(value=characteristic_value_words(change.column, value)))
    reason = str(change.reason or "").strip()
    if len(reason) < MIN_REASON_CHARS or not any(c.isalpha() for c in reason):
        out.append(p["reason"])
    for name in ("reason", "locator", "quote"):
        text = str(getattr(change, name) or "")
        if len(text) > MAX_CELL_CHARS:
            out.append(p["long"].format(field=name, n=MAX_CELL_CHARS))
        if "\x00" in text:
            out.append(p["nul"].format(field=name))
    return tuple(out)


def apply_code_change(dataset: Dataset, change: CodeChange, *, now: datetime | None = None) -> CodeChangeResult:
    """``dataset`` with the change written into its studies table (and a line added to the study's
    coding note), and the one Edit that records it; raises :class:`DatasetError` listing its problems."""
    problems = check_code_change(dataset, change)
    if problems:
        raise DatasetError(list(problems), "characteristic")
    new = normalised_value(change.column, change.value)
    old = current_code(dataset, change.study_id, change.column)
    reason, locator, quote = (str(x or "").strip() for x in (change.reason, change.locator, change.quote))
    text = dataset.studies.drop(columns=[c for c in dataset.studies.columns if c.endswith("_num")]).copy()
    at = text["study_id"] == change.study_id
    text.loc[at, change.column] = new
    note = CODING_NOTE_LINE.format(name=CHARACTERISTIC_LABELS[change.column],
                                   old=characteristic_value_words(change.column, old),
                                   new=characteristic_value_words(change.column, new),
                                   reason=reason + (f" ({locator})" if locator else ""))
    before = str(text.loc[at, NOTE_COLUMN].iloc[0] or "") if NOTE_COLUMN in text else ""
    text.loc[at, NOTE_COLUMN] = f"{before} {note}".strip()
    studies = validate_studies(text)
    edit = Edit(change.study_id, EDIT_ARM, EDIT_ARM, EDIT_ARM, change.column, old, new, reason, locator, quote,
                now or utc_now())
    return CodeChangeResult(dataclasses.replace(dataset, studies=studies), (edit,), old, new)


def is_characteristic_edit(edit: Edit) -> bool:
    """Whether ``edit`` changed a study's coded characteristic (not an outcome cell)."""
    return edit.arm == EDIT_ARM and edit.outcome == EDIT_ARM and edit.field in vocab.CHARACTERISTIC_COLUMNS

