"""A version chain's edits as the workbench's history table shows them: one row per edited cell, newest
version first, each cell and value in words ('Guan 2015 · MSC arm · HbA1c · baseline · n', 'Bone marrow'),
and a redacted version as one row saying why (its edits' values and sources are gone)."""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from core.evidence.coding import is_characteristic_edit
from core.evidence.edits import Edit
from core.store.model import DatasetVersion
from core.words.characteristics import characteristic_value_words
from core.words.statuses import cell_words

HISTORY_COLUMNS = ("version", "saved (UTC)", "cell", "old", "new", "source", "locator", "time (UTC)")
REDACTED_CELL = "(redacted)"


def value_words(edit: Edit, value: str) -> str:
    """An edit's old or new value in words: a coded characteristic by its label ('Bone marrow', 'not
    reported'), an outcome cell's value as stored."""
    return characteristic_value_words(edit.field, value) if is_characteristic_edit(edit) else value


def history_frame(chain: tuple[DatasetVersion, ...] | list[DatasetVersion], labels: Mapping[str, str]) -> pd.DataFrame:
    """The edits of ``chain`` (newest first), with study ids shown by their ``labels``; columns
    :data:`HISTORY_COLUMNS`."""
    rows = [{"version": v.id, "saved (UTC)": f"{v.created_at:%Y-%m-%d %H:%M:%S}",
             "cell": cell_words(labels.get(e.study_id, e.study_id), e.arm, e.outcome, e.timepoint, e.field),
             "old": value_words(e, e.old), "new": value_words(e, e.new), "source": e.source, "locator": e.locator,
             "time (UTC)": f"{e.time:%Y-%m-%d %H:%M:%S}" if e.time else ""}
            for v in chain if not v.redacted for e in v.edits]
    rows += [{"version": v.id, "saved (UTC)": f"{v.created_at:%Y-%m-%d %H:%M:%S}", "cell": REDACTED_CELL,
              "source": v.redacted} for v in chain if v.redacted]
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
