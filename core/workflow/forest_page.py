"""What the Forest plot page shows around its figure, as named, frozen values: the paper's results on
another measure, the reported-vs-recomputed table and its notes, the paper's other time points and the
studies without usable numbers.  One call, :func:`forest_page_parts`, on one analysis (a page caches
it on the analysis, ``ForestAnalysis.dataset_key`` and its spec)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.words import TABLE_HEADINGS, population_phrase, timepoint_phrase
from core.words.phrases import INFERRED_MARK
from core.workflow.analysis import ForestAnalysis, other_measure_reports
from core.workflow.reproduce import reported_vs_recomputed


@dataclass(frozen=True, slots=True)
class OtherMeasure:
    """One of the paper's results at this time point printed on another measure (e.g. SMD beside MD)."""

    measure: str
    estimate: float
    ci_low: float
    ci_high: float
    population: str


@dataclass(frozen=True, slots=True)
class ReportedNote:
    """Why a reported result and its recomputation differ: where it is printed, for whom, and why."""

    locator: str
    population: str           # in words ('T1DM', 'both types'), never the code 'all'
    explanation: str


@dataclass(frozen=True, slots=True)
class UnavailableStudy:
    """A study in the view without usable numbers; ``label`` carries † when its identity is inferred."""

    label: str
    dm_type: str
    design_class: str
    reason: str


@dataclass(frozen=True, slots=True)
class ForestPageParts:
    """The Forest plot page's tables and lists (shared through a cache: never mutate).

    ``reported_table``: the reported-vs-recomputed table as shown (None: the paper reports nothing at
    this time point), ``explanations`` its notes; ``other_timepoints``: "timepoint (locator)" of the
    paper's results at other time points, when none is at this one; ``inferred_ids``: a study of the
    view has an inferred identity (the page's † note).
    """

    other_measures: tuple[OtherMeasure, ...]
    inferred_ids: bool
    reported_table: pd.DataFrame | None
    explanations: tuple[ReportedNote, ...]
    other_timepoints: tuple[str, ...]
    unavailable: tuple[UnavailableStudy, ...]


def forest_page_parts(a: ForestAnalysis) -> ForestPageParts:
    """The :class:`ForestPageParts` of ``a`` (its DataFrame filtering was ~10 ms of every rerun:
    bench/server_cpu.py, issue 13; so a page caches it)."""
    same = a.reported[a.reported["same_timepoint"]] if not a.reported.empty else a.reported
    table, explanations = None, ()
    if not same.empty:
        full = reported_vs_recomputed(a)
        table = full[["locator", "population", "reported", "recomputed", "status", "k"]] \
            .rename(columns=TABLE_HEADINGS["forest_reported"]).astype(str)
        explanations = tuple(ReportedNote(r.locator, population_phrase(r.population), r.explanation)
                             for r in full[full["explanation"] != ""].itertuples())
    return ForestPageParts(
        other_measures=tuple(OtherMeasure(r.measure, float(r.estimate), float(r.ci_low), float(r.ci_high),
                                          r.population) for r in other_measure_reports(a).itertuples()),
        inferred_ids=bool((a.rows["id_confidence"] != "high").any()
                          or (a.unavailable["id_confidence"] != "high").any()),
        reported_table=table, explanations=explanations,
        other_timepoints=tuple(f"{timepoint_phrase(str(r.timepoint))} ({r.locator})"    # '12 months', never '12'
                               for r in a.reported.itertuples()) if same.empty else (),
        # † on an inferred identity, as in the figure and the Studies table (issue 26 item 9)
        unavailable=tuple(UnavailableStudy(r.label if str(r.id_confidence) == "high" else f"{r.label} {INFERRED_MARK}",
                                           r.dm_type, r.design_class, r.reason) for r in a.unavailable.itertuples()))
