"""Benchmark of the Bayesian random-effects fit (core.bayesian).  Prints figures; asserts nothing.

Run from the repository root::

    .venv/bin/python bench/bench_bayesian.py

For k = 1, 2, 3, 5, 10 (and 30, beyond the goal's range), on random inputs with the same seed, it
times ``bayesian_meta_analysis`` (half-normal(0.5) prior: tau posterior, mu and theta with their
medians and shortest 95% intervals, posterior weights) against a DerSimonian-Laird fit
(``meta_analysis(method="DL")``) of the same data in the same run, and prints both and their ratio.
Goal (issue 22): a Bayesian fit for k <= 10 in <= 50 ms.  The shrinkage estimates (``shrinkage()``,
computed on demand for tables) are timed separately.  Then a whole dashboard view (``analyse``: the
total and both diabetes types) with the Bayesian model against DL.  Timings are the best of several repeats
after one warm-up call; the machine's load average is printed first, because other processes
inflate every figure.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.bayesian import HalfNormal, Uniform, bayesian_meta_analysis  # noqa: E402
from core.pooling import meta_analysis  # noqa: E402
from core.vocab import Tau2  # noqa: E402

GOAL_MS = 50.0


def best_of(fn, repeats: int = 7) -> float:
    """Best wall time of one call, in seconds."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rng = np.random.default_rng(22)
    print(f"{'k':>3} {'prior':>16} {'DL (ms)':>9} {'Bayes (ms)':>11} {'ratio':>7} {'shrinkage (ms)':>15}  goal <= {GOAL_MS:g} ms")
    worst = 0.0
    for k in (1, 2, 3, 5, 10, 30):
        yi = rng.normal(-0.6, 0.5, k)
        vi = rng.uniform(0.02, 0.2, k)
        for prior in (HalfNormal(0.5), Uniform()):
            if isinstance(prior, Uniform) and k < 3:
                continue                      # improper posterior (raises)
            dl = best_of(lambda: meta_analysis(yi, vi, method=Tau2.DL))
            bayes = best_of(lambda: bayesian_meta_analysis(yi, vi, prior))
            fit = bayesian_meta_analysis(yi, vi, prior)
            shrink = best_of(lambda: [s.interval(0.95) for s in fit.shrinkage()], repeats=3)
            if k <= 10:
                worst = max(worst, bayes)
            print(f"{k:>3} {prior.label:>16} {dl * 1e3:9.3f} {bayes * 1e3:11.2f} {bayes / dl:7.0f} {shrink * 1e3:15.1f}")
    print(f"slowest Bayesian fit for k <= 10: {worst * 1e3:.1f} ms ({'meets' if worst * 1e3 <= GOAL_MS else 'misses'} "
          f"the {GOAL_MS:g} ms goal)")
    bench_views()


def bench_views() -> None:
    """A whole dashboard view (core.workflow.analysis.analyse: selection, effects, total and subgroups), Bayesian
    against DL random effects, uncached; the app caches each view, so this is the cost of a first click."""
    from core.evidence.dataset import load_dataset
    from core.workflow.analysis import AnalysisSpec, analyse
    ds = load_dataset()
    print(f"\n{'view (HbA1c, all trials)':<32} {'DL (ms)':>9} {'Bayes (ms)':>11} {'ratio':>7}")
    for comparison in ("pre_post", "vs_control"):
        spec = AnalysisSpec(comparison=comparison, study_set="all", model="random")
        dl = best_of(lambda: analyse(ds, spec))
        bayes = best_of(lambda: analyse(ds, AnalysisSpec(comparison=comparison, study_set="all", model="bayes")))
        k = analyse(ds, spec).k
        print(f"{comparison + f' (k = {k}, 2 subgroups)':<32} {dl * 1e3:9.2f} {bayes * 1e3:11.2f} {bayes / dl:7.1f}")


if __name__ == "__main__":
    main()
