"""st.cache_data wrappers for the sensitivity, follow-up and small-study pages.

Caching lives here, never in ``core``.  Keys are the dataset's content fingerprint and the
spec's repr (both hashable); the objects themselves are passed unhashed (leading underscore).
core.sensitivity, core.trajectory and core.bias are imported inside the wrappers, so a page
imports only what it uses.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from core.analysis import AnalysisSpec
from core.evidence.dataset import Dataset
from core.robustness import RobustnessResult, robustness
from ui.data import current_dataset, dataset_key


def _ds() -> tuple[Dataset, str]:
    ds = current_dataset()
    return ds, dataset_key(ds)


@st.cache_data(max_entries=256, show_spinner=False)
def _robustness(ds_key: str, spec_key: str, _ds: Dataset, _spec: AnalysisSpec) -> RobustnessResult:
    return robustness(_ds, _spec)


def run_robustness(spec: AnalysisSpec) -> RobustnessResult:
    """Cached :func:`core.robustness.robustness` on the session's dataset."""
    ds, key = _ds()
    return _robustness(key, repr(spec), ds, spec)


@st.cache_data(max_entries=256, show_spinner=False)
def _trajectory(ds_key: str, spec_key: str, _ds: Dataset, _spec: AnalysisSpec):
    from core.trajectory import trajectory
    return trajectory(_ds, _spec)


def run_trajectory(spec: AnalysisSpec):
    """Cached :func:`core.trajectory.trajectory` on the session's dataset."""
    ds, key = _ds()
    return _trajectory(key, repr(spec), ds, spec)


@st.cache_data(max_entries=256, show_spinner=False)
def _leave_one_out(ds_key: str, spec_key: str, _result):
    from core.sensitivity import leave_one_out
    return leave_one_out(_result)


@st.cache_data(max_entries=256, show_spinner=False)
def _cumulative(ds_key: str, spec_key: str, _result, order: tuple):
    from core.sensitivity import cumulative
    return cumulative(_result, order=np.asarray(order, dtype=int))


def run_leave_one_out(spec: AnalysisSpec, result):
    """Cached ``core.sensitivity.leave_one_out`` of the main analysis's pooled result."""
    return _leave_one_out(_ds()[1], repr(spec), result)


def run_cumulative(spec: AnalysisSpec, result, order: tuple):
    """Cached ``core.sensitivity.cumulative`` of the pooled result, in the given study order."""
    return _cumulative(_ds()[1], repr(spec), result, tuple(int(i) for i in order))


@st.cache_data(max_entries=256, show_spinner=False)
def _bias(ds_key: str, spec_key: str, _result) -> dict:
    from core import bias
    out = {}
    for name in ("funnel_data", "egger_test", "begg_test", "trim_and_fill"):
        try:
            out[name] = getattr(bias, name)(_result)
        except ValueError as exc:          # includes InsufficientStudiesError: shown as a message
            out[name] = exc
    return out


def run_bias(spec: AnalysisSpec, result) -> dict:
    """Cached funnel data, Egger, Begg and trim-and-fill of the pooled result.

    Returns a dict name -> result, or -> the ValueError raised (e.g. too few studies), so
    the page can show each message in place.
    """
    return _bias(_ds()[1], repr(spec), result)


@st.cache_data(max_entries=64, show_spinner=False)
def _followup_tables(ds_key: str, spec_key: str, _ds: Dataset, _spec: AnalysisSpec):
    from core.trajectory import followup_tables
    return followup_tables(_ds, _spec)


def run_followup_tables(spec: AnalysisSpec):
    """Cached :func:`core.trajectory.followup_tables` (the paper's Tables 2-4 recomputed)."""
    ds, key = _ds()
    return _followup_tables(key, repr(spec), ds, spec)


@st.cache_resource(max_entries=256, show_spinner=False)
def _figure(kind: str, ds_key: str, key: str, _build):
    return _build()


def cached_figure(kind: str, key: str, build):
    """The figure ``build()`` returns, built once per (dataset, ``kind``, ``key``).

    ``key`` must name everything the figure depends on (e.g. ``repr(spec)`` plus display
    options).  st.cache_resource hands back the same object without a pickle round-trip
    (unpickling a plotly Figure re-validates it, which costs as much as building it); the
    figure is never mutated after it is built, so sharing it is safe.
    """
    return _figure(kind, _ds()[1], key, build)
