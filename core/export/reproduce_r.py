"""The R reproduce script: recomputes the current view with metafor (``escalc`` + ``rma``) from the
arm-level numbers the app pooled, written inline."""
from __future__ import annotations

import math

from core.workflow.analysis import AnalysisSpec, ForestAnalysis, analyse
from core.evidence.dataset import Dataset
from core.export.script_header import comment_text, header_comments
from core.vocab import ESTIMATOR_INFO, Comparison
from core.words import independent_prepost, settings_lines

# The app's tau^2 estimator -> metafor's rma(method=) name.
R_METHODS = {e.code: e.metafor for e in ESTIMATOR_INFO}
# Correlation of baseline and follow-up, for the SD of the change (Cochrane Handbook 16.1.3.2).
R_CORRELATION = "r <- {r}   # pre-post correlation (Cochrane Handbook 16.1.3.2)"


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
    """An R script that recomputes this view with metafor (``escalc`` + ``rma``).

    The data inline are the arm-level numbers the app pooled (after its conversions of SE,
    CI, median/IQR and units to mean/SD, listed in the ``note`` column).  Effect sizes use
    ``escalc`` with measure MD or SMD (MSC vs control) or MC or SMCR (pre-post, ``ri = r``);
    where the app's choice differs from metafor's default formula (RevMan 5's approximate
    Hedges' g; the approximate correction of the SMCR) the script says so and applies the
    app's formula.  ``rma`` uses the same tau^2 method (``method=``), test and level; with
    both diabetes types it adds the subgroups and RevMan's test for subgroup differences.
    """
    a = analyse(dataset, spec)
    lines = [
        "# Recompute one MSC-DM Evidence Explorer view with metafor.",
        *header_comments(dataset.name, settings_lines(spec, a)),
        "# Requires R >= 4.0 and metafor >= 3.0:  install.packages(\"metafor\")",
        "",
        "library(metafor)",
        "",
    ]
    if a.pooled is None:
        lines += [f"message({r_string(a.message)})"]
        return "\n".join(lines) + "\n"
    lines += _data_lines(a) + _effect_size_lines(spec) + _fit_lines(a)
    if a.subgroups is not None:
        lines += _subgroup_lines()
    lines += ["", "forest(res, header = TRUE)", ""]
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
    lines += [f'dat <- escalc(measure = "{spec.measure}", m1i = m1, sd1i = sd1, n1i = n1, m2i = m2, sd2i = sd2, '
              'n2i = n2, data = dat)']
    if spec.measure == "SMD" and spec.smd_variant == "revman5":
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
    if spec.measure == "MD":
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
    """``rma`` with the app's tau^2 method, CI test and level."""
    level = r_number(a.spec.level * 100)
    return [
        "",
        f'method <- "{R_METHODS[a.method]}"   # {comment_text(a.model_reason)}',
        f'fit <- function(d) rma(yi, vi, data = d, method = method, test = "{a.pooled.test}", level = {level}, '
        "slab = study)",
        "res <- fit(dat)",
        "print(res)",
    ]


def _subgroup_lines() -> list[str]:
    return [
        "",
        "# Subgroups (own tau^2 each) and RevMan's test for subgroup differences:",
        "# a fixed-effect meta-analysis of the subgroup estimates.",
        "subs <- lapply(split(dat, dat$dm_type), fit)",
        "for (g in names(subs)) { cat(\"\\nSubgroup\", g, \"\\n\"); print(subs[[g]]) }",
        "if (length(subs) > 1) {",
        '  between <- rma(yi = sapply(subs, coef), sei = sapply(subs, function(x) x$se), method = "FE")',
        '  cat(sprintf("Test for subgroup differences: Chi2 = %.2f, df = %d, P = %.4g\\n",',
        "              between$QE, between$k - 1, between$QEp))",
        "}",
    ]
