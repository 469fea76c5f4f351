"""Coded study characteristics (issue 25): the schema rules and the words each code rests on.

The codes in ``data/studies.csv`` (``cell_source``, ``donor``, ``route_class``, ``dm_duration``,
``dose_per_kg``, ``infusions``) are read from the study's quoted free text, never guessed.  Each code
has keyword evidence (:data:`KEYWORDS`) in one text column (:data:`EVIDENCE`):

* a categorical code must have its own keywords in the text and no keyword of another code
  ("mixed" / "both": keywords of at least two); "not reported" must have none, unless the row's
  ``coding_note`` says why the words found do not decide the code;
* a number (dose per infusion in 10^6 cells/kg, infusion count) must be printed in the text
  (core.evidence.provenance's number matching; counts also as words: "two", "single", "twice"),
  or ``coding_note`` must show the arithmetic with "dose from" / "infusions from";
* a dose text with a per-kg dose that is coded "not reported" must be explained in ``coding_note``.

An empty cell (a user's table without the columns) means "not coded" and reads as not reported.
"""
from __future__ import annotations

import re

import pandas as pd

from core import vocab
from core.evidence.provenance import count_in_snippet, number_in_snippet
from core.vocab import NOT_REPORTED, CellSource

# The text column each characteristic is read from (route: the route and dose texts together, since
# "3 IV infusions" names the route in the dose text).
EVIDENCE = {"cell_source": ("msc_source",), "donor": ("msc_source",), "route_class": ("route", "dose"),
            "dm_duration": ("title",), "dose_per_kg": ("dose",), "infusions": ("dose",)}
# Case-insensitive regular expressions; a code is supported when one of its own matches.
KEYWORDS = {
    "cell_source": {CellSource.UMBILICAL_CORD: r"umbilical|wharton|\buc-msc|\bhuc",
                    CellSource.BONE_MARROW: r"bone[ -]marrow|\bbm\b|\bbm-msc",
                    CellSource.PLACENTA: r"placent", CellSource.ADIPOSE: r"adipose"},
    "donor": {"autologous": r"autologous", "allogeneic": r"allogen(e)?ic"},
    "route_class": {"intravenous": r"\biv\b|intravenous|\bvein\b|systemic",
                    "arterial": r"arter|intrapancrea"},
    "dm_duration": {"new_onset": r"newly|new[- ]onset|recent[- ]onset|newly diagnosed",
                    "established": r"established"},
}
# The code for "keywords of two or more codes".
COMBINED = {"cell_source": CellSource.MIXED, "donor": "mixed", "route_class": "both"}
COUNT_WORDS = {"single": 1, "once": 1, "twice": 2, "thrice": 3}
PER_KG = re.compile(r"/\s*kg|per\s+kg|cells/kg", re.IGNORECASE)
NOTE_COLUMN = "coding_note"
# A coding note speaks for a column when it names the column's topic ("Dose: ...", "infusions from: ...").
NOTE_TOPICS = {"cell_source": "source", "donor": "donor", "route_class": "route", "dm_duration": "duration",
               "dose_per_kg": "dose", "infusions": "infusions"}


def _text(row, column: str) -> str:
    return " ".join(str(row.get(c, "") or "") for c in EVIDENCE[column])


def found_codes(column: str, text: str) -> tuple[str, ...]:
    """The codes of ``column`` whose keywords occur in ``text``, in registry order."""
    return tuple(code for code, pattern in KEYWORDS[column].items() if re.search(pattern, text, re.IGNORECASE))


def _categorical_problem(column: str, code: str, text: str, note: str) -> str | None:
    found = found_codes(column, text)
    if code in ("", NOT_REPORTED):
        if found and not note:
            return f"coded not reported, but the text names {', '.join(found)}; say why in {NOTE_COLUMN}"
        return None
    if code == COMBINED.get(column):
        return None if len(found) >= 2 else f"coded {code}, but the text names {len(found)} kind(s) only"
    if code not in found:
        return f"coded {code}, but no word of the text supports it"
    others = [f for f in found if f != code]
    return f"coded {code}, but the text also names {', '.join(others)}" if others else None


def _count_supported(value: str, text: str) -> bool:
    words = re.findall(r"[a-z]+", text.lower())
    return count_in_snippet(value, text) or any(COUNT_WORDS.get(w) == int(float(value)) for w in words)


def _numeric_problem(column: str, value: str, text: str, note: str) -> str | None:
    if value in ("", NOT_REPORTED):
        if column == "dose_per_kg" and PER_KG.search(text) and not note:
            return f"coded not reported, but the text gives a dose per kg; say why in {NOTE_COLUMN}"
        return None
    derived = f"{'dose' if column == 'dose_per_kg' else 'infusions'} from" in note.lower()
    printed = number_in_snippet(value, text) if column == "dose_per_kg" else _count_supported(value, text)
    return None if printed or derived else (f"{value} is not printed in the text and {NOTE_COLUMN} does not "
                                            "show where it comes from")


def unsupported(studies: pd.DataFrame) -> list[str]:
    """Every coded value that its text does not support: '<study_id> <column>: <why>' (empty: all supported)."""
    out = []
    for row in studies.to_dict("records"):
        note = str(row.get(NOTE_COLUMN, "") or "")
        for column in vocab.CHARACTERISTIC_COLUMNS:
            value, text = str(row.get(column, "") or ""), _text(row, column)
            own_note = note if NOTE_TOPICS[column] in note.lower() else ""
            check = _categorical_problem if column in vocab.CATEGORICAL_CHARACTERISTICS else _numeric_problem
            problem = check(column, value, text, own_note)
            if problem:
                out.append(f"{row['study_id']} {column}: {problem}")
    return out


def check_codes(df: pd.DataFrame, table: str, problems: list[str]) -> None:
    """Schema rules: allowed codes for the categorical columns; a number > 0 (dose) or a whole number
    >= 1 (infusions) or "not_reported" for the numeric ones; empty cells are allowed (not coded)."""
    for column, allowed in vocab.CATEGORICAL_CHARACTERISTICS.items():
        for i, raw in df[column].items():
            if raw not in allowed and raw != "":
                problems.append(f"{table} row {i + 2}, column `{column}`: {raw!r} is not one of {', '.join(allowed)}")
    for column in vocab.NUMERIC_CHARACTERISTICS:
        for i, raw in df[column].items():
            if raw in ("", NOT_REPORTED):
                continue
            value = pd.to_numeric(raw, errors="coerce")
            whole = column == "infusions"
            if pd.isna(value) or value <= 0 or value > 1e6 or (whole and value != int(value)):
                kind = "a whole number >= 1" if whole else "a number > 0"
                problems.append(f"{table} row {i + 2}, column `{column}`: {raw!r} must be {kind} or {NOT_REPORTED}")


def numeric_values(studies: pd.DataFrame, column: str) -> pd.Series:
    """A numeric characteristic (or ``year``) as floats, NaN where not reported, indexed by study_id."""
    values = studies[column] if column in studies.columns else pd.Series([""] * len(studies))
    # "" and "not_reported" are not numbers: NaN
    return pd.Series(pd.to_numeric(values, errors="coerce").to_numpy(float), index=studies["study_id"].to_numpy())
