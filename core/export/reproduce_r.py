"""The R reproduce script: recomputes the current view with metafor (``escalc`` + ``rma``) from the
arm-level numbers the app pooled, written inline."""
from __future__ import annotations

import math

from core.workflow.analysis import AnalysisSpec, ForestAnalysis, analyse
from core.evidence.dataset import Dataset
from core.export.script_header import comment_text, header_comments
from core.vocab import (BAYES_MODEL, ESTIMATOR_BY_CODE, ESTIMATOR_INFO, TEST_METAFOR, Comparison, MdVariance, Measure,
                        SmdVariant, Tau2, Test)
from core.words import independent_prepost, settings_lines

# The app's tau^2 estimator -> metafor's rma(method=) name.
R_METHODS = {e.code: e.metafor for e in ESTIMATOR_INFO}
FE_METAFOR = R_METHODS[Tau2.FE]
# rma(control=) for the iterative estimators: metafor then reaches the exact root the core solves for.
TIGHT_CONTROL = "threshold = 1e-12, tol = 1e-12, maxiter = 10000"
# Correlation of baseline and follow-up, for the SD of the change (Cochrane Handbook 16.1.3.2).
R_CORRELATION = "r <- {r}   # pre-post correlation (Cochrane Handbook 16.1.3.2)"
# "HKSJ never narrower than z": metafor's rma(test = "adhoc") floors the HKSJ variance factor at 1 as
# the app does (Knapp & Hartung 2003, section 3), so R prints the interval the page shows.
FLOOR_HEADER = ("# HKSJ never narrower than z is on: the fit uses metafor's test = \"adhoc\" (the HKSJ variance",
                "# factor floored at 1; Knapp & Hartung 2003), not test = \"knha\", so R prints the page's interval.")


def _floor_on(spec: AnalysisSpec) -> bool:
    return spec.test == Test.HKSJ and spec.hksj_floor


def r_string(s) -> str:
    """An R double-quoted string literal for any text."""
    s = str(s)
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    out = "".join(ch if ch.isprintable() or ch in "\\" else f"\\u{ord(ch):04x}" for ch in out)
    return f'"{out}"'


def r_number(x) -> str:
    """An R number literal at full precision: NA for NaN, Inf / -Inf for infinities."""
    x = float(x)
    if math.isnan(x):
        return "NA"
    return repr(x) if math.isfinite(x) else ("Inf" if x > 0 else "-Inf")


def _r_vec(values, fn) -> str:
    return "c(" + ", ".join(fn(v) for v in values) + ")"


def r_script(dataset: Dataset, spec: AnalysisSpec) -> str:
    """An R script that recomputes this view with metafor (``escalc`` + ``rma``), to the last
    digit the dashboard prints.

    The data inline are the arm-level numbers the app pooled (after its conversions of SE,
    CI, median/IQR and units to mean/SD, listed in the ``note`` column).  Effect sizes use
    ``escalc`` with measure MD or SMD (MSC vs control) or MC or SMCR (pre-post, ``ri = r``);
    where the app's choice differs from metafor's default formula (RevMan 5's approximate
    Hedges' g; the approximate correction of the SMCR) the script says so and applies the
    app's formula.  ``rma`` uses the same tau^2 method (``method=``, metafor's name from the
    registry), test and level, with tight convergence for the iterative estimators.  The
    script prints both I^2 definitions (saying which one the dashboard shows), the prediction
    interval of the dashboard's flavour and the Q-profile CI of tau^2 (``confint``); with both
    diabetes types it adds the subgroups and RevMan's test for subgroup differences.  It
    plots only in an interactive session, so ``Rscript`` leaves no ``Rplots.pdf`` behind.

    Everything printed is also kept: ``studies`` (a data frame) and ``shown`` (a named list of
    named numbers per pooled row), which the R parity test reads.
    """
    a = analyse(dataset, spec)
    if spec.model == BAYES_MODEL:
        return _bayesmeta_script(dataset, a)
    lines = [
        "# Recompute one MSC-DM Evidence Explorer view with metafor.",
        *header_comments(dataset.name, settings_lines(spec, a)),
        *(FLOOR_HEADER if _floor_on(spec) else ()),
        "# Requires R >= 4.0 and metafor >= 3.0:  install.packages(\"metafor\")",
        "",
        "suppressPackageStartupMessages(library(metafor))",
        "",
    ]
    if a.pooled is None:
        lines += [f"message({r_string(a.message)})"]
        return "\n".join(lines) + "\n"
    lines += _data_lines(a) + _effect_size_lines(spec) + _fit_lines(a) + _report_lines(a)
    lines += _study_lines() + ["", "shown <- list(Total = report(res, \"Total\", total = TRUE))"]
    if a.subgroups is not None:
        lines += _subgroup_lines(a)
    lines += ["", "# The forest plot, in an interactive session (under Rscript it would write Rplots.pdf):",
              "if (interactive()) forest(res, header = TRUE)", ""]
    return "\n".join(lines)


def _data_lines(a: ForestAnalysis) -> list[str]:
    """The data frame of arm-level numbers, one row per study."""
    r = a.rows
    groups = ("MSC arm, group 2 = control arm." if a.spec.comparison == Comparison.VS_CONTROL
              else "MSC arm after treatment, group 2 = the same arm at baseline.")
    return [
        "# Arm-level numbers as pooled by the app. Group 1 = " + groups,
        "dat <- data.frame(",
        f"  study   = {_r_vec(r['label'], r_string)},",
        f"  dm_type = {_r_vec(r['dm_type'], r_string)},",
        f"  n1  = {_r_vec(r['n1'], r_number)},",
        f"  m1  = {_r_vec(r['m1'], r_number)},",
        f"  sd1 = {_r_vec(r['sd1'], r_number)},",
        f"  n2  = {_r_vec(r['n2'], r_number)},",
        f"  m2  = {_r_vec(r['m2'], r_number)},",
        f"  sd2 = {_r_vec(r['sd2'], r_number)},",
        f"  note = {_r_vec(r['notes'], r_string)},",
        "  stringsAsFactors = FALSE)",
        "",
    ]


def _effect_size_lines(spec: AnalysisSpec) -> list[str]:
    """``escalc`` for the view's effect, then the app's own formula where it differs from metafor's."""
    if spec.comparison == Comparison.PRE_POST and not independent_prepost(spec):
        return _change_lines(spec)
    lines = []
    if independent_prepost(spec):
        lines += ["# Pre-post analysed as two independent groups (after vs baseline), as the app's option does:",
                  "# no pre-post correlation is used."]
    pooled_sd = spec.measure == Measure.MD and spec.md_variance == MdVariance.POOLED
    if pooled_sd:
        lines += ["# The MD's variance uses the pooled SD (equal variances): vi = sp^2 (1/n1 + 1/n2), vtype = \"HO\"."]
    lines += [f'dat <- escalc(measure = "{spec.measure}", m1i = m1, sd1i = sd1, n1i = n1, m2i = m2, sd2i = sd2, '
              'n2i = n2, data = dat' + (', vtype = "HO")' if pooled_sd else ")")]
    if spec.measure == Measure.SMD and spec.smd_variant == SmdVariant.REVMAN5:
        lines += [
            "# The app uses RevMan 5's Hedges' g: J = 1 - 3/(4N - 9), vi = N/(n1 n2) + g^2/(2(N - 3.94))",
            "# (Deeks & Higgins 2010, section 1.2.2); metafor's default uses the exact J. Apply RevMan's:",
            "N  <- dat$n1 + dat$n2",
            "sp <- sqrt(((dat$n1 - 1) * dat$sd1^2 + (dat$n2 - 1) * dat$sd2^2) / (N - 2))",
            "dat$yi <- (1 - 3 / (4 * N - 9)) * (dat$m1 - dat$m2) / sp",
            "dat$vi <- N / (dat$n1 * dat$n2) + dat$yi^2 / (2 * (N - 3.94))",
        ]
    return lines


def _change_lines(spec: AnalysisSpec) -> list[str]:
    """Pre-post change scores: the mean change (MC) or the raw-score standardised change (SMCR)."""
    lines = [R_CORRELATION.format(r=r_number(spec.r))]
    if spec.measure == Measure.MD:
        return lines + ['dat <- escalc(measure = "MC", m1i = m1, m2i = m2, sd1i = sd1, sd2i = sd2, ni = n1, '
                        "ri = rep(r, nrow(dat)), data = dat)"]
    return lines + [
        "# Raw-score standardised mean change, standardised by the baseline SD (sd2):",
        'dat <- escalc(measure = "SMCR", m1i = m1, m2i = m2, sd1i = sd2, ni = n1, '
        "ri = rep(r, nrow(dat)), data = dat)",
        "# The app uses the approximate correction J = 1 - 3/(4(n - 1) - 1) (Hedges 1981) where metafor",
        "# uses the exact one; apply the app's (the difference is well below 0.1%):",
        "m <- dat$n1 - 1",
        "dat$yi <- (1 - 3 / (4 * m - 1)) * (dat$m1 - dat$m2) / dat$sd2",
        "dat$vi <- 2 * (1 - r) / dat$n1 + dat$yi^2 / (2 * dat$n1)",
    ]


def _fit_lines(a: ForestAnalysis) -> list[str]:
    """``rma`` with the app's tau^2 method, CI test and level (tight convergence if iterative)."""
    info = ESTIMATOR_BY_CODE[a.method]
    hksj = a.spec.test == Test.HKSJ
    test = 'test = if (nrow(d) > 1) test else "z"' if hksj else 'test = test'
    ctl = ", control = ctl" if info.iterative else ""
    if _floor_on(a.spec):
        test_line = 'test <- "adhoc"   # HKSJ never narrower than z (ad hoc floor); a single study falls back to z'
    else:
        test_line = (f'test <- "{TEST_METAFOR[a.spec.test]}"'     # metafor's name ("knha" for HKSJ)
                     + ("   # HKSJ; a single study falls back to z, in the app as in metafor" if hksj else ""))
    lines = ["", f"level <- {a.spec.level * 100:g}",
             f'method <- "{info.metafor}"   # {comment_text(a.model_reason)}', test_line]
    if info.iterative:
        lines += ["# Tight convergence: the app solves for the exact root of the estimating equation, where",
                  "# metafor's default tolerance stops earlier (differences in the 4th-5th decimal).",
                  f"ctl <- list({TIGHT_CONTROL})"]
    return lines + [f"fit <- function(d) rma(yi, vi, data = d, method = method, {test}, level = level, "
                    f"slab = study{ctl})",
                    "res <- fit(dat)"]


def _pi_lines(a: ForestAnalysis) -> list[str]:
    """The prediction interval of the dashboard's flavour (``MetaResult.pi_dist``)."""
    dist = a.pooled.pi_dist
    if dist == "norm":
        return ["    pred <- predict(res)   # normal quantile, as the dashboard (metafor's default with test = \"z\")"]
    df = "res$k - 1" if dist == "t(k-1)" else "res$k - 2"
    how = ("t with k - 1 df, as predict() with test = \"knha\"" if dist == "t(k-1)"
           else "t with k - 2 df (Higgins et al. 2009)")
    return [f"    # {how}; not defined (NA) when df < 1:",
            f"    pi.df <- {df}",
            "    half <- if (pi.df >= 1) qt(1 - (1 - level / 100) / 2, pi.df) * sqrt(res$se^2 + res$tau2) else NA",
            "    pred <- list(pi.lb = c(res$b) - half, pi.ub = c(res$b) + half)",
            '    cat(sprintf("%g%% prediction interval: [%.4f, %.4f]\\n", level, pred$pi.lb, pred$pi.ub))']


def _report_lines(a: ForestAnalysis) -> list[str]:
    """``report()``: print a fit, both I^2 definitions, and for the total the prediction interval
    and the Q-profile CI of tau^2; returns the numbers it printed."""
    random = a.method != Tau2.FE
    lines = [
        "",
        "# I^2 has two definitions. The dashboard shows the Q-based one (RevMan 5, R meta):",
        "# 100 (Q - df) / Q, floored at 0, and 0 for a single study. metafor's print() shows the",
        "# tau^2-based one, 100 tau^2 / (tau^2 + s^2); the two agree for DerSimonian-Laird.",
        "i2.q <- function(res) if (res$k > 1 && res$QE > res$k - 1) 100 * (res$QE - (res$k - 1)) / res$QE else 0",
        "report <- function(res, name, total = FALSE) {",
        '  cat("\\n====", name, "====\\n")',
        "  print(res)",
        '  cat(sprintf("I^2, Q-based (the dashboard shows this one): %.2f%%\\n", i2.q(res)))',
        "  out <- c(k = res$k, estimate = c(res$b), se = res$se, zval = res$zval, pval = res$pval, ci.lb = res$ci.lb,",
        "           ci.ub = res$ci.ub, tau2 = res$tau2, se.tau2 = res$se.tau2, QE = res$QE, QEdf = res$k - 1,",
        "           QEp = res$QEp, I2.Q = i2.q(res))",
    ]
    if not random:
        lines += ["  # (For an equal-effects model metafor's print() shows this Q-based I^2 too: there is no tau^2.)"]
    else:
        lines += ['  cat(sprintf("I^2, tau^2-based (metafor\'s print):          %.2f%%\\n", res$I2))',
                  '  out["I2.tau2"] <- res$I2']
    if random:
        lines += ["  if (total) {", *_pi_lines(a),
                  "    if (!is.list(pred) || inherits(pred, \"predict.rma\")) print(pred)",
                  "    out[c(\"pi.lb\", \"pi.ub\")] <- c(pred$pi.lb, pred$pi.ub)",
                  "    if (res$k > 1) {",
                  "      # Q-profile CI of tau^2 (and tau, I^2, H^2). tau2.max: metafor's default upper search",
                  "      # bound (100) is below the bound for outcomes on a large scale.",
                  "      ci <- confint(res, control = list(tol = 1e-12, maxiter = 10000,",
                  "                                        tau2.max = 1e4 * max(100, var(res$yi) + mean(res$vi))))",
                  "      print(ci)",
                  "      out[c(\"tau2.lb\", \"tau2.ub\")] <- ci$random[\"tau^2\", c(\"ci.lb\", \"ci.ub\")]",
                  "    }",
                  "  }"]
    return lines + ["  invisible(out)", "}"]


def _study_lines() -> list[str]:
    return ["",
            "# Each study: effect, CI (normal quantile, as the app and RevMan) and weight in the total (%).",
            "crit <- qnorm(1 - (1 - level / 100) / 2)",
            "studies <- data.frame(study = dat$study, yi = c(dat$yi), vi = c(dat$vi), ci.lb = c(dat$yi) - crit * sqrt(dat$vi),",
            "                      ci.ub = c(dat$yi) + crit * sqrt(dat$vi), weight = weights(res))",
            "print(studies, digits = 4, row.names = FALSE)"]


def common_tau2_fits(a: ForestAnalysis) -> bool:
    """Whether the script fits the common-tau^2 subgroup model for ``a``'s subgroups: at least two
    subgroups and more studies than subgroups (with k = G no residual df is left for tau^2)."""
    s = a.subgroups
    return s is not None and len(s.groups) > 1 and a.k > len(s.groups)


def _subgroup_lines(a: ForestAnalysis) -> list[str]:
    """Each subgroup fitted on its own (``rma(..., subset = )``, own tau^2), RevMan's test for subgroup
    differences, and the mixed-effects model with one common tau^2 (``mods = ~ factor(dm_type)``, its QM),
    as core.subgroups.subgroup_analysis and subgroup_analysis_common_tau2 compute them."""
    info = ESTIMATOR_BY_CODE[a.method]
    ctl = ", control = ctl" if info.iterative else ""
    sub_test = 'if (k.g > 1) test else "z"' if a.spec.test == Test.HKSJ else "test"
    lines = [
        "",
        "# Subgroups: each diabetes type fitted on its own (own tau^2), with rma(..., subset = ).",
        "fit.sub <- function(g) {",
        "  k.g <- sum(dat$dm_type == g)",
        f"  rma(yi, vi, data = dat, subset = dm_type == g, method = method, test = {sub_test}, level = level, "
        f"slab = study{ctl})",
        "}",
        "subs <- sapply(unique(dat$dm_type), fit.sub, simplify = FALSE)",
        "for (g in names(subs)) shown[[paste(\"Subtotal\", g)]] <- report(subs[[g]], paste(\"Subgroup\", g))",
        "if (length(subs) > 1) {",
        "  # RevMan's test for subgroup differences: a fixed-effect (equal-effects) meta-analysis of the",
        "  # subgroup estimates (separate tau^2 per subgroup).",
        f'  between <- rma(yi = sapply(subs, coef), sei = sapply(subs, function(x) x$se), method = "{FE_METAFOR}")',
        '  cat(sprintf("\\nTest for subgroup differences: Chi2 = %.2f, df = %d, P = %.4g, I^2 = %.1f%%\\n",',
        "              between$QE, between$k - 1, between$QEp, i2.q(between)))",
        "  shown$between <- c(QE = between$QE, QEdf = between$k - 1, QEp = between$QEp, I2.Q = i2.q(between))",
        "}",
    ]
    if not common_tau2_fits(a):
        return lines + ["# No common-tau^2 model: it needs two subgroups and more studies than subgroups."]
    test = TEST_METAFOR[a.spec.test]     # the page's common-tau^2 test has no floor
    return lines + [
        "# The test with one tau^2 common to all subgroups (mixed-effects model; its omnibus test QM):",
        f'common <- rma(yi, vi, mods = ~ factor(dm_type), data = dat, method = method, test = "{test}", '
        f"level = level{ctl})",
        "print(common)",
        "shown$common <- c(QM = common$QM, QMdf = common$QMdf[1], QMp = common$QMp, tau2 = common$tau2)",
    ]


def _bayesmeta_script(dataset: Dataset, a: ForestAnalysis) -> str:
    """The Bayesian model's script: the same data and effect sizes, then R's bayesmeta (Röver 2020) with
    the app's half-normal prior on tau (its scale derived as the app does, with bayesmeta's ``uisd()``)
    and a flat prior on mu, for the total and each diabetes type."""
    spec = a.spec
    lines = ["# Recompute one MSC-DM Evidence Explorer view (Bayesian random effects) with bayesmeta.",
             *header_comments(dataset.name, settings_lines(spec, a)),
             "# Requires R >= 4.0, metafor >= 3.0 and bayesmeta >= 3.0, from CRAN:",
             "#   install.packages(c(\"metafor\", \"bayesmeta\"))",
             "", "suppressPackageStartupMessages({library(metafor); library(bayesmeta)})", ""]
    if a.pooled is None:
        return "\n".join(lines + [f"message({r_string(a.message)})"]) + "\n"
    n = "dat$n1 + dat$n2" if spec.comparison == Comparison.VS_CONTROL else "dat$n1"
    lines += _data_lines(a) + _effect_size_lines(spec) + [
        "",
        f"level <- {spec.level * 100:g}",
        "# Prior on tau: half-normal, scale = factor x half the unit-information SD of these studies (Roever et",
        f"# al. 2021, Res Synth Methods 12:448); the app used scale {r_number(a.pooled.prior_scale)}.",
        f"scale <- {r_number(spec.prior_factor)} * uisd(n = {n}, sigma = sqrt(dat$vi)) / 2",
        "# Tight accuracy (bayesmeta's defaults, delta = 0.01, move mu in the 4th significant digit); each fit",
        "# then takes up to a minute.",
        "fit <- function(d) bayesmeta(y = d$yi, sigma = sqrt(d$vi), labels = d$study,",
        "                             tau.prior = function(t) dhalfnormal(t, scale = scale),",
        "                             delta = 1e-5, epsilon = 1e-7)",
        "report <- function(res, name) {",
        '  cat("\\n====", name, "====\\n")',
        "  print(res$summary)",
        "  ci <- res$post.interval(mu.level = level / 100)",
        "  pr <- res$post.interval(mu.level = level / 100, predict = TRUE)",
        '  cat(sprintf("mu: median %.4f, %g%% credible interval [%.4f, %.4f], P(mu < 0) = %.4f\\n",',
        '              res$summary["median", "mu"], level, ci[1], ci[2], res$pposterior(mu = 0)))',
        '  cat(sprintf("%g%% predictive interval for a new study: [%.4f, %.4f]\\n", level, pr[1], pr[2]))',
        '  invisible(c(k = res$k, estimate = res$summary["median", "mu"], ci.lb = ci[1], ci.ub = ci[2],',
        '              pi.lb = pr[1], pi.ub = pr[2], tau = res$summary["median", "tau"]))',
        "}",
        "res <- fit(dat)",
        "crit <- qnorm(1 - (1 - level / 100) / 2)",
        "studies <- data.frame(study = dat$study, yi = c(dat$yi), vi = c(dat$vi), ci.lb = c(dat$yi) - crit * sqrt(dat$vi),",
        "                      ci.ub = c(dat$yi) + crit * sqrt(dat$vi), weight = 100 * res$weights)",
        "print(studies, digits = 4, row.names = FALSE)",
        'shown <- list(Total = report(res, "Total"))',
    ]
    if a.subgroups is not None:
        lines += ["# Each diabetes type with the same prior (no test for subgroup differences under this model):",
                  "subs <- lapply(split(dat, dat$dm_type), fit)",
                  'for (g in names(subs)) shown[[paste("Subtotal", g)]] <- report(subs[[g]], paste("Subgroup", g))']
    return "\n".join(lines + ["", "if (interactive()) forestplot(res)", ""])
