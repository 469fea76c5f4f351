"""Degenerate but ordinary data never crashes a page's analyses (issue 23, item 8).

Generated datasets: every study in a subgroup has the same effect (so Q = 0, tau^2 = 0 and the
Hartung-Knapp factor sum w (y - mu)^2 / (k - 1) is exactly 0), k = 1 or 2 in a subgroup, and
near-identical studies whose tau^2 estimate truncates at 0.  Each is run through what every page
runs (analysis, robustness, leave-one-out, cumulative, small-study, follow-up trajectory,
certainty, reproduction table and their figures) under every test, model and estimator: no
exception may escape.  The numbers themselves are checked against metafor in
tests/core/test_subgroups.py and tests/core/test_pooling.py.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core import vocab
from core.certainty import CertaintyInputs, assess, summary_of_findings
from core.figures.followup import trajectory_figure
from core.figures.forest import forest_figure
from core.figures.funnel import funnel_figure
from core.figures.sensitivity import cumulative_frame, interval_forest, loo_frame, r_curve_figure
from core.sensitivity import cumulative, leave_one_out
from core.workflow.analysis import AnalysisSpec, analyse
from core.workflow.reproduce import reported_vs_recomputed
from core.workflow.robustness import robustness
from core.workflow.small_study import small_study_report
from core.workflow.trajectory import followup_tables, trajectory
from core.words import subgroup_test_line
from tests.factories import arm, make_dataset, study

OUTCOME = str(vocab.Outcome.HBA1C)
TESTS = tuple(str(t) for t in vocab.TESTS)
METHODS = tuple(str(m) for m in vocab.RANDOM_ESTIMATORS)


def _dataset(t1: int, t2: int, controlled: bool, jitter: float, sds: tuple):
    """``t1`` T1DM and ``t2`` T2DM studies, each with MD -1 (+ ``jitter`` * its index) at 3, 6
    and 12 months; ``sds`` varies the studies' precision so that the weights differ."""
    design = "rct" if controlled else "single_arm"
    studies, rows = [], []
    for i in range(t1 + t2):
        sid = f"S{chr(65 + i)}{2010 + i}"
        studies.append(study(sid, "T1DM" if i < t1 else "T2DM", design, year=2010 + i))
        sd, effect = sds[i % len(sds)], -1.0 + jitter * i
        arms = ("msc", "control") if controlled else ("msc",)
        rows += [arm(sid, a, OUTCOME, 0, 20, 8.5, sd) for a in arms]
        for t in (3, 6, 12):
            rows.append(arm(sid, "msc", OUTCOME, t, 20, round(8.5 + effect, 6), sd))
            rows += [arm(sid, "control", OUTCOME, t, 20, 8.5, sd)] if controlled else []
    return make_dataset(studies, rows, name="identical effects")


def every_page(ds, spec: AnalysisSpec, *, figures: bool) -> None:
    """What the pages compute for ``spec`` (see pages/*.py and ui/cache*.py), with their figures if
    ``figures`` (plotly dominates the time, so the property test runs the numbers only)."""
    draw = (lambda build: build()) if figures else (lambda build: None)
    a = analyse(ds, spec)
    draw(lambda: forest_figure(a, show_pi=True))
    reported_vs_recomputed(a)
    inputs = CertaintyInputs.default(ds)
    if a.pooled is not None:
        assess(a, inputs.rob)
        if a.pooled.k >= 2:             # the Sensitivity page's own condition
            loo, cum = leave_one_out(a.pooled), cumulative(a.pooled)
            draw(lambda: interval_forest(loo_frame(loo, a.pooled), title="loo", x_title="MD"))
            draw(lambda: interval_forest(cumulative_frame(cum, a.pooled), title="cum", x_title="MD"))
        report = small_study_report(a.pooled)
        if report.funnel is not None:
            draw(lambda: funnel_figure(report.funnel, report.trim_fill, title="funnel", x_title="MD"))
    rob = robustness(ds, spec)
    rob.to_frame()
    draw(lambda: interval_forest(rob.plot_frame(), title="robustness", x_title="MD", show_pi=True))
    if spec.comparison == str(vocab.Comparison.PRE_POST):
        draw(lambda: r_curve_figure(rob.r_frame(), title="r", y_title="MD", main_r=spec.r))
    traj = trajectory(ds, spec)
    draw(lambda: trajectory_figure(traj, title="follow-up", y_title="MD"))
    followup_tables(ds, spec)
    summary_of_findings(ds, spec, inputs.rob)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(t1=st.integers(0, 2), t2=st.integers(1, 3), controlled=st.booleans(),
       jitter=st.sampled_from([0.0, 0.0, 1e-3]), sds=st.sampled_from([(1.0,), (0.5, 1.5), (0.8, 2.0, 1.1)]),
       model=st.sampled_from(("auto", "fixed", "random")), method=st.sampled_from(METHODS),
       test=st.sampled_from(TESTS), floor=st.booleans(), measure=st.sampled_from(("MD", "SMD")),
       population=st.sampled_from(tuple(str(p) for p in vocab.POPULATIONS)))
@example(t1=2, t2=2, controlled=True, jitter=0.0, sds=(0.5, 1.5), model="random", method="DL", test="knha",
         floor=False, measure="MD", population=str(vocab.Population.ALL))          # the crash
@example(t1=1, t2=1, controlled=False, jitter=0.0, sds=(1.0,), model="fixed", method="DL", test="knha",
         floor=True, measure="SMD", population=str(vocab.Population.ALL))           # k = 1 per subgroup
def test_identical_effects_run_on_every_page(t1, t2, controlled, jitter, sds, model, method, test, floor,
                                             measure, population):
    ds = _dataset(t1, t2, controlled, jitter, sds)
    comparison = vocab.Comparison.VS_CONTROL if controlled else vocab.Comparison.PRE_POST
    spec = AnalysisSpec(outcome=OUTCOME, comparison=str(comparison), population=population, measure=measure,
                        model=model, tau2_method=method, test=test, hksj_floor=floor and test == "hksj",
                        timepoint="12", study_set="all")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)     # no 0/0 or x/0 hidden behind numpy's warning
        every_page(ds, spec, figures=False)


@pytest.mark.parametrize("test", TESTS)
def test_two_identical_studies_in_each_subgroup_pool_without_crashing(test):
    ds = _dataset(2, 2, True, 0.0, (0.5, 1.5))
    a = analyse(ds, AnalysisSpec(outcome=OUTCOME, comparison=str(vocab.Comparison.VS_CONTROL),
                                 population=str(vocab.Population.ALL), model="random", test=test,
                                 timepoint="12", study_set="all"))
    assert a.pooled is not None and a.pooled.k == 4
    assert np.isclose(a.pooled.estimate, -1.0)
    assert a.pooled.tau2 == 0.0
    zero_note = [n for n in a.notes if "HKSJ variance factor is 0" in n]      # the Forest page shows a.notes
    assert len(zero_note) == (test == "hksj")
    if test == "hksj":
        assert a.pooled.ci_low == a.pooled.ci_high == a.pooled.estimate
        assert "not computable" in subgroup_test_line(a.subgroups)


# metafor 3.8-1 (R 4.2.2), printed with sprintf("%.15g"):
#   r <- rma(yi = c(0.5, 0.5), vi = c(0.1, 0.2), method = "REML", test = "knha"); predict(r)
#   r <- rma(yi = c(0.5, 0.5), vi = c(0.1, 0.2), method = "REML", test = "adhoc")
#   r <- rma(yi = c(0, 0), vi = c(0.1, 0.2), method = "DL", test = "knha")
# (estimate, se, ci.lb, ci.ub, zval, pval); NaN where metafor prints NaN.
METAFOR_IDENTICAL = {
    ("REML", False, 0.5): (0.5, 0.0, 0.5, 0.5, np.inf, 0.0),
    ("REML", True, 0.5): (0.5, 0.258198889747161, -2.78072795578043, 3.78072795578043, 1.93649167310371,
                          0.303463665822547),
    ("DL", False, 0.0): (0.0, 0.0, 0.0, 0.0, np.nan, np.nan),
}


@pytest.mark.parametrize("method, floor, y", list(METAFOR_IDENTICAL), ids=["knha", "adhoc", "knha_zero"])
def test_hksj_on_identical_studies_matches_metafor(method, floor, y):
    from core.pooling import HKSJ_ZERO, meta_analysis

    r = meta_analysis([y, y], [0.1, 0.2], method=method, test="knha", hksj_floor=floor)
    got = (r.estimate, r.se, r.ci_low, r.ci_high, r.statistic, r.pvalue)
    np.testing.assert_allclose(got, METAFOR_IDENTICAL[(method, floor, y)], rtol=1e-8, atol=1e-15)
    assert r.tau2 == 0.0
    assert (HKSJ_ZERO in r.notes) is (not floor)     # the Forest page then says why the CI has no width
    if not floor:
        assert (r.pi_low, r.pi_high) == (y, y)           # predict(r): pi.lb = pi.ub = 0.5


def test_leave_one_out_of_identical_studies_matches_metafor():
    """leave1out(rma(yi = rep(-0.3, 3), vi = c(0.1, 0.2, 0.3), method = "PM", test = "knha")):
    every refit has se 0, CI [-0.3, -0.3] and P 0."""
    from core.pooling import meta_analysis

    loo = leave_one_out(meta_analysis([-0.3] * 3, [0.1, 0.2, 0.3], method="PM", test="knha"))
    np.testing.assert_allclose(loo.estimate, -0.3, rtol=1e-12)
    np.testing.assert_allclose(np.concatenate([loo.se, loo.pvalue]), 0.0, atol=1e-15)
    np.testing.assert_allclose(np.concatenate([loo.ci_low, loo.ci_high]), -0.3, rtol=1e-12)


def test_subgroup_difference_is_not_computed_when_a_subgroup_has_no_spread():
    """One subgroup of identical effects under HKSJ has se 0: its weight 1/se^2 is infinite, so the
    test for subgroup differences is undefined (NaN, shown as 'not computable'), not a ZeroDivisionError."""
    from core.subgroups import subgroup_analysis

    s = subgroup_analysis([-1.0, -1.0, -0.5, -0.9], [0.1, 0.2, 0.1, 0.3], ["T1DM", "T1DM", "T2DM", "T2DM"],
                          method="DL", test="knha")
    assert s.subgroups["T1DM"].se == 0.0 and s.subgroups["T2DM"].se > 0
    assert s.df_between == 1 and np.isnan(s.q_between) and np.isnan(s.p_between) and np.isnan(s.i2_between)
    assert "not computable" in subgroup_test_line(s)
    z = subgroup_analysis([-1.0, -1.0, -0.5, -0.9], [0.1, 0.2, 0.1, 0.3], ["T1DM", "T1DM", "T2DM", "T2DM"],
                          method="DL", test="z")
    assert np.isfinite(z.q_between) and 0 < z.p_between < 1


@pytest.mark.parametrize("t1, t2, test", [(0, 1, "knha"), (1, 1, "knha"), (2, 2, "knha"), (2, 2, "z")],
                         ids=["k1", "k1_per_subgroup", "k2_per_subgroup", "k2_z"])
def test_every_page_draws_its_figures_on_identical_effects(t1, t2, test):
    ds = _dataset(t1, t2, True, 0.0, (0.5, 1.5))
    for comparison in (vocab.Comparison.VS_CONTROL, vocab.Comparison.PRE_POST):
        spec = AnalysisSpec(outcome=OUTCOME, comparison=str(comparison), population=str(vocab.Population.ALL),
                            model="random", test=test, timepoint="12", study_set="all")
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            every_page(ds, spec, figures=True)
