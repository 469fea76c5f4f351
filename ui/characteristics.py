"""Cached analyses of the "Which MSC therapy?" page (issue 25): a split and a meta-regression of the
sidebar's analysis, once per (analysis, characteristic); the analysis names its dataset, whose
studies table is passed along."""
from __future__ import annotations

import pandas as pd

from core.workflow.analysis import ForestAnalysis
from core.workflow.characteristics import regress_on, split_by
from ui.cache import cached


def split_of(a: ForestAnalysis, key: str, *, studies: pd.DataFrame):
    """:func:`core.workflow.characteristics.split_by` of ``a`` (``studies``: its dataset's table)."""
    return split_by(a, studies, key)


def regression_of(a: ForestAnalysis, key: str, *, studies: pd.DataFrame):
    """:func:`core.workflow.characteristics.regress_on` of ``a`` (``studies``: its dataset's table)."""
    return regress_on(a, studies, key)     # up to 1,000 refits: worth keeping


cached_split = cached(split_of, max_entries=64, resource=True)
cached_regression = cached(regression_of, max_entries=64, resource=True)
