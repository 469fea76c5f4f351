"""core.export's reproduce scripts: the Python script is run and must print the numbers core
computes; the R script must call metafor with the same settings."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from core import export as ex
from core.workflow.analysis import AnalysisSpec, analyse
from core.workflow.characteristics import split_by
from tests.core._export_cases import DS, SPEC_PP_RE, SPEC_VS, with_tables

ROOT = Path(__file__).resolve().parents[2]


def _start_script(code: str, path: Path) -> subprocess.Popen:
    path.write_text(code, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "MSC_DM_ROOT"}
    return subprocess.Popen([sys.executable, str(path)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def _result(proc: subprocess.Popen) -> dict:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return ex.result_json_from_output(out)


# Two scripts (each subprocess imports pandas/scipy/statsmodels, a few seconds): every AnalysisSpec field
# is away from its default in one of them, so the inline spec round-trips.
SCRIPT_SPECS = {
    "vs_control_SMD_exact_excl": replace(SPEC_VS, measure="SMD", smd_variant="hedges_exact", excluded=("Chen2016",),
                                         design="controlled"),
    "pre_post_MD_REML_r03": replace(SPEC_PP_RE, r=0.3, timepoint="12", population="all"),
    # issue 15: both subgroups have k = 1 (the exported "Subtotal T2DM" once said I² = 100 %)
    "vs_control_SMD_exact_k1_subgroups": replace(SPEC_VS, measure="SMD", smd_variant="hedges_exact",
                                                 study_set="paper"),
}


def test_python_script_reproduces_core(tmp_path):
    """Each generated script is RUN (in parallel subprocesses); its printed numbers must equal
    core.workflow.analysis.analyse's for the same spec (code-to-code: rel 1e-12)."""
    procs = {name: _start_script(ex.python_script(DS, spec), tmp_path / f"{name}.py")
             for name, spec in SCRIPT_SPECS.items()}
    for name, spec in SCRIPT_SPECS.items():
        a = analyse(DS, spec)
        out = _result(procs[name])
        assert out["k"] == a.k and out["method"] == a.method and out["participants"] == a.participants, name
        assert [s["label"] for s in out["studies"]] == a.rows["label"].tolist()
        np.testing.assert_allclose([s["yi"] for s in out["studies"]], a.rows["yi"], rtol=1e-12)
        np.testing.assert_allclose([s["weight_pct"] for s in out["studies"]], a.rows["weight_pct"], rtol=1e-12)
        tot = out["pooled"]["Total"]
        for field in ("estimate", "se", "ci_low", "ci_high", "pvalue", "tau2", "i2"):
            assert tot[field] == pytest.approx(getattr(a.pooled, field), rel=1e-12, abs=1e-14), (name, field)
        if a.subgroups is not None:
            for g in a.subgroups.groups:
                sub, got = a.subgroups.subgroups[g], out["pooled"][f"Subtotal {g}"]
                assert got["estimate"] == pytest.approx(sub.estimate, rel=1e-12)
                assert (got["i2"], got["q"]) == (sub.i2, sub.q) and (sub.k > 1 or (got["i2"], got["q"]) == (0, 0))
            s = a.subgroups
            assert out["tests"]["between"] == pytest.approx(
                {"QE": s.q_between, "QEdf": s.df_between, "QEp": s.p_between, "I2": s.i2_between}, rel=1e-12), name
            if a.k > len(s.groups):          # the common-tau^2 test, as the "Which MSC therapy?" page shows it
                c = split_by(a, DS.studies, "dm_type").common
                assert out["tests"]["common"] == pytest.approx(
                    {"QM": c.q_between, "QMdf": c.df_between, "QMp": c.p_between, "tau2": c.tau2}, rel=1e-12), name
            else:
                assert "common" not in out["tests"], name
    assert any(analyse(DS, s).k > 2 and analyse(DS, s).subgroups is not None for s in SCRIPT_SPECS.values())
    assert analyse(DS, SCRIPT_SPECS["pre_post_MD_REML_r03"]).method == "REML"   # the random-effects path is covered


def test_python_script_data_cannot_break_out_of_literals(tmp_path):
    studies = DS.studies.copy()
    studies.loc[studies["study_id"] == "Cai2016", "first_author"] = 'O\'Brien """); import os; os.system("x") #\\'
    ds = with_tables(DS, studies=studies, name='evil """ name\n import os')
    out = _result(_start_script(ex.python_script(ds, SPEC_VS), tmp_path / "evil.py"))
    assert any(s["label"].startswith("O'Brien") for s in out["studies"])


def test_r_script_uses_metafor_with_matching_settings():
    a = analyse(DS, SPEC_PP_RE)
    code = ex.r_script(DS, SPEC_PP_RE)
    assert "library(metafor)" in code
    assert 'escalc(measure = "MC"' in code and f"r <- {SPEC_PP_RE.r!r}" in code
    assert 'method <- "REML"' in code and 'test <- "z"' in code and "level <- 95\n" in code and "95.0" not in code
    assert "control = ctl" in code and "ctl <- list(threshold = 1e-12, tol = 1e-12, maxiter = 10000)" in code
    assert "predict(res)" in code and "confint(res" in code and "if (interactive()) forest(" in code
    for label in a.rows["label"]:
        assert f'"{label}"' in code
    for m1 in a.rows["m1"]:
        assert repr(float(m1)) in code                  # full-precision numbers inline
    assert "subset = dm_type == g" in code              # each diabetes type fitted on its own
    assert "mods = ~ factor(dm_type)" in code           # the common-tau^2 test for subgroup differences
    vs = ex.r_script(DS, SPEC_VS)
    assert 'escalc(measure = "MD"' in vs and 'method <- "EE"' in vs and "control = ctl" not in vs   # metafor >= 3.0
    assert "vtype" not in vs and 'vtype = "HO")' in ex.r_script(DS, replace(SPEC_VS, md_variance="pooled"))
    smd = ex.r_script(DS, replace(SPEC_VS, measure="SMD"))
    assert 'escalc(measure = "SMD"' in smd and "3.94" in smd          # RevMan 5 variant applied
    indep = ex.r_script(DS, replace(SPEC_PP_RE, prepost="independent"))
    assert 'escalc(measure = "MD"' in indep and "ri = " not in indep and "independent groups" in indep
    assert "independent groups" in ex.slide_caption(analyse(DS, replace(SPEC_PP_RE, prepost="independent")))
    smcr = ex.r_script(DS, replace(SPEC_PP_RE, measure="SMD"))
    assert 'escalc(measure = "SMCR"' in smcr and "sd1i = sd2" in smcr   # standardised by the baseline SD


def test_r_strings_are_escaped():
    assert ex.r_string('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    studies = DS.studies.copy()
    studies.loc[studies["study_id"] == "Cai2016", "first_author"] = 'Q"uote'
    code = ex.r_script(with_tables(DS, studies=studies), SPEC_VS)
    assert '"Q\\"uote 2016"' in code


def test_r_script_when_nothing_pooled():
    code = ex.r_script(DS, AnalysisSpec(outcome="fcp"))
    assert "message(" in code and "rma(" not in code
