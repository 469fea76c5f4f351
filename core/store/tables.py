"""Between a :class:`~core.evidence.dataset.Dataset` and the store's tables (CSV text in the shipped
schema of ``data/``): the store keeps text, and every load re-runs the schema checks, so a saved
version is trusted no more than an upload.

A version also holds the user's certainty inputs (risk-of-bias judgements, MIDs, indirectness) as
the ``judgements`` table (:data:`core.certainty.inputs.INPUT_COLUMNS`), checked on load as well; a
version saved before it existed has none, and loads with the defaults ("not assessed").

Formula injection is not neutralised here: these are the data as typed, kept exactly; exports go
through the one writer that neutralises them (``core.export``).
"""
from __future__ import annotations

import io
from types import MappingProxyType
from typing import Mapping

import pandas as pd

from core.certainty.inputs import INPUT_COLUMNS, CertaintyInputs
from core.errors import DatasetError
from core.evidence.dataset import (EVENT_COLUMNS, GAP_COLUMNS, OUTCOME_COLUMNS, REPORTED_COLUMNS, STUDY_COLUMNS,
                                   Dataset, validate_outcomes, validate_studies)
from core.store.model import INPUTS_TABLE, DatasetVersion

# Each table's schema columns, in the order of the shipped CSVs.
SCHEMA_COLUMNS = {"studies": STUDY_COLUMNS, "outcomes": OUTCOME_COLUMNS, "events": EVENT_COLUMNS,
                  "gaps": GAP_COLUMNS, "reported": REPORTED_COLUMNS}
# Typed copies that validate_studies / validate_outcomes add; derived on load, never stored.
DERIVED_COLUMNS = ("year_num", "timepoint_num", "n_num", "mean_num", "disp1_num", "disp2_num")
REQUIRED_TABLES = ("studies", "outcomes")


def table_text(df: pd.DataFrame, columns) -> str:
    """One table as CSV text: the schema ``columns`` first, then any other non-derived column;
    missing values as empty cells, numbers as Python prints them."""
    cols = [c for c in columns if c in df.columns]
    cols += [c for c in df.columns if c not in cols and c not in DERIVED_COLUMNS]
    frame = df[cols].astype(object)
    frame = frame.where(frame.notna(), "")
    return frame.to_csv(index=False, lineterminator="\n")


def dataset_tables(ds: Dataset) -> Mapping[str, str]:
    """The dataset's five tables as CSV text (a read-only mapping), ready for ``Store.save``."""
    return MappingProxyType({name: table_text(getattr(ds, name), cols) for name, cols in SCHEMA_COLUMNS.items()})


def version_tables(ds: Dataset, inputs: CertaintyInputs) -> Mapping[str, str]:
    """The dataset's tables and the user's certainty ``inputs`` as CSV text, ready for ``Store.save``."""
    return MappingProxyType({**dataset_tables(ds), INPUTS_TABLE: table_text(inputs.to_frame(), INPUT_COLUMNS)})


def _read(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def tables_dataset(tables: Mapping[str, str], *, name: str) -> Dataset:
    """A validated Dataset from stored tables; :class:`DatasetError` lists every problem."""
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise DatasetError([f"the saved dataset has no {t} table" for t in missing], name)
    frames = {t: _read(tables[t]) if tables.get(t) else pd.DataFrame(columns=SCHEMA_COLUMNS[t])
              for t in SCHEMA_COLUMNS}
    studies = validate_studies(frames["studies"])
    outcomes = validate_outcomes(frames["outcomes"], studies["study_id"])
    problems = []
    for t in ("events", "gaps", "reported"):
        absent = [c for c in SCHEMA_COLUMNS[t] if c not in frames[t].columns]
        if absent:
            problems.append(f"{t}: missing column(s) {', '.join(absent)}")
    if problems:
        raise DatasetError(problems, name)
    return Dataset(studies=studies, outcomes=outcomes, events=frames["events"], gaps=frames["gaps"],
                   reported=frames["reported"], name=name)


def version_dataset(version: DatasetVersion) -> Dataset:
    """The Dataset of a saved version, named after it, checked as on upload."""
    return tables_dataset(version.tables, name=version.name)


def version_inputs(version: DatasetVersion, dataset: Dataset) -> CertaintyInputs:
    """The certainty inputs a saved version carries, on its ``dataset``: the defaults when the
    version has no judgements table; :class:`DatasetError` lists every row that cannot be used."""
    text = version.tables.get(INPUTS_TABLE)
    if not text:
        return CertaintyInputs.default(dataset)
    return CertaintyInputs.from_frame(_read(text), dataset, source=version.name)
