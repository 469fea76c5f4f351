"""st.cache_data wrappers around core calls (caching lives here, never inside core)."""
from __future__ import annotations

import streamlit as st

from core.analysis import AnalysisSpec, ForestAnalysis, analyse, empty_analysis
from core.evidence.dataset import Dataset
from core.figures.forest import forest_figure
from ui.data import current_dataset, dataset_key


@st.cache_data(max_entries=1024, show_spinner=False)
def _analysis(ds_key: str, spec_key: str, _dataset: Dataset, _spec: AnalysisSpec) -> ForestAnalysis:
    try:
        return analyse(_dataset, _spec)
    except (ValueError, ArithmeticError) as exc:
        # analyse() lists unusable studies itself; this is the last guard so that a page shows a
        # sentence, never a traceback, if a dataset reaches a case the core does not expect.
        return empty_analysis(_dataset, _spec, f"This analysis could not be computed: {exc}")


def run_analysis(spec: AnalysisSpec, dataset: Dataset | None = None) -> ForestAnalysis:
    """Cached :func:`core.analysis.analyse` on the session's dataset."""
    ds = dataset or current_dataset()
    return _analysis(dataset_key(ds), repr(spec), ds, spec)


@st.cache_resource(max_entries=256, show_spinner=False)
def _forest(ds_key: str, spec_key: str, show_pi: bool, _analysis: ForestAnalysis):
    return forest_figure(_analysis, show_pi=show_pi)


def forest_for(a: ForestAnalysis, *, show_pi: bool = False):
    """The forest figure of ``a``, built once per (dataset, choices, PI) and reused on reruns
    (building and validating ~150 plotly annotations costs ~40 ms).  Callers must not mutate it."""
    return _forest(dataset_key(current_dataset()), repr(a.spec), bool(show_pi), a)
