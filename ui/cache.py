"""Streamlit caches around core calls (caching lives here, never inside core).

One helper, :func:`cached`, makes any core call a cached one.  Its key is built from the call's
positional arguments (:func:`cache_key`): a Dataset by its content fingerprint, an AnalysisSpec by
its repr, any other hashable value as itself.  Keyword arguments are passed through unhashed, so
they must be fully determined by the positional ones (e.g. a figure's build function for a key
that names everything the figure depends on).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import pandas as pd

import streamlit as st

from core.workflow.analysis import AnalysisSpec, ForestAnalysis, analyse, empty_analysis, other_measure_reports
from core.workflow.reproduce import reported_vs_recomputed
from core.evidence.dataset import Dataset
from core.figures.completeness import INFERRED_MARK
from core.figures.forest import forest_figure
from core.words import TABLE_HEADINGS, population_phrase, timepoint_phrase
from core.vocab import SetTag
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


def forest_of(dataset: Dataset, spec: AnalysisSpec, show_pi: bool, order: tuple = (), columns: tuple = (),
              cells: tuple = (), *, analysis: ForestAnalysis):
    """The forest figure of ``analysis`` (the analysis of ``spec`` on ``dataset``), its studies in
    ``order`` with ``columns`` of ``cells`` beside them (core.figures.forest_columns)."""
    return forest_figure(analysis, show_pi=show_pi, order=order, columns=columns, column_cells=cells)


cached_forest = cached(forest_of, max_entries=256, resource=True)


def forest_for(a: ForestAnalysis, dataset: Dataset, *, show_pi: bool = False, order: tuple = (),
               columns: tuple = (), cells: tuple = ()):
    """The forest figure of ``a``, the analysis run on ``dataset``: built once per (that dataset,
    choices, PI) and reused on reruns (building and validating the figure costs
    ~40 ms).  Callers must not mutate it."""
    return cached_forest(dataset, a.spec, bool(show_pi), tuple(order), tuple(columns), tuple(cells), analysis=a)


@dataclass(frozen=True, slots=True)
class ForestPageParts:
    """What the Forest plot page shows around its figure, as plain values (shared: never mutate).

    ``other_measures``: (measure, estimate, ci_low, ci_high, population) of the paper's results at
    this time point on another measure; ``inferred_ids``: a contributing study's identity is
    inferred; ``reported_table``: the reported-vs-recomputed table as shown (None: the paper reports
    nothing at this time point) and ``explanations`` its (locator, population, explanation) notes;
    ``other_timepoints``: "timepoint (locator)" of the paper's results at other time points;
    ``unavailable``: (label, dm_type, design_class, reason) of the studies without usable numbers.
    """

    other_measures: tuple
    inferred_ids: bool
    reported_table: pd.DataFrame | None
    explanations: tuple
    other_timepoints: tuple
    unavailable: tuple


def forest_page_parts_of(dataset: Dataset, spec: AnalysisSpec, *, analysis: ForestAnalysis) -> ForestPageParts:
    """The :class:`ForestPageParts` of ``analysis`` (the analysis of ``spec`` on ``dataset``)."""
    a = analysis
    same = a.reported[a.reported["same_timepoint"]] if not a.reported.empty else a.reported
    table = explanations = None
    if not same.empty:
        full = reported_vs_recomputed(a)
        table = full[["locator", "population", "reported", "recomputed", "status", "k"]] \
            .rename(columns=TABLE_HEADINGS["forest_reported"]).astype(str)
        explanations = tuple((r.locator, population_phrase(r.population), r.explanation)    # never the code 'all'
                             for r in full[full["explanation"] != ""].itertuples())
    return ForestPageParts(
        other_measures=tuple((r.measure, float(r.estimate), float(r.ci_low), float(r.ci_high), r.population)
                             for r in other_measure_reports(a).itertuples()),
        inferred_ids=bool((a.rows["id_confidence"] != "high").any()
                          or (a.unavailable["id_confidence"] != "high").any()),
        reported_table=table, explanations=explanations or (),
        other_timepoints=tuple(f"{timepoint_phrase(str(r.timepoint))} ({r.locator})"    # '12 months', never '12'
                               for r in a.reported.itertuples()) if same.empty else (),
        # † on an inferred identity, as in the figure and the Studies table (issue 26 item 9)
        unavailable=tuple((r.label if str(r.id_confidence) == "high" else f"{r.label} {INFERRED_MARK}", r.dm_type,
                           r.design_class, r.reason) for r in a.unavailable.itertuples()))


cached_forest_page_parts = cached(forest_page_parts_of, max_entries=256, resource=True)


def forest_page_parts(a: ForestAnalysis, dataset: Dataset) -> ForestPageParts:
    """The Forest plot page's tables and lists for ``a``, built once per (``dataset``, choices): the
    DataFrame filtering behind them was ~10 ms of every rerun (bench/server_cpu.py, issue 13)."""
    return cached_forest_page_parts(dataset, a.spec, analysis=a)


def paper_studies_of(dataset: Dataset) -> tuple[int, tuple[str, ...]]:
    """(how many studies the paper's set has, labels of those whose reference number is unresolved)."""
    paper = dataset.studies[dataset.studies["set"] == SetTag.PAPER]
    return len(paper), tuple(dataset.study_label(s) for s in paper.loc[paper["ref_no"] == "", "study_id"])


paper_studies = cached(paper_studies_of, max_entries=16, resource=True)


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
