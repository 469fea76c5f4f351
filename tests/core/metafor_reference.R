# Full-precision reference values for tests/core/test_metafor_reference.py (METAFOR_TIGHT in
# tests/core/_reference_data.py).  Run with:  Rscript tests/core/metafor_reference.R
# Recorded with R 4.2.2 Patched (2022-11-10 r83330) and metafor 3.8-1.  Iterative fits use tight
# convergence so that the values are the exact roots, not metafor's default stopping points.
suppressPackageStartupMessages(library(metafor))
cat("R", as.character(getRversion()), "metafor", as.character(packageVersion("metafor")), "\n")
ctl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)
f <- function(name, x) cat(name, ": (", paste(sprintf("%.15g", x), collapse = ", "), ")\n", sep = "")

dat <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
r <- rma(yi, vi, data = dat, control = ctl)                                  # REML
f("reml", c(r$tau2, r$b, r$se, r$zval, r$ci.lb, r$ci.ub, r$I2, r$H2))
l1 <- leave1out(r)                                                           # uses r's control
f("leave1out_1", c(l1$estimate[1], l1$se[1], l1$zval[1], l1$pval[1], l1$ci.lb[1], l1$ci.ub[1], l1$Q[1],
                   l1$tau2[1], l1$I2[1]))
inf <- influence(r)
f("influence_1", c(inf$inf$rstudent[1], inf$inf$dffits[1], inf$inf$cook.d[1], inf$inf$cov.r[1],
                   inf$inf$tau2.del[1], inf$inf$QE.del[1], inf$inf$hat[1], inf$inf$weight[1], inf$dfbs$intrcpt[1]))
f("cumul_by_year", cumul(r, order = dat$year)$estimate)                      # order = sort key (metafor >= 3.8)
ci <- confint(rma(yi, vi, data = dat, method = "DL"), control = list(tol = 1e-12))
f("confint_dl", c(ci$random[1, ], ci$random[3, ], ci$random[4, ]))          # tau^2, I^2, H^2: est, lb, ub
de <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.egger2001)
rt <- regtest(rma(yi, vi, data = de, control = ctl))
f("regtest_reml", c(rt$zval, rt$pval))
# Issue 15: Hunter-Schmidt and empirical Bayes fits, se.tau2 of every estimator, and the pooled-SD
# ("HO", equal variances) mean difference.
for (m in c("HS", "EB")) {
  r <- rma(yi, vi, data = dat, method = m, control = ctl)
  f(tolower(m), c(r$tau2, r$se.tau2, r$b, r$se, r$I2))                        # tau2, se.tau2, estimate, se, I2
}
f("se_tau2", sapply(c("DL", "HE", "SJ", "PM", "ML", "REML", "HS", "EB"),
                    function(m) rma(yi, vi, data = dat, method = m, control = ctl)$se.tau2))
dn <- escalc(measure = "MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i, n2i = n2i,
             data = dat.normand1999, vtype = "HO")
f("md_pooled_vi", dn$vi)
f("md_pooled_fe", with(rma(yi, vi, data = dn, method = "EE"), c(b, se, QE)))
