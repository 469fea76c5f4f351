"""Tables: an analysis's per-study and pooled rows, and the ONE CSV/XLSX writer, which neutralises
spreadsheet formula injection (OWASP "CSV Injection").

Imports neither plotly nor kaleido, so that :mod:`core.workflow.audit` can use the writer cheaply.
"""
from __future__ import annotations

import io
import math
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.vocab import Comparison, Measure, Population
from core.words import subgroup_test_line

if TYPE_CHECKING:
    from core.workflow.analysis import ForestAnalysis

TABLE_COLUMNS = ("row_type", "group", "study_id", "label", "dm_type", "design_class", "year", "timepoint",
                 "n1", "mean1", "sd1", "n2", "mean2", "sd2", "unit", "measure", "estimate", "se", "vi",
                 "ci_low", "ci_high", "weight_pct", "method", "test", "tau2", "q", "q_df", "q_pvalue", "i2",
                 "statistic", "pvalue", "k", "notes")
XLSX_SHEET_NAME_CHARS = 31


def safe_filename(name: str, ext: str = "") -> str:
    """A file name made only of letters, digits, '-', '_' and '.' (from any text)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._") or "figure"
    return f"{stem[:80]}.{ext}" if ext else stem[:80]


# --------------------------------------------------------------------------------------------
# An analysis as a table
# --------------------------------------------------------------------------------------------
def _pooled_row(res, row_type: str, group: str, label: str, measure: str, unit: str, n1, n2) -> dict:
    # The Bayesian model (issue 22): posterior median, SD and credible interval; its method says so.
    bayes = res.is_bayesian
    method = f"Bayesian (half-normal prior on tau, scale {res.prior_scale:.4g})" if bayes else res.method
    return {"row_type": row_type, "group": group, "label": label, "n1": n1, "n2": n2, "unit": unit,
            "measure": measure, "estimate": res.estimate, "se": res.se, "vi": res.se ** 2,
            "ci_low": res.ci_low, "ci_high": res.ci_high, "weight_pct": float(np.sum(res.weights))
            if row_type == "overall" else np.nan, "method": method,
            "test": "credible interval" if bayes else res.test, "tau2": res.tau2,
            "q": res.q, "q_df": res.q_df, "q_pvalue": res.q_pvalue, "i2": res.i2, "statistic": res.statistic,
            "pvalue": res.pvalue, "k": res.k, "notes": "; ".join(res.notes)}


def _study_row(r, a: ForestAnalysis) -> dict:
    return {"row_type": "study", "group": r["dm_type"], "study_id": r["study_id"], "label": r["label"],
            "dm_type": r["dm_type"], "design_class": r["design_class"], "year": r["year"],
            "timepoint": r["timepoint_label"], "n1": r["n1"], "mean1": r["m1"], "sd1": r["sd1"],
            "n2": r["n2"], "mean2": r["m2"], "sd2": r["sd2"], "unit": r["unit"], "measure": a.spec.measure,
            "estimate": r["yi"], "se": math.sqrt(r["vi"]), "vi": r["vi"], "ci_low": r["ci_low"],
            "ci_high": r["ci_high"], "weight_pct": r["weight_pct"], "method": a.method, "notes": r["notes"]}


def _total_row(a: ForestAnalysis, unit: str, n2) -> dict:
    spec = a.spec
    group = Population.ALL.value if spec.population == Population.ALL else spec.population
    row = _pooled_row(a.pooled, "overall", group, "Total", spec.measure, unit, a.rows["n1"].sum(), n2)
    sub = a.subgroups
    if sub is not None and sub.df_between >= 1:
        # Full precision where there is a Q; else the page's sentence of why there is none (Bayesian, or
        # a subgroup's HKSJ SE of 0), never "Q = nan".
        test = (f"test for subgroup differences: Q = {sub.q_between:.4f}, df = {sub.df_between}, "
                f"P = {sub.p_between:.4g}") if math.isfinite(sub.q_between) else subgroup_test_line(sub)
        row["notes"] = "; ".join(x for x in (row["notes"], test) if x)
    return row


def analysis_table(a: ForestAnalysis) -> pd.DataFrame:
    """Per-study effects and weights, then the pooled rows (subgroups, overall) of ``a``.

    ``row_type`` is 'study', 'subgroup' or 'overall'.  For pre-post analyses group 1
    (n1, mean1, sd1) is after treatment and group 2 the baseline.  Numbers keep full
    precision (round for display, not here).  ``weight_pct`` of a study is its weight in the
    overall result; of a subgroup, the sum of its studies' overall weights.
    """
    spec = a.spec
    unit = a.unit if spec.measure == Measure.MD else ""
    vs = spec.comparison == Comparison.VS_CONTROL
    rows = [_study_row(r, a) for _, r in a.rows.iterrows()]
    if a.subgroups is not None:
        for g in a.subgroups.groups:
            sub = a.rows[a.rows["dm_type"] == g]
            row = _pooled_row(a.subgroups.subgroups[g], "subgroup", g, f"Subtotal {g}", spec.measure, unit,
                              sub["n1"].sum(), sub["n2"].sum() if vs else np.nan)
            row["weight_pct"] = sub["weight_pct"].sum()
            rows.append(row)
    if a.pooled is not None:
        rows.append(_total_row(a, unit, a.rows["n2"].sum() if vs else np.nan))
    df = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    for col in ("n1", "n2", "k", "q_df", "year"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    return df


# --------------------------------------------------------------------------------------------
# The neutralising writer
# --------------------------------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain decimal number (optionally signed, with exponent): spreadsheets read it as a number,
# so it is left alone even though it may begin with '-' or '+'.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_cell(value):
    """Prefix ``'`` to a text cell that a spreadsheet could run as a formula.

    Strings beginning with = + - @, tab or carriage return get a leading apostrophe (OWASP
    "CSV Injection"), unless the whole string is a plain number such as "-0.60".  Non-string
    values (numbers, NaN, None) are returned unchanged: a negative number stays a number.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _infinite_as_text(v):
    """+/-inf written as the text 'inf' / '-inf' (then neutralised): spreadsheets have no infinity,
    and the CSV text '-inf' would start with '-'."""
    if isinstance(v, (float, np.floating)) and np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with text cells (and column names) neutralised; finite numbers untouched.

    A numeric column that holds +/-inf becomes text in those cells ('inf', "'-inf")."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s):
            continue
        if pd.api.types.is_numeric_dtype(s):
            inf = np.isinf(s.to_numpy(dtype=float, na_value=np.nan))
            if inf.any():
                out[col] = s.astype(object).where(~inf, s.astype(object).map(_infinite_as_text).map(neutralise_cell))
            continue
        out[col] = s.map(lambda v: "; ".join(map(str, v)) if isinstance(v, (list, tuple)) else v) \
            .map(_infinite_as_text).map(neutralise_cell).astype(object)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads it as UTF-8; RFC 4180 CRLF rows, so a CR or LF inside a
    cell is quoted) with formula-like text neutralised."""
    return neutralise_frame(df).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _xlsx_ready(df: pd.DataFrame) -> pd.DataFrame:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE   # here: openpyxl adds ~0.3 s to every process

    out = neutralise_frame(df)
    for col in out.columns:        # control characters XLSX cannot store -> U+FFFD (visible, not dropped)
        if out[col].dtype == object:
            out[col] = out[col].map(lambda v: ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v)
    for col in out.columns:        # pandas nullable ints / NA -> plain objects openpyxl understands
        if isinstance(out[col].dtype, pd.api.types.CategoricalDtype) or str(out[col].dtype) in ("Int64", "Float64"):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def to_xlsx_sheets(sheets: dict) -> bytes:
    """An .xlsx workbook with one sheet per (name, DataFrame), each as :func:`to_xlsx_bytes` writes it."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in sheets.items():
            _xlsx_ready(df).to_excel(xw, index=False, sheet_name=safe_filename(name)[:XLSX_SHEET_NAME_CHARS])
    return buf.getvalue()


def to_xlsx_bytes(df: pd.DataFrame, sheet_name: str = "data") -> bytes:
    """An .xlsx workbook (one sheet) with formula-like text neutralised; numbers stay numeric.

    openpyxl stores any string beginning with '=' as a formula, so neutralising matters here
    as much as in CSV.  C0 control characters, which XLSX cannot hold, become U+FFFD.
    """
    return to_xlsx_sheets({sheet_name: df})
