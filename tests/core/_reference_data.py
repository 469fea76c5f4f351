"""Published datasets used to validate core/ against metafor and the original papers.

Each array was typed from the cited source and checked on load by a published summary
(see tests): e.g. dat.bcg reproduces metafor's Q(df = 12) = 152.2330 and the DL tau^2 0.3088.

Versions.  The metafor values quoted in tests/core come from three kinds of source, each named
where it is used: metafor's printed output in Viechtbauer (2010) J Stat Softw 36(3) (metafor
1.4-0) and in its help pages; the full-precision values stored in metafor's test suite
(tests/testthat/test_misc_*.r and test_analysis_example_*.r, which are not installed with the
package, so their metafor version is not recorded); and the papers themselves.  All of them were
re-run here on R 4.2.2 Patched (2022-11-10 r83330) with metafor 3.8-1, once with metafor's
default settings and once with control=list(threshold=1e-12, tol=1e-12, maxiter=10000), and every
printed digit agrees.  With tight control metafor moves to the exact roots that core/ computes
(e.g. REML tau^2 0.313243258136486 instead of the test suite's 0.313243325980895, and the
Q-profile lower I^2 bound 81.9206 instead of 81.9177): METAFOR_TIGHT below holds those values,
written by tests/core/metafor_reference.R.
"""
import numpy as np

# metafor dat.bcg (Colditz et al. 1994 JAMA 271:698-702, Table 1): tpos, tneg, cpos, cneg,
# year, ablat.  Log risk ratios as escalc(measure="RR").
BCG = np.array([
    [4, 119, 11, 128, 1948, 44], [6, 300, 29, 274, 1949, 55], [3, 228, 11, 209, 1960, 42],
    [62, 13536, 248, 12619, 1977, 52], [33, 5036, 47, 5761, 1973, 13], [180, 1361, 372, 1079, 1953, 44],
    [8, 2537, 10, 619, 1973, 19], [505, 87886, 499, 87892, 1980, 13], [29, 7470, 45, 7232, 1968, 27],
    [17, 1699, 65, 1600, 1961, 42], [186, 50448, 141, 27197, 1974, 18], [5, 2493, 3, 2338, 1969, 33],
    [27, 16886, 29, 17825, 1976, 33]], dtype=float)
_a, _b, _c, _d = BCG[:, :4].T
BCG_YI = np.log(_a / (_a + _b)) - np.log(_c / (_c + _d))
BCG_VI = 1 / _a - 1 / (_a + _b) + 1 / _c - 1 / (_c + _d)
BCG_YEAR = BCG[:, 4]
BCG_ABLAT = BCG[:, 5]

# metafor dat.raudenbush1985 (Raudenbush 1984/2009, teacher expectancy, k = 19): yi, vi.
RAUDENBUSH_YI = np.array([0.03, 0.12, -0.14, 1.18, 0.26, -0.06, -0.02, -0.32, 0.27, 0.80, 0.54, 0.18, -0.02,
                          0.23, -0.18, -0.06, 0.30, 0.07, -0.07])
RAUDENBUSH_VI = np.array([0.0156, 0.0216, 0.0279, 0.1391, 0.1362, 0.0106, 0.0106, 0.0484, 0.0269, 0.0630,
                          0.0912, 0.0497, 0.0835, 0.0841, 0.0253, 0.0279, 0.0193, 0.0088, 0.0303])

# Viechtbauer (2005) J Educ Behav Stat 30:261-293, examples 1 and 2 (as in metafor's
# tests/testthat/test_analysis_example_viechtbauer2005.r).
V2005_1_YI = np.array([-0.581, 0.530, 0.771, 1.031, 0.553, 0.295, 0.078, 0.573, -0.176, -0.232])
V2005_1_VI = np.array([0.023, 0.052, 0.060, 0.115, 0.095, 0.203, 0.200, 0.211, 0.051, 0.040])
V2005_2_YI = np.array([0.100, -0.162, -0.090, -0.049, -0.046, -0.010, -0.431, -0.261, 0.134, 0.019, 0.175,
                       0.056, 0.045, 0.103, 0.121, -0.482, 0.290, 0.342])
V2005_2_VI = np.array([0.016, 0.015, 0.050, 0.050, 0.032, 0.052, 0.036, 0.024, 0.034, 0.033, 0.031, 0.034,
                       0.039, 0.167, 0.134, 0.096, 0.016, 0.035])

# Normand (1999) Stat Med 18:321-359, Table VIII (dat.normand1999): n1, m1, sd1, n2, m2, sd2
# (length of hospital stay, specialist vs routine stroke care).
NORMAND = np.array([[155, 55, 47, 156, 75, 64], [31, 27, 7, 32, 29, 4], [75, 64, 17, 71, 119, 29],
                    [18, 66, 20, 18, 137, 48], [8, 14, 8, 13, 18, 11], [57, 19, 7, 52, 18, 4],
                    [34, 52, 45, 33, 41, 34], [110, 21, 16, 183, 31, 27], [60, 30, 27, 52, 23, 20]], dtype=float)

# metafor dat.egger2001 (magnesium and mortality after MI; Egger et al. 2001, in Systematic
# Reviews in Health Care, ch. 11): ai, n1i, ci, n2i.  Log odds ratios as escalc("OR"), which
# adds 1/2 to every cell of a table with a zero cell.
EGGER2001 = np.array([[1, 40, 2, 36], [9, 135, 23, 135], [2, 200, 7, 200], [1, 48, 1, 46], [10, 150, 8, 148],
                      [1, 59, 9, 56], [1, 25, 3, 23], [0, 22, 1, 21], [6, 76, 11, 75], [1, 27, 7, 27],
                      [2, 89, 12, 80], [5, 23, 13, 33], [4, 130, 8, 122], [90, 1159, 118, 1157],
                      [4, 107, 17, 108], [2216, 29011, 2103, 29039]], dtype=float)


def _log_or(table):
    ai, n1, ci, n2 = table.T
    bi, di = n1 - ai, n2 - ci
    zero = (ai == 0) | (bi == 0) | (ci == 0) | (di == 0)
    ai, bi, ci, di = (x + 0.5 * zero for x in (ai, bi, ci, di))
    return np.log(ai * di / (bi * ci)), 1 / ai + 1 / bi + 1 / ci + 1 / di


EGGER_YI, EGGER_VI = _log_or(EGGER2001)


# metafor 3.8-1 on R 4.2.2 with tight convergence (tests/core/metafor_reference.R), full precision.
# dat.bcg (RR), rma(yi, vi) REML unless stated; dat.egger2001 (OR) for regtest.
METAFOR_TIGHT = {
    # tau2, estimate, se, zval, ci.lb, ci.ub, I2, H2
    "reml": (0.313243258136486, -0.71453234215814, 0.179781516105207, -3.97444830613176, -1.06689763881035,
             -0.362167045505926, 92.2213845212691, 12.8557582353094),
    # leave1out(res)[1]: estimate, se, zval, pval, ci.lb, ci.ub, Q, tau2, I2
    "leave1out_1": (-0.707083784699262, 0.189961014528878, -3.72225736134806, 0.000197449616807405,
                    -1.07940053164255, -0.334767037755971, 151.582572747109, 0.336156701803671, 93.2259340939757),
    # influence(res) study 1: rstudent, dffits, cook.d, cov.r, tau2.del, QE.del, hat, weight, dfbs
    "influence_1": (-0.218142485736078, -0.0407075475012418, 0.00171654134161676, 1.116448986146,
                    0.336156701803671, 151.582572747109, 0.0505948273436666, 5.05948273436666,
                    -0.0402658891701639),
    # cumul(res, order = year)$estimate
    "cumul_by_year": (-0.889311333920205, -1.32500344224488, -0.972079931813254, -1.0010961744962,
                      -1.10142578521124, -0.973463894381975, -0.901251100272631, -0.788565503718831,
                      -0.865607438786438, -0.785210367856669, -0.708205992370622, -0.794767604515522,
                      -0.71453234215814),
    # confint(rma(method = "DL"), control = list(tol = 1e-12)): tau2, I2, H2, each (estimate, lb, ub)
    "confint_dl": (0.308760262862376, 0.119718361141152, 1.11147908406093, 92.1173468545621, 81.9205745585831,
                   97.6780749578874, 12.6860840068644, 5.53114922396356, 43.0677124309817),
    # regtest(rma(yi, vi, data = dat.egger2001 OR)): zval, pval
    "regtest_reml": (-4.66863563047052, 3.03206580313773e-06),
    # issue 15, same run: rma(method = "HS" / "EB"): tau2, se.tau2, estimate, se, I2
    "hs": (0.228362863676907, 0.12790455661328, -0.704535373916257, 0.158652093056656, 89.6299666640896),
    "eb": (0.318068452205031, 0.17366302746276, -0.714968153493445, 0.180892191537625, 92.3303379541534),
    # se.tau2 of DL, HE, SJ, PM, ML, REML, HS, EB (in that order)
    "se_tau2": (0.229869992511026, 0.207087178298934, 0.149680511347343, 0.173663027462756, 0.144251949382776,
                0.166425752836973, 0.12790455661328, 0.17366302746276),
    # dat.normand1999, escalc("MD", vtype = "HO"): vi; then rma(method = "EE"): estimate, se, QE
    "md_pooled_vi": (40.58631541754, 2.04683368588049, 15.2808763693271, 150.222222222222, 20.1923076923077,
                     1.22352970852725, 95.3755518990813, 8.0320743346939, 20.6935664335664),
    "md_pooled_fe": (-3.49386134248331, 0.781957247522715, 241.059010043831),
}
