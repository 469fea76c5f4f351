"""R parity of the permutation test (issue 25): core.metaregression.permutation_test against metafor
3.8-1's permutest, run in one Rscript process (like tests/core/test_r_parity.py; it fails, never skips,
when Rscript or metafor is missing).

Exact tests must agree to 1e-12 (both are counts over the same set of distinct permutations), as must
the number of permutations; metafor runs under tight control (threshold 1e-12) so that its REML/ML
tau^2 equals the core's, and the pseudo-R^2 agrees to 1e-8.  A Monte Carlo run cannot repeat R's
random permutations (R's Mersenne-Twister seeding and sample() are not numpy's), so there the two
p-values are two independent estimates of one p from 1000 permutations each: they must agree within
4 standard errors of their difference, 4 sqrt(2 p (1 - p) / 1000), plus 1/1000.
"""
from __future__ import annotations

import math
import shutil
import subprocess

import numpy as np
import pytest

from core.metaregression import permutation_test, pseudo_r2
from tests.core._bcg import ABLAT, VI, YEAR, YI

DOSE = np.array([1, 1, 1, 2.75, 1.1, 0.45, 1, 1])       # ties, as the shipped doses per kg have
CASES = {   # name: (rows of dat.bcg, moderators, method, test, exact)
    "ablat6_reml_z": (slice(0, 6), ("ablat",), "REML", "z", True),
    "ablat_year6_dl_knha": (slice(0, 6), ("ablat", "year"), "DL", "knha", True),
    "dose8_ml_z": (slice(0, 8), ("dose",), "ML", "z", True),
    "intercept8_reml_knha": (slice(0, 8), (), "REML", "knha", True),
    "ablat_year13_reml_mc": (slice(0, 13), ("ablat", "year"), "REML", "z", False),
}
MC_ITERATIONS = 1000


def _columns(rows, moderators):
    data = {"ablat": ABLAT[rows], "year": YEAR[rows], "dose": DOSE[: len(YI[rows])]}
    return [data[m] for m in moderators]


def _r_vector(x) -> str:
    return "c(" + ", ".join(f"{v:.17g}" for v in x) + ")"


def _r_script() -> str:
    lines = ["suppressMessages(library(metafor))", "ctl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)",
             "num <- function(x) paste(sprintf('%.17g', x), collapse = ' ')"]
    for name, (rows, mods, method, test, exact) in CASES.items():
        cols = _columns(rows, mods)
        defs = "; ".join(f"m{j} <- {_r_vector(c)}" for j, c in enumerate(cols))
        formula = " + ".join(f"m{j}" for j in range(len(cols)))
        mods_arg = f", mods = ~ {formula}" if cols else ""
        perm = "exact = TRUE" if exact else f"iter = {MC_ITERATIONS}, seed = 1"
        lines += [f"{defs}" if defs else "",
                  f"res <- rma({_r_vector(YI[rows])}, {_r_vector(VI[rows])}{mods_arg}, method = '{method}', "
                  f"test = '{test}', control = ctl)",
                  f"p <- permutest(res, {perm}, progbar = FALSE)",
                  f"cat('CASE {name}', num(p$pval), '|', num(p$QMp), '|', "
                  "if (is.null(res$R2)) 'NA' else num(res$R2), '\\n')"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def r_values(tmp_path_factory):
    rscript = shutil.which("Rscript")
    assert rscript, "Rscript is missing: install Debian's r-base-core and r-cran-metafor (scripts/test.sh does)"
    script = tmp_path_factory.mktemp("permutest") / "permutest.R"
    script.write_text(_r_script(), encoding="utf-8")
    proc = subprocess.run([rscript, "--vanilla", str(script)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = {}
    for line in proc.stdout.splitlines():
        if line.startswith("CASE "):
            name, rest = line[5:].split(" ", 1)
            pvals, qmp, r2 = (part.split() for part in rest.split("|"))
            out[name] = ([float(v) for v in pvals], float(qmp[0]), float(r2[0]) if r2[0] != "NA" else math.nan)
    assert set(out) == set(CASES), proc.stdout
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_permutation_pvalues_equal_metafors(r_values, name):
    rows, mods, method, test, exact = CASES[name]
    cols = _columns(rows, mods)
    X = np.column_stack([np.ones(len(YI[rows])), *cols])
    perm = permutation_test(YI[rows], VI[rows], X, method=method, test=test, exact=exact,
                            iterations=MC_ITERATIONS, seed=1)
    r_pvals, r_qmp, r_r2 = r_values[name]
    assert perm.exact == exact and len(r_pvals) == X.shape[1]
    if exact:
        np.testing.assert_allclose(perm.pvalues, r_pvals, rtol=0, atol=1e-12)
        assert perm.qm_pvalue == pytest.approx(r_qmp, abs=1e-12)
    else:
        for ours, theirs in zip([*perm.pvalues, perm.qm_pvalue], [*r_pvals, r_qmp]):
            p = (ours + theirs) / 2
            assert abs(ours - theirs) <= 4 * math.sqrt(2 * p * (1 - p) / MC_ITERATIONS) + 1 / MC_ITERATIONS
    if cols:
        assert pseudo_r2(YI[rows], VI[rows], X, method=method) == pytest.approx(r_r2, rel=1e-8, abs=1e-8)
