"""The run's dataset (decided once per run by :func:`ui.datasets.resolve`) and the cached core calls on it.

Caching itself is ui/cache.py's; the calls here only add the session's dataset to a cached call.
"""
from __future__ import annotations

import functools
from typing import Callable

from core.evidence.dataset import Dataset
from core.workflow.analysis import AnalysisSpec, ForestAnalysis
from ui.cache import cached, cached_analysis
from ui.datasets import USER_DATASET_KEY, in_use, shipped_dataset

__all__ = ["USER_DATASET_KEY", "cached_figure", "current_dataset", "on_session_dataset", "run_analysis",
           "shipped_dataset"]


def current_dataset() -> Dataset:
    """The dataset this run uses: the user's own when one is set in the session, else the saved
    dataset of the URL's ``ds`` (ui/datasets.py), else the shipped one."""
    return in_use().dataset


def run_analysis(spec: AnalysisSpec, dataset: Dataset | None = None) -> ForestAnalysis:
    """Cached :func:`core.workflow.analysis.analyse` on ``dataset`` (default: the run's)."""
    return cached_analysis(dataset or current_dataset(), spec)


def on_session_dataset(fn: Callable) -> Callable:
    """``fn(dataset, *args)`` as ``f(*args)`` on the run's dataset."""
    @functools.wraps(fn)
    def on_session(*args, **kwargs):
        return fn(current_dataset(), *args, **kwargs)

    return on_session


def figure_built(dataset: Dataset, kind: str, key: str, *, build):
    """The figure ``build()`` returns (``kind`` and ``key`` name it for the cache)."""
    return build()


cached_built_figure = cached(figure_built, max_entries=256, resource=True)


def cached_figure(kind: str, key: str, build):
    """The figure ``build()`` returns, built once per (run's dataset, ``kind``, ``key``).

    ``key`` must name everything the figure depends on (e.g. ``repr(spec)`` plus display
    options); the figure is never mutated after it is built, so sharing it is safe.
    """
    return cached_built_figure(current_dataset(), kind, key, build=build)
