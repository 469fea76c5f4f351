"""Between a :class:`~core.evidence.dataset.Dataset` and the store's tables (CSV text in the shipped
schema of ``data/``, through the evidence's one codec, :func:`~core.evidence.dataset.to_tables` /
:func:`~core.evidence.dataset.from_tables`): the store keeps text, and every load re-runs the schema
checks, so a saved version is trusted no more than an upload.

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
from core.evidence.dataset import DERIVED_COLUMNS, TABLE_COLUMNS, Dataset, from_tables, table_frame, to_tables
from core.store.model import INPUTS_TABLE, DatasetVersion


def _text(frame: pd.DataFrame) -> str:
    """A written-out table as CSV text (numbers as Python prints them)."""
    return frame.to_csv(index=False, lineterminator="\n")


def dataset_tables(ds: Dataset) -> Mapping[str, str]:
    """The dataset's five tables as CSV text (a read-only mapping), ready for ``Store.save``."""
    return MappingProxyType({name: _text(frame) for name, frame in to_tables(ds).items()})


def version_tables(ds: Dataset, inputs: CertaintyInputs) -> Mapping[str, str]:
    """The dataset's tables and the user's certainty ``inputs`` as CSV text, ready for ``Store.save``."""
    return MappingProxyType({**dataset_tables(ds), INPUTS_TABLE: _text(table_frame(inputs.to_frame(), INPUT_COLUMNS))})


def reads_back_as_itself(ds: Dataset, tables: Mapping[str, str]) -> bool:
    """Whether loading ``tables`` (``ds``'s, as saved) gives ``ds`` again, the name aside: each table
    read back equals ``ds``'s without its derived columns (the checks' typed copies, made from those
    same cells), in the same column order, on a plain row index.  Then a version just saved from
    ``ds`` can be used as it is, without checking its tables a second time."""
    for name in TABLE_COLUMNS:
        frame = getattr(ds, name)
        frame = frame.drop(columns=[c for c in DERIVED_COLUMNS if c in frame.columns])
        back = _read(tables[name]) if tables.get(name) else pd.DataFrame(columns=TABLE_COLUMNS[name])
        if list(back.columns) != list(frame.columns):
            return False
        if not (back.empty and frame.empty) and not (back.equals(frame) and frame.index.equals(back.index)):
            return False
    return True


def _read(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def tables_dataset(tables: Mapping[str, str], *, name: str) -> Dataset:
    """A validated Dataset from stored tables; :class:`DatasetError` lists every problem."""
    frames = {t: _read(text) if text else pd.DataFrame(columns=TABLE_COLUMNS[t])
              for t, text in tables.items() if t in TABLE_COLUMNS}
    return from_tables(frames, name=name, source=name)


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
