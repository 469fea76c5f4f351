"""The summary-of-findings table as a figure (core.figures.summary_of_findings): what it shows for
constructed and shipped data, footnote letters shared across rows, escaping, and the slide."""
from __future__ import annotations

import dataclasses

import plotly.graph_objects as go

from core import export as ex
from core.certainty import CertaintyInputs, Concern, Indirectness, footnote_letter, summary_of_findings
from core.evidence.dataset import load_dataset
from core.figures.summary_of_findings import (CELL_PAD, COLUMNS, MARGIN, SHARES, SLIDE_CAPTION_BAND,
                                              summary_of_findings_figure, summary_of_findings_slide)
from core.figures.text_width import text_width
from core.vocab import OUTCOMES, Comparison, Outcome, Population
from core.workflow.analysis import AnalysisSpec
from tests.factories import heterogeneous_dataset

VS_CONTROL = AnalysisSpec(comparison=Comparison.VS_CONTROL, population=Population.ALL)


def _table(fig: go.Figure) -> go.Table:
    tables = [t for t in fig.data if isinstance(t, go.Table)]
    assert len(tables) == 1
    return tables[0]


def _footnote_text(fig: go.Figure) -> str:
    return next(a.text for a in fig.layout.annotations if a.name == "footnotes")


def test_one_row_per_outcome_with_effect_certainty_and_statement():
    sof = summary_of_findings(load_dataset(), VS_CONTROL)
    fig = summary_of_findings_figure(sof)
    cells = _table(fig).cells.values
    assert len(cells) == 5 and all(len(col) == len(OUTCOMES) for col in cells)
    assert fig.layout.meta["outcomes"] == list(OUTCOMES)
    hba1c = {k: cells[i][0].replace("<br>", " ") for i, k in enumerate(("outcome", "studies", "effect", "certainty",
                                                                         "statement"))}
    # the shipped paper set, MSC vs control: Cai 2016 + Chen 2016 (54 participants), both RCTs
    assert hba1c["outcome"] == "HbA1c" and hba1c["studies"] == "2 studies (54 participants)"
    assert hba1c["effect"] == "MD (%) −1.13 [−1.50, −0.75]"
    assert hba1c["certainty"] == "⊕⊕◯◯ Low, provisional (a, b, c)"
    assert hba1c["statement"] == ("MSC may result in a large reduction in HbA1c compared with control (a large "
                                  "effect: at least 0.70 % = 0.8 SD).")
    assert cells[1][4].replace("<br>", " ") == "1 study (42 participants): Cai 2016"     # one study: named
    assert cells[3][3] == "No evidence" and cells[2][3] == "—"          # fasting C-peptide: nothing pooled
    assert fig.layout.title.text.startswith("Summary of findings: MSC vs control")


def test_footnotes_are_lettered_once_for_the_table_and_state_their_reasons():
    sof = summary_of_findings(load_dataset(), VS_CONTROL)
    notes = sof.footnotes()
    texts = [t for _, t in notes.notes]
    assert len(texts) == len(set(texts)) and [letter for letter, _ in notes.notes] == [
        footnote_letter(i) for i in range(len(texts))]
    # the indirectness assumption is the same sentence on every rated row: one letter for all
    assumed = [letter for letter, t in notes.notes if t.startswith("Indirectness (assumed)")]
    assert len(assumed) == 1
    rated = [ls for r, ls in zip(sof.rows, notes.letters) if r.certainty.rating is not None]
    assert all(assumed[0] in ls for ls in rated)
    text = _footnote_text(summary_of_findings_figure(sof)).replace("<br>     ", " ")
    assert "Imprecision (serious): The 95% CI [−1.50, −0.75] lies on one side of the smallest important effect " \
           "(0.50 %); 54 participants are 56% of the optimal information size of 96." in text
    assert summary_of_findings_figure(sof).layout.meta["footnotes"] == len(texts)
    assert footnote_letter(25) == "z" and footnote_letter(26) == "aa"


def test_user_text_is_escaped_not_rendered_as_markup():
    ds = heterogeneous_dataset()
    evil = Indirectness(Concern.SERIOUS, "Patients <b>differ</b> from <script>x</script> ours.", "<i>Table 1</i>")
    inputs = CertaintyInputs.default(ds).with_indirectness(Outcome.HBA1C, evil)
    sof = summary_of_findings(ds, VS_CONTROL, inputs.rob, indirectness=dict(inputs.indirectness))
    fig = summary_of_findings_figure(sof)
    text = _footnote_text(fig)
    assert "&lt;script&gt;" in text and "<script>" not in text and "<b>" not in text
    row = sof.row(Outcome.HBA1C).certainty
    assert row.domain("indirectness").concern == Concern.SERIOUS


def test_slide_keeps_the_title_and_the_footnotes():
    sof = summary_of_findings(load_dataset(), AnalysisSpec())
    fig = summary_of_findings_figure(sof)
    slide = ex.slide_figure(fig, "Caption of the test.")
    assert slide.layout.width == 1920 and slide.layout.height == 1080
    assert slide.layout.title.text == fig.layout.title.text
    assert "after vs before treatment" in slide.layout.title.text
    assert any(a.name == "footnotes" for a in slide.layout.annotations)
    assert _table(slide).cells.values == _table(fig).cells.values
    # the table and the footnotes fit the slide height (rows grow with their lines)
    assert fig.layout.height <= 1080


def _assert_every_line_fits(fig: go.Figure, width: int) -> None:
    """Each wrapped line of each cell, measured, fits its column at the width the figure is laid out for."""
    size = fig.data[0].cells.font.size
    inner = width - 2 * MARGIN
    for column, share in zip(COLUMNS, SHARES):
        for cell in fig.layout.meta["cells"][column]:
            for line in cell.split("\n"):
                assert text_width(line, size) <= share * inner - 2 * CELL_PAD, (column, line)


def test_slide_is_laid_out_for_1920_by_1080_with_room_for_its_caption():
    ds = load_dataset()
    for spec in (VS_CONTROL, AnalysisSpec(), dataclasses.replace(VS_CONTROL, study_set="all")):
        sof = summary_of_findings(ds, spec)
        slide = summary_of_findings_slide(sof)
        meta = slide.layout.meta
        assert meta["slide_native"] and slide.layout.width == 1920 and slide.layout.height == 1080
        assert slide.layout.margin.b == SLIDE_CAPTION_BAND and 10 <= meta["table_font"] <= 24
        _assert_every_line_fits(slide, 1920)
        exported = ex.slide_figure(slide, "Caption of the test.")
        assert exported.layout.meta["slide_font_factor"] == 1.0                  # not rescaled
        assert exported.data[0].cells.font.size == meta["table_font"]
        assert any(a.name == "slide_caption" and a.text == "Caption of the test." for a in exported.layout.annotations)
        _assert_every_line_fits(summary_of_findings_figure(sof), 760)


def test_slide_font_shrinks_until_a_long_table_fits():
    ds = load_dataset()
    plain = summary_of_findings(ds, VS_CONTROL)
    inputs = CertaintyInputs.default(ds)
    for i, outcome in enumerate(OUTCOMES):       # five long, distinct indirectness footnotes
        inputs = inputs.with_indirectness(outcome, Indirectness(
            Concern.SERIOUS, f"Reason {i}: " + "the trial's patients had recent-onset diabetes and received a "
            "product unlike the one in question, " * 4 + "so the evidence is indirect.", "A panel's judgement"))
    long = summary_of_findings(ds, VS_CONTROL, inputs.rob, indirectness=dict(inputs.indirectness))
    slides = [summary_of_findings_slide(x) for x in (plain, long)]
    assert slides[1].layout.meta["footnotes"] > slides[0].layout.meta["footnotes"]
    assert slides[1].layout.meta["table_font"] < slides[0].layout.meta["table_font"]
    _assert_every_line_fits(slides[1], 1920)
