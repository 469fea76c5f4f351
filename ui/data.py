"""Which dataset the session uses (shipped, or the user's own), loaded once and cached."""
from __future__ import annotations

import streamlit as st

from core.evidence.dataset import DATA_DIR, Dataset, load_dataset

USER_DATASET_KEY = "user_dataset"   # session_state slot for an uploaded/edited Dataset


@st.cache_resource(show_spinner=False)
def shipped_dataset() -> Dataset:
    """The dataset in data/, validated once per process."""
    return load_dataset(DATA_DIR)


def current_dataset() -> Dataset:
    """The user's own dataset when one is loaded in the session, else the saved dataset of the
    URL's ``ds`` (ui/datasets.py), else the shipped one."""
    from ui.datasets import saved_dataset

    return st.session_state.get(USER_DATASET_KEY) or saved_dataset() or shipped_dataset()


def dataset_key(ds: Dataset) -> str:
    """A content fingerprint used as the cache key of analyses on ``ds``.

    Computed once per Dataset object (kept in its own cache), so every cached call can key on it
    without re-hashing the tables on each rerun.
    """
    return ds.fingerprint()
