"""Cached core calls for the sensitivity, follow-up and small-study pages, on the session's dataset.

Each takes the AnalysisSpec of the main analysis; results that refit the main analysis's pooled
result (leave-one-out, cumulative, small-study effects) get it from the cached analysis itself, so
the spec and the dataset are the whole cache key (see :func:`ui.cache.cached`).
"""
from __future__ import annotations

import numpy as np

from core.workflow.analysis import AnalysisSpec
from core.evidence.dataset import Dataset
from core.workflow.robustness import robustness
from core.workflow.bayes import cumulative, leave_one_out      # Bayesian refits for the Bayesian model
from core.workflow.small_study import SmallStudyReport, small_study_report
from core.workflow.trajectory import followup_tables, trajectory
from ui.cache import cached, cached_figure, on_session_dataset, run_analysis  # noqa: F401  (cached_figure: pages' import)

# Cached robustness.robustness, trajectory.trajectory and trajectory.followup_tables (the paper's
# Tables 2-4 recomputed), each as f(spec) on the session's dataset.
run_robustness = on_session_dataset(cached(robustness, max_entries=256))
run_trajectory = on_session_dataset(cached(trajectory, max_entries=256))
run_followup_tables = on_session_dataset(cached(followup_tables, max_entries=64))


def leave_one_out_of(dataset: Dataset, spec: AnalysisSpec):
    """core.sensitivity.leave_one_out of the pooled result of ``spec`` on ``dataset``."""
    return leave_one_out(run_analysis(spec, dataset).pooled)


def cumulative_of(dataset: Dataset, spec: AnalysisSpec, order: tuple):
    """core.sensitivity.cumulative of the pooled result, studies added in ``order`` (row positions)."""
    return cumulative(run_analysis(spec, dataset).pooled, order=np.asarray(order, dtype=int))


def small_study_of(dataset: Dataset, spec: AnalysisSpec) -> SmallStudyReport:
    """Funnel data, Egger, Begg and trim and fill of the pooled result (see core.workflow.small_study)."""
    return small_study_report(run_analysis(spec, dataset).pooled)


# Each as f(spec), or f(spec, order), on the session's dataset.
run_leave_one_out = on_session_dataset(cached(leave_one_out_of, max_entries=256))
run_small_study = on_session_dataset(cached(small_study_of, max_entries=256))
cumulative_on_session = on_session_dataset(cached(cumulative_of, max_entries=256))


def run_cumulative(spec: AnalysisSpec, order):
    """Cached cumulative meta-analysis of the main analysis's pooled result, in the given study order."""
    return cumulative_on_session(spec, tuple(int(i) for i in order))
