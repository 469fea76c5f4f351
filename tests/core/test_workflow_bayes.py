"""core.workflow.bayes: the Bayesian model of a view (issue 22), through core.workflow.analysis.analyse.

The view's numbers must be exactly core.bayesian's on the same studies (checked against bayesmeta in
tests/core/test_bayesian.py), with one prior for the total and its subgroups; the figure and the
result lines must say credible interval and never print a test or P value the model does not have.
"""
import math
import pickle
from dataclasses import replace

import numpy as np
import pytest

from core import words
from core.bayesian import HalfNormal, bayesian_meta_analysis
from core.figures.forest import forest_figure
from core.pooling import MetaResult, meta_analysis
from core.workflow.analysis import AnalysisSpec, analyse
from core.workflow.bayes import BayesPooled, bayes_pooled, default_prior_scale, prior_sensitivity, unit_information_sd
from tests.core._export_cases import DS

PP_ALL = AnalysisSpec(outcome="hba1c", comparison="pre_post", study_set="all", model="bayes")   # k = 3: 1 + 2
VS_ALL = AnalysisSpec(outcome="hba1c", comparison="vs_control", study_set="all", model="bayes")  # k = 4: 2 + 2


def test_unit_information_sd_is_bayesmeta_uisd():
    # bayesmeta uisd(): sqrt(sum(n) / sum(sigma^-2)) (Röver et al. 2021, eq. 6).
    n, vi = [40, 60], [0.04, 0.09]
    assert unit_information_sd(n, vi) == pytest.approx(math.sqrt(100 / (25 + 1 / 0.09)), rel=1e-15)
    assert default_prior_scale(n, vi) == pytest.approx(unit_information_sd(n, vi) / 2, rel=1e-15)
    with pytest.raises(ValueError, match=r"`n` and `vi` must be positive arrays of one shape"):
        unit_information_sd([10], [0.0])


def test_view_equals_core_bayesian_with_half_the_uisd():
    a = analyse(DS, PP_ALL)
    rows = a.rows
    scale = default_prior_scale(rows["n1"].to_numpy(float), rows["vi"].to_numpy(float))   # pre-post: one arm
    fit = bayesian_meta_analysis(rows["yi"], rows["vi"], HalfNormal(scale))
    res = a.pooled
    assert isinstance(res, BayesPooled) and isinstance(res, MetaResult) and res.prior_scale == scale
    assert (res.estimate, res.ci_low, res.ci_high, res.pi_low, res.pi_high) == \
        (fit.estimate, fit.ci_low, fit.ci_high, fit.pi_low, fit.pi_high)
    assert res.se == fit.mu.sd and res.tau2 == fit.tau.median ** 2
    np.testing.assert_array_equal(rows["weight_pct"], fit.weights)
    assert math.isnan(res.pvalue) and math.isnan(res.statistic) and res.prob_below_zero == fit.mu.cdf(0.0)
    assert f"half-normal on τ with scale {scale:.3g}" in a.model_reason and "95% credible interval" in a.model_reason
    # Q and the Q-based I^2 stay the descriptive statistics of the studies.
    dl = meta_analysis(rows["yi"], rows["vi"], method="DL")
    assert (res.q, res.i2) == (pytest.approx(dl.q, rel=1e-12), pytest.approx(dl.i2, rel=1e-12))


def test_subgroups_share_the_total_prior_and_have_no_between_test():
    a = analyse(DS, VS_ALL)
    scale = a.pooled.prior_scale
    for group, res in a.subgroups.subgroups.items():
        assert isinstance(res, BayesPooled) and res.prior_scale == scale
        fit = bayesian_meta_analysis(res.yi, res.vi, HalfNormal(scale))
        assert (res.estimate, res.ci_low, res.ci_high) == (fit.estimate, fit.ci_low, fit.ci_high), group
    assert math.isnan(a.subgroups.q_between) and math.isnan(a.subgroups.p_between)
    assert words.subgroup_test_line(a.subgroups).startswith("Test for subgroup differences: not applicable to the "
                                                            "Bayesian model")


def test_credible_interval_sits_between_dl_z_and_hksj_on_the_project_view():
    # docs/statistics-bayesian.md, "Why": HbA1c pre-post, all trials (k = 3).
    a = analyse(DS, PP_ALL)
    yi, vi = a.rows["yi"].to_numpy(float), a.rows["vi"].to_numpy(float)
    z, hk = meta_analysis(yi, vi, method="DL"), meta_analysis(yi, vi, method="DL", test="knha")
    b = bayesian_meta_analysis(yi, vi, HalfNormal(0.5))
    assert [round(x, 2) for x in (z.ci_low, z.ci_high, hk.ci_low, hk.ci_high)] == [-1.56, -0.76, -2.04, -0.28]
    assert [round(x, 2) for x in (b.ci_low, b.ci_high, b.estimate, b.tau.median)] == [-1.71, -0.59, -1.17, 0.31]
    for res in (b, a.pooled):
        assert hk.ci_low < res.ci_low < z.ci_low and z.ci_high < res.ci_high < hk.ci_high


def test_prior_factor_multiplies_the_scale_and_is_checked():
    base, wide = analyse(DS, VS_ALL), analyse(DS, replace(VS_ALL, prior_factor=4.0))
    assert wide.pooled.prior_scale == pytest.approx(4 * base.pooled.prior_scale, rel=1e-15)
    assert "4 × half the unit-information SD" in wide.model_reason
    assert wide.pooled.ci_high - wide.pooled.ci_low > base.pooled.ci_high - base.pooled.ci_low
    with pytest.raises(ValueError, match=r"`prior_factor` must be one of \(0.25, 0.5, 1.0, 2.0, 4.0\); got 3"):
        replace(VS_ALL, prior_factor=3)
    rows = prior_sensitivity(base.pooled, base.pooled.prior_scale)
    assert [f for f, _, _ in rows] == [0.25, 0.5, 1.0, 2.0, 4.0]
    assert rows[2][2].ci_low == base.pooled.ci_low and rows[4][1] == wide.pooled.prior_scale


def test_one_study_says_the_prior_sets_the_width():
    a = analyse(DS, AnalysisSpec(outcome="hba1c", comparison="pre_post", study_set="paper", model="bayes"))
    assert a.k == 1 and "the prior sets the interval's width" in a.model_reason
    assert a.pooled.ci_high - a.pooled.ci_low > 2 * 1.96 * math.sqrt(a.pooled.vi[0])   # wider than the study's CI


def test_result_methods_lines_and_pickling():
    res = analyse(DS, VS_ALL).pooled
    assert tuple(res.confidence_interval(0.9)) == tuple(res.posterior.mu.interval(0.9))
    assert tuple(res.prediction_interval()) == (res.pi_low, res.pi_high)
    assert res.summary() == res.posterior.summary()
    assert words.overall_effect_line(res) == (f"Posterior probability of an effect below 0: P(μ < 0) = "
                                              f"{res.prob_below_zero:.3f} (no test: Bayesian model)")
    assert words.prediction_interval_line(res).startswith("95% predictive interval for a new study [")
    assert "Tau² (posterior median of τ, squared)" in words.heterogeneity_line(res)
    back = pickle.loads(pickle.dumps(res))          # the app caches analyses
    assert (back.estimate, back.prob_below_zero) == (res.estimate, res.prob_below_zero)


def test_forest_figure_says_credible_interval():
    fig = forest_figure(analyse(DS, VS_ALL), show_pi=True)
    texts = [str(t) for tr in fig.data if tr.text is not None for t in np.atleast_1d(tr.text)]
    texts = [t.replace("<b>", "").replace("</b>", "") for t in texts + [a.text for a in fig.layout.annotations]]
    assert "Bayesian, 95% CrI" in texts and "Total (95% CrI)" in texts and "Subtotal (95% CrI)" in texts
    assert not any("IV, Random" in str(t) or "Test for overall effect" in str(t) for t in texts)


def test_r_script_uses_bayesmeta_with_the_apps_prior():
    # Run by hand with bayesmeta 3.4 sourced (docs/statistics-bayesian.md): the total, both subgroups, the
    # predictive interval and the weights printed equal the app's to 4 decimals.  CI has no bayesmeta.
    from core import export as ex
    a = analyse(DS, VS_ALL)
    code = ex.r_script(DS, VS_ALL)
    assert 'install.packages(c("metafor", "bayesmeta"))' in code and "library(bayesmeta)" in code
    assert "scale <- 1.0 * uisd(n = dat$n1 + dat$n2, sigma = sqrt(dat$vi)) / 2" in code
    assert f"the app used scale {a.pooled.prior_scale!r}" in code
    assert "tau.prior = function(t) dhalfnormal(t, scale = scale)" in code and "delta = 1e-5, epsilon = 1e-7" in code
    assert "rma(" not in code and "split(dat, dat$dm_type)" in code
    pp = ex.r_script(DS, replace(PP_ALL, population="T2DM", prior_factor=0.5))
    assert "scale <- 0.5 * uisd(n = dat$n1, sigma" in pp and "split(" not in pp
    none = ex.r_script(DS, AnalysisSpec(outcome="fcp", model="bayes"))
    assert "message(" in none and "bayesmeta(" not in none


def test_leave_one_out_and_cumulative_refit_the_bayesian_model():
    from core import sensitivity
    from core.workflow.bayes import cumulative, leave_one_out
    res = analyse(DS, VS_ALL).pooled
    loo = leave_one_out(res)
    for i in range(res.k):
        keep = np.delete(np.arange(res.k), i)
        fit = bayesian_meta_analysis(res.yi[keep], res.vi[keep], HalfNormal(res.prior_scale))
        assert (loo.estimate[i], loo.ci_low[i], loo.ci_high[i]) == (fit.estimate, fit.ci_low, fit.ci_high)
        assert loo.q[i] == pytest.approx(meta_analysis(res.yi[keep], res.vi[keep], method="DL").q, rel=1e-12)
    assert np.isnan(loo.pvalue).all() and loo.labels == res.labels
    cum = cumulative(res, [3, 2, 1, 0])
    assert cum.labels == tuple(res.labels[i] for i in (3, 2, 1, 0))
    # all four, added in another order: the main result up to rounding in the sums
    assert (cum.estimate[-1], cum.ci_low[-1]) == (pytest.approx(res.estimate, rel=1e-12), pytest.approx(res.ci_low, rel=1e-12))
    first = bayesian_meta_analysis(res.yi[[3]], res.vi[[3]], HalfNormal(res.prior_scale))
    assert cum.ci_high[0] == first.ci_high
    freq = analyse(DS, replace(VS_ALL, model="random")).pooled         # other models: core.sensitivity's
    np.testing.assert_array_equal(leave_one_out(freq).estimate, sensitivity.leave_one_out(freq).estimate)


def test_prior_sensitivity_figure_marks_the_views_prior():
    from core.figures.sensitivity import prior_sensitivity_figure
    a = analyse(DS, replace(VS_ALL, prior_factor=2.0))
    fig = prior_sensitivity_figure(a)
    base = a.pooled.prior_scale / 2
    assert fig.layout.meta["labels"] == [f"{f:g} × default (scale {f * base:.3g})" for f in (0.25, 0.5, 1, 2, 4)]
    assert fig.layout.meta["estimates"][3] == round(a.pooled.estimate, 6)          # 2x: the view itself
    changed = next(t for t in fig.data if t.name == "Estimates (changed)")
    assert list(changed.x) == [a.pooled.estimate]
    texts = [ann.text for ann in fig.layout.annotations]
    assert "<b>Median [95% CrI] · k</b>" in texts and not any("· P" in str(t) for t in texts)


def test_tables_and_python_script_carry_the_bayesian_result(tmp_path):
    import subprocess
    import sys
    from pathlib import Path
    from core import export as ex
    a = analyse(DS, VS_ALL)
    table = ex.analysis_table(a)
    pooled = table[table["row_type"] != "study"]
    assert set(pooled["method"]) == {f"Bayesian (half-normal prior on tau, scale {a.pooled.prior_scale:.4g})"}
    assert set(pooled["test"]) == {"credible interval"} and pooled["pvalue"].isna().all()
    total = pooled[pooled["row_type"] == "overall"].iloc[0]
    assert (total["estimate"], total["ci_low"], total["ci_high"]) == (a.pooled.estimate, a.pooled.ci_low, a.pooled.ci_high)
    script = tmp_path / "view.py"
    script.write_text(ex.python_script(DS, VS_ALL), encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, str(script)], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    got = ex.result_json_from_output(out.stdout)["pooled"]["Total"]
    assert (got["estimate"], got["ci_low"], got["ci_high"]) == (a.pooled.estimate, a.pooled.ci_low, a.pooled.ci_high)
    assert f"P(mu < 0) = {a.pooled.prob_below_zero:.4g}" in out.stdout and "(Bayesian)" in out.stdout


def test_robustness_includes_the_bayesian_model():
    from core.workflow.robustness import robustness
    main = robustness(DS, replace(VS_ALL, model="random"))
    bayes = [v for v in main.family("model") if v.is_bayesian]
    assert len(bayes) == 1 and bayes[0].estimate == analyse(DS, VS_ALL).pooled.estimate
    assert words.model_label(bayes[0].method) == "Bayesian (half-normal prior on τ)"
    own = robustness(DS, VS_ALL)              # a Bayesian main analysis: DL is a variant like the others
    assert own.base.is_bayesian and not any(v.is_bayesian for v in own.family("model"))
    assert "random effects (DL)" in [v.label for v in own.family("model")]
    assert all(v.is_bayesian for v in own.family("exclude")) and not own.family("test")
    assert "CI method: HKSJ does not apply to the Bayesian model's credible interval." in own.skipped


def test_trim_and_fill_of_a_bayesian_view_refits_the_filled_set_with_its_prior():
    """Issue 22's gap: the adjusted estimate was DerSimonian-Laird beside a Bayesian unadjusted one."""
    from core import bias
    from core.workflow.bayes import trim_and_fill
    vi = np.linspace(0.02, 0.4, 8)
    dl = meta_analysis(-0.2 - 2.0 * np.sqrt(vi) + np.linspace(-0.05, 0.05, 8), vi, method="DL")
    pooled = bayes_pooled(dl, 0.5)
    tf = trim_and_fill(pooled)
    plain = bias.trim_and_fill(dl)
    assert tf.k0 == plain.k0 > 0 and tf.filled.is_bayesian and tf.filled.prior_scale == 0.5
    again = bayes_pooled(plain.filled, 0.5)
    assert (tf.filled.estimate, tf.filled.ci_low, tf.filled.ci_high) == (again.estimate, again.ci_low, again.ci_high)
    assert trim_and_fill(dl).filled.estimate == plain.filled.estimate        # a frequentist view is unchanged
