"""Cached analyses of the "Which MSC therapy?" page (issue 25): a split and a meta-regression of the
sidebar's analysis, once per (dataset, choices, characteristic)."""
from __future__ import annotations

from core.evidence.dataset import Dataset
from core.workflow.analysis import AnalysisSpec, ForestAnalysis
from core.workflow.characteristics import regress_on, split_by
from ui.cache import cached


def split_of(dataset: Dataset, spec: AnalysisSpec, key: str, *, analysis: ForestAnalysis):
    return split_by(analysis, dataset.studies, key)


def regression_of(dataset: Dataset, spec: AnalysisSpec, key: str, *, analysis: ForestAnalysis):
    return regress_on(analysis, dataset.studies, key)     # up to 1,000 refits: worth keeping


cached_split = cached(split_of, max_entries=64, resource=True)
cached_regression = cached(regression_of, max_entries=64, resource=True)
