"""The summary-of-findings table as a figure (core.figures.summary_of_findings): what it shows for
constructed and shipped data, footnote letters shared across rows, escaping, and the slide."""
from __future__ import annotations

import dataclasses

import plotly.graph_objects as go

from core import export as ex
from core.certainty import CertaintyInputs, Concern, Indirectness, footnote_letter, summary_of_findings
from core.evidence.dataset import load_dataset
from core.figures.summary_of_findings import summary_of_findings_figure
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
    assert hba1c["outcome"] == "HbA1c" and hba1c["studies"] == "2 (54)"
    assert hba1c["effect"] == "MD (%) −1.13 [−1.50, −0.75]"
    assert hba1c["certainty"].startswith("⊕⊕⊕◯ Moderate (")
    assert hba1c["statement"] == "MSC likely results in a large reduction in HbA1c compared with control."
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
    text = _footnote_text(summary_of_findings_figure(sof)).replace("<br>    ", " ")
    assert "Imprecision (serious): The 95% CI [−1.50, −0.75] excludes no effect and lies on one side of the MID " \
           "(0.50 %); 54 participants are fewer than the optimal information size of 96." in text
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


def test_figure_height_grows_with_the_footnotes():
    ds = load_dataset()
    short = summary_of_findings_figure(summary_of_findings(ds, dataclasses.replace(VS_CONTROL,
                                                                                   population=Population.T2DM)))
    long = summary_of_findings_figure(summary_of_findings(ds, dataclasses.replace(VS_CONTROL, study_set="all")))
    assert long.layout.meta["footnotes"] > short.layout.meta["footnotes"]
    assert long.layout.height > short.layout.height
