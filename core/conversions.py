"""Conversions applied before pooling: reported dispersion -> SD, and units.

Every function is vectorised (array-likes of equal length) and cites its source.
The shipped CSVs keep dispersion and units exactly as reported; all conversion happens here.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

# Molar mass of D-glucose, 180.16 g/mol: 1 mmol/L = 18.016 mg/dL (IUPAC; also the factor used
# by the ADA "Standards of Care" unit tables).
GLUCOSE_MG_DL_PER_MMOL_L = 18.016
# Molar mass of human C-peptide, 3020.3 g/mol: 1 ng/mL = 0.3311 nmol/L (1 nmol/L = 3.0203 ng/mL).
CPEPTIDE_NG_ML_PER_NMOL_L = 3.0203


def sd_from_se(se, n) -> np.ndarray:
    """SD = SE * sqrt(n).  Cochrane Handbook v6.4, section 6.5.2.2."""
    return np.asarray(se, float) * np.sqrt(np.asarray(n, float))


def sd_from_ci(low, high, n, *, level: float = 0.95) -> np.ndarray:
    """SD from a confidence interval for a single mean.

    ``SD = sqrt(n) (high - low) / (2 t_{n-1})``: the Handbook uses the t quantile for small
    samples and 3.92 (= 2 x 1.96) for large ones; the t quantile covers both.

    References
    ----------
    Cochrane Handbook v6.4, section 6.5.2.2 "Obtaining standard deviations from standard
    errors and confidence intervals for group means".
    """
    n = np.asarray(n, float)
    t = stats.t.isf((1 - level) / 2, n - 1)
    return np.sqrt(n) * (np.asarray(high, float) - np.asarray(low, float)) / (2 * t)


def mean_from_median_iqr(q1, median, q3, n) -> np.ndarray:
    """Mean from median and quartiles (scenario S3 / C3).

    ``mean = (0.7 + 0.39/n) (q1 + q3)/2 + (0.3 - 0.39/n) median``.

    References
    ----------
    Luo D, Wan X, Liu J, Tong T (2018) Stat Methods Med Res 27:1785-1805, eq. (15).
    """
    n = np.asarray(n, float)
    return (0.7 + 0.39 / n) * (np.asarray(q1, float) + np.asarray(q3, float)) / 2 + \
        (0.3 - 0.39 / n) * np.asarray(median, float)


def sd_from_iqr(q1, q3, n) -> np.ndarray:
    """SD from the interquartile range: ``(q3 - q1) / eta(n)``,
    ``eta(n) = 2 Phi^-1((0.75 n - 0.125)/(n + 0.25))``.

    References
    ----------
    Wan X, Wang W, Liu J, Tong T (2014) BMC Med Res Methodol 14:135, eq. (16) (scenario C3).
    """
    n = np.asarray(n, float)
    eta = 2 * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25))
    return (np.asarray(q3, float) - np.asarray(q1, float)) / eta


def mean_from_median_range(low, median, high, n) -> np.ndarray:
    """Mean from median and range (scenario S1 / C1).

    ``mean = w (a + b)/2 + (1 - w) m`` with ``w = 4 / (4 + n**0.75)``.

    References
    ----------
    Luo et al. (2018) Stat Methods Med Res 27:1785-1805, eq. (7).  Hozo, Djulbegovic & Hozo
    (2005) BMC Med Res Methodol 5:13 give the cruder ``(a + 2m + b)/4``.
    """
    n = np.asarray(n, float)
    w = 4 / (4 + n**0.75)
    return w * (np.asarray(low, float) + np.asarray(high, float)) / 2 + (1 - w) * np.asarray(median, float)


def sd_from_range(low, high, n) -> np.ndarray:
    """SD from the range: ``(b - a) / xi(n)``, ``xi(n) = 2 Phi^-1((n - 0.375)/(n + 0.25))``.

    References
    ----------
    Wan et al. (2014) BMC Med Res Methodol 14:135, eq. (9) (scenario C1).
    """
    n = np.asarray(n, float)
    xi = 2 * stats.norm.ppf((n - 0.375) / (n + 0.25))
    return (np.asarray(high, float) - np.asarray(low, float)) / xi


def mean_from_median_range_hozo(low, median, high, n) -> np.ndarray:
    """Hozo et al.'s mean from median and range: ``(a + 2m + b)/4 + (a - 2m + b)/(4n)``.

    Kept for comparison with older reviews; Luo et al. (2018) is more accurate and is the
    default (:func:`mean_from_median_range`).

    References
    ----------
    Hozo SP, Djulbegovic B, Hozo I (2005) BMC Med Res Methodol 5:13, eq. (4).
    """
    a, m, b = (np.asarray(x, float) for x in (low, median, high))
    n = np.asarray(n, float)
    return (a + 2 * m + b) / 4 + (a - 2 * m + b) / (4 * n)


def sd_from_range_hozo(low, median, high) -> np.ndarray:
    """Hozo et al.'s SD from median and range: ``sqrt(((a - 2m + b)^2 / 4 + (b - a)^2) / 12)``.

    References
    ----------
    Hozo, Djulbegovic & Hozo (2005) BMC Med Res Methodol 5:13, eq. (16).  Wan et al. (2014)
    show it is biased for n > 15; :func:`sd_from_range` (Wan) is the default.
    """
    a, m, b = (np.asarray(x, float) for x in (low, median, high))
    return np.sqrt(((a - 2 * m + b) ** 2 / 4 + (b - a) ** 2) / 12)


def mean_from_five_numbers(low, q1, median, q3, high, n) -> np.ndarray:
    """Mean from the five-number summary (scenario S2 / C2).

    ``mean = w (a + b)/2 + (0.7 - 0.72 n^-0.55)(q1 + q3)/2 + (0.3 + 0.72 n^-0.55 - w) m`` with
    ``w = 2.2 / (2.2 + n^0.75)``.

    References
    ----------
    Luo D, Wan X, Liu J, Tong T (2018) Stat Methods Med Res 27:1785-1805, eq. (11).
    """
    a, p1, m, p3, b = (np.asarray(x, float) for x in (low, q1, median, q3, high))
    n = np.asarray(n, float)
    w = 2.2 / (2.2 + n**0.75)
    c = 0.72 / n**0.55
    return w * (a + b) / 2 + (0.7 - c) * (p1 + p3) / 2 + (0.3 + c - w) * m


def sd_from_five_numbers_wan(low, q1, q3, high, n) -> np.ndarray:
    """Wan et al.'s SD from the five-number summary: ``(b - a)/(2 xi(n)) + (q3 - q1)/(2 eta(n))``.

    References
    ----------
    Wan X, Wang W, Liu J, Tong T (2014) BMC Med Res Methodol 14:135, eq. (12) (scenario C2).
    """
    return 0.5 * sd_from_range(low, high, n) + 0.5 * sd_from_iqr(q1, q3, n)


def sd_from_five_numbers_shi(low, q1, q3, high, n) -> np.ndarray:
    """Shi et al.'s optimally weighted SD from the five-number summary.

    ``SD = w (b - a)/xi(n) + (1 - w)(q3 - q1)/eta(n)`` with ``w = 1 / (1 + 0.07 n^0.6)``; with
    only a range or only an IQR it reduces to Wan et al. (2014).

    References
    ----------
    Shi J, Luo D, Weng H, Zeng XT, Lin L, Chu H, Tong T (2020) Res Synth Methods 11:641-654,
    section 3 (scenario S2).
    """
    n = np.asarray(n, float)
    w = 1 / (1 + 0.07 * n**0.6)
    return w * sd_from_range(low, high, n) + (1 - w) * sd_from_iqr(q1, q3, n)


# dispersion_type -> how the SD is obtained.  "sd?" is a "±" printed without saying SD or SE:
# it is used as an SD and flagged in the page.
DISPERSION_TYPES = ("sd", "sd?", "se", "ci95", "median_iqr", "median_range")


@dataclass(frozen=True, slots=True)
class MeanSD:
    """One reported (centre, dispersion) as the mean and SD pooling uses.

    ``derivation`` says what was converted and by which method, so pages can show it; it is
    empty when the numbers were reported as mean and SD.  Unpacks as ``mean, sd, derivation``
    (the tuple :func:`to_mean_sd` returned before).
    """

    mean: float
    sd: float
    derivation: str

    def __iter__(self):
        return iter((self.mean, self.sd, self.derivation))


def to_mean_sd(mean, dispersion_type, disp1, disp2, n) -> MeanSD:
    """Turn one reported (centre, dispersion) into the :class:`MeanSD` used for pooling.

    ``dispersion_type`` is one of ``DISPERSION_TYPES``; ``disp1``/``disp2`` are the SD, SE, CI
    bounds, quartiles or range ends it names (``mean`` is the median for the median types).
    """
    t = dispersion_type
    if t == "sd":
        return MeanSD(float(mean), float(disp1), "")
    if t == "sd?":
        return MeanSD(float(mean), float(disp1), "'±' not stated as SD or SE; used as SD")
    if t == "se":
        return MeanSD(float(mean), float(sd_from_se(disp1, n)), "SD from SE (Cochrane Handbook 6.5.2.2)")
    if t == "ci95":
        return MeanSD(float(mean), float(sd_from_ci(disp1, disp2, n)), "SD from 95% CI (Cochrane Handbook 6.5.2.2)")
    if t == "median_iqr":
        return MeanSD(float(mean_from_median_iqr(disp1, mean, disp2, n)), float(sd_from_iqr(disp1, disp2, n)),
                      "mean and SD from median/IQR (Luo 2018; Wan 2014)")
    if t == "median_range":
        return MeanSD(float(mean_from_median_range(disp1, mean, disp2, n)), float(sd_from_range(disp1, disp2, n)),
                      "mean and SD from median/range (Luo 2018; Wan 2014)")
    raise ValueError(f"`dispersion_type` must be one of {DISPERSION_TYPES}; got {t!r}")


# Unit families: values in the listed units are converted to the family's canonical unit
# (factor multiplies the reported value).  Units not listed cannot be pooled as an MD with
# others (e.g. insulin IU/day vs IU/kg/day).
CANONICAL_UNITS = {
    "mg/dL": ("mmol/L", 1 / GLUCOSE_MG_DL_PER_MMOL_L),
    "mmol/L": ("mmol/L", 1.0),
    "ng/mL": ("nmol/L", 1 / CPEPTIDE_NG_ML_PER_NMOL_L),
    "nmol/L": ("nmol/L", 1.0),
    "pmol/L": ("nmol/L", 1e-3),
    "pmol/mL": ("nmol/L", 1.0),
    "%": ("%", 1.0),
    "IU/day": ("IU/day", 1.0),
    "IU/kg/day": ("IU/kg/day", 1.0),
}


@dataclass(frozen=True, slots=True)
class CanonicalUnit:
    """The unit a reported unit is pooled in, and the ``factor`` that multiplies a value reported
    in it.  Unpacks as ``unit, factor`` (the tuple :func:`canonical_unit` returned before)."""

    unit: str
    factor: float

    def __iter__(self):
        return iter((self.unit, self.factor))


def canonical_unit(unit: str) -> CanonicalUnit:
    """The :class:`CanonicalUnit` of a reported unit.

    Unknown units map to themselves with factor 1, so they only pool with identical units.
    mg/dL -> mmol/L divides by 18.016; ng/mL -> nmol/L divides by 3.0203 (C-peptide).
    """
    u = (unit or "").strip()
    return CanonicalUnit(*CANONICAL_UNITS.get(u, (u, 1.0)))
