"""The entry form's checks and the edit it makes (issue 12, §1): one arm's numbers for one study,
outcome and time point, with their source.

:func:`check_entry` names every problem in a sentence, by field, so a form can show each beside
its field as it is typed; :func:`apply_entry` writes a checked entry into a dataset's outcomes
table (the shipped schema, with ``source_url``, ``locator`` and ``snippet``) and returns the new
dataset with the :class:`~core.store.Edit` of every changed cell.  A row it replaces is kept,
marked ``use = no``, so the old number stays visible.

The rules mirror :func:`core.evidence.dataset.validate_outcomes` (which re-checks the result), with
the form's own: the unit must be one of the outcome's units (``core.vocab``), n may not exceed the
arm's randomised n (``n_msc`` / ``n_control`` of the studies table), a source and a locator are
required.
"""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Mapping

import pandas as pd

from core.conversions import DISPERSION_TYPES
from core.errors import DatasetError
from core.evidence.dataset import ARMS, MAX_ABS_VALUE, Dataset, validate_outcomes
from core.evidence.edits import Edit, utc_now
from core.evidence.upload import MAX_CELL_CHARS
from core.vocab import OUTCOME_BY_CODE, SetTag
from core.words import ARM_LABELS, DISPERSION_LABELS, ENTRY_NOTE, MINUS, SUPERSEDED_NOTE

BOUNDED_TYPES = ("ci95", "median_iqr", "median_range")        # disp1 = lower, disp2 = upper bound
SINGLE_TYPES = ("sd", "sd?", "se")                            # disp1 only, and > 0
NEEDS_TWO = ("se", "ci95", "median_iqr", "median_range")      # a dispersion that needs n >= 2
# The outcome-row fields an entry sets, in the order its edits are listed.
ENTRY_FIELDS = ("n", "mean", "dispersion_type", "disp1", "disp2", "unit", "source_url", "locator", "snippet")
_UNSAFE_SOURCE = re.compile(r"^\s*(javascript|data|vbscript|file)\s*:", re.IGNORECASE)
# A number as the save reads it (validate_outcomes: pandas.to_numeric), and nothing else: ASCII
# digits, one point, an optional exponent.  float() alone also takes '1_000', Arabic-Indic or
# full-width digits and 'nan', which the save then refused as "outcomes row 50".
_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
NUMBER_HINT = "digits 0-9 with a point for decimals, e.g. 7.5"


@dataclass(frozen=True, slots=True)
class Entry:
    """One arm's numbers as typed in the form.  Numbers may be given as text (as typed) or numbers."""

    study_id: str
    arm: str
    outcome: str
    timepoint_months: object
    n: object
    mean: object
    dispersion_type: str
    disp1: object
    disp2: object = None
    unit: str = ""
    source: str = ""
    locator: str = ""
    quote: str = ""
    timepoint_label: str = ""


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem with one field of an entry, as a sentence."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class EntryCheck:
    """The problems of an entry (none: it can be saved); ``entry`` and ``dataset_key`` (the
    :attr:`Dataset.key` it was checked against) when made by :func:`check_entry_in`, so that
    :func:`apply_entries` writes it without checking it again."""

    problems: tuple[Problem, ...]
    entry: Entry | None = None
    dataset_key: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(p.message for p in self.problems)

    def for_field(self, field: str) -> tuple[str, ...]:
        """The sentences about one field (to show beside it)."""
        return tuple(p.message for p in self.problems if p.field == field)


@dataclass(frozen=True, slots=True)
class Number:
    """A typed number: ``value`` (None when empty or not a number), ``text`` as stored (ASCII
    minus), ``shown`` as a user reads it (true minus sign)."""

    value: float | None
    text: str
    ok: bool

    @property
    def shown(self) -> str:
        return self.text.replace("-", MINUS)


def parse_number(raw) -> Number:
    """Read a typed number: accepts a true minus sign and surrounding spaces; empty is None."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return Number(None, "", True)
    text = (str(raw) if not isinstance(raw, str) else raw).strip().replace(MINUS, "-")
    if not text:
        return Number(None, "", True)
    if not _NUMBER.fullmatch(text):
        return Number(None, text, False)
    value = float(text)
    return Number(value, text, math.isfinite(value) and abs(value) <= MAX_ABS_VALUE)


def randomised_n(dataset: Dataset, study_id: str, arm: str) -> int | None:
    """The n randomised (or enrolled) to an arm, from ``n_msc`` / ``n_control``; None if not given."""
    rows = dataset.studies[dataset.studies["study_id"] == study_id]
    col = "n_msc" if arm == "msc" else "n_control"
    if rows.empty or col not in rows.columns:
        return None
    n = parse_number(rows.iloc[0][col])
    return int(n.value) if n.value is not None and n.ok and n.value == int(n.value) else None


def _one_of(words) -> str:
    words = [str(w) for w in words]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _check_codes(e: Entry, study_ids, out: list[Problem]) -> None:
    if study_ids is not None and e.study_id not in set(study_ids):
        out.append(Problem("study_id", f"{e.study_id!r} is not a study of this dataset"))
    if e.arm not in ARMS:
        out.append(Problem("arm", f"{e.arm!r} is not an arm; expected {_one_of([ARM_LABELS[a] for a in ARMS])}"))
    info = OUTCOME_BY_CODE.get(e.outcome)
    if info is None:
        names = _one_of([o.short for o in OUTCOME_BY_CODE.values()])
        out.append(Problem("outcome", f"{e.outcome!r} is not an outcome; expected {names}"))
    elif e.unit not in info.units:
        got = f"{e.unit} is not a unit of {info.short}" if str(e.unit).strip() else f"the unit of {info.short} is required"
        out.append(Problem("unit", f"{got}; expected {_one_of(info.units)}"))
    if e.dispersion_type not in DISPERSION_TYPES:
        names = _one_of([DISPERSION_LABELS[t] for t in DISPERSION_TYPES if t != "sd?"])
        out.append(Problem("dispersion_type", f"{e.dispersion_type!r} is not a dispersion type; expected {names}"))


def _check_n(e: Entry, arm_n: int | None, out: list[Problem]) -> Number:
    n = parse_number(e.n)
    if n.value is None or not n.ok or n.value < 1 or n.value != int(n.value):
        out.append(Problem("n", "n is required" if n.ok and n.value is None
                           else f"n must be a whole number ≥ 1; got {n.shown}"))
        return n
    arm = ARM_LABELS.get(e.arm, e.arm)
    if arm_n == 0:
        out.append(Problem("arm", f"{e.study_id} has no {arm} arm (no patients randomised to it)"))
    elif arm_n is not None and n.value > arm_n:
        out.append(Problem("n", f"n = {int(n.value)} is larger than the {arm_n} patients randomised to the {arm} arm"))
    if e.dispersion_type in NEEDS_TWO and n.value < 2:
        label = DISPERSION_LABELS[e.dispersion_type]
        out.append(Problem("n", f"{_article(label)} {label} needs n ≥ 2; got n = {int(n.value)}"))
    return n


def _required_number(raw, field: str, what: str, out: list[Problem]) -> Number:
    x = parse_number(raw)
    if x.value is None and x.ok:
        out.append(Problem(field, f"{what} is required"))
    elif x.value is None:
        out.append(Problem(field, f"{what} must be a number ({NUMBER_HINT}); got {x.shown!r}"))
    elif not x.ok:
        out.append(Problem(field, f"{what} must be a finite number of at most {MAX_ABS_VALUE:g}; got {x.shown}"))
    return x


def _check_dispersion(e: Entry, out: list[Problem]) -> None:
    t = e.dispersion_type
    if t not in DISPERSION_TYPES:
        return
    centre = "median" if t.startswith("median") else "mean"
    mean = _required_number(e.mean, "mean", f"the {centre}", out)
    if t in SINGLE_TYPES:
        short = {"sd": "SD", "sd?": "'±' value", "se": "SE"}[t]
        d = _required_number(e.disp1, "disp1", f"the {short}", out)
        if d.value is not None and d.ok and d.value <= 0:
            out.append(Problem("disp1", f"{_article(short)} {short} must be > 0; got {d.shown}"))
        if parse_number(e.disp2).text:
            out.append(Problem("disp2", f"{_article(short)} {short} is one number; leave the second value empty"))
        return
    what = {"ci95": "95% CI", "median_iqr": "IQR", "median_range": "range"}[t]
    lo = _required_number(e.disp1, "disp1", f"the lower bound of the {what}", out)
    hi = _required_number(e.disp2, "disp2", f"the upper bound of the {what}", out)
    if None in (lo.value, hi.value) or not (lo.ok and hi.ok):
        return
    interval = f"[{lo.shown}, {hi.shown}]"
    if hi.value <= lo.value:
        out.append(Problem("disp2", f"the {what} {interval} must have its lower bound below its upper bound"))
    elif mean.value is not None and mean.ok and not lo.value <= mean.value <= hi.value:
        out.append(Problem("mean", f"the 95% CI {interval} does not contain its mean {mean.shown}" if t == "ci95"
                           else f"the median {mean.shown} lies outside its {what} {interval}"))


def _article(label: str) -> str:
    # 'an' before an abbreviation read with a vowel sound (SD, SE, IQR)
    return "an" if label[:1] in "AEFHILMNORSX" else "a"


def _check_text(e: Entry, out: list[Problem]) -> None:
    t = parse_number(e.timepoint_months)
    if t.value is None or not t.ok or t.value < 0:
        out.append(Problem("timepoint_months", "the time point is required (months; 0 = baseline)" if t.ok and
                           t.value is None else f"the time point must be months ≥ 0; got {t.shown}"))
    if not str(e.source or "").strip():
        out.append(Problem("source", "the source is required: a URL, DOI or citation"))
    elif _UNSAFE_SOURCE.match(e.source):
        out.append(Problem("source", "the source must be a web address (http or https), a DOI or a citation"))
    if not str(e.locator or "").strip():
        out.append(Problem("locator", "the locator is required: the table, figure or page the numbers are on"))
    for field in ("source", "locator", "quote", "unit", "timepoint_label"):
        if len(str(getattr(e, field) or "")) > MAX_CELL_CHARS:
            out.append(Problem(field, f"the {field.replace('_', ' ')} has more than {MAX_CELL_CHARS} characters"))
        if "\x00" in str(getattr(e, field) or ""):      # no backend stores it alike (PostgreSQL refuses it)
            out.append(Problem(field, f"the {field.replace('_', ' ')} holds a NUL character (U+0000); remove it"))


def check_entry(entry: Entry, *, randomised_n: int | None = None, study_ids=None) -> EntryCheck:
    """Every problem of ``entry``, as sentences by field.  ``randomised_n``: the arm's randomised n
    (None: not known, not checked); ``study_ids``: the studies it may name (None: not checked)."""
    out: list[Problem] = []
    _check_codes(entry, study_ids, out)
    _check_n(entry, randomised_n, out)
    _check_dispersion(entry, out)
    _check_text(entry, out)
    return EntryCheck(tuple(out))


def check_entry_in(dataset: Dataset, entry: Entry) -> EntryCheck:
    """:func:`check_entry` against a dataset's studies and the arm's randomised n."""
    check = check_entry(entry, randomised_n=randomised_n(dataset, entry.study_id, entry.arm),
                        study_ids=dataset.studies["study_id"])
    return dataclasses.replace(check, entry=entry, dataset_key=dataset.key)


@dataclass(frozen=True, slots=True)
class EntryResult:
    """A dataset with an entry applied: ``edits`` lists every changed cell (old -> new);
    ``row`` is the outcome row written (read-only); ``superseded`` whether a used row was replaced."""

    dataset: Dataset
    edits: tuple[Edit, ...]
    row: Mapping[str, str]
    superseded: bool


def entry_row(dataset: Dataset, entry: Entry) -> dict[str, str]:
    """The outcomes row (shipped schema, all text) that a checked entry writes."""
    t = parse_number(entry.timepoint_months)
    study = dataset.studies[dataset.studies["study_id"] == entry.study_id]
    label = str(entry.timepoint_label or "").strip() or ("baseline" if t.value == 0 else f"{t.value:g} months")
    return {"study_id": entry.study_id, "set": str(study.iloc[0]["set"]) if not study.empty else SetTag.PAPER.value,
            "arm": entry.arm, "outcome": entry.outcome, "timepoint_months": t.text, "timepoint_label": label,
            "n": str(int(parse_number(entry.n).value)), "mean": parse_number(entry.mean).text,
            "dispersion_type": entry.dispersion_type, "disp1": parse_number(entry.disp1).text,
            "disp2": parse_number(entry.disp2).text, "unit": entry.unit, "use": "yes", "use_note": ENTRY_NOTE,
            "source_url": entry.source.strip(), "locator": entry.locator.strip(), "snippet": entry.quote.strip()}


def apply_entry(dataset: Dataset, entry: Entry, *, now: datetime | None = None) -> EntryResult:
    """Check ``entry`` against ``dataset`` and write it (:func:`apply_entries`); raises
    :class:`DatasetError` listing its problems."""
    return apply_entries(dataset, (check_entry_in(dataset, entry),), now=now)


def apply_entries(dataset: Dataset, checks, *, now: datetime | None = None) -> EntryResult:
    """Write the entries of ``checks`` (:func:`check_entry_in`'s, on ``dataset``: each entry is checked
    once, where it is typed) into the outcomes table, in order, and record what changed.

    The used row of the same study, arm, outcome and time point (if any) is kept with ``use = no``
    and a note; the new row is appended.  The table is validated once, with every entry written.
    Raises :class:`DatasetError` listing the problems of an entry that has some, and ValueError for
    a check not made on ``dataset``.
    """
    checks = tuple(checks)
    for check in checks:
        if check.entry is None or check.dataset_key != dataset.key:
            raise ValueError("apply_entries takes the checks check_entry_in made on this dataset")
        if not check.ok:
            raise DatasetError(list(check.messages), "entry")
    o = dataset.outcomes
    text = o.drop(columns=[c for c in o.columns if c.endswith("_num")]).copy()
    when = now or utc_now()
    edits: list[Edit] = []
    row, superseded = {}, False
    for check in checks:
        entry = check.entry
        row = entry_row(dataset, entry)
        months = pd.to_numeric(text["timepoint_months"].replace("", float("nan")), errors="coerce")
        same = ((text["study_id"] == entry.study_id) & (text["arm"] == entry.arm) & (text["outcome"] == entry.outcome)
                & (months == parse_number(entry.timepoint_months).value) & (text["use"] == "yes"))
        old = text[same].iloc[0].to_dict() if same.any() else {}
        if same.any():
            text.loc[same, "use"] = "no"
            text.loc[same, "use_note"] = [f"{SUPERSEDED_NOTE}; {n}" if n else SUPERSEDED_NOTE
                                          for n in text.loc[same, "use_note"]]
        text = pd.concat([text, pd.DataFrame([row])], ignore_index=True)
        superseded = superseded or bool(old)
        edits += [Edit(entry.study_id, entry.arm, entry.outcome, row["timepoint_months"], f, str(old.get(f, "")),
                       row[f], row["source_url"], row["locator"], row["snippet"], when)
                  for f in ENTRY_FIELDS if str(old.get(f, "")) != row[f]]
    outcomes = validate_outcomes(text, dataset.studies["study_id"])
    return EntryResult(dataclasses.replace(dataset, outcomes=outcomes), tuple(edits), MappingProxyType(row),
                       superseded)
