"""Cached core calls for the sensitivity, follow-up and small-study pages.

Results that refit the main analysis's pooled result (leave-one-out, cumulative, small-study effects)
are cached on the analysis itself (its dataset's key and its spec, see :func:`ui.cache.cache_key`);
those that run analyses of their own (robustness, the trajectory, the paper's Tables 2-4) on the
run's dataset and the spec.
"""
from __future__ import annotations

import numpy as np

from core.workflow.analysis import ForestAnalysis
from core.workflow.robustness import robustness
from core.workflow.bayes import cumulative, leave_one_out      # Bayesian refits for the Bayesian model
from core.workflow.small_study import SmallStudyReport, small_study_report
from core.workflow.trajectory import followup_tables, trajectory
from ui.cache import cached
from ui.data import on_session_dataset

# Cached robustness.robustness, trajectory.trajectory and trajectory.followup_tables (the paper's
# Tables 2-4 recomputed), each as f(spec) on the run's dataset.
run_robustness = on_session_dataset(cached(robustness, max_entries=256))
run_trajectory = on_session_dataset(cached(trajectory, max_entries=256))
run_followup_tables = on_session_dataset(cached(followup_tables, max_entries=64))


def leave_one_out_of(a: ForestAnalysis):
    """core.sensitivity.leave_one_out of the pooled result of ``a``."""
    return leave_one_out(a.pooled)


def cumulative_of(a: ForestAnalysis, order: tuple):
    """core.sensitivity.cumulative of the pooled result of ``a``, studies added in ``order`` (row positions)."""
    return cumulative(a.pooled, order=np.asarray(order, dtype=int))


def small_study_of(a: ForestAnalysis) -> SmallStudyReport:
    """Funnel data, Egger, Begg and trim and fill of the pooled result (see core.workflow.small_study)."""
    return small_study_report(a.pooled)


run_leave_one_out = cached(leave_one_out_of, max_entries=256)
run_small_study = cached(small_study_of, max_entries=256)
cumulative_of_analysis = cached(cumulative_of, max_entries=256)


def run_cumulative(a: ForestAnalysis, order):
    """Cached cumulative meta-analysis of the pooled result of ``a``, in the given study order."""
    return cumulative_of_analysis(a, tuple(int(i) for i in order))
