"""Benchmark of the statistics core.  Prints figures; asserts nothing.

Run from the repository root::

    .venv/bin/python bench/bench_core.py

It reports, from one run on the same inputs:

1. one full analysis at k = 10 with two subgroups (DL: each subgroup + total + test for
   subgroup differences) against statsmodels ``combine_effects`` producing the same outputs
   (pooled estimate, CI and heterogeneity test per fit, then the subgroup test), as a ratio
   (goal: >= 10x faster); the ratio against bare ``combine_effects`` calls is printed too;
2. leave-one-out and cumulative meta-analysis (DL) at k = 10, 100, 1,000 and 10,000
   (goal: k = 10,000 in <= 10 ms, linear growth);
3. the dashboard's whole grid: ``core.workflow.analysis.analyse`` for every outcome x comparison x
   population x model x time point (goal <= 50 ms), with the share spent in the statistics
   core (``subgroup_analysis`` on the same inputs).

Timings are the best of several repeats (``time.perf_counter``), after one warm-up call.
The machine's load average is printed first, because other processes inflate every figure.
"""
from __future__ import annotations

import itertools
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.workflow import analysis as an  # noqa: E402
from core.evidence.dataset import load_dataset  # noqa: E402
from core.pooling import meta_analysis  # noqa: E402
from core.sensitivity import cumulative, leave_one_out  # noqa: E402
from core.subgroups import subgroup_analysis  # noqa: E402
from core.vocab import COMPARISONS, MODELS, OUTCOMES, POPULATIONS, TIMEPOINTS, Tau2  # noqa: E402


def best_of(fn, repeats: int = 7, number: int = 1) -> float:
    """Best wall time of ``number`` calls, in seconds per call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return min(times)


def bench_full_analysis() -> None:
    rng = np.random.default_rng(2021)
    k = 10
    yi = rng.normal(-0.5, 0.4, k)
    vi = rng.uniform(0.02, 0.3, k)
    groups = np.array(["T1DM"] * 5 + ["T2DM"] * 5)
    masks = (groups == "T1DM", groups == "T2DM", slice(None))
    from statsmodels.stats.meta_analysis import combine_effects

    def ours():
        subgroup_analysis(yi, vi, groups, method=Tau2.DL)

    def theirs_same_outputs():
        # what subgroup_analysis returns: for each subgroup and the total, the pooled estimate
        # with its CI and the heterogeneity test; then the test for subgroup differences.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fits = []
            for m in masks:
                r = combine_effects(yi[m], vi[m], method_re="chi2")
                r.conf_int()
                r.test_homogeneity()
                fits.append(r)
            est = np.array([fits[0].mean_effect_re, fits[1].mean_effect_re])
            var = np.array([fits[0].sd_eff_w_re, fits[1].sd_eff_w_re]) ** 2
            combine_effects(est, var, method_re="chi2").test_homogeneity()

    def theirs_pooling_only():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for m in masks:
                combine_effects(yi[m], vi[m], method_re="chi2")

    t_ours = best_of(ours, number=200)
    t_same, t_pool = best_of(theirs_same_outputs, number=30), best_of(theirs_pooling_only, number=50)
    print("1. One full analysis, k = 10, two subgroups (DL): 2 subgroup fits + total + test for subgroup differences")
    print(f"   core.subgroups.subgroup_analysis                     : {t_ours * 1e6:8.1f} us")
    print(f"   statsmodels, same outputs (combine_effects + conf_int"
          f"\n     + test_homogeneity per fit, + subgroup test)       : {t_same * 1e6:8.1f} us"
          f"   ratio {t_same / t_ours:5.1f} x")
    print(f"   statsmodels, combine_effects x 3 only (no CI/tests)  : {t_pool * 1e6:8.1f} us"
          f"   ratio {t_pool / t_ours:5.1f} x")
    t_fe = best_of(lambda: meta_analysis(yi, vi), number=500)
    t_reml = best_of(lambda: meta_analysis(yi, vi, method=Tau2.REML), number=200)
    print(f"   (single meta_analysis k = 10: FE {t_fe * 1e6:.1f} us, REML {t_reml * 1e6:.1f} us)")


def bench_sensitivity() -> None:
    print("\n2. Leave-one-out and cumulative (DL, vectorised), best of 15")
    print(f"   {'k':>7} {'leave-one-out':>15} {'cumulative':>12}   {'LOO per study':>14}")
    rng = np.random.default_rng(7)
    for k in (10, 100, 1_000, 10_000):
        yi = rng.normal(0.3, 0.3, k)
        vi = rng.uniform(0.01, 0.2, k)
        res = meta_analysis(yi, vi, method=Tau2.DL)
        t_l = best_of(lambda: leave_one_out(res), repeats=15)
        t_c = best_of(lambda: cumulative(res), repeats=15)
        print(f"   {k:>7} {t_l * 1e3:12.3f} ms {t_c * 1e3:9.3f} ms   {t_l / k * 1e6:11.3f} us")


def bench_grid() -> None:
    dataset = load_dataset()   # loaded once, outside the timing
    specs = [an.AnalysisSpec(outcome=o, comparison=c, population=p, model=m, timepoint=t)
             for o, c, p, m, t in itertools.product(OUTCOMES, COMPARISONS, POPULATIONS, MODELS,
                                                    TIMEPOINTS)]
    results = [an.analyse(dataset, s) for s in specs]
    inputs = [(r.rows["yi"].to_numpy(), r.rows["vi"].to_numpy(), r.rows["dm_type"].to_numpy(), r.method)
              for r in results if r.pooled is not None]

    def grid():
        for s in specs:
            an.analyse(dataset, s)

    def stats_only():
        for yi, vi, g, method in inputs:
            subgroup_analysis(yi, vi, g, method=method)

    t_grid = best_of(grid, repeats=3)
    t_stats = best_of(stats_only, repeats=7)
    print(f"\n3. Dashboard grid: {len(specs)} analyses ({len(OUTCOMES)} outcomes x {len(COMPARISONS)} comparisons"
          f" x {len(POPULATIONS)} populations x {len(MODELS)} models x {len(TIMEPOINTS)} time points),"
          f" {len(inputs)} with a pooled result")
    print(f"   core.workflow.analysis.analyse, whole grid       : {t_grid * 1e3:9.1f} ms  ({t_grid / len(specs) * 1e3:.2f} ms each)")
    print(f"   statistics core only (subgroup_analysis): {t_stats * 1e3:9.1f} ms  ({len(inputs)} pooled analyses)")


def main() -> None:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}\n")
    bench_full_analysis()
    bench_sensitivity()
    bench_grid()


if __name__ == "__main__":
    main()
