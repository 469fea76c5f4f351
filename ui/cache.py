"""The one caching mechanism of ui/: Streamlit's caches around core calls (core never caches for a page).

:func:`cached` makes any core call a cached one.  Its key is built from the call's positional
arguments (:func:`cache_key`): a ForestAnalysis by its dataset's key and its spec (the two name it),
a Dataset by its key (a content fingerprint computed once when it is made), an AnalysisSpec by its
repr, any other hashable value as itself.  Keyword arguments are passed through unhashed, so they
must be fully determined by the positional ones (e.g. a figure's build function for a key that names
everything the figure depends on).

The calls here need no session; those on the session's dataset are in ui/data.py.
"""
from __future__ import annotations

import functools
from typing import Callable

import streamlit as st

from core.evidence.dataset import Dataset
from core.figures.forest import forest_figure
from core.workflow.analysis import AnalysisSpec, ForestAnalysis, analyse, empty_analysis
from core.workflow.forest_page import ForestPageParts, forest_page_parts as _forest_page_parts


def cache_key(value):
    """The hashable stand-in for one positional argument of a cached call."""
    if isinstance(value, ForestAnalysis):
        if not value.dataset_key:
            raise ValueError("an analysis without its dataset's key cannot key a cache (run it with analyse())")
        return "analysis", value.dataset_key, repr(value.spec)
    if isinstance(value, Dataset):
        return "dataset", value.key
    if isinstance(value, AnalysisSpec):
        return repr(value)
    hash(value)           # raises TypeError for a value that cannot be a key: pass it by keyword
    return value


def cached(fn: Callable, *, max_entries: int | None, resource: bool = False) -> Callable:
    """``fn`` with its results kept by Streamlit, one entry per key of its positional arguments.

    ``resource=False`` (st.cache_data) hands each caller a copy; ``resource=True``
    (st.cache_resource) hands back the same object without a pickle round-trip (use it for plotly
    figures: unpickling one re-validates it, which costs as much as building it; the object must
    then never be mutated; and for process-wide objects such as an open store).  An exception is
    not kept: the next call tries again.  Streamlit names a cache by the function's module and
    qualified name, so each wrapped function needs its own name (no lambdas).
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


def forest_of(a: ForestAnalysis, show_pi: bool, order: tuple = (), columns: tuple = (), cells: tuple = ()):
    """The forest figure of ``a``, its studies in ``order`` with ``columns`` of ``cells`` beside them
    (core.figures.forest_columns)."""
    return forest_figure(a, show_pi=show_pi, order=order, columns=columns, column_cells=cells)


cached_forest = cached(forest_of, max_entries=256, resource=True)


def forest_for(a: ForestAnalysis, *, show_pi: bool = False, order: tuple = (), columns: tuple = (),
               cells: tuple = ()):
    """The forest figure of ``a``: built once per (analysis, PI, order, columns) and reused on reruns
    (building and validating the figure costs ~40 ms).  Callers must not mutate it."""
    return cached_forest(a, bool(show_pi), tuple(order), tuple(columns), tuple(cells))


# The Forest plot page's tables and lists, built once per analysis (core.workflow.forest_page).
forest_page_parts: Callable[[ForestAnalysis], ForestPageParts] = cached(_forest_page_parts, max_entries=256,
                                                                         resource=True)
