"""core.export.tables: the analysis table and the one neutralising CSV/XLSX writer."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from core import export as ex
from core.workflow.analysis import analyse
from tests.core._export_cases import DS, SPEC_VS


@pytest.fixture(scope="module")
def a_vs():
    return analyse(DS, SPEC_VS)


def test_analysis_table_rows_and_pooled(a_vs):
    t = ex.analysis_table(a_vs)
    studies = t[t["row_type"] == "study"]
    assert len(studies) == a_vs.k
    assert studies["weight_pct"].sum() == pytest.approx(100.0, abs=1e-9)
    np.testing.assert_allclose(studies["estimate"], a_vs.rows["yi"], rtol=0, atol=0)
    np.testing.assert_allclose(studies["se"] ** 2, a_vs.rows["vi"], rtol=1e-12)
    total = t[t["row_type"] == "overall"].iloc[0]
    assert total["estimate"] == a_vs.pooled.estimate and total["ci_low"] == a_vs.pooled.ci_low
    assert total["k"] == a_vs.k
    subs = t[t["row_type"] == "subgroup"]
    assert list(subs["group"]) == list(a_vs.subgroups.groups)
    for _, r in subs.iterrows():
        assert r["estimate"] == a_vs.subgroups.subgroups[r["group"]].estimate


FORMULAS = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR", "=HYPERLINK(\"http://x\")"]


def _frame():
    return pd.DataFrame({"text": FORMULAS + ["-1.5", "plain", "-"],
                         "num": [-2.5, 1.0, -0.0, 3.0, -1e-9, 7.0, -4.0, -8.0, 9.0, -1.0]})


def test_csv_neutralises_formulas_keeps_numbers():
    rows = list(csv.reader(io.StringIO(ex.to_csv_bytes(_frame()).decode("utf-8-sig"))))
    body = rows[1:]
    for (text, num), raw in zip(body, FORMULAS):
        assert text == "'" + raw
    assert body[7][0] == "-1.5"              # a plain number written as text stays a number
    assert body[8][0] == "plain"
    assert body[9][0] == "'-"                # a lone minus is not a number
    assert [float(r[1]) for r in body][:2] == [-2.5, 1.0]
    assert all(not r[1].startswith("'") for r in body)   # the numeric column is untouched


def test_xlsx_neutralises_formulas_keeps_numbers_numeric():
    wb = openpyxl.load_workbook(io.BytesIO(ex.to_xlsx_bytes(_frame())))
    ws = wb.active
    texts = [ws.cell(row=i, column=1) for i in range(2, 12)]
    nums = [ws.cell(row=i, column=2) for i in range(2, 12)]
    assert all(c.data_type == "s" for c in texts)        # never 'f' (formula)
    assert texts[0].value == "'=1+1" and texts[3].value == "'@cmd"
    assert nums[0].data_type == "n" and nums[0].value == -2.5
    assert all(isinstance(c.value, (int, float)) for c in nums)


def test_xlsx_survives_control_characters():
    df = pd.DataFrame({"note": ["a\x00b\x0bc", "=x\x1f"], "v": [1.0, -2.0]})
    ws = openpyxl.load_workbook(io.BytesIO(ex.to_xlsx_bytes(df))).active
    assert ws["A2"].value == "a\ufffdb\ufffdc" and ws["A3"].value == "'=x\ufffd" and ws["B3"].value == -2.0


def test_infinite_numbers_are_written_as_safe_text():
    df = pd.DataFrame({"num": [1.5, -np.inf, np.inf], "obj": pd.Series([-np.inf, "x", 2.0], dtype=object)})
    rows = list(csv.reader(io.StringIO(ex.to_csv_bytes(df).decode("utf-8-sig"))))
    assert rows[1:] == [["1.5", "'-inf"], ["'-inf", "x"], ["inf", "2.0"]]
    ws = openpyxl.load_workbook(io.BytesIO(ex.to_xlsx_bytes(df))).active
    assert ws["A2"].value == 1.5 and ws["A3"].value == "'-inf" and ws["A4"].value == "inf"


def test_neutralise_cell_rules():
    assert ex.neutralise_cell(-3.2) == -3.2
    assert ex.neutralise_cell(None) is None
    assert ex.neutralise_cell("1e-3") == "1e-3"
    assert ex.neutralise_cell("+7") == "+7"
    assert ex.neutralise_cell("-inf") == "'-inf"
    assert ex.neutralise_cell("@") == "'@"


def test_the_writer_loads_neither_kaleido_nor_pptx():
    # core.export imports its modules plainly (issue 24), so plotly comes with the package; the export
    # browser (kaleido) and python-pptx are imported only when a render or a deck needs them.
    code = ("import sys; from core.export.tables import to_csv_bytes; "
            "print(sorted(m for m in ('kaleido', 'pptx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_single_study_subtotals_export_no_heterogeneity():
    """Issue 15: a k = 1 subgroup ("Subtotal T2DM" of HbA1c vs control, exact SMD, the paper's
    studies) once exported I² = 100 % from a rounding residue of Q.  CSV and XLSX carry Q = 0,
    I² = 0 and P(Q) = 1 (metafor's QEp)."""
    from dataclasses import replace
    a = analyse(DS, replace(SPEC_VS, measure="SMD", smd_variant="hedges_exact", study_set="paper"))
    assert a.subgroups is not None and all(s.k == 1 for s in a.subgroups.subgroups.values())
    t = ex.analysis_table(a)
    subs = t[t["row_type"] == "subgroup"]
    assert list(subs["label"]) == ["Subtotal T1DM", "Subtotal T2DM"]
    assert (subs["q"] == 0).all() and (subs["i2"] == 0).all() and (subs["q_pvalue"] == 1).all()
    assert (subs["q_df"] == 0).all()
    rows = list(csv.DictReader(io.StringIO(ex.to_csv_bytes(t).decode("utf-8-sig"))))
    for r in (r for r in rows if r["row_type"] == "subgroup"):
        assert (float(r["i2"]), float(r["q"]), float(r["q_pvalue"])) == (0.0, 0.0, 1.0)
    ws = openpyxl.load_workbook(io.BytesIO(ex.to_xlsx_bytes(t))).active
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2, values_only=True):
        if row[head.index("row_type")] == "subgroup":
            assert (row[head.index("i2")], row[head.index("q")], row[head.index("q_pvalue")]) == (0, 0, 1)


def test_a_subgroup_test_that_has_no_q_exports_its_reason_not_nan():
    """The Bayesian model has no Q between subgroups: the overall row's note says so, as the page does,
    where it once read "Q = nan, P = nan"."""
    from dataclasses import replace
    a = analyse(DS, replace(SPEC_VS, model="bayes"))
    assert a.subgroups is not None and a.subgroups.df_between >= 1 and np.isnan(a.subgroups.q_between)
    note = ex.analysis_table(a).query("row_type == 'overall'")["notes"].iloc[0]
    assert "not applicable to the Bayesian model" in note and "nan" not in note.lower()
    frequentist = ex.analysis_table(a_fixed := analyse(DS, SPEC_VS)).query("row_type == 'overall'")["notes"].iloc[0]
    assert f"Q = {a_fixed.subgroups.q_between:.4f}" in frequentist
