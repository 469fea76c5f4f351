"""Inverse-variance pooling: fixed effect (common effect) and random effects.

``meta_analysis(yi, vi, method=..., test=..., pi=...)`` returns one frozen :class:`MetaResult`
that carries its inputs, so forest plots, leave-one-out, bias tests and export need nothing
else (metafor's design: ``rma.uni`` keeps ``yi.f``, ``vi.f`` and ``slab``).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from core import heterogeneity as het
from core import tau2_se
from core import vocab
from core.errors import InsufficientStudiesError
# ConfidenceInterval, t_crit, two_sided_p and z_crit are also importable from here (documented API).
from core.intervals import ConfidenceInterval, check_level, prediction_interval, t_crit, two_sided_p, z_crit
from core.vocab import Tau2, Test

METHODS: tuple[str, ...] = tuple(map(str, vocab.ESTIMATORS))
METHOD_ALIASES = {alias: str(code) for alias, code in vocab.ESTIMATOR_ALIASES.items()}
# As metafor's print.rma.uni words them.
METHOD_LABELS = {str(e.code): e.label for e in vocab.ESTIMATOR_INFO}
TESTS = vocab.TESTS
PI_DISTS = vocab.PI_DISTS
# The estimators pooled inline from the four sums, without core.heterogeneity.
INLINE_METHODS = (Tau2.FE, Tau2.DL)
HKSJ_ZERO = "HKSJ variance factor 0 (identical effects): the CI is the estimate, as metafor prints."
# Up to this k, FE and DL are computed with Python floats (faster than numpy for tiny arrays).
_SMALL_K = 48


@lru_cache(maxsize=64)
def _default_labels(k: int) -> tuple:
    return tuple(f"Study {i + 1}" for i in range(k))


@dataclass(frozen=True, slots=True)
class MetaResult:
    """A pooled estimate with its heterogeneity statistics.

    Arrays have shape (k,): ``yi``, ``vi`` (inputs), ``labels``, ``weights`` (percent,
    summing to 100; ``1/(vi + tau2)``).

    Scalars:

    - ``k``; ``method`` (tau^2 estimator code, "FE" for fixed effect); ``level``;
    - ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``statistic`` (z, or t for HKSJ),
      ``pvalue``; ``test`` ("z" or "hksj") and ``df`` (inf for z; k - 1 for HKSJ);
    - ``tau2`` (>= 0; ``se_tau2`` on demand), ``q``, ``q_df``, ``q_pvalue`` (Cochran's Q, 1/vi weights);
    - ``i2`` (percent, **Q-based** as RevMan 5 and R meta print) and ``h2`` (Q/df);
    - ``i2_tau`` and ``h2_tau``: the **tau^2-based** versions metafor and RevMan Web print
      (``100 tau2 / (tau2 + s^2)``); equal to the Q-based ones for DL;
    - ``pi_low``, ``pi_high``: prediction interval, ``pi_dist`` naming its distribution
      ("norm", "t(k-1)" or "t(k-2)"); NaN when that distribution's df is < 1;
    - ``hksj_floor``: whether the HKSJ variance factor was floored at 1 (ad hoc);
    - ``notes``: decisions taken for this input (e.g. HKSJ with k = 1 falls back to z).

    ``tau2_confidence_interval(level)`` gives the Q-profile interval on demand (it needs
    two root searches, so it is not computed at construction).
    """

    yi: np.ndarray
    vi: np.ndarray
    labels: tuple
    method: str
    level: float
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    statistic: float
    pvalue: float
    tau2: float
    q: float
    q_df: int
    q_pvalue: float
    i2: float
    h2: float
    weights: np.ndarray = field(repr=False)
    test: str = Test.Z.value
    df: float = float("inf")
    hksj_floor: bool = False
    pi_low: float = float("nan")
    pi_high: float = float("nan")
    pi_dist: str = "norm"
    i2_tau: float = float("nan")
    h2_tau: float = float("nan")
    notes: tuple = ()
    is_bayesian = False     # a class constant, not a field: core.workflow.bayes.BayesPooled sets it True

    se_tau2 = property(lambda self: tau2_se.se_tau2(self.yi, self.vi, self.tau2, self.method),
                       doc="Standard error of tau^2 as metafor's ``se.tau2`` (:mod:`core.tau2_se`).")

    @property
    def tau(self) -> float:
        """Square root of tau^2 (same units as ``yi``)."""
        return float(np.sqrt(self.tau2))

    @property
    def is_random(self) -> bool:
        return self.method != Tau2.FE

    def confidence_interval(self, level: float | None = None) -> ConfidenceInterval:
        """Interval for the pooled estimate at ``level`` (default: the result's level)."""
        level = self.level if level is None else check_level(level)
        crit = t_crit(level, self.df)
        return ConfidenceInterval(self.estimate - crit * self.se, self.estimate + crit * self.se)

    def prediction_interval(self, level: float | None = None, dist: str | None = None) -> ConfidenceInterval:
        """Prediction interval ``estimate +/- crit * sqrt(se^2 + tau2)``
        (:func:`core.intervals.prediction_interval`, which cites the sources).

        ``dist`` is "norm" (metafor's default with test="z"), "t(k-1)" (metafor with HKSJ)
        or "t(k-2)" (Higgins et al. 2009).  NaN when the t distribution would have df < 1.
        """
        level = self.level if level is None else check_level(level)
        dist = self.pi_dist if dist is None else _check_option("dist", dist, PI_DISTS)
        return prediction_interval(self.estimate, self.se, self.tau2, self.k, level, dist)

    def tau2_confidence_interval(self, level: float | None = None) -> het.Tau2ConfidenceInterval:
        """Q-profile confidence interval for tau^2, tau, I^2 (tau^2-based) and H^2.

        See :func:`core.heterogeneity.q_profile_interval` (Viechtbauer 2007).
        """
        level = self.level if level is None else check_level(level)
        return het.q_profile_interval(self.yi, self.vi, self.tau2, level=level)

    def to_frame(self) -> pd.DataFrame:
        """Per-study table (label, yi, vi, study CI, weight %) plus one pooled row.

        Study CIs use the normal quantile at the result's level (as RevMan and metafor).
        """
        crit = z_crit(self.level)
        se = np.sqrt(self.vi)
        rows = pd.DataFrame({"label": list(self.labels), "yi": self.yi, "vi": self.vi,
                             "ci_low": self.yi - crit * se, "ci_high": self.yi + crit * se,
                             "weight_pct": self.weights})
        pooled = pd.DataFrame({"label": [f"Pooled ({self.method})"], "yi": [self.estimate],
                               "vi": [self.se**2], "ci_low": [self.ci_low], "ci_high": [self.ci_high],
                               "weight_pct": [100.0]})
        return pd.concat([rows, pooled], ignore_index=True)

    def summary(self) -> str:
        """Text worded like metafor's ``print.rma.uni``."""
        if self.method == Tau2.FE:
            head = f"Fixed-Effect Model (k = {self.k})"
        else:
            head = f"Random-Effects Model (k = {self.k}; tau^2 estimator: {self.method})"
        pct = f"{self.level * 100:g}"
        lines = [head, ""]
        if self.method != Tau2.FE:
            lines += [f"tau^2 (estimated amount of total heterogeneity): {self.tau2:.4f}",
                      f"tau (square root of estimated tau^2 value):      {self.tau:.4f}",
                      f"I^2 (total heterogeneity / total variability):   {self.i2_tau:.2f}%  (tau^2-based)",
                      f"I^2 (Q-based, as RevMan 5 / meta):               {self.i2:.2f}%",
                      f"H^2 (total variability / sampling variability):  {self.h2_tau:.2f}"]
        else:
            lines += [f"I^2 (total heterogeneity / total variability):  {self.i2:.2f}%",
                      f"H^2 (total variability / sampling variability): {self.h2:.2f}"]
        qp = "NA" if not np.isfinite(self.q_pvalue) else _fmt_p(self.q_pvalue)
        lines += ["", "Test for Heterogeneity:", f"Q(df = {self.q_df}) = {self.q:.4f}, p-val {qp}", ""]
        stat = "zval" if self.test == Test.Z else "tval"
        df = "" if self.test == Test.Z else f"  (df = {self.df:g}; Hartung-Knapp-Sidik-Jonkman" + \
            (", ad hoc floor" if self.hksj_floor else "") + ")"
        lines += ["Model Results:" + df, "",
                  f"estimate      se     {stat}    pval    ci.lb    ci.ub",
                  f"{self.estimate:8.4f} {self.se:7.4f} {self.statistic:8.4f} {_fmt_p(self.pvalue, bare=True):>7} "
                  f"{self.ci_low:8.4f} {self.ci_high:8.4f}   ({pct}% CI)"]
        if self.method != Tau2.FE:
            lines += ["", f"Prediction interval ({self.pi_dist}): [{self.pi_low:.4f}, {self.pi_high:.4f}]"]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines) + "\n"


def _fmt_p(p: float, bare: bool = False) -> str:
    if not np.isfinite(p):
        return "NA"
    if p < 1e-4:
        return "<.0001"
    return f"{p:.4f}" if bare else f"= {p:.4f}"


def _check_option(name: str, value, options: tuple) -> str:
    if value not in options:
        raise ValueError(f"`{name}` must be one of {options}; got {value!r}")
    return value


def validate_effects(yi, vi, labels=None):
    """``yi``, ``vi`` (1-d floats) and the labels, checked, naming the first bad study (also core.bayesian's)."""
    yi, vi = np.atleast_1d(np.asarray(yi, dtype=float)), np.atleast_1d(np.asarray(vi, dtype=float))
    if yi.ndim != 1 or vi.ndim != 1:
        raise ValueError(f"`yi` and `vi` must be 1-d; got shapes {yi.shape} and {vi.shape}")
    if yi.size != vi.size:
        raise ValueError(f"`yi` has {yi.size} values but `vi` has {vi.size}")
    if yi.size == 0:
        raise InsufficientStudiesError(0)
    if not (math.isfinite(yi.sum()) and math.isfinite(vi.sum()) and vi.min() > 0):   # fast path
        for name, a in (("yi", yi), ("vi", vi)):
            bad = np.flatnonzero(~np.isfinite(a))
            if bad.size:
                raise ValueError(f"`{name}` must be finite; got {float(a[bad[0]])!r} in study {bad[0] + 1}")
        bad = np.flatnonzero(vi <= 0)
        if bad.size:
            raise ValueError(f"`vi` must be > 0; got {float(vi[bad[0]])!r} in study {bad[0] + 1}")
        raise ValueError("`yi` and `vi` sums overflow; rescale the effects")   # pragma: no cover
    labels = _default_labels(yi.size) if labels is None else tuple(labels)
    if len(labels) != yi.size:
        raise ValueError(f"`labels` has {len(labels)} entries but there are {yi.size} studies")
    return yi, vi, labels


def resolve_method(method: str) -> str:
    """Map aliases ("EE" -> "FE") and check ``method`` against ``METHODS``; returns the plain code."""
    method = METHOD_ALIASES.get(method, method)
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS} (or 'EE', an alias of 'FE'); got {method!r}")
    return str(method)


def require_meta_result(result) -> MetaResult:
    """Return ``result`` if it is a :class:`MetaResult`, else raise the TypeError the analyses of
    a pooled result (bias, sensitivity, influence) share."""
    if not isinstance(result, MetaResult):
        raise TypeError(f"`result` must be a MetaResult from core.pooling.meta_analysis; got {type(result).__name__}")
    return result


def meta_analysis(yi, vi, *, method: str = Tau2.FE, level: float = 0.95, labels=None, test: str = Test.Z,
                  hksj_floor: bool = False, pi: str | None = None, knha_floor: bool | None = None) -> MetaResult:
    """Inverse-variance meta-analysis (fixed effect or random effects).

    Parameters
    ----------
    yi, vi : array_like, shape (k,)
        Effect sizes and their sampling variances (> 0, finite).
    method : {"FE", "DL", "REML", "PM", "ML", "HE", "SJ", "HS", "EB"}
        "FE" (alias "EE"): fixed (common) effect, weights ``1/vi``.  Any other code is a
        random-effects model with that tau^2 estimator (see :mod:`core.heterogeneity`),
        weights ``1/(vi + tau2)``.
    level : float
        Confidence level for the interval of the estimate and the prediction interval.
    labels : sequence of str, optional
        Study labels (default "Study 1", ...).
    test : {"z", "hksj"}
        "z": normal-theory Wald test and CI.  "hksj" (metafor's "knha", also accepted):
        Hartung-Knapp-Sidik-Jonkman, t with
        k - 1 df and ``se^2 = sum w (y - mu)^2 / ((k - 1) sum w)``.
    hksj_floor : bool
        With test="hksj", floor the HKSJ variance factor at 1 so that the interval is never
        narrower than the z interval (Knapp & Hartung 2003 "ad hoc"; metafor test="adhoc").
        Warns when given with test="z", where it has no effect.  Its earlier name ``knha_floor`` works too.
    pi : {"norm", "t(k-1)", "t(k-2)"}, optional
        Prediction-interval distribution.  Default: "norm" with test="z" and "t(k-1)" with
        test="hksj", as metafor's ``predict.rma``.

    Returns
    -------
    MetaResult

    Raises
    ------
    InsufficientStudiesError
        When k = 0.
    ValueError, TypeError
        For invalid inputs; the message names the argument, the rule and the value.

    Notes
    -----
    k = 1 is allowed: tau^2 = 0, Q = 0, I^2 = 0, H^2 = 1 exactly, and P(Q) = 1 (metafor's QEp).  With k = 1 and
    test="hksj" the HKSJ variance is 0/0, so the z test is used and ``notes`` says so.
    ``i2`` is Q-based (RevMan 5, meta); ``i2_tau`` is tau^2-based (metafor, RevMan Web).

    References
    ----------
    RevMan 5 statistical methods (Deeks & Higgins 2010), sections 1.3 (inverse variance
    fixed effect) and 1.4.3 (DerSimonian-Laird random effects); Viechtbauer (2010) J Stat
    Softw 36(3), sections 3.1-3.3; Hartung & Knapp (2001) Stat Med 20:3875-3889, eq. 7;
    Sidik & Jonkman (2002) Stat Med 21:3153-3159; Knapp & Hartung (2003) Stat Med
    22:2693-2710, section 3 (ad hoc variance floor); Higgins, Thompson & Spiegelhalter (2009)
    J R Stat Soc A 172:137-159, section 3.2 (prediction interval).
    """
    method = resolve_method(method)
    test = str(_check_option("test", vocab.TEST_ALIASES.get(test, test), TESTS))    # metafor's "knha" = "hksj"
    level = check_level(level)
    hksj_floor = hksj_floor if knha_floor is None else knha_floor       # its earlier name, still accepted
    if not isinstance(hksj_floor, (bool, np.bool_)):
        raise TypeError(f"`hksj_floor` must be True or False; got {hksj_floor!r}")
    if hksj_floor and test != Test.HKSJ:
        warnings.warn("`hksj_floor=True` has no effect with test='z'", UserWarning, stacklevel=2)
    pi = _check_option("pi", ("t(k-1)" if test == Test.HKSJ else "norm") if pi is None else pi, PI_DISTS)
    yi, vi, labels = validate_effects(yi, vi, labels)
    return pool_validated(yi, vi, labels, method, level, test, bool(hksj_floor), pi)


def _inline_sums_small_k(yi, vi, method, q_df):
    """FE / DL with plain Python floats, which beat numpy's per-call overhead for small k (same
    formulas as :func:`_sums_numpy`).  Returns (w, sum w, estimate, Q, tau2, sum w0, den, knha_ss)."""
    yl, vl = yi.tolist(), vi.tolist()
    w0l = [1.0 / v for v in vl]
    sw0 = sum(w0l)
    # sum w^2 enters only as sw0^2 - sum w^2 = sum w (sw0 - w): that form has no cancellation
    # when one weight dwarfs the others (plain subtraction gave 0 -> ZeroDivisionError).
    den = sum(x * (sw0 - x) for x in w0l)
    mu0 = sum(a * b for a, b in zip(w0l, yl)) / sw0
    q = sum(a * (b - mu0) ** 2 for a, b in zip(w0l, yl))
    tau2 = max(0.0, (q - q_df) * sw0 / den) if method == Tau2.DL and q_df > 0 and den > 0 else 0.0
    if tau2 == 0.0:
        wl, sw, est = w0l, sw0, mu0
    else:
        wl = [1.0 / (v + tau2) for v in vl]
        sw = sum(wl)
        est = sum(a * b for a, b in zip(wl, yl)) / sw
    w = np.array(wl)     # weights (percent) later: one numpy op
    return w, sw, est, q, tau2, sw0, den, (lambda: sum(a * (b - est) ** 2 for a, b in zip(wl, yl)))


def _sums_numpy(yi, vi, method, q_df):
    """Any estimator with numpy arrays; FE and DL inline, the others through
    :func:`core.heterogeneity.estimate_tau2`.  Returns what :func:`_inline_sums_small_k` does."""
    w0 = 1.0 / vi
    sw0 = float(w0.sum())
    den = float(w0 @ (sw0 - w0))          # = sw0^2 - sum w^2, without cancellation
    mu0 = float(w0 @ yi) / sw0
    d0 = yi - mu0
    q = float(w0 @ (d0 * d0))
    if method == Tau2.FE or q_df < 1:
        tau2 = 0.0
    elif method == Tau2.DL:
        tau2 = max(0.0, (q - q_df) * sw0 / den) if den > 0 else 0.0
    else:
        tau2 = het.estimate_tau2(yi, vi, method)
    if tau2 == 0.0:
        w, sw, est = w0, sw0, mu0
    else:
        w = 1.0 / (vi + tau2)
        sw = float(w.sum())
        est = float(w @ yi) / sw

    def knha_ss():
        d = yi - est
        return float(w @ (d * d))
    return w, sw, est, q, tau2, sw0, den, knha_ss


def pool_validated(yi, vi, labels, method, level, test, hksj_floor, pi) -> MetaResult:
    """Pool arrays that :func:`meta_analysis` has already validated, without checking them again.

    For the analyses that refit a result on subsets (subgroups, leave-one-out, trim-and-fill):
    ``yi``, ``vi`` finite float arrays with ``vi > 0``, ``labels`` a tuple, and ``method``,
    ``level``, ``test``, ``hksj_floor``, ``pi`` as :class:`MetaResult` stores them.  FE and DL
    are computed inline from the four sums (no repeated passes); the other tau^2 estimators go
    through :func:`core.heterogeneity.estimate_tau2`.
    """
    k = yi.size
    q_df = k - 1
    sums = _inline_sums_small_k if k <= _SMALL_K and method in INLINE_METHODS else _sums_numpy
    w, sw, est, q, tau2, sw0, den, knha_ss = sums(yi, vi, method, q_df)
    if q_df == 0:
        q = 0.0                 # k = 1: Q is 0 by definition, not the rounding residue of y - mu
    se = math.sqrt(1.0 / sw)
    notes = ()
    df = math.inf
    if test == Test.HKSJ:
        if k < 2:
            test = Test.Z.value
            notes = ("HKSJ needs k >= 2; the z test is used for k = 1.",)
        else:
            df = float(q_df)
            # Identical effects: sum w (y - mu)^2 is only mu's rounding residue; metafor prints se 0, t +-Inf, P 0.
            factor = 0.0 if yi.min() == yi.max() else knha_ss() / df
            factor = max(1.0, factor) if hksj_floor else factor
            notes = (HKSJ_ZERO,) if factor == 0.0 else ()
            se = se * math.sqrt(factor)
    crit = t_crit(level, df)
    stat = est / se if se > 0 else (math.copysign(math.inf, est) if est != 0 else math.nan)
    pi_low, pi_high = prediction_interval(est, se, tau2, k, level, pi)
    # tau^2-based I^2 and H^2 with s^2 = (k-1) sum w / ((sum w)^2 - sum w^2) (Higgins & Thompson 2002, eq. 9)
    if k >= 2 and den > 0:
        s2 = q_df * sw0 / den
        i2_tau = 100.0 * tau2 / (tau2 + s2) if tau2 > 0 else 0.0
        h2_tau = (tau2 + s2) / s2
    else:
        i2_tau, h2_tau = 0.0, 1.0
    return MetaResult(
        yi=yi, vi=vi, labels=labels, method=method, level=level, k=k,
        estimate=est, se=se, ci_low=est - crit * se, ci_high=est + crit * se,
        statistic=stat, pvalue=two_sided_p(stat, df), tau2=float(tau2),
        q=q, q_df=q_df, q_pvalue=het.q_pvalue(q, q_df),
        i2=het.i2_from_q(q, q_df), h2=het.h2_from_q(q, q_df), weights=(100.0 / sw) * w,
        test=test, df=df, hksj_floor=hksj_floor and test == Test.HKSJ, pi_low=pi_low, pi_high=pi_high,
        pi_dist=pi, i2_tau=i2_tau, h2_tau=h2_tau, notes=notes,
    )
