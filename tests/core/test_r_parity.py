"""R parity: the reproduce script of each of a fixed set of views is RUN under R with metafor, and
every number the view shows must equal the core's to 1e-8 (relative).

One Rscript process runs all scripts (tests/core/_r_parity.R sources each in its own environment
and writes the numbers it printed at full precision).  The views cover each outcome, both
comparisons, each population, MD and both SMD variants, every tau^2 estimator of the registry with
the z test and with HKSJ (with and without the "never narrower than z" floor, metafor's test = "adhoc"),
the prediction interval and the Q-profile tau^2 CI, single studies and pairs, both study sets and
subgroups (each fitted with rma(subset = )) with both tests for subgroup differences (RevMan's over the
subgroup estimates, and the common-tau^2 model's QM, rma(mods = ~ factor(dm_type))).  This test FAILS (it never skips)
when Rscript or metafor is missing: scripts/test.sh and .ci/run install r-base-core and
r-cran-metafor.  The metafor version is pinned (METAFOR_PINNED, docs/statistics.md "Methods").
"""
from __future__ import annotations

import math
import shutil
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from core import export as ex
from core import vocab
from core.vocab import Comparison, Outcome, Population, Tau2
from core.export.reproduce_r import common_tau2_fits
from core.workflow.analysis import AnalysisSpec, analyse
from core.workflow.characteristics import split_by
from tests.core._export_cases import DS

DRIVER = Path(__file__).with_name("_r_parity.R")
METAFOR_PINNED = "3.8-1"          # Debian bookworm's r-cran-metafor (R's packageVersion prints 3.8.1)
# Equal to 1e-8 relative; a value the core computes as exactly 0 (a tau^2 truncated at 0, and the
# I^2 that follows from it) may be a residue below 1e-8 in metafor, whose ML/REML/EB scoring halves
# its step towards the boundary (4e-13 seen for ML).
TOL = 1e-8
R_SECONDS = 90.0

VS = AnalysisSpec(outcome=Outcome.HBA1C, comparison=Comparison.VS_CONTROL, study_set="all")   # k = 4: 2 + 2
PP = AnalysisSpec(outcome=Outcome.HBA1C, comparison=Comparison.PRE_POST, study_set="all")     # k = 3: 1 + 2


def _views() -> dict[str, AnalysisSpec]:
    views = {}
    for m in vocab.RANDOM_ESTIMATORS:                      # every tau^2 estimator, z and HKSJ
        views[f"vs_{m}_z"] = replace(VS, model="random", tau2_method=m)
        views[f"vs_{m}_knha"] = replace(VS, model="random", tau2_method=m, test="knha")
    views |= {
        "vs_fixed": replace(VS, model="fixed"),
        "vs_auto": VS,
        "vs_smd_revman_reml": replace(VS, measure="SMD", model="random", tau2_method=Tau2.REML),
        "vs_smd_exact_dl_knha": replace(VS, measure="SMD", smd_variant="hedges_exact", model="random", test="knha"),
        "vs_smd_exact_paper_k1_subgroups": replace(VS, measure="SMD", smd_variant="hedges_exact", study_set="paper"),
        "vs_paper_reml_knha_k1_subgroups": replace(VS, study_set="paper", model="random", tau2_method=Tau2.REML,
                                                   test="knha"),
        "vs_t1dm_pm": replace(VS, population=Population.T1DM, model="random", tau2_method=Tau2.PM),
        "vs_t2dm_sj_knha": replace(VS, population=Population.T2DM, model="random", tau2_method=Tau2.SJ, test="knha"),
        "vs_t2dm_paper_k1": replace(VS, population=Population.T2DM, study_set="paper"),
        "vs_level90_reml_knha": replace(VS, model="random", tau2_method=Tau2.REML, test="knha", level=0.9),
        "vs_rct_only": replace(VS, design="rct", model="random"),
        "vs_md_pooled_sd_reml": replace(VS, md_variance="pooled", model="random", tau2_method=Tau2.REML),
        "pp_independent_pooled_sd": replace(PP, prepost="independent", md_variance="pooled", model="random"),
        "vs_excluded": replace(VS, excluded=("Chen2016",), model="random", tau2_method=Tau2.ML),
        "pp_dl": replace(PP, model="random"),
        "pp_reml_knha": replace(PP, model="random", tau2_method=Tau2.REML, test="knha"),
        "pp_smcr_ml": replace(PP, measure="SMD", model="random", tau2_method=Tau2.ML),
        "pp_independent_he": replace(PP, prepost="independent", model="random", tau2_method=Tau2.HE),
        "pp_r03_smcr_auto": replace(PP, measure="SMD", r=0.3),
        "pp_t2dm_pm_knha": replace(PP, population=Population.T2DM, model="random", tau2_method=Tau2.PM, test="knha"),
        "pp_paper_k1": replace(PP, study_set="paper"),
        "fbg_vs_smd_reml": AnalysisSpec(outcome=Outcome.FBG, comparison=Comparison.VS_CONTROL, measure="SMD",
                                        model="random", tau2_method=Tau2.REML),
        "fbg_vs_12_md": AnalysisSpec(outcome=Outcome.FBG, comparison=Comparison.VS_CONTROL, timepoint="12"),
        "fbg_pp_all": AnalysisSpec(outcome=Outcome.FBG, comparison=Comparison.PRE_POST, study_set="all"),
        "pbg_vs_t2dm": AnalysisSpec(outcome=Outcome.PBG, comparison=Comparison.VS_CONTROL,
                                    population=Population.T2DM),
        "pbg_vs_6_smd": AnalysisSpec(outcome=Outcome.PBG, comparison=Comparison.VS_CONTROL, timepoint="6",
                                     measure="SMD"),
        "insulin_vs": AnalysisSpec(outcome=Outcome.INSULIN, comparison=Comparison.VS_CONTROL),
        "insulin_pp_t2dm_smcr": AnalysisSpec(outcome=Outcome.INSULIN, comparison=Comparison.PRE_POST,
                                             population=Population.T2DM, measure="SMD"),
        "insulin_pp_12": AnalysisSpec(outcome=Outcome.INSULIN, comparison=Comparison.PRE_POST, timepoint="12"),
        "fcp_nothing_pooled": AnalysisSpec(outcome=Outcome.FCP),
        # "HKSJ never narrower than z" (metafor test = "adhoc"), where the floor binds (vs, k = 4 and its
        # k = 2 subgroups; fbg k = 2; vs T1DM k = 2), where it does not (pp, k = 3), iterative, and k = 1.
        "vs_dl_hksj_floor": replace(VS, model="random", test="knha", hksj_floor=True),
        "vs_reml_hksj_floor": replace(VS, model="random", tau2_method=Tau2.REML, test="knha", hksj_floor=True),
        "pp_dl_hksj_floor": replace(PP, model="random", test="knha", hksj_floor=True),
        "vs_t1dm_k2_hksj_floor": replace(VS, population=Population.T1DM, model="random", test="knha", hksj_floor=True),
        "fbg_vs_k2_pm_hksj_floor": AnalysisSpec(outcome=Outcome.FBG, comparison=Comparison.VS_CONTROL, study_set="all",
                                                model="random", tau2_method=Tau2.PM, test="knha", hksj_floor=True),
        "vs_t2dm_paper_k1_hksj_floor": replace(VS, population=Population.T2DM, study_set="paper", model="random",
                                               test="knha", hksj_floor=True),
        # k = 2 without the floor: z, and HKSJ's t with 1 df.
        "vs_t1dm_k2_dl": replace(VS, population=Population.T1DM, model="random"),
        "vs_t2dm_k2_dl_knha": replace(VS, population=Population.T2DM, model="random", test="knha"),
    }
    return views


VIEWS = _views()


def _num(text: str) -> float:
    return math.nan if text == "NA" else float(text)


def _parse(text: str) -> tuple[str, dict]:
    version, views, cur = "", {}, None
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "VERSION":
            version = rest
        elif kind == "VIEW":
            name, _, status = rest.partition(" ")
            cur = views[name.removesuffix(".R")] = {"status": status, "notes": [], "studies": [], "rows": {}}
        elif kind in ("WARNING", "MESSAGE"):
            cur["notes"].append(line)
        elif kind == "STUDY":
            cur["studies"].append([_num(x) for x in rest.split()])
        elif kind == "ROW":
            name, _, pairs = rest.partition(" ")
            cur["rows"][name.replace("_", " ")] = {k: _num(v) for k, v in (p.split("=") for p in pairs.split())}
    return version, views


@pytest.fixture(scope="module")
def r_run(tmp_path_factory):
    rscript = shutil.which("Rscript")
    assert rscript, "Rscript is missing: install Debian's r-base-core and r-cran-metafor (scripts/test.sh does)"
    folder = tmp_path_factory.mktemp("r_parity")
    files = []
    for name, spec in VIEWS.items():
        path = folder / f"{name}.R"
        path.write_text(ex.r_script(DS, spec), encoding="utf-8")
        files.append(str(path))
    t0 = time.perf_counter()
    proc = subprocess.run([rscript, "--vanilla", str(DRIVER), str(folder / "numbers.txt"), *files], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, f"Rscript failed (is r-cran-metafor installed?):\n{proc.stderr[-3000:]}"
    version, views = _parse((folder / "numbers.txt").read_text(encoding="utf-8"))
    return {"version": version, "views": views, "seconds": seconds, "folder": folder}


def test_the_view_set_is_representative():
    specs = list(VIEWS.values())
    pooled = [analyse(DS, s) for s in specs]
    assert len(specs) >= 40 and sum(a.pooled is not None for a in pooled) >= 40
    assert {s.outcome for s in specs} == set(vocab.OUTCOMES)
    assert {s.comparison for s in specs} == set(vocab.COMPARISONS)
    assert {s.population for s in specs} == set(vocab.POPULATIONS)
    assert {(s.measure, s.smd_variant if s.measure == "SMD" else "") for s in specs} >= {
        ("MD", ""), ("SMD", "revman5"), ("SMD", "hedges_exact")}
    methods = {(a.method, a.spec.test) for a in pooled if a.pooled is not None}
    assert {(m, t) for m in vocab.RANDOM_ESTIMATORS for t in vocab.TESTS} <= methods and (Tau2.FE, "z") in methods
    assert {s.study_set for s in specs} == set(vocab.STUDY_SETS)
    assert {s.md_variance for s in specs if s.measure == "MD"} == set(vocab.MD_VARIANCES)
    assert any(a.pooled is not None and a.pooled.k == 1 for a in pooled)
    assert any(a.pooled is not None and a.pooled.k == 2 for a in pooled)
    assert any(a.subgroups is not None and a.subgroups.df_between >= 1 for a in pooled)
    # The common-tau^2 subgroup model (mods = ~ factor(dm_type)): fixed, non-iterative and iterative, z and HKSJ.
    common = [a for a in pooled if common_tau2_fits(a)]
    assert {a.spec.test for a in common} == set(vocab.TESTS) and Tau2.FE in {a.method for a in common}
    assert any(vocab.ESTIMATOR_BY_CODE[a.method].iterative for a in common)
    # The HKSJ floor on, binding (HKSJ's factor < 1) in some views, with k = 1 and k = 2 among them.
    floored = [a for a in pooled if a.pooled is not None and a.pooled.hksj_floor]
    assert {a.pooled.k for a in floored} >= {2, 3, 4} and any(s.hksj_floor and analyse(DS, s).pooled.k == 1
                                                             for s in specs)
    assert any(a.pooled.se > analyse(DS, replace(a.spec, hksj_floor=False)).pooled.se for a in floored)


def test_docs_state_the_measured_parity():
    n = sum(analyse(DS, s).pooled is not None for s in VIEWS.values())
    doc = (Path(__file__).resolve().parents[2] / "docs" / "statistics.md").read_text(encoding="utf-8")
    assert f"{n} views compared with metafor {METAFOR_PINNED}, all equal to 1e-8" in doc


def test_r_runs_pinned_metafor_in_one_process_quickly(r_run):
    r_version, metafor_version = r_run["version"].split()
    assert metafor_version == METAFOR_PINNED.replace("-", "."), (
        f"metafor {metafor_version} is installed; the suite is pinned to {METAFOR_PINNED}: re-run it and update "
        "METAFOR_PINNED and the parity line in docs/statistics.md")
    assert r_run["seconds"] < R_SECONDS, f"R took {r_run['seconds']:.1f} s for {len(VIEWS)} views"
    # No stray files: only the scripts, what they printed and the numbers file.
    left = {p.name for p in r_run["folder"].iterdir()}
    assert left == {f"{n}.R" for n in VIEWS} | {f"{n}.R.out" for n in VIEWS} | {"numbers.txt"}


def _close(got: float, want: float) -> bool:
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if want == 0:
        return abs(got) < TOL
    return abs(got - want) <= TOL * max(abs(got), abs(want))


def _expected_row(res, total: bool) -> dict:
    exp = {"k": res.k, "estimate": res.estimate, "se": res.se, "zval": res.statistic, "pval": res.pvalue,
           "ci.lb": res.ci_low, "ci.ub": res.ci_high, "tau2": res.tau2, "se.tau2": res.se_tau2, "QE": res.q,
           "QEdf": res.q_df, "QEp": res.q_pvalue, "I2.Q": res.i2}
    if res.is_random:
        exp["I2.tau2"] = res.i2_tau
    if total and res.is_random:
        exp |= {"pi.lb": res.pi_low, "pi.ub": res.pi_high}
        if res.k > 1:
            ci = res.tau2_confidence_interval()
            exp |= {"tau2.lb": ci.tau2_low, "tau2.ub": ci.tau2_high}
    return exp


def _mismatches(name: str, a, got: dict) -> list[str]:
    bad = []
    if a.pooled is None:
        return [] if f"MESSAGE {a.message}" in got["notes"] and not got["rows"] else [f"{name}: {got}"]
    studies = [[r["yi"], r["vi"], r["ci_low"], r["ci_high"], r["weight_pct"]] for r in a.row_records]
    if len(studies) != len(got["studies"]):
        return [f"{name}: {len(got['studies'])} studies in R, {len(studies)} in the core"]
    for i, (w, g) in enumerate(zip(studies, got["studies"])):
        bad += [f"{name} study {i} col {j}: R {y!r} core {x!r}" for j, (x, y) in enumerate(zip(w, g)) if not _close(y, x)]
    rows = {"Total": _expected_row(a.pooled, True)}
    if a.subgroups is not None:
        rows |= {f"Subtotal {g}": _expected_row(a.subgroups.subgroups[g], False) for g in a.subgroups.groups}
        if a.subgroups.df_between >= 1:
            s = a.subgroups
            rows["between"] = {"QE": s.q_between, "QEdf": s.df_between, "QEp": s.p_between, "I2.Q": s.i2_between}
        if common_tau2_fits(a):     # the common-tau^2 test, as the "Which MSC therapy?" page shows it for dm_type
            c = split_by(a, DS.studies, "dm_type").common
            rows["common"] = {"QM": c.q_between, "QMdf": c.df_between, "QMp": c.p_between, "tau2": c.tau2}
    if set(rows) != set(got["rows"]):
        return [f"{name}: rows {sorted(got['rows'])} in R, {sorted(rows)} in the core"]
    for row, exp in rows.items():
        for key, want in exp.items():
            value = got["rows"][row].get(key, math.nan)
            if not _close(value, float(want)):
                bad.append(f"{name} / {row} / {key}: R {value!r}, core {want!r}")
    return bad


def test_every_number_each_view_shows_equals_metafor(r_run):
    views = r_run["views"]
    assert set(views) == set(VIEWS)
    bad = []
    for name, spec in VIEWS.items():
        got = views[name]
        assert got["status"] == "ok", f"{name}: {got['status']}"
        assert not [n for n in got["notes"] if n.startswith("WARNING")], f"{name}: {got['notes']}"
        bad += _mismatches(name, analyse(DS, spec), got)
    assert not bad, f"{len(bad)} numbers differ from metafor:\n" + "\n".join(bad[:40])


def test_scripts_name_both_i2_definitions_and_the_pinned_conventions(r_run):
    folder = r_run["folder"]
    for name, spec in VIEWS.items():
        a = analyse(DS, spec)
        if a.pooled is None:
            continue
        printed = (folder / f"{name}.R.out").read_text(encoding="utf-8")
        assert "I^2, Q-based (the dashboard shows this one)" in printed, name
        assert ("I^2, tau^2-based" in printed) == a.pooled.is_random, name
        code = (folder / f"{name}.R").read_text(encoding="utf-8")
        assert f"level <- {spec.level * 100:g}\n" in code and "95.0" not in code
        assert ("control = ctl" in code) == vocab.ESTIMATOR_BY_CODE[a.method].iterative, name
        assert 'method <- "FE"' not in code and "forest(" in code and "if (interactive())" in code
        floor = spec.test == "hksj" and spec.hksj_floor      # metafor's name for HKSJ is "knha"
        assert ('test <- "adhoc"' in code) == floor and ('test <- "knha"' in code) == (spec.test == "hksj" and not floor)
        assert ('the fit uses metafor\'s test = "adhoc"' in code.split("library(metafor)")[0]) == floor, name
        if a.pooled.is_random and a.pooled.k > 1:
            assert "confint(res" in printed or "confint(res" in code
        if a.subgroups is not None:        # each subgroup by rma(subset = ), the common tau^2 by mods = ~ factor()
            assert "subset = dm_type == g" in code, name
            assert ("mods = ~ factor(dm_type)" in code) == common_tau2_fits(a), name
