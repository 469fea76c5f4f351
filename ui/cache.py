"""Streamlit caches around core calls (caching lives here, never inside core).

One helper, :func:`cached`, makes any core call a cached one.  Its key is built from the call's
positional arguments (:func:`cache_key`): a Dataset by its content fingerprint, an AnalysisSpec by
its repr, any other hashable value as itself.  Keyword arguments are passed through unhashed, so
they must be fully determined by the positional ones (e.g. a figure's build function for a key
that names everything the figure depends on).
"""
from __future__ import annotations

import functools
from typing import Callable

import streamlit as st

from core.workflow.analysis import AnalysisSpec, ForestAnalysis, analyse, empty_analysis
from core.workflow.reproduce import reported_vs_recomputed
from core.evidence.dataset import Dataset
from core.figures.forest import forest_figure
from ui.data import current_dataset


def cache_key(value):
    """The hashable stand-in for one positional argument of a cached call."""
    if isinstance(value, Dataset):
        return ("dataset", value.fingerprint())
    if isinstance(value, AnalysisSpec):
        return repr(value)
    hash(value)           # raises TypeError for a value that cannot be a key: pass it by keyword
    return value


def cached(fn: Callable, *, max_entries: int, resource: bool = False) -> Callable:
    """``fn`` with its results kept by Streamlit, one entry per key of its positional arguments.

    ``resource=False`` (st.cache_data) hands each caller a copy; ``resource=True``
    (st.cache_resource) hands back the same object without a pickle round-trip (use it for plotly
    figures: unpickling one re-validates it, which costs as much as building it; the object must
    then never be mutated).  Streamlit names a cache by the function's module and qualified name,
    so each wrapped function needs its own name (no lambdas).
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    if "<lambda>" in name or "<locals>" in name:
        raise ValueError(f"cached() needs a module-level function with its own name, not {name}")

    def call(key: tuple, _args: tuple, _kwargs: dict):
        return fn(*_args, **_kwargs)

    call.__qualname__ = f"cached[{name}]"
    store = (st.cache_resource if resource else st.cache_data)(max_entries=max_entries, show_spinner=False)(call)

    @functools.wraps(fn)
    def cached_call(*args, **kwargs):
        return store(tuple(cache_key(a) for a in args), args, kwargs)

    return cached_call


def on_session_dataset(fn: Callable) -> Callable:
    """``fn(dataset, *args)`` as ``f(*args)`` on the session's dataset (the user's, else the shipped one)."""
    @functools.wraps(fn)
    def on_session(*args, **kwargs):
        return fn(current_dataset(), *args, **kwargs)

    return on_session


def analysis_or_message(dataset: Dataset, spec: AnalysisSpec) -> ForestAnalysis:
    """:func:`core.workflow.analysis.analyse`, or an empty analysis saying why it could not be computed.

    analyse() lists unusable studies itself; this is the last guard so that a page shows a
    sentence, never a traceback, if a dataset reaches a case the core does not expect.
    """
    try:
        return analyse(dataset, spec)
    except (ValueError, ArithmeticError) as exc:
        return empty_analysis(dataset, spec, f"This analysis could not be computed: {exc}")


cached_analysis = cached(analysis_or_message, max_entries=1024)


def run_analysis(spec: AnalysisSpec, dataset: Dataset | None = None) -> ForestAnalysis:
    """Cached :func:`core.workflow.analysis.analyse` on ``dataset`` (default: the session's)."""
    return cached_analysis(dataset or current_dataset(), spec)


def forest_of(dataset: Dataset, spec: AnalysisSpec, show_pi: bool, *, analysis: ForestAnalysis):
    """The forest figure of ``analysis`` (the analysis of ``spec`` on ``dataset``)."""
    return forest_figure(analysis, show_pi=show_pi)


cached_forest = cached(forest_of, max_entries=256, resource=True)


def forest_for(a: ForestAnalysis, dataset: Dataset, *, show_pi: bool = False):
    """The forest figure of ``a``, the analysis run on ``dataset``: built once per (that dataset,
    choices, PI) and reused on reruns (building and validating the figure costs
    ~40 ms).  Callers must not mutate it."""
    return cached_forest(dataset, a.spec, bool(show_pi), analysis=a)


def reported_of(dataset: Dataset, spec: AnalysisSpec, *, analysis: ForestAnalysis):
    """:func:`core.workflow.reproduce.reported_vs_recomputed` of ``analysis`` (the analysis of ``spec``
    on ``dataset``)."""
    return reported_vs_recomputed(analysis)


cached_reported = cached(reported_of, max_entries=256)


def reported_for(a: ForestAnalysis, dataset: Dataset):
    """The paper's pooled results for ``a``'s view next to the recomputed ones, built once per
    (``dataset``, choices): ~6 ms a rerun otherwise."""
    return cached_reported(dataset, a.spec, analysis=a)


def figure_built(dataset: Dataset, kind: str, key: str, *, build):
    """The figure ``build()`` returns (``kind`` and ``key`` name it for the cache)."""
    return build()


cached_built_figure = cached(figure_built, max_entries=256, resource=True)


def cached_figure(kind: str, key: str, build):
    """The figure ``build()`` returns, built once per (session dataset, ``kind``, ``key``).

    ``key`` must name everything the figure depends on (e.g. ``repr(spec)`` plus display
    options); the figure is never mutated after it is built, so sharing it is safe.
    """
    return cached_built_figure(current_dataset(), kind, key, build=build)
