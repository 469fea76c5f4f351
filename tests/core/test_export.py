"""core.export: slide preset, caption, rendering, deck, zip, tables, formula neutralisation and
the reproduce scripts (the Python script is run and must print the numbers core computes)."""
from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Inches

from core import export as ex
from core.analysis import AnalysisSpec, analyse
from core.evidence.dataset import Dataset, load_dataset
from core.figures.forest import forest_figure

ROOT = Path(__file__).resolve().parents[2]
DS = load_dataset()
# k = 4 across both diabetes types (paper + newer trials), so subgroups and weights are exercised.
SPEC_VS = AnalysisSpec(outcome="hba1c", comparison="vs_control", study_set="all")
SPEC_PP_RE = AnalysisSpec(outcome="hba1c", comparison="pre_post", study_set="all", model="random",
                          tau2_method="REML")


def with_tables(ds, **changes):
    """A new Dataset with some tables changed (not dataclasses.replace, which would also copy any
    cached derived data of ``ds``)."""
    parts = {k: getattr(ds, k) for k in ("studies", "outcomes", "events", "gaps", "reported", "name")}
    return Dataset(**{**parts, **changes})


@pytest.fixture(scope="module")
def a_vs():
    return analyse(DS, SPEC_VS)


@pytest.fixture(scope="module")
def slide(a_vs):
    return ex.slide_figure(forest_figure(a_vs), ex.slide_caption(a_vs, dataset_name=DS.name))


# ---------------------------------------------------------------------------------------- slide
def test_slide_is_16_9_white_with_explicit_template(slide):
    lay = slide.layout
    assert (lay.width, lay.height) == (1920, 1080)
    assert lay.paper_bgcolor == "white" and lay.plot_bgcolor == "white"
    assert lay.template.layout.paper_bgcolor is not None          # a real template object, not the default None
    assert slide.to_dict()["layout"]["template"] == go.Figure(layout=dict(template="plotly_white")) \
        .to_dict()["layout"]["template"]


def test_slide_fonts_are_large_and_original_untouched(a_vs, slide):
    fig = forest_figure(a_vs)
    before = fig.to_json()
    ex.slide_figure(fig, "caption")
    assert fig.to_json() == before                                  # the on-screen figure is not modified
    assert slide.layout.font.size >= 20                             # 12 px on screen -> >= 20 px on the slide
    sizes = [a.font.size for a in slide.layout.annotations if a.font.size]
    assert min(sizes) >= 18
    assert slide.layout.title.font.size > slide.layout.font.size


def test_caption_names_every_setting_and_the_source(a_vs, slide):
    cap = ex.slide_caption(a_vs, dataset_name=DS.name)
    for needle in ("HbA1c", "MSC vs control", "T1DM + T2DM", "Measure: MD (%)", "fixed effect", "τ²",
                   f"k = {a_vs.k} studies", f"{a_vs.participants} participants", "Li et al. 2021", DS.name):
        assert needle in cap, needle
    rnd = ex.slide_caption(analyse(DS, SPEC_PP_RE))
    assert "random effects" in rnd and "τ² estimator REML" in rnd and "r = 0.5" in rnd
    ann = [a for a in slide.layout.annotations if a.name == "slide_caption"]
    assert len(ann) == 1 and ann[0].yanchor == "top" and ann[0].y == 0 and ann[0].yshift < 0   # under the plot
    assert "participants" in ann[0].text
    assert slide.layout.meta["slide_caption"] == cap


def test_caption_text_is_escaped_not_markup():
    fig = ex.slide_figure(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), "user <b>name</b> & co")
    ann = [a for a in fig.layout.annotations if a.name == "slide_caption"][0]
    assert "<b>" not in ann.text and "&lt;b&gt;name&lt;/b&gt; &amp; co" in ann.text


def test_render_slide_png_svg_pdf(slide):
    png = ex.render(slide, "png")
    assert Image.open(io.BytesIO(png)).size == (3840, 2160)        # 1920 x 1080 at scale 2
    root = ET.fromstring(ex.render(slide, "svg"))
    assert root.tag.endswith("svg") and root.get("width") == "1920"
    assert ex.render(slide, "pdf").startswith(b"%PDF")
    with pytest.raises(ValueError, match="`fmt` must be one of"):
        ex.render(slide, "eps")


def test_deck_has_title_slide_plus_one_per_figure(a_vs, slide):
    small = ex.slide_figure(go.Figure(go.Bar(x=["a", "b"], y=[1, 2])), "second figure")
    data = ex.deck_pptx([("Forest", slide), ("Bars", small)], ex.settings_lines(SPEC_VS, a_vs))
    prs = Presentation(io.BytesIO(data))
    assert len(prs.slides) == 3
    assert prs.slide_width == Inches(13.333) and prs.slide_height == Inches(7.5)
    title_text = " ".join(sh.text_frame.text for sh in prs.slides[0].shapes if sh.has_text_frame)
    assert "Outcome: HbA1c" in title_text and f"k = {a_vs.k} studies" in title_text
    for s in list(prs.slides)[1:]:
        pics = [sh for sh in s.shapes if sh.shape_type == 13]
        assert len(pics) == 1
        assert Image.open(io.BytesIO(pics[0].image.blob)).size == (3840, 2160)
    assert "second figure" in prs.slides[2].notes_slide.notes_text_frame.text


def test_figures_zip_holds_each_format():
    small = go.Figure(go.Bar(x=["a"], y=[1]), layout=dict(width=400, height=300))
    data = ex.figures_zip([("forest plot/1", small), ("forest plot/1", small)], formats=("svg", "pdf"))
    zf = zipfile.ZipFile(io.BytesIO(data))
    assert zf.namelist() == ["forest_plot_1.svg", "forest_plot_1.pdf", "forest_plot_1_.svg", "forest_plot_1_.pdf"]
    assert zf.read("forest_plot_1_.pdf").startswith(b"%PDF")
    assert ET.fromstring(zf.read("forest_plot_1.svg")).get("width") == "400"


# ---------------------------------------------------------------------------------------- tables
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


# ---------------------------------------------------------------------------------------- scripts
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
}


def test_python_script_reproduces_core(tmp_path):
    """Each generated script is RUN (in parallel subprocesses); its printed numbers must equal
    core.analysis.analyse's for the same spec (code-to-code: rel 1e-12)."""
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
                assert out["pooled"][f"Subtotal {g}"]["estimate"] == pytest.approx(
                    a.subgroups.subgroups[g].estimate, rel=1e-12)
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
    assert 'method <- "REML"' in code and 'test = "z"' in code and "level = 95.0" in code
    for label in a.rows["label"]:
        assert f'"{label}"' in code
    for m1 in a.rows["m1"]:
        assert repr(float(m1)) in code                  # full-precision numbers inline
    assert "split(dat, dat$dm_type)" in code            # subgroups with both diabetes types
    vs = ex.r_script(DS, SPEC_VS)
    assert 'escalc(measure = "MD"' in vs and 'method <- "FE"' in vs
    smd = ex.r_script(DS, replace(SPEC_VS, measure="SMD"))
    assert 'escalc(measure = "SMD"' in smd and "3.94" in smd          # RevMan 5 variant applied
    indep = ex.r_script(DS, replace(SPEC_PP_RE, prepost="independent"))
    assert 'escalc(measure = "MD"' in indep and "ri = " not in indep and "independent groups" in indep
    assert "independent groups" in ex.slide_caption(analyse(DS, replace(SPEC_PP_RE, prepost="independent")))
    smcr = ex.r_script(DS, replace(SPEC_PP_RE, measure="SMD"))
    assert 'escalc(measure = "SMCR"' in smcr and "sd1i = sd2" in smcr   # standardised by the baseline SD


def test_r_strings_are_escaped():
    assert ex._r_str('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'
    studies = DS.studies.copy()
    studies.loc[studies["study_id"] == "Cai2016", "first_author"] = 'Q"uote'
    code = ex.r_script(with_tables(DS, studies=studies), SPEC_VS)
    assert '"Q\\"uote 2016"' in code


def test_r_script_when_nothing_pooled():
    code = ex.r_script(DS, AnalysisSpec(outcome="fcp"))
    assert "message(" in code and "rma(" not in code
