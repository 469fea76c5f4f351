"""Permutation test and pseudo-R^2 of a meta-regression, as metafor computes them.

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

from core import vocab
from core.metaregression import MetaRegressionResult, meta_regression, residual_tau2
from core.vocab import Tau2

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
    ``model``: the fit to the observed data."""

    pvalues: np.ndarray
    qm_pvalue: float
    exact: bool
    iterations: int
    distinct: int
    seed: int | None
    model: MetaRegressionResult


def _intercept_only(X: np.ndarray) -> bool:
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
    if _intercept_only(X):
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


def _statistics(fit: MetaRegressionResult, intercept_only: bool) -> tuple[np.ndarray, float]:
    qm = float(fit.statistic[0] ** 2) if intercept_only else fit.qm    # intercept only: QM tests the intercept
    return fit.statistic, qm


def _refit(yi, vi, X, method, test, intercept_only):
    try:
        return _statistics(meta_regression(yi, vi, X, method=method, test=test), intercept_only)
    except (ValueError, RuntimeError, np.linalg.LinAlgError):   # left out, as metafor's try() does
        return np.full(X.shape[1], np.nan), math.nan


def _draws(yi, vi, X, *, exact, iterations, seed, intercept_only):
    """(yi, X) of each permutation: every distinct one, or random ones after the observed order."""
    k = yi.size
    if exact and intercept_only:
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
        if intercept_only:
            yield yi * rng.choice((-1.0, 1.0), size=k), X
        else:
            yield yi, X[rng.permutation(k)]


def permutation_test(yi, vi, X, *, method: str = Tau2.REML, test: str = "z", exact: bool = False,
                     iterations: int = 1000, seed: int = 1) -> PermutationResult:
    """Permutation p-values of a meta-regression (metafor ``permutest``).

    Parameters
    ----------
    yi, vi : array_like, shape (k,)
    X : array_like, shape (k, p)
        Model matrix with the intercept first (a single column of ones: intercept only).
    method, test
        As :func:`core.metaregression.meta_regression`.
    exact : bool
        Use every distinct permutation.  Also used, as in metafor, when there are no more of them
        than ``iterations``.
    iterations : int
        Number of random permutations (>= 2) otherwise, the first being the observed order.
    seed : int
        Seed of numpy's default generator for the random permutations.

    Raises
    ------
    ValueError
        Bad arguments, or an exact test over more than ``MAX_EXACT_PERMUTATIONS`` permutations.

    References
    ----------
    Higgins & Thompson (2004) Stat Med 23:1663-1682; Viechtbauer et al. (2015) Res Synth Methods
    6:322-332 (the permutation test in metafor); metafor 3.8-1 ``permutest.rma.uni``.
    """
    if not isinstance(iterations, (int, np.integer)) or isinstance(iterations, bool) or iterations < 2:
        raise ValueError(f"`iterations` must be a whole number >= 2; got {iterations!r}")
    fit = meta_regression(yi, vi, X, method=method, test=test)
    yi, vi, X = fit.yi, fit.vi, fit.X
    intercept_only = _intercept_only(X)
    if X.shape[1] > 1 and not np.all(X[:, 0] == 1.0):
        raise ValueError("`X` must have the intercept (a column of ones) first")
    distinct = distinct_permutations(X)
    exact = bool(exact) or distinct <= iterations
    if exact and distinct > MAX_EXACT_PERMUTATIONS:
        raise ValueError(f"an exact test needs {distinct:,} refits (more than {MAX_EXACT_PERMUTATIONS:,}); "
                         "use exact=False with a number of iterations")
    z_obs, qm_obs = _statistics(fit, intercept_only)
    stats = [_refit(y, vi, design, fit.method, test, intercept_only)
             for y, design in _draws(yi, vi, X, exact=exact, iterations=int(iterations), seed=seed,
                                     intercept_only=intercept_only)]
    z = np.array([s[0] for s in stats])
    qm = np.array([s[1] for s in stats])
    with np.errstate(invalid="ignore"):
        pvalues = np.array([np.nanmean(np.abs(z[:, j]) >= abs(z_obs[j]) - COMPARISON_TOLERANCE)
                            for j in range(X.shape[1])])
        qm_p = float(np.nanmean(qm >= qm_obs - COMPARISON_TOLERANCE)) if np.isfinite(qm_obs) else math.nan
    return PermutationResult(pvalues=np.minimum(pvalues, 1.0), qm_pvalue=qm_p, exact=exact, iterations=len(stats),
                             distinct=distinct, seed=None if exact else seed, model=fit)


def pseudo_r2(yi, vi, X, *, method: str = Tau2.REML) -> float:
    """metafor's R^2 of a meta-regression, in percent: ``max(0, 100 (tau2_0 - tau2) / tau2_0)`` with
    tau2_0 from the intercept-only model by the same estimator (0 when tau2_0 = 0); for the fixed-effect
    model the adjusted R^2 of the weighted least-squares fit (weights 1/vi).  NaN for intercept only.

    References
    ----------
    Raudenbush (2009) in Handbook of Research Synthesis, 2nd ed., eq. 16.23; López-López et al.
    (2014) Br J Math Stat Psychol 67:30-48; metafor 3.8-1 ``rma.uni`` (r2def "1").
    """
    yi, vi, X = np.asarray(yi, float), np.asarray(vi, float), np.asarray(X, float)
    k, p = X.shape
    if p < 2:
        return math.nan
    method = vocab.ESTIMATOR_ALIASES.get(method, method)
    if method == Tau2.FE:
        if np.var(yi) == 0:
            return 0.0
        w = 1.0 / vi
        fitted = X @ np.linalg.solve(X.T @ (X * w[:, None]), X.T @ (w * yi))
        mean = float(w @ yi) / float(w.sum())
        r2 = 1.0 - float(w @ (yi - fitted) ** 2) / float(w @ (yi - mean) ** 2)
        return max(0.0, 100.0 * (1.0 - (1.0 - r2) * (k - 1) / (k - p)))
    tau2_0 = residual_tau2(yi, vi, np.ones((k, 1)), method)
    if tau2_0 == 0:
        return 0.0
    return max(0.0, 100.0 * (tau2_0 - residual_tau2(yi, vi, X, method)) / tau2_0)
