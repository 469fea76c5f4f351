"""Does a study characteristic matter? (issue 25): the studies of one analysis split by a categorical
characteristic, and a meta-regression on a numeric one.

``split_by`` pools each subgroup on its own (the analysis's model; a separate tau^2 per subgroup,
RevMan's test for subgroup differences) and fits the mixed-effects model with one common tau^2
(metafor ``rma(yi, vi, mods = ~ factor(group))``, its QM test).  ``regress_on`` fits
``rma(yi, vi, mods = ~ x)`` with the analysis's tau^2 estimator (fixed effect for a fixed-effect
analysis), its pseudo-R^2 and metafor's permutation test.  Both take the effects exactly as the
analysis computed them.  Either comparison is across trials, never randomised: the Cochrane
Handbook §10.11.5 caution goes with every result (core.words.characteristics).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core import vocab
from core.evidence.characteristics import numeric_values
from core.metaregression import MetaRegressionResult, meta_regression, permutation_test, pseudo_r2
from core.permutation import PermutationResult
from core.subgroups import CommonTau2SubgroupResult, SubgroupResult, subgroup_analysis, subgroup_analysis_common_tau2
from core.vocab import NOT_REPORTED, Tau2, Test
from core.words.characteristics import CHARACTERISTIC_LABELS, REGRESSION_NOT_ENOUGH, code_label
from core.workflow.analysis import ForestAnalysis
from core.workflow.bayes import bayesian_subgroups

MIN_REGRESSION_STUDIES = 3
PERMUTATION_ITERATIONS = 1000
PERMUTATION_SEED = 1


@dataclass(frozen=True, slots=True)
class CharacteristicSplit:
    """``key``: the characteristic; ``groups``: each study's code (row order of the analysis);
    ``separate``: one pooled result per subgroup (own tau^2) and RevMan's test; ``common``: the
    common-tau^2 model and its QM test (None with one subgroup)."""

    key: str
    groups: tuple
    separate: SubgroupResult
    common: CommonTau2SubgroupResult | None

    @property
    def k(self) -> int:
        return len(self.groups)


@dataclass(frozen=True, slots=True)
class CharacteristicRegression:
    """``key``; ``x``, ``yi``, ``vi`` of the studies with the value reported (``study_ids``, ``labels``);
    ``missing``: labels of the studies left out (value not reported); ``fit``, ``r2`` (percent) and
    ``permutation``; ``message``: why no fit, else ''."""

    key: str
    study_ids: tuple
    labels: tuple
    x: np.ndarray
    yi: np.ndarray
    vi: np.ndarray
    missing: tuple
    fit: MetaRegressionResult | None
    r2: float
    permutation: PermutationResult | None
    message: str = ""


def characteristic_codes(studies: pd.DataFrame, study_ids, key: str) -> tuple[str, ...]:
    """Each study's code of the categorical ``key`` (dm_type, design_class or a coded characteristic);
    empty cells read as not reported."""
    codes = dict(zip(studies["study_id"], studies[key])) if key in studies.columns else {}
    return tuple(str(codes.get(s, "") or NOT_REPORTED) for s in study_ids)


def split_by(a: ForestAnalysis, studies: pd.DataFrame, key: str) -> CharacteristicSplit:
    """The studies of ``a`` split by ``key`` (one of core.vocab.SUBGROUP_KEYS), with both tests for
    subgroup differences.  Subgroups keep the registry's order of codes, 'not reported' last."""
    if key not in vocab.SUBGROUP_KEYS:
        raise ValueError(f"`key` must be one of {vocab.SUBGROUP_KEYS}; got {key!r}")
    if a.pooled is None:
        raise ValueError("nothing was pooled in this analysis")
    rows = a.row_records
    codes = characteristic_codes(studies, [r["study_id"] for r in rows], key)
    order = _code_order(key)
    idx = sorted(range(len(rows)), key=lambda i: (order.index(codes[i]) if codes[i] in order else len(order), i))
    yi = np.array([rows[i]["yi"] for i in idx])
    vi = np.array([rows[i]["vi"] for i in idx])
    groups = np.array([code_label(key, codes[i]) for i in idx], dtype=object)
    labels = [rows[i]["label"] for i in idx]
    separate = subgroup_analysis(yi, vi, groups, method=a.method, level=a.spec.level, labels=labels,
                                 test=a.spec.test, hksj_floor=a.spec.hksj_floor and a.spec.test == Test.HKSJ)
    if a.pooled.is_bayesian:
        # The Bayesian view: each subgroup refitted with the view's prior (credible intervals); no common-tau^2
        # mixed model and no Q test, as on the Forest plot (compare the subgroups' credible intervals).
        return CharacteristicSplit(key, tuple(groups.tolist()), bayesian_subgroups(separate, a.pooled.prior_scale),
                                   None)
    common = None
    if len(separate.groups) > 1:
        common = subgroup_analysis_common_tau2(yi, vi, groups, method=a.method, level=a.spec.level,
                                               test=a.spec.test)
    return CharacteristicSplit(key, tuple(groups.tolist()), separate, common)


def _code_order(key: str) -> tuple[str, ...]:
    if key in vocab.CATEGORICAL_CHARACTERISTICS:
        return vocab.CATEGORICAL_CHARACTERISTICS[key]
    return {"dm_type": vocab.DM_TYPES, "design_class": vocab.DESIGN_CLASSES}[key]


def regress_on(a: ForestAnalysis, studies: pd.DataFrame, key: str, *, iterations: int = PERMUTATION_ITERATIONS,
               seed: int = PERMUTATION_SEED) -> CharacteristicRegression:
    """Meta-regression of the effects of ``a`` on the numeric ``key`` (core.vocab.REGRESSORS) over the
    studies that report it; no fit (``message`` says why) with fewer than 3 or one distinct value."""
    if key not in vocab.REGRESSORS:
        raise ValueError(f"`key` must be one of {vocab.REGRESSORS}; got {key!r}")
    rows = a.row_records
    values = numeric_values(studies, key) if key != "year" else pd.Series(
        pd.to_numeric(studies["year"], errors="coerce").to_numpy(float), index=studies["study_id"].to_numpy())
    x_all = [float(values.get(r["study_id"], np.nan)) for r in rows]
    keep = [i for i, x in enumerate(x_all) if np.isfinite(x)]
    missing = tuple(rows[i]["label"] for i in range(len(rows)) if i not in keep)
    x = np.array([x_all[i] for i in keep])
    yi = np.array([rows[i]["yi"] for i in keep])
    vi = np.array([rows[i]["vi"] for i in keep])
    ids = tuple(rows[i]["study_id"] for i in keep)
    labels = tuple(rows[i]["label"] for i in keep)
    if len(keep) < MIN_REGRESSION_STUDIES or len(set(x.tolist())) < 2:
        message = REGRESSION_NOT_ENOUGH.format(name=CHARACTERISTIC_LABELS[key].lower(), k=len(keep))
        return CharacteristicRegression(key, ids, labels, x, yi, vi, missing, None, float("nan"), None, message)
    method = a.method or Tau2.FE
    X = np.column_stack([np.ones(len(keep)), x])
    fit = meta_regression(yi, vi, X, method=method, test=a.spec.test)
    perm = permutation_test(yi, vi, X, method=method, test=a.spec.test, iterations=iterations, seed=seed)
    return CharacteristicRegression(key, ids, labels, x, yi, vi, missing, fit, pseudo_r2(yi, vi, X, method=method),
                                    perm)
