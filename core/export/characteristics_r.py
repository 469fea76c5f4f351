"""An R script (metafor) that reproduces the "Which MSC therapy?" page (issue 25): the split by a
characteristic with both tests for subgroup differences, and the meta-regression with its pseudo-R^2
and permutation test, from the effects the dashboard computed (written into the script at full
precision).  It keeps what it printed in ``shown`` (a named list of named numbers) for the parity
test."""
from __future__ import annotations

import numpy as np

from core import vocab
from core.export.script_header import comment_text, header_comments
from core.words.characteristics import CHARACTERISTIC_LABELS

TIGHT_CONTROL = "threshold = 1e-12, tol = 1e-12, maxiter = 10000"


def _num(x) -> str:
    return "NA" if x is None or not np.isfinite(x) else f"{float(x):.17g}"


def _vec(values) -> str:
    return "c(" + ", ".join(_num(v) for v in values) + ")"


def _strings(values) -> str:
    return "c(" + ", ".join('"' + comment_text(v).replace("\\", "\\\\").replace('"', '\\"') + '"'
                            for v in values) + ")"


def characteristics_r_script(a, split, reg, *, title: str, dataset_name: str, settings: list[str]) -> str:
    """The script for analysis ``a``, its ``split`` (core.workflow.characteristics.split_by) and ``reg``
    (regress_on; its rows may be fewer: the studies reporting the value)."""
    info = vocab.ESTIMATOR_BY_CODE[vocab.ESTIMATOR_ALIASES.get(a.method, a.method)]
    ctl = ", control = ctl" if info.iterative else ""
    test = vocab.TEST_METAFOR[a.spec.test if a.method != vocab.Tau2.FE else vocab.Test.Z]
    rows = {r["label"]: r for r in a.row_records}
    labels = [lab for g in split.separate.groups for lab in split.separate.subgroups[g].labels]
    groups = [g for g in split.separate.groups for _ in split.separate.subgroups[g].labels]
    x_by_label = dict(zip(reg.labels, reg.x.tolist()))
    lines = [f"# {comment_text(title)}", *header_comments(dataset_name, settings),
             "suppressPackageStartupMessages(library(metafor))",
             f"ctl <- list({TIGHT_CONTROL})   # converge fully, as the dashboard's root finding does",
             f'method <- "{info.metafor}"; test <- "{test}"',
             "dat <- data.frame(",
             f"  study = {_strings(labels)},",
             f"  yi = {_vec([rows[lab]['yi'] for lab in labels])},",
             f"  vi = {_vec([rows[lab]['vi'] for lab in labels])},",
             f"  group = {_strings(groups)},",
             f"  x = {_vec([x_by_label.get(lab, np.nan) for lab in labels])})   "
             f"# x: {CHARACTERISTIC_LABELS[reg.key]}",
             "dat$group <- factor(dat$group, levels = unique(dat$group))",
             "shown <- list()",
             "",
             f"# 1. {CHARACTERISTIC_LABELS[split.key]}: each subgroup on its own (its own tau^2), then the test",
             "#    for subgroup differences over the subgroup estimates (RevMan's 'separate tau^2' test).",
             f"subs <- lapply(split(dat, dat$group), function(d) rma(yi, vi, data = d, method = method, "
             f"test = if (nrow(d) > 1) test else 'z'{ctl}))",
             "for (g in names(subs)) { print(subs[[g]]); shown[[paste('Subtotal', g)]] <- "
             "c(k = subs[[g]]$k, estimate = coef(subs[[g]])[[1]], se = subs[[g]]$se, tau2 = subs[[g]]$tau2) }",
             "if (length(subs) > 1) {",
             "  sep <- rma(yi = sapply(subs, coef), sei = sapply(subs, function(r) r$se), "
             f"method = '{vocab.ESTIMATOR_BY_CODE[vocab.Tau2.FE].metafor}')",
             "  shown[['separate']] <- c(QE = sep$QE, QEdf = sep$k - 1, QEp = sep$QEp)",
             "  # 2. One tau^2 common to all subgroups: the mixed-effects model and its omnibus test QM.",
             f"  common <- rma(yi, vi, mods = ~ group, data = dat, method = method, test = test{ctl})",
             "  print(common)",
             "  shown[['common']] <- c(QM = common$QM, QMdf = common$QMdf[1], QMp = common$QMp, tau2 = common$tau2)",
             "}", ""]
    if reg.fit is not None:
        perm = "exact = TRUE" if reg.permutation.exact else f"iter = {reg.permutation.iterations}"
        lines += [f"# 3. Meta-regression on {CHARACTERISTIC_LABELS[reg.key]} (studies reporting it), its R^2 and",
                  "#    the permutation test (exact when the distinct orderings are few; metafor's random",
                  "#    permutations differ from the dashboard's, so a Monte Carlo p-value differs by chance).",
                  f"reg <- rma(yi, vi, mods = ~ x, data = dat, subset = !is.na(x), method = method, test = test{ctl})",
                  "print(reg)",
                  f"perm <- permutest(reg, {perm}, progbar = FALSE)",
                  "print(perm)",
                  "shown[['regression']] <- c(slope = coef(reg)[[2]], se = reg$se[2], stat = reg$zval[2], "
                  "p = reg$pval[2], R2 = if (is.null(reg$R2)) NA else reg$R2, perm_p = perm$pval[2], "
                  "perm_QMp = perm$QMp)"]
    else:
        lines.append(f"# 3. No meta-regression: {reg.message}")
    return "\n".join(lines) + "\n"
