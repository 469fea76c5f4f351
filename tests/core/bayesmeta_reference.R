# Reference values for tests/core/test_bayesian.py, written as Python to
# tests/core/_bayesmeta_reference.py.  Debian ships no r-cran-bayesmeta, so bayesmeta's own R source is
# sourced from a checkout given by path (github.com/cran/bayesmeta, the CRAN mirror; not kept here):
#
#   Rscript tests/core/bayesmeta_reference.R /path/to/bayesmeta > tests/core/_bayesmeta_reference.py
#
# Needs r-cran-metafor, r-cran-mvtnorm, r-cran-numderiv (Debian).  Every fit runs at tight accuracy
# (delta = 1e-5, epsilon = 1e-7; bayesmeta's defaults are 0.01 and 1e-4).  Besides bayesmeta's own
# summary, each credible interval is also solved tightly from bayesmeta's d/p/qposterior: bayesmeta's
# post.interval() finds the shortest interval with optimize() at its default tol (~1.2e-4 in the
# argument), which is the accuracy the tests compare at, so the tight solution (density equal at both
# ends, solved by uniroot) is the one the tests use.  Each fit takes about a minute.
args <- commandArgs(trailingOnly = TRUE)
stopifnot(length(args) == 1)
bm <- args[1]
suppressPackageStartupMessages(library(metafor))
source(file.path(bm, "R", "bayesmeta.R"))
version <- read.dcf(file.path(bm, "DESCRIPTION"), fields = c("Version", "Date"))
DELTA <- 1e-5
EPSILON <- 1e-7
TOL <- 1e-13

num <- function(x) {
  x <- unname(x)
  s <- ifelse(is.finite(x), sprintf("%.15g", x), ifelse(is.na(x), "nan", ifelse(x > 0, "inf", "-inf")))
  s <- ifelse(s %in% c("nan", "inf", "-inf"), paste0("float('", s, "')"), s)
  if (length(x) == 1) s else paste0("[", paste(s, collapse = ", "), "]")
}

# Shortest interval from the posterior's d/p/q functions: the left tail probability a solves
# f(Q(a)) = f(Q(a + level)) (the density is equal at both ends); for tau the interval starts at 0
# when the density there is at least that at Q(level) (bayesmeta's post.interval catches the same).
shortest <- function(d, p, q, level, lower_bound = -Inf) {
  if (is.finite(lower_bound) && d(lower_bound) >= d(q(level))) return(c(lower_bound, q(level)))
  g <- function(a) d(q(a)) - d(q(a + level))
  a <- uniroot(g, c(1e-9, 1 - level - 1e-9), tol = TOL)$root
  c(q(a), q(a + level))
}

record <- function(name, y, sigma, tau.prior, tau.label, mu.prior = c(NA, NA)) {
  b <- bayesmeta(y, sigma, tau.prior = tau.prior, mu.prior.mean = mu.prior[1], mu.prior.sd = mu.prior[2],
                 delta = DELTA, epsilon = EPSILON)
  s <- b$summary
  dmu <- function(x) b$dposterior(mu = x); pmu <- function(x) b$pposterior(mu = x)
  qmu <- function(p) b$qposterior(mu.p = p)
  dth <- function(x) b$dposterior(mu = x, predict = TRUE); pth <- function(x) b$pposterior(mu = x, predict = TRUE)
  qth <- function(p) b$qposterior(mu.p = p, predict = TRUE)
  dta <- function(x) b$dposterior(tau = x); qta <- function(p) b$qposterior(tau.p = p)
  cat(sprintf("    %s=dict(\n", name))
  cat(sprintf("        yi=%s,\n        sei=%s,\n", num(y), num(sigma)))
  cat(sprintf("        tau_prior=%s, mu_prior=%s,\n", tau.label,
              if (is.na(mu.prior[1])) "None" else sprintf("('normal', %s, %s)", num(mu.prior[1]), num(mu.prior[2]))))
  cat(sprintf("        support_points=%d,\n", nrow(b$support)))
  for (par in c("tau", "mu", "theta")) {
    cat(sprintf("        %s=dict(median=%s, mean=%s, sd=%s, bayesmeta_shortest_95=%s,\n", par,
                num(s["median", par]), num(s["mean", par]), num(s["sd", par]), num(s[c("95% lower", "95% upper"), par])))
    if (par == "tau") {
      cat(sprintf("                 shortest_95=%s, central_95=%s, q95=%s, shortest_80=%s),\n",
                  num(shortest(dta, NULL, qta, 0.95, 0)), num(qta(c(0.025, 0.975))), num(qta(0.95)),
                  num(shortest(dta, NULL, qta, 0.80, 0))))
    } else if (par == "mu") {
      cat(sprintf("                 shortest_95=%s, central_95=%s, shortest_90=%s, cdf_0=%s, q975=%s),\n",
                  num(shortest(dmu, pmu, qmu, 0.95)), num(qmu(c(0.025, 0.975))), num(shortest(dmu, pmu, qmu, 0.90)),
                  num(pmu(0)), num(qmu(0.975))))
    } else {
      cat(sprintf("                 shortest_95=%s, central_95=%s, cdf_0=%s),\n",
                  num(shortest(dth, pth, qth, 0.95)), num(qth(c(0.025, 0.975))), num(pth(0))))
    }
  }
  cat(sprintf("        weights=%s,\n", num(b$weights)))
  sh <- b$theta
  lo <- hi <- numeric(ncol(sh))
  for (i in seq_len(ncol(sh))) {
    iv <- shortest(function(x) b$dposterior(mu = x, individual = i), NULL,
                   function(p) b$qposterior(mu.p = p, individual = i), 0.95)
    lo[i] <- iv[1]; hi[i] <- iv[2]
  }
  cat(sprintf("        shrinkage=dict(mean=%s, sd=%s, median=%s, shortest_95_low=%s, shortest_95_high=%s),\n",
              num(sh["mean", ]), num(sh["sd", ]), num(sh["median", ]), num(lo), num(hi)))
  cat(sprintf("        i2_at_median_tau=%s,\n", num(b$I2(tau = s["median", "tau"]))))
  cat("    ),\n")
}

cat('"""bayesmeta reference values for tests/core/test_bayesian.py (written by tests/core/bayesmeta_reference.R;\n')
cat("do not edit by hand).\n\n")
cat(sprintf("bayesmeta %s (%s), sourced from github.com/cran/bayesmeta; %s; written %s.\n",
            version[1, "Version"], version[1, "Date"], R.version.string, format(Sys.Date())))
cat(sprintf("Every fit: delta = %g, epsilon = %g (bayesmeta's defaults: 0.01, 1e-4).\n", DELTA, EPSILON))
cat("\nPer parameter: bayesmeta's summary (median, mean, sd, and its own 95% shortest interval, found by\n")
cat("optimize() at its default tolerance) and intervals solved tightly from bayesmeta's d/p/qposterior\n")
cat("(shortest_*: the density is equal at both ends; central_*: quantiles).  tau priors are given as\n")
cat("(family, scale) or (family, meanlog, sdlog); mu priors as None (flat) or ('normal', mean, sd).\n")
cat("The eight-schools data are bayesmeta's Rubin1981 (Rubin 1981, J Educ Stat 6:377-401); the other\n")
cat("cases are synthetic mean differences on the HbA1c (%) scale.\n")
cat('"""\n')
cat(sprintf("BAYESMETA_VERSION = '%s'\nR_VERSION = '%s'\nRECORDED = '%s'\n", version[1, "Version"],
            R.version.string, format(Sys.Date())))
cat(sprintf("SETTINGS = dict(delta=%g, epsilon=%g)\n\nCASES = dict(\n", DELTA, EPSILON))

sch_y <- c(28.39, 7.94, -2.75, 6.82, -0.64, 0.63, 18.01, 12.16)
sch_s <- c(14.9, 10.2, 16.3, 11.0, 9.4, 11.4, 10.4, 17.6)
k3_y <- c(-0.9, -0.35, -1.4); k3_s <- c(0.30, 0.22, 0.41)
k2_y <- c(-0.6, -1.3); k2_s <- c(0.25, 0.35)
k5_y <- c(-0.2, -0.9, -0.5, -1.6, 0.1); k5_s <- c(0.3, 0.25, 0.4, 0.5, 0.35)
hn <- function(sc) function(t) dhalfnormal(t, scale = sc)
hc <- function(sc) function(t) dhalfcauchy(t, scale = sc)
ln <- function(m, s) function(t) dlnorm(t, meanlog = m, sdlog = s)

# The vignette's printed example: half-Cauchy(25) on tau, N(0, 50) on mu; and its uniform-prior twin.
record("schools_vignette", sch_y, sch_s, hc(25), "('halfcauchy', 25)", c(0, 50))
record("schools_uniform", sch_y, sch_s, "uniform", "('uniform',)")
record("k3_halfnormal", k3_y, k3_s, hn(0.5), "('halfnormal', 0.5)")
record("k2_halfnormal", k2_y, k2_s, hn(0.5), "('halfnormal', 0.5)")
record("k1_halfnormal", -0.8, 0.3, hn(0.5), "('halfnormal', 0.5)")
record("k1_halfnormal_normal_mu", -0.8, 0.3, hn(0.5), "('halfnormal', 0.5)", c(0, 2))
record("k5_uniform", k5_y, k5_s, "uniform", "('uniform',)")
record("k5_halfnormal_normal_mu", k5_y, k5_s, hn(1), "('halfnormal', 1)", c(-0.5, 1))
record("k3_halfcauchy", k3_y, k3_s, hc(0.5), "('halfcauchy', 0.5)")
record("k3_lognormal", k3_y, k3_s, ln(log(0.3), 0.8), sprintf("('lognormal', %s, 0.8)", num(log(0.3))))
cat(")\n")
