"""The Python reproduce script: a standalone script that recomputes the current view with ``core``
from data written inline, and the parser of the one result line it prints."""
from __future__ import annotations

import json
from dataclasses import fields

from core.workflow.analysis import AnalysisSpec
from core.evidence.dataset import Dataset
from core.export.script_header import header_comments
from core.words import settings_lines

SCRIPT_STUDY_COLUMNS = ("study_id", "set", "first_author", "year", "dm_type", "design_class", "id_confidence")
SCRIPT_OUTCOME_COLUMNS = ("study_id", "set", "arm", "outcome", "timepoint_months", "timepoint_label", "n", "mean",
                          "dispersion_type", "disp1", "disp2", "unit", "use")
RESULT_PREFIX = "RESULT_JSON "


def _spec_repr(spec: AnalysisSpec) -> str:
    parts = [f"{f.name}={getattr(spec, f.name)!r}" for f in fields(spec)]
    return "AnalysisSpec(\n    " + ",\n    ".join(parts) + ",\n)"


def _inline_csv(df) -> str:
    return df.astype(str).to_csv(index=False, lineterminator="\n")


# The script's tests for subgroup differences: RevMan's (separate tau^2 per subgroup), then the mixed-effects
# model with one common tau^2 (metafor rma(yi, vi, mods = ~ factor(dm_type))) when more studies than subgroups.
TESTS_BLOCK = """tests = {}
if a.subgroups is not None and len(a.subgroups.groups) > 1 and not a.pooled.is_bayesian:
    # RevMan's test for subgroup differences (separate tau^2 per subgroup), then the mixed-effects model with
    # one common tau^2 (metafor rma(yi, vi, mods = ~ factor(dm_type))) when more studies than subgroups.
    s = a.subgroups
    tests["between"] = {"QE": s.q_between, "QEdf": s.df_between, "QEp": s.p_between, "I2": s.i2_between}
    print(f"Test for subgroup differences: Chi2 = {s.q_between:.4g}, df = {s.df_between}, P = {s.p_between:.4g}")
    if a.k > len(s.groups):
        c = subgroup_analysis_common_tau2(a.rows["yi"].to_numpy(float), a.rows["vi"].to_numpy(float),
                                          a.rows["dm_type"].to_numpy(object), method=a.method,
                                          level=SPEC.level, test=SPEC.test)
        tests["common"] = {"QM": c.q_between, "QMdf": c.df_between, "QMp": c.p_between, "tau2": c.tau2}
        print(f"Common tau2 = {c.tau2:.4g}: QM = {c.q_between:.4g}, df = {c.df_between}, P = {c.p_between:.4g}")
"""


def python_script(dataset: Dataset, spec: AnalysisSpec) -> str:
    """A standalone Python script that recomputes this view with ``core``.

    The studies table and the outcome's rows are written inline (as Python string literals,
    so no cell can break out of the literal); the script rebuilds a Dataset, calls
    ``core.workflow.analysis.analyse`` with the same settings, prints each study's effect and the
    pooled results (with subgroups: both tests for subgroup differences, RevMan's and the common-tau^2
    model's, as the Forest plot and the "Which MSC therapy?" page show them), and ends with one ``RESULT_JSON {...}`` line (full precision).  Run it from
    the project's root folder (the one holding ``core/``) or set ``MSC_DM_ROOT``.
    """
    studies_csv = _inline_csv(dataset.studies[list(SCRIPT_STUDY_COLUMNS)])
    rows = dataset.outcomes[(dataset.outcomes["outcome"] == spec.outcome) & (dataset.outcomes["use"] == "yes")]
    outcomes_csv = _inline_csv(rows[list(SCRIPT_OUTCOME_COLUMNS)])
    header = "\n".join(header_comments(dataset.name, settings_lines(spec)))
    return f'''#!/usr/bin/env python3
"""Recompute one MSC-DM Evidence Explorer view with the project's `core` library.

Run from the project's root folder (the one that holds core/), or set MSC_DM_ROOT to it:
    python reproduce_view.py
"""
{header}
import io
import json
import os
import sys

sys.path.insert(0, os.environ.get("MSC_DM_ROOT", os.getcwd()))

import pandas as pd

from core.subgroups import subgroup_analysis_common_tau2
from core.workflow.analysis import AnalysisSpec, analyse
from core.evidence.dataset import GAP_COLUMNS, REPORTED_COLUMNS, Dataset, validate_outcomes, validate_studies

STUDIES_CSV = {studies_csv!r}

OUTCOMES_CSV = {outcomes_csv!r}

SPEC = {_spec_repr(spec)}


def read(text):
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


studies = validate_studies(read(STUDIES_CSV))
outcomes = validate_outcomes(read(OUTCOMES_CSV), studies["study_id"])
empty = lambda cols: pd.DataFrame(columns=list(cols))
dataset = Dataset(studies=studies, outcomes=outcomes, events=empty(["study_id"]), gaps=empty(GAP_COLUMNS),
                  reported=empty(REPORTED_COLUMNS), name="inline data")
a = analyse(dataset, SPEC)
if a.pooled is None:
    print(a.message)
    sys.exit(0)

print(f"{{'study':<24}} {{'estimate':>10}} {{'ci_low':>10}} {{'ci_high':>10}} {{'weight %':>9}}")
for _, r in a.rows.iterrows():
    print(f"{{r['label']:<24}} {{r['yi']:>10.4f}} {{r['ci_low']:>10.4f}} {{r['ci_high']:>10.4f}} {{r['weight_pct']:>9.2f}}")
pooled = {{"Total": a.pooled}}
if a.subgroups is not None:
    pooled = {{**{{f"Subtotal {{g}}": a.subgroups.subgroups[g] for g in a.subgroups.groups}}, **pooled}}
for name, res in pooled.items():
    bayes = res.is_bayesian       # Bayesian model: P(mu < 0) instead of a P value
    p = f"P(mu < 0) = {{res.prob_below_zero:.4g}}" if bayes else f"P = {{res.pvalue:.4g}}"
    print(f"{{name:<24}} {{res.estimate:>10.4f}} {{res.ci_low:>10.4f}} {{res.ci_high:>10.4f}}   "
          f"{{p}}, tau2 = {{res.tau2:.4g}}, I2 = {{res.i2:.1f}}%, k = {{res.k}} ({{'Bayesian' if bayes else res.method}})")
print("Model:", a.model_reason)
{TESTS_BLOCK}result = {{
    "tests": tests,
    "method": a.method, "k": a.k, "participants": a.participants,
    "studies": [{{"label": r["label"], "yi": float(r["yi"]), "vi": float(r["vi"]), "weight_pct": float(r["weight_pct"])}}
                for _, r in a.rows.iterrows()],
    "pooled": {{name: {{"estimate": res.estimate, "se": res.se, "ci_low": res.ci_low, "ci_high": res.ci_high,
                      "pvalue": res.pvalue, "tau2": res.tau2, "i2": res.i2, "q": res.q, "k": res.k}}
               for name, res in pooled.items()}},
}}
print("RESULT_JSON", json.dumps(result))
'''


def result_json_from_output(stdout: str) -> dict:
    """Parse the ``RESULT_JSON`` line a :func:`python_script` prints."""
    for line in stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    raise ValueError("no RESULT_JSON line in the script's output")
