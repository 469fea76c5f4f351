"""The permutations of metafor's permutation test of a meta-regression (the test itself is
:func:`core.metaregression.permutation_test`, which refits the model over what this module draws).

With k <= 10 studies the z (or t) test of a meta-regression coefficient is too liberal (Higgins &
Thompson 2004, Stat Med 23:1663-1682); a permutation test keeps its level.  The scheme is
metafor's ``permutest.rma.uni`` (Viechtbauer 2010; metafor 3.8-1, read from its source):

* with moderators, the rows of the model matrix are permuted against (yi, vi) and the model refit;
  the exact test runs over every *distinct* permutation (rows that are equal are interchangeable:
  k! / prod n_j! of them), the approximate one over ``iterations`` random permutations whose first
  is the observed order;
* intercept only, the signs of yi are flipped (2^k sign vectors exact, or random ones);
* the test is exact when asked or when there are no more distinct permutations than ``iterations``;
* p-values: the share of permutations with ``|z_perm| >= |z_obs| - tol`` per coefficient and
  ``QM_perm >= QM_obs - tol`` for the omnibus test, ``tol = sqrt(machine epsilon)``; a refit that
  fails is left out, as metafor does.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


# metafor's control$comptol: statistics within this of the observed one count as at least as extreme.
COMPARISON_TOLERANCE = float(np.finfo(float).eps ** 0.5)
# The largest exact test run: 8! = 40,320 refits take about a minute; beyond that use iterations.
MAX_EXACT_PERMUTATIONS = 50_000


@dataclass(frozen=True, slots=True)
class PermutationResult:
    """``pvalues`` (one per coefficient, as metafor's ``permutest(res)$pval``) and ``qm_pvalue``
    (``$QMp``; for an intercept-only model the test of the intercept).  ``exact``: every distinct
    permutation was used; ``iterations``: how many permutations (or sign vectors) were fitted;
    ``distinct``: how many distinct ones exist; ``seed``: the random seed (None when exact);
    ``model``: the fit to the observed data (a core.metaregression.MetaRegressionResult)."""

    pvalues: np.ndarray
    qm_pvalue: float
    exact: bool
    iterations: int
    distinct: int
    seed: int | None
    model: object


def intercept_only(X: np.ndarray) -> bool:
    return X.shape[1] == 1 and bool(np.all(X[:, 0] == 1.0))


def _row_labels(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of X and each row's index among them."""
    rows, labels = np.unique(X, axis=0, return_inverse=True)
    return rows, np.asarray(labels).ravel()


def distinct_permutations(X) -> int:
    """How many distinct permutations of the rows of ``X`` there are (2^k sign vectors for an
    intercept-only model): k! / prod over distinct rows of (count)!."""
    X = np.asarray(X, float)
    k = X.shape[0]
    if intercept_only(X):
        return 2 ** k
    _, labels = _row_labels(X)
    out = math.factorial(k)
    for count in np.bincount(labels):
        out //= math.factorial(int(count))
    return out


def _next_arrangement(a: list) -> bool:
    """Rearrange ``a`` into the next one in lexicographic order (False after the last): every
    distinct arrangement of a multiset once (Knuth, TAOCP 4A, 7.2.1.2, Algorithm L)."""
    i = len(a) - 2
    while i >= 0 and a[i] >= a[i + 1]:
        i -= 1
    if i < 0:
        return False
    j = len(a) - 1
    while a[j] <= a[i]:
        j -= 1
    a[i], a[j] = a[j], a[i]
    a[i + 1:] = reversed(a[i + 1:])
    return True


def _exact_designs(X: np.ndarray):
    rows, labels = _row_labels(X)
    arrangement = sorted(labels.tolist())
    while True:
        yield rows[arrangement]
        if not _next_arrangement(arrangement):
            return


def draws(yi, X, *, exact: bool, iterations: int, seed: int):
    """(yi, X) of each permutation of metafor's scheme: every distinct row order of X (or, intercept
    only, every sign vector of yi) when ``exact``; else ``iterations`` random ones (numpy's generator
    seeded with ``seed``), the first being the observed data."""
    k = yi.size
    flip = intercept_only(X)
    if exact and flip:
        for bits in range(2 ** k):                      # the 2^k sign vectors
            yield yi * np.array([-1.0 if bits >> j & 1 else 1.0 for j in range(k)]), X
        return
    if exact:
        for design in _exact_designs(X):
            yield yi, design
        return
    rng = np.random.default_rng(seed)
    yield yi, X                                         # metafor's first "permutation" is the observed one
    for _ in range(iterations - 1):
        if flip:
            yield yi * rng.choice((-1.0, 1.0), size=k), X
        else:
            yield yi, X[rng.permutation(k)]


def share_as_extreme(observed, permuted) -> np.ndarray:
    """Per column, the share of permutations whose |statistic| is at least the observed one's less
    COMPARISON_TOLERANCE (refits that failed, NaN, left out)."""
    permuted = np.asarray(permuted, float).reshape(len(permuted), -1)
    observed = np.atleast_1d(np.asarray(observed, float))
    with np.errstate(invalid="ignore"):
        hits = np.abs(permuted) >= np.abs(observed) - COMPARISON_TOLERANCE
        return np.minimum(np.array([np.nanmean(np.where(np.isnan(permuted[:, j]), np.nan, hits[:, j]))
                                    for j in range(permuted.shape[1])]), 1.0)
