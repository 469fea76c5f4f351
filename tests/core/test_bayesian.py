"""core.bayesian against recorded bayesmeta runs, the vignette's printed output and direct quadrature.

Tolerances: 1e-4 against the tight bayesmeta runs (tests/core/_bayesmeta_reference.py: bayesmeta's own
mixture approximation at delta = 1e-5, epsilon = 1e-7 and its integrate()/uniroot() tolerances); the
vignette's printed summary was made at bayesmeta's default accuracy (delta = 0.01), which moves mu
and theta in the fourth significant digit, so those are checked at 3e-3 and tau (integrated
directly by bayesmeta) at the printed 6 decimals.  The direct checks integrate the model with
scipy.integrate.quad at 1e-12 and compare at 1e-9.
"""
import math
import pickle
from dataclasses import FrozenInstanceError

import numpy as np
import pytest
from scipy import integrate, stats

from core.bayesian import (BayesianMetaResult, HalfCauchy, HalfNormal, LogNormal, Normal, Uniform,
                           bayesian_meta_analysis)
from core.errors import InsufficientStudiesError
from core.pooling import meta_analysis
from tests.core._bayesmeta_reference import BAYESMETA_VERSION, CASES, SETTINGS

REF_TOL = 1e-4
# Where tau's posterior falls only as tau^-4 (uniform prior with k = 5, half-Cauchy with k = 3), the SDs of mu
# and theta converge slowly in tau, and bayesmeta, whose mixture stops at tau's 1 - epsilon quantile, drops
# part of them (0.3% here; test_heavy_tailed_sds_against_direct_quadrature has the exact values).
TRUNCATED_SD = {"k5_uniform", "k3_halfcauchy"}
TRUNCATED_SD_RTOL = 5e-3
SCHOOLS_Y = [28.39, 7.94, -2.75, 6.82, -0.64, 0.63, 18.01, 12.16]      # bayesmeta's Rubin1981
SCHOOLS_SE = np.array([14.9, 10.2, 16.3, 11.0, 9.4, 11.4, 10.4, 17.6])


def _prior(spec):
    family, *args = spec
    return {"halfnormal": HalfNormal, "halfcauchy": HalfCauchy, "uniform": Uniform, "lognormal": LogNormal}[family](*args)


def _fit(case, level=0.95):
    mu_prior = None if case["mu_prior"] is None else Normal(*case["mu_prior"][1:])
    return bayesian_meta_analysis(case["yi"], np.square(case["sei"]), _prior(case["tau_prior"]), mu_prior, level=level)


def _close(actual, expected, what):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=REF_TOL, atol=REF_TOL, err_msg=what)


def test_reference_file_records_its_versions():
    assert BAYESMETA_VERSION == "3.4" and SETTINGS == {"delta": 1e-5, "epsilon": 1e-7}
    assert len(CASES) == 10


@pytest.mark.parametrize("name", sorted(CASES))
def test_summary_matches_bayesmeta(name):
    case, r = CASES[name], _fit(CASES[name])
    for par in ("tau", "mu", "theta"):
        got, ref = getattr(r, par), case[par]
        for stat in ("median", "mean", "sd"):
            if not math.isfinite(getattr(got, stat)):
                continue
            if stat == "sd" and par != "tau" and name in TRUNCATED_SD:
                assert got.sd == pytest.approx(ref["sd"], rel=TRUNCATED_SD_RTOL) and got.sd > ref["sd"]
            else:
                _close(getattr(got, stat), ref[stat], f"{name} {par}.{stat}")
        _close(tuple(got.interval(0.95)), ref["shortest_95"], f"{name} {par} shortest 95%")
        _close(tuple(got.interval(0.95, kind="central")), ref["central_95"], f"{name} {par} central 95%")
    _close((r.ci_low, r.ci_high, r.pi_low, r.pi_high), case["mu"]["shortest_95"] + case["theta"]["shortest_95"],
           f"{name} quoted intervals")
    assert r.estimate == r.mu.median


@pytest.mark.parametrize("name", sorted(CASES))
def test_probabilities_quantiles_and_other_levels_match_bayesmeta(name):
    case, r = CASES[name], _fit(CASES[name])
    _close(r.mu.cdf(0.0), case["mu"]["cdf_0"], f"{name} P(mu < 0)")
    _close(r.theta.cdf(0.0), case["theta"]["cdf_0"], f"{name} P(theta < 0)")
    _close(r.mu.quantile(0.975), case["mu"]["q975"], f"{name} mu 97.5%")
    _close(r.tau.quantile(0.95), case["tau"]["q95"], f"{name} tau 95%")
    _close(tuple(r.mu.interval(0.90)), case["mu"]["shortest_90"], f"{name} mu shortest 90%")
    _close(tuple(r.tau.interval(0.80)), case["tau"]["shortest_80"], f"{name} tau shortest 80%")
    if r.k > 1:
        _close(r.i2_median / 100, case["i2_at_median_tau"], f"{name} I^2")


@pytest.mark.parametrize("name", sorted(CASES))
def test_weights_and_shrinkage_match_bayesmeta(name):
    case, r = CASES[name], _fit(CASES[name])
    weights = list(r.weights / 100) + ([r.prior_weight / 100] if r.mu_prior is not None else [])
    _close(weights, case["weights"], f"{name} weights")
    shrunk = r.shrinkage()
    ivs = [s.interval(0.95) for s in shrunk]
    ref = case["shrinkage"]
    for stat in ("mean", "sd", "median"):
        _close([getattr(s, stat) for s in shrunk], ref[stat], f"{name} shrinkage {stat}")
    _close([iv.low for iv in ivs], ref["shortest_95_low"], f"{name} shrinkage lower")
    _close([iv.high for iv in ivs], ref["shortest_95_high"], f"{name} shrinkage upper")


def test_vignette_printed_summary():
    # bayesmeta vignette (3.4), "A simple example": print(schools.example.1$summary), made at bayesmeta's
    # default accuracy.  tau is integrated directly (6 printed decimals hold); mu and theta come from the
    # default delta = 0.01 mixture, 5e-4 to 2.4e-2 away from the tight values (see the module docstring).
    r = bayesian_meta_analysis(SCHOOLS_Y, SCHOOLS_SE ** 2, HalfCauchy(25), Normal(0, 50))
    tau_iv = r.tau.interval(0.95)
    assert [round(x, 6) for x in (r.tau.median, r.tau.mean, r.tau.sd, tau_iv.low, tau_iv.high)] == \
        [4.758539, 5.884511, 4.869904, 0.0, 15.165894]
    assert round(r.tau.quantile(0.95), 5) == 15.16589                       # qposterior(tau.p=0.95)
    assert [round(x, 7) for x in r.tau.interval(0.95, "central")] == [0.2199559, 18.0531718]
    printed_mu = [7.962961, 7.985729, 4.995762, -1.823353, 17.824562]
    got = [r.mu.median, r.mu.mean, r.mu.sd, r.ci_low, r.ci_high]
    np.testing.assert_allclose(got, printed_mu, atol=3e-3)
    printed_theta = [7.926819, 7.985729, 9.126767, -10.623526, 26.827377]
    np.testing.assert_allclose([r.theta.median, r.theta.mean, r.theta.sd, r.pi_low, r.pi_high], printed_theta, atol=3e-2)


def _quad(f, a=0.0, b=np.inf):
    return integrate.quad(f, a, b, epsabs=0, epsrel=1e-12, limit=500)[0]


def test_against_direct_quadrature():
    # Independent of bayesmeta: p(tau | y) and P(mu <= x | y) integrated by QUADPACK.
    yi, vi = np.array([-0.9, -0.35, -1.4]), np.array([0.30, 0.22, 0.41]) ** 2
    prior = HalfNormal(0.5)
    r = bayesian_meta_analysis(yi, vi, prior)

    def cond(t):
        w = 1 / (vi + t * t)
        m = (w @ yi) / w.sum()
        ll = -0.5 * (np.log(vi + t * t).sum() + (w * (yi - m) ** 2).sum() + np.log(w.sum()))
        return stats.halfnorm.pdf(t, scale=0.5) * np.exp(ll), m, 1 / w.sum()

    z = _quad(lambda t: cond(t)[0])
    assert r.tau.cdf(0.3) == pytest.approx(_quad(lambda t: cond(t)[0], 0, 0.3) / z, abs=1e-10)
    assert r.tau.mean == pytest.approx(_quad(lambda t: t * cond(t)[0]) / z, abs=1e-10)
    for x in (-1.5, -0.77, 0.0):
        p = _quad(lambda t: cond(t)[0] * stats.norm.cdf(x, cond(t)[1], math.sqrt(cond(t)[2]))) / z
        assert r.mu.cdf(x) == pytest.approx(p, abs=1e-10)
        pt = _quad(lambda t: cond(t)[0] * stats.norm.cdf(x, cond(t)[1], math.sqrt(cond(t)[2] + t * t))) / z
        assert r.theta.cdf(x) == pytest.approx(pt, abs=1e-10)


@pytest.mark.parametrize("name", sorted(TRUNCATED_SD))
def test_heavy_tailed_sds_against_direct_quadrature(name):
    case = CASES[name]
    yi, vi, prior = np.array(case["yi"]), np.square(case["sei"]), _prior(case["tau_prior"])
    r = _fit(case)

    def cond(t):
        w = 1 / (vi + t * t)
        m = (w @ yi) / w.sum()
        ll = -0.5 * (np.log(vi + t * t).sum() + (w * (yi - m) ** 2).sum() + np.log(w.sum()))
        return math.exp(prior.logpdf(np.array([t]))[0] + ll), m, 1 / w.sum()

    z = _quad(lambda t: cond(t)[0])
    mean = _quad(lambda t: cond(t)[0] * cond(t)[1]) / z
    var_mu = _quad(lambda t: cond(t)[0] * (cond(t)[2] + (cond(t)[1] - mean) ** 2)) / z
    var_theta = _quad(lambda t: cond(t)[0] * (cond(t)[2] + t * t + (cond(t)[1] - mean) ** 2)) / z
    assert (r.mu.sd, r.theta.sd) == (pytest.approx(math.sqrt(var_mu), rel=1e-9), pytest.approx(math.sqrt(var_theta), rel=1e-9))


def test_k1_tau_posterior_is_the_prior():
    # With one study and a flat prior on mu the marginal likelihood does not depend on tau.
    r = bayesian_meta_analysis([-0.8], [0.09], HalfNormal(0.5))
    assert r.tau.median == pytest.approx(stats.halfnorm.ppf(0.5, scale=0.5), abs=1e-9)
    assert r.tau.mean == pytest.approx(stats.halfnorm.mean(scale=0.5), abs=1e-9)
    assert r.mu.median == pytest.approx(-0.8, abs=1e-12)          # symmetric about y_1
    assert r.weights.tolist() == [100.0] and r.notes and math.isnan(r.i2_median)
    r2 = bayesian_meta_analysis([-0.8], [0.09], HalfNormal(1.0))   # ... so the prior decides the width
    assert r2.ci_high - r2.ci_low > r.ci_high - r.ci_low + 0.5


def test_k0_and_improper_posteriors_raise_the_house_error():
    with pytest.raises(InsufficientStudiesError, match=r"k = 0"):
        bayesian_meta_analysis([], [])
    with pytest.raises(InsufficientStudiesError, match=r"uniform prior on tau the posterior is improper.*k >= 3"):
        bayesian_meta_analysis([0.1, 0.3], [0.04, 0.05], Uniform())
    with pytest.raises(InsufficientStudiesError, match=r"k >= 2"):
        bayesian_meta_analysis([0.1], [0.04], Uniform(), Normal(0, 1))
    r = bayesian_meta_analysis([0.1, 0.3], [0.04, 0.05], Uniform(), Normal(0, 1))     # proper with a normal prior
    assert r.k == 2 and math.isfinite(r.ci_low)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(yi=[1, 2], vi=[0.1]), ValueError, r"`yi` has 2 values but `vi` has 1"),
    (dict(yi=[1, 2], vi=[0.1, 0.0]), ValueError, r"`vi` must be > 0; got 0.0 in study 2"),
    (dict(yi=[1, np.nan], vi=[0.1, 0.1]), ValueError, r"`yi` must be finite; got nan in study 2"),
    (dict(yi=[1, 2], vi=[0.1, 0.1], tau_prior=0.5), TypeError, r"`tau_prior` must be one of"),
    (dict(yi=[1, 2], vi=[0.1, 0.1], mu_prior=(0, 1)), TypeError, r"`mu_prior` must be None \(flat\) or a Normal"),
    (dict(yi=[1, 2], vi=[0.1, 0.1], level=95), ValueError, r"`level` must be in \(0, 1\)"),
    (dict(yi=[1, 2], vi=[0.1, 0.1], labels=["a"]), ValueError, r"`labels` has 1 entries but there are 2"),
])
def test_bad_input_is_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        bayesian_meta_analysis(**kwargs)


def test_prior_validation_and_log_normal_for_tau2():
    with pytest.raises(ValueError, match=r"`scale` must be finite and > 0; got -1.0"):
        HalfNormal(-1)
    with pytest.raises(TypeError, match=r"`sd` must be a number > 0"):
        Normal(0, "1")
    ln = LogNormal.for_tau2(-2.56, 1.74)          # log(tau^2) ~ N(-2.56, 1.74^2) -> log(tau) ~ N(-1.28, 0.87^2)
    assert (ln.meanlog, ln.sdlog) == (-1.28, 0.87)
    t = np.array([0.0, 0.1, 1.0])
    np.testing.assert_allclose(np.exp(ln.logpdf(t)), stats.lognorm.pdf(t, s=0.87, scale=math.exp(-1.28)), rtol=1e-12)
    np.testing.assert_allclose(np.exp(HalfCauchy(0.5).logpdf(t)), stats.halfcauchy.pdf(t, scale=0.5), rtol=1e-12)
    np.testing.assert_allclose(np.exp(HalfNormal(0.5).logpdf(t)), stats.halfnorm.pdf(t, scale=0.5), rtol=1e-12)


def test_moments_that_do_not_exist_are_nan():
    # k = 1, flat mu, half-Cauchy: p(tau | y) is the half-Cauchy, which has no mean.
    r = bayesian_meta_analysis([0.2], [0.05], HalfCauchy(0.5))
    assert math.isnan(r.tau.mean) and math.isnan(r.mu.mean) and math.isnan(r.theta.sd)
    assert r.tau.median == pytest.approx(0.5, abs=1e-9)           # the half-Cauchy's median is its scale
    # k = 3, uniform: p(tau | y) ~ tau^-2, so no mean either; with k = 5 mean and SD exist.
    assert math.isnan(bayesian_meta_analysis([0.1, 0.5, -0.2], [0.04] * 3, Uniform()).tau.mean)
    assert math.isfinite(bayesian_meta_analysis([0.1, 0.5, -0.2, 0.3, 0.0], [0.04] * 5, Uniform()).tau.sd)


def test_intervals_quantiles_and_cdf_are_consistent():
    r = bayesian_meta_analysis([-0.9, -0.35, -1.4], np.array([0.30, 0.22, 0.41]) ** 2, HalfNormal(0.5))
    for dist in (r.mu, r.theta, r.tau):
        short, central = dist.interval(0.9), dist.interval(0.9, kind="central")
        assert dist.cdf(short.high) - dist.cdf(short.low) == pytest.approx(0.9, abs=1e-10)
        assert short.high - short.low <= central.high - central.low + 1e-12
        assert dist.quantile(dist.cdf(0.1)) == pytest.approx(0.1, abs=1e-9)
        np.testing.assert_allclose(dist.cdf(np.array([dist.quantile(0.2), dist.quantile(0.7)])), [0.2, 0.7], atol=1e-10)
    assert (r.tau.quantile(0.0), r.tau.quantile(1.0), r.mu.quantile(0.0)) == (0.0, math.inf, -math.inf)
    with pytest.raises(ValueError, match=r"`p` must be in \[0, 1\]"):
        r.mu.quantile(1.5)
    with pytest.raises(ValueError, match=r"`kind` must be one of \('shortest', 'central'\)"):
        r.mu.interval(0.95, kind="hpd")


def test_homogeneous_studies_give_a_tau_interval_from_zero():
    r = bayesian_meta_analysis([0.4] * 4, [0.05, 0.04, 0.06, 0.05], HalfNormal(0.5))
    assert r.tau.interval(0.95).low == 0.0 and r.mu.median == pytest.approx(0.4, abs=1e-12)
    assert r.weights.sum() == pytest.approx(100.0, abs=1e-9)


def test_credible_interval_sits_between_dl_z_and_hksj_with_few_studies():
    # The behaviour the literature argues for (Friede et al. 2017; Bender et al. 2018): wider than the
    # DL z-interval, narrower than HKSJ's t(k - 1) interval when k = 2.
    yi, vi = [-0.6, -1.3], np.array([0.25, 0.35]) ** 2
    r = bayesian_meta_analysis(yi, vi, HalfNormal(0.5))
    z, hk = meta_analysis(yi, vi, method="DL"), meta_analysis(yi, vi, method="DL", test="knha", hksj_floor=True)
    assert hk.ci_low < r.ci_low < z.ci_low and z.ci_high < r.ci_high < hk.ci_high


def test_result_is_frozen_picklable_and_reads_like_bayesmeta():
    r = bayesian_meta_analysis(SCHOOLS_Y, SCHOOLS_SE ** 2, HalfCauchy(25), Normal(0, 50), labels=list("ABCDEFGH"))
    assert isinstance(r, BayesianMetaResult)
    with pytest.raises(FrozenInstanceError):
        r.estimate = 0.0
    back = pickle.loads(pickle.dumps(r))
    assert (back.mu.median, back.tau.cdf(5.0)) == (r.mu.median, r.tau.cdf(5.0))
    assert r.weights.sum() + r.prior_weight == pytest.approx(100.0, abs=1e-9)
    frame = r.to_frame()
    assert frame.shape == (10, 9) and frame["label"].tolist()[-2:] == ["Overall effect (mu)", "New study (theta)"]
    assert frame["weight_pct"].iloc[:8].round(2).tolist() == [round(w, 2) for w in r.weights]
    text = r.summary()
    for words in ("8 estimates:", "A, B, C, D, E, F, G, H", "tau prior (proper):", "half-Cauchy(scale=25)",
                  "mu prior (proper):", "normal(mean=0, sd=50)", "marginal posterior summary:",
                  "(quoted intervals are shortest credible intervals.)"):
        assert words in text
    assert f"{r.mu.median:12.6f}" in text
    flat = bayesian_meta_analysis([0.1, 0.5, -0.2], [0.04] * 3, Uniform()).summary()
    assert "tau prior (improper):\nuniform(min=0, max=Inf)" in flat and "uniform(min=-Inf, max=Inf)" in flat
