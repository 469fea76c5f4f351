"""Study-level effect sizes and their sampling variances.

Between-arm measures (MSC vs control at one time point) and within-arm pre-post
measures (MSC after vs before treatment).  All functions are vectorised over studies:
inputs are 1-d array-likes of equal length k, outputs are arrays of shape (k,).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import gammaln
from statsmodels.stats.meta_analysis import effectsize_smd

from core import vocab
from core.vocab import MdVariance, Measure, SmdVariant

MEASURES = vocab.MEASURES
SMD_VARIANTS = vocab.SMD_VARIANTS


@dataclass(frozen=True, slots=True)
class EffectSizes:
    """Effect sizes ``yi`` with sampling variances ``vi`` (arrays of shape (k,)).

    ``measure`` names the scale (``"MD"``, ``"SMD"``, ``"MC"`` mean change,
    ``"SMCR"`` standardized mean change with raw-score standardisation) and
    ``variant`` the formula used.
    """

    yi: np.ndarray
    vi: np.ndarray
    measure: str
    variant: str = ""
    level: float = 0.95

    @property
    def sei(self) -> np.ndarray:
        return np.sqrt(self.vi)

    @property
    def ci_low(self) -> np.ndarray:
        return self.yi - _crit(self.level) * self.sei

    @property
    def ci_high(self) -> np.ndarray:
        return self.yi + _crit(self.level) * self.sei

    @property
    def k(self) -> int:
        return int(self.yi.size)


def _crit(level: float) -> float:
    return float(stats.norm.isf((1 - level) / 2))


def _arrays(names, values):
    arrs = [np.atleast_1d(np.asarray(v, dtype=float)) for v in values]
    sizes = {a.size for a in arrs}
    if len(sizes) > 1:
        shown = ", ".join(f"{n}={a.size}" for n, a in zip(names, arrs))
        raise ValueError(f"inputs must have the same length; got {shown}")
    for name, a in zip(names, arrs):
        if not np.all(np.isfinite(a)):
            raise ValueError(f"`{name}` must be finite; got {a.tolist()}")
        if name.startswith("n") and np.any(a < 1):
            raise ValueError(f"`{name}` must be >= 1; got {a.tolist()}")
        if name.startswith("sd") and np.any(a <= 0):
            bad = int(np.flatnonzero(a <= 0)[0])
            raise ValueError(f"`{name}` must be > 0; got {float(a[bad])!r} in study {bad + 1}")
    return arrs


def mean_difference(n1, m1, sd1, n2, m2, sd2, *, level: float = 0.95,
                    variance: str = MdVariance.UNEQUAL) -> EffectSizes:
    """Mean difference ``m1 - m2`` (group 1 = MSC) with its variance.

    ``variance="unequal"`` (default): ``vi = sd1**2/n1 + sd2**2/n2`` (RevMan 5; metafor's default).
    ``variance="pooled"``: the equal-variances form ``vi = sp**2 (1/n1 + 1/n2)`` with
    ``sp**2 = ((n1-1) sd1**2 + (n2-1) sd2**2) / (n1 + n2 - 2)`` (metafor ``escalc(vtype="HO")``);
    needs n1 + n2 >= 3.

    References
    ----------
    RevMan 5 statistical methods (Deeks & Higgins 2010), section 1.2.1 "Mean difference".
    Cochrane Handbook v6.4, section 6.5.1.1; Borenstein et al. (2009) Introduction to
    Meta-Analysis, eq. 4.5 (pooled SD); metafor ``escalc`` vtype "HO".
    """
    if variance not in vocab.MD_VARIANCES:
        raise ValueError(f"`variance` must be one of {vocab.MD_VARIANCES}; got {variance!r}")
    n1, m1, sd1, n2, m2, sd2 = _arrays(("n1", "m1", "sd1", "n2", "m2", "sd2"), (n1, m1, sd1, n2, m2, sd2))
    if variance == MdVariance.UNEQUAL:
        return EffectSizes(yi=m1 - m2, vi=sd1**2 / n1 + sd2**2 / n2, measure=Measure.MD, variant="md", level=level)
    if np.any(n1 + n2 < 3):
        raise ValueError(f"the pooled SD needs n1 + n2 >= 3; got {(n1 + n2).tolist()}")
    sp2 = ((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (n1 + n2 - 2)
    return EffectSizes(yi=m1 - m2, vi=sp2 * (1 / n1 + 1 / n2), measure=Measure.MD, variant="md_pooled", level=level)


def standardized_mean_difference(n1, m1, sd1, n2, m2, sd2, *, variant: str = SmdVariant.REVMAN5,
                                 level: float = 0.95) -> EffectSizes:
    """Standardized mean difference, Hedges' g (group 1 = MSC).

    ``variant="revman5"``: RevMan 5's approximate g, ``J = 1 - 3/(4N - 9)`` and
    ``vi = N/(n1 n2) + g**2 / (2 (N - 3.94))``.  statsmodels' ``effectsize_smd`` implements
    exactly this, so it is used rather than re-derived.

    ``variant="hedges_exact"``: metafor's ``escalc("SMD")`` with the exact bias correction
    ``J = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))``, ``m = N - 2``, and
    ``vi = 1/n1 + 1/n2 + g**2/(2N)``.

    References
    ----------
    RevMan 5 statistical methods (Deeks & Higgins 2010), section 1.2.2 "Standardized mean
    difference".  Hedges (1981) J Educ Stat 6:107-128, eq. 6f.  Viechtbauer (2010) metafor,
    ``escalc`` documentation, measure "SMD".
    """
    if variant not in SMD_VARIANTS:
        raise ValueError(f"`variant` must be one of {SMD_VARIANTS}; got {variant!r}")
    n1, m1, sd1, n2, m2, sd2 = _arrays(("n1", "m1", "sd1", "n2", "m2", "sd2"), (n1, m1, sd1, n2, m2, sd2))
    if np.any(n1 + n2 < 3):
        raise ValueError("an SMD needs n1 + n2 >= 3")
    if variant == SmdVariant.REVMAN5:
        yi, vi = effectsize_smd(m1, sd1, n1, m2, sd2, n2)
        return EffectSizes(np.asarray(yi, float), np.asarray(vi, float), Measure.SMD, variant, level)
    big_n = n1 + n2
    sp = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / (big_n - 2))
    j = exact_hedges_correction(big_n - 2)
    g = j * (m1 - m2) / sp
    return EffectSizes(g, 1 / n1 + 1 / n2 + g**2 / (2 * big_n), Measure.SMD, variant, level)


def exact_hedges_correction(m) -> np.ndarray:
    """Exact small-sample correction ``J(m) = Gamma(m/2) / (sqrt(m/2) Gamma((m-1)/2))``.

    References
    ----------
    Hedges (1981) J Educ Stat 6:107-128, eq. 6e; metafor ``.cmicalc``.
    """
    m = np.asarray(m, dtype=float)
    return np.exp(gammaln(m / 2) - 0.5 * np.log(m / 2) - gammaln((m - 1) / 2))


def change_sd(sd_pre, sd_post, r) -> np.ndarray:
    """SD of the within-person change by the correlation method.

    ``SD_change = sqrt(SD_pre**2 + SD_post**2 - 2 r SD_pre SD_post)``.

    References
    ----------
    Cochrane Handbook v5.1, section 16.1.3.2 "Imputing standard deviations for changes from
    baseline" (v6.4 section 6.5.2.8).  The paper used this method with an unstated r; 0.5 is
    the Handbook's usual illustrative choice.
    """
    sd_pre, sd_post = np.asarray(sd_pre, float), np.asarray(sd_post, float)
    if not 0 <= r < 1:
        raise ValueError(f"`r` must be in [0, 1); got {r!r}")
    return np.sqrt(sd_pre**2 + sd_post**2 - 2 * r * sd_pre * sd_post)


def mean_change(n, m_pre, sd_pre, m_post, sd_post, *, r: float = 0.5, level: float = 0.95) -> EffectSizes:
    """Mean change ``m_post - m_pre`` within one arm, with ``vi = SD_change**2 / n``.

    SD_change comes from :func:`change_sd` with correlation ``r``.  This is metafor's
    ``escalc("MC")`` when ``ri = r``.

    References
    ----------
    Cochrane Handbook v5.1, section 16.1.3.2; Viechtbauer (2010) ``escalc`` measure "MC".
    """
    n, m_pre, sd_pre, m_post, sd_post = _arrays(("n", "m_pre", "sd_pre", "m_post", "sd_post"),
                                                (n, m_pre, sd_pre, m_post, sd_post))
    sdc = change_sd(sd_pre, sd_post, r)
    return EffectSizes(m_post - m_pre, sdc**2 / n, Measure.MD, f"mean change, r={r:g}", level)


def standardized_mean_change(n, m_pre, sd_pre, m_post, sd_post, *, r: float = 0.5,
                             level: float = 0.95) -> EffectSizes:
    """Standardized mean change with raw-score standardisation (metafor "SMCR").

    ``yi = J (m_post - m_pre) / sd_pre`` with the approximate ``J = 1 - 3/(4(n - 1) - 1)`` and
    ``vi = 2 (1 - r)/n + yi**2 / (2 n)``.  metafor's ``escalc("SMCR")`` (checked on 3.8-1) uses
    the exact ``J(n - 1)`` of :func:`exact_hedges_correction`; yi differs by < 0.1 % for n >= 8.

    References
    ----------
    Becker (1988) Br J Math Stat Psychol 41:257-278; Morris (2000) eq. 13; metafor
    ``escalc`` measure "SMCR" (Viechtbauer 2010).
    """
    n, m_pre, sd_pre, m_post, sd_post = _arrays(("n", "m_pre", "sd_pre", "m_post", "sd_post"),
                                                (n, m_pre, sd_pre, m_post, sd_post))
    if not 0 <= r < 1:
        raise ValueError(f"`r` must be in [0, 1); got {r!r}")
    if np.any(n < 3):
        raise ValueError("a standardized mean change needs n >= 3")
    j = 1 - 3 / (4 * (n - 1) - 1)
    yi = j * (m_post - m_pre) / sd_pre
    return EffectSizes(yi, 2 * (1 - r) / n + yi**2 / (2 * n), Measure.SMD, f"SMCR, r={r:g}", level)
