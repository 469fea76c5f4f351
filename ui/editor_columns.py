"""The Your data editor's columns (issue 26 item 8): headings in words and the coded columns shown by their
labels ('MSC', 'HbA1c', 'SD', 'Cai 2016'), while the table itself, what is checked and what is downloaded keep
the codes.  A value outside the codes (a typo in an upload) is still shown as it is, to be corrected."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.evidence.dataset import ARMS, SETS
from core.vocab import OUTCOME_CODES, OUTCOME_SHORT
from core.words import DISPERSION_LABELS, STUDY_SET_WORDS, TABLE_HEADINGS
from core.words.statuses import ARM_LABELS


def _coded(heading: str, codes, labels) -> st.column_config.SelectboxColumn:
    return st.column_config.SelectboxColumn(heading, options=list(codes),
                                            format_func=lambda c: labels.get(c, c))


def editor_columns(table: pd.DataFrame, ds) -> dict:
    """``column_config`` for the outcome-rows editor of ``table`` (the dataset ``ds`` names the studies)."""
    heads = TABLE_HEADINGS["outcome_editor"]
    study_labels = ds.study_labels()
    studies = list(dict.fromkeys([*study_labels, *table.get("study_id", pd.Series(dtype=str)).astype(str)]))
    coded = {"study_id": (studies, study_labels), "set": (SETS, STUDY_SET_WORDS), "arm": (ARMS, ARM_LABELS),
             "outcome": (OUTCOME_CODES, OUTCOME_SHORT), "dispersion_type": (DISPERSION_LABELS, DISPERSION_LABELS),
             "use": (("yes", "no"), {})}
    return {c: (_coded(heads.get(c, c), *coded[c]) if c in coded else st.column_config.TextColumn(heads.get(c, c)))
            for c in table.columns}
