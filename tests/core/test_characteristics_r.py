"""R parity of the "Which MSC therapy?" page (issue 25): its R script (core.export.characteristics_r)
is run under metafor 3.8-1 and every number it keeps must equal the core's to 1e-8 (exact permutation
p-values to 1e-12).  Fails, never skips, without Rscript/metafor (scripts/test.sh installs them)."""
from __future__ import annotations

import math
import shutil
import subprocess

import pytest

from core.export.characteristics_r import characteristics_r_script
from core.words import settings_lines
from core.workflow.analysis import AnalysisSpec, analyse
from core.workflow.characteristics import regress_on, split_by
from tests.core.test_characteristic_analyses import DS

CASES = {   # name: (spec, subgroup key, regressor)
    "reml_z_source_dose": (AnalysisSpec(comparison="vs_control", model="random", tau2_method="REML"),
                           "cell_source", "dose_per_kg"),
    "dl_knha_dmtype_dose": (AnalysisSpec(comparison="vs_control", model="random", tau2_method="DL", test="knha"),
                            "dm_type", "dose_per_kg"),
    "fixed_source_dose": (AnalysisSpec(comparison="vs_control", model="fixed"), "cell_source", "dose_per_kg"),
}
TOL = 1e-8


def _close(got, want, tol=TOL):
    if math.isnan(want):
        return math.isnan(got)
    return abs(got - want) <= tol * max(1.0, abs(want))


def _run(tmp_path, script: str) -> dict:
    rscript = shutil.which("Rscript")
    assert rscript, "Rscript is missing: install Debian's r-base-core and r-cran-metafor (scripts/test.sh does)"
    path = tmp_path / "which_therapy.R"
    path.write_text(script + "for (n in names(shown)) cat('ROW', gsub(' ', '_', n), "
                             "paste(names(shown[[n]]), sprintf('%.17g', shown[[n]]), sep = '=', collapse = ' '), "
                             "'\\n')\n", encoding="utf-8")
    proc = subprocess.run([rscript, "--vanilla", str(path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {}
    for line in proc.stdout.splitlines():
        if line.startswith("ROW "):
            _, name, *pairs = line.split()
            rows[name.replace("_", " ")] = {k: float(v) for k, v in (p.split("=") for p in pairs)}
    return rows


@pytest.mark.parametrize("name", list(CASES))
def test_split_and_regression_equal_metafor(tmp_path, name):
    spec, key, regressor = CASES[name]
    a = analyse(DS, spec)
    split, reg = split_by(a, DS.studies, key), regress_on(a, DS.studies, regressor)
    rows = _run(tmp_path, characteristics_r_script(a, split, reg, title=name, dataset_name=DS.name,
                                                   settings=settings_lines(spec, a)))
    bad = []
    for g in split.separate.groups:
        res = split.separate.subgroups[g]
        want = {"k": res.k, "estimate": res.estimate, "se": res.se, "tau2": res.tau2}
        bad += [f"{g} {k}: R {rows[f'Subtotal {g}'][k]!r} core {v!r}" for k, v in want.items()
                if not _close(rows[f"Subtotal {g}"][k], v)]
    sep = split.separate
    bad += [f"separate {k}" for k, v in {"QE": sep.q_between, "QEdf": sep.df_between, "QEp": sep.p_between}.items()
            if not _close(rows["separate"][k], v)]
    c = split.common
    bad += [f"common {k}: R {rows['common'][k]!r} core {v!r}" for k, v in
            {"QM": c.q_between, "QMdf": c.df_between, "QMp": c.p_between, "tau2": c.tau2}.items()
            if not _close(rows["common"][k], v)]
    r = rows["regression"]
    fit = reg.fit
    want = {"slope": fit.beta[1], "se": fit.se[1], "stat": fit.statistic[1], "p": fit.pvalue[1], "R2": reg.r2}
    bad += [f"regression {k}: R {r[k]!r} core {v!r}" for k, v in want.items() if not _close(r[k], v)]
    assert reg.permutation.exact
    bad += [f"permutation p: R {r['perm_p']!r} core {reg.permutation.pvalues[1]!r}"
            for _ in [0] if abs(r["perm_p"] - reg.permutation.pvalues[1]) > 1e-12]
    assert not bad, "\n".join(bad)
