"""The reproduce scripts of the "Which MSC therapy?" page (issue 25).  R parity: its R script
(core.export.characteristics_r) is run under metafor 3.8-1 and every number it keeps must equal the
core's to 1e-8 (exact permutation p-values to 1e-12); it fails, never skips, without Rscript/metafor
(scripts/test.sh installs them).  Its Python script must print the page's numbers exactly."""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.export.characteristics_python import characteristics_python_script
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
ROOT = Path(__file__).resolve().parents[2]


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


@pytest.mark.parametrize("name", list(CASES))
def test_the_python_script_prints_the_pages_numbers(tmp_path, name):
    """The Python script (core.export.characteristics_python), run from the project folder, prints the
    numbers the page shows (the same core code on the same effects)."""
    spec, key, regressor = CASES[name]
    a = analyse(DS, spec)
    split, reg = split_by(a, DS.studies, key), regress_on(a, DS.studies, regressor)
    path = tmp_path / "which_therapy.py"
    path.write_text(characteristics_python_script(a, split, reg, title=name, dataset_name=DS.name,
                                                  settings=settings_lines(spec, a)), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {}
    for line in proc.stdout.splitlines():
        _, row_name, *pairs = line.split()
        rows[row_name.replace("_", " ")] = {k: float(v) for k, v in (p.split("=") for p in pairs)}
    assert rows["separate"]["QE"] == split.separate.q_between and rows["common"]["QM"] == split.common.q_between
    assert [rows[f"Subtotal {g}"]["estimate"] for g in split.separate.groups] == [
        split.separate.subgroups[g].estimate for g in split.separate.groups]
    # the script lists the studies by subgroup, the page by the analysis's order: sums differ in the last bits
    assert rows["regression"]["slope"] == pytest.approx(reg.fit.beta[1], rel=1e-12)
    assert rows["regression"]["R2"] == pytest.approx(reg.r2, rel=1e-12, abs=1e-12)
    assert rows["regression"]["perm_p"] == reg.permutation.pvalues[1]
