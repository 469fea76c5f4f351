"""core.export: slide preset and caption, rendering, deck and zip (tables: test_export_tables.py;
reproduce scripts: test_export_scripts.py)."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile

import plotly.graph_objects as go
import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Inches

from core import export as ex
from core import words
from core.workflow.analysis import analyse
from core.figures.forest import forest_figure
from tests.core._export_cases import DS, SPEC_PP_RE, SPEC_VS


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
    text_sizes = [s for t in slide.data if t.mode == "text" for s in t.textfont.size]
    assert min(sizes) >= 18 and text_sizes and min(text_sizes) >= 18        # the text columns scale too
    screen = [s for t in fig.data if t.mode == "text" for s in t.textfont.size]
    factor = slide.layout.meta["slide_font_factor"]
    assert sorted(text_sizes) == sorted(round(s * factor) for s in screen)   # rounded as the annotations are
    assert slide.layout.title.font.size > slide.layout.font.size


def test_caption_names_every_setting_and_the_source(a_vs, slide):
    cap = ex.slide_caption(a_vs, dataset_name=DS.name, certainty="Certainty of the evidence (GRADE): ⊕⊕◯◯ Low")
    in_scope = a_vs.k + len(a_vs.unavailable_records)
    for needle in ("HbA1c", "MSC vs control", "T1DM + T2DM", "Mean difference (MD, %)", "a fixed-effect model",
                   f"{a_vs.k} of {in_scope} studies in scope have usable numbers ({a_vs.participants} participants)",
                   "Certainty of the evidence (GRADE): ⊕⊕◯◯ Low.", "Li et al. 2021", DS.name):
        assert needle in cap, needle
    for jargon in ("Wald", "see data/", "k = ", "τ² not estimated"):          # written for a slide's audience
        assert jargon not in cap, jargon
    rnd = ex.slide_caption(analyse(DS, SPEC_PP_RE))
    assert "a random-effects model (τ² by REML)" in rnd and "before–after correlation assumed 0.5" in rnd
    ann = [a for a in slide.layout.annotations if a.name == "slide_caption"]
    assert len(ann) == 1 and ann[0].yanchor == "top" and ann[0].y == 0 and ann[0].yshift < 0   # under the plot
    assert "participants" in ann[0].text
    assert slide.layout.meta["slide_caption"] == ex.slide_caption(a_vs, dataset_name=DS.name)


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


# ---------------------------------------------------------------------------------------- words
def test_the_three_view_descriptions_share_their_phrases(a_vs):
    line = words.view_line(SPEC_VS, a_vs.method)
    assert line == ("HbA1c · MSC vs control (end of follow-up) · T1DM + T2DM · end of follow-up · MD · "
                    "Fixed effect (IV)")
    assert words.view_line(SPEC_PP_RE).endswith("· end of follow-up · MD · Random effects")
    assert ex.slide_caption(a_vs).startswith(
        "HbA1c · MSC vs control (end of follow-up) · T1DM + T2DM (subgroups) · end of follow-up. Mean difference "
        "(MD, %); a fixed-effect model")
    lines = ex.settings_lines(SPEC_VS, a_vs)
    assert lines[2:4] == ["Population: T1DM + T2DM (subgroups)", "Time point: end of follow-up"]
    assert lines[-1] == words.study_count(a_vs.k, a_vs.participants)
