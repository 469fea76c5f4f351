"""Summary of findings: one row per outcome for the sidebar's comparison and population, with the
GRADE certainty of each (symbols, every downgrade as a footnote stating its reason) and GRADE's
plain-language statement; the per-study risk of bias; the indirectness and MIDs the ratings use."""
from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from core import export as ex
from core.figures.summary_of_findings import sof_title
from core.words import (GRADE_DOMAIN_LABELS, GRADE_SOURCES, JUDGEMENTS_SAVED, JUDGEMENTS_SESSION,
                        SOF_HEADINGS)
from core.words.bayesian import MODEL_CHOICE_LABELS, interval_heading
from core.words.settings import deck_settings_lines
from core.vocab import OUTCOME_LABELS, SetTag, StudySet
from core.words.characteristics import SOF_SUBGROUP_CAPTION, SOF_SUBGROUP_NONE, SOF_SUBGROUP_OF
from ui import state as S
from ui.certainty import JUDGEMENTS, cached_sof, cached_sof_figures
from ui.certainty_forms import imprecision_form, indirectness_form, mid_form, rob_form, rob_table
from ui.text import md_table
from ui.components import escape_markdown, page_header, show_figure
from ui.controls import draw
from ui.data import current_dataset
from ui.export import data_source, table_downloads
from ui.forest_link import request_forest_for, switch_if_requested

switch_if_requested()
spec = page_header("Summary of findings", "How sure can we be? Each outcome's pooled effect for the sidebar's "
                                          "comparison and population, with its GRADE certainty: where the rating "
                                          "starts, what rated it down and why, and what it means in words.")
ds = current_dataset()
inputs = JUDGEMENTS.get(ds)
choices = st.container(horizontal=True, vertical_alignment="bottom", key="sof_subgroup_choices")
by = (draw("subby", container=choices, bind="query-params", width=320)
      if draw("sofsub", container=choices, bind="query-params") else None)
sof = cached_sof(ds, spec, inputs, by)
notes = sof.footnotes()
st.markdown(f"**{escape_markdown(sof_title(spec))}** · {spec.measure} · {MODEL_CHOICE_LABELS[spec.model]}")
by_name = S.fmt("subby")(by).lower() if by else ""
if by and not any(r.subgroup for r in sof.rows):
    st.info(SOF_SUBGROUP_NONE.format(name=by_name), icon=":material/info:")

table = pd.DataFrame([{
    SOF_HEADINGS["outcome"]: r.label,
    interval_heading(SOF_HEADINGS["effect"], spec): r.effect or "—",
    SOF_HEADINGS["certainty"]: (f"{r.certainty.symbols} {r.certainty.label}"
                                + (f" ({', '.join(letters)})" if letters else "")).strip(),
    SOF_HEADINGS["statement"]: r.certainty.statement,
} for r, letters in zip(sof.rows, notes.letters)])


def _open(outcome: str) -> None:
    request_forest_for(replace(spec, outcome=outcome))


ROW_WIDTHS = [1.4, 1.5, 1.4, 2.5, 1.0]
with st.container(border=True, key="sof_head"):
    for col, heading in zip(st.columns(ROW_WIDTHS), table.columns):
        col.markdown(f"**{heading}**")
for i, (r, record) in enumerate(zip(sof.rows, table.to_dict("records"))):
    with st.container(border=True, key=f"sof_sub_{i}" if r.subgroup else f"sof_row_{r.outcome}"):
        cells = st.columns(ROW_WIDTHS, vertical_alignment="center")
        for col, text in zip(cells, record.values()):
            col.markdown(escape_markdown(text))
        studies = (SOF_SUBGROUP_OF.format(outcome=OUTCOME_LABELS[r.outcome], studies=r.studies_text) if r.subgroup
                   else r.studies_text)
        cells[0].caption(escape_markdown(studies))
        if r.certainty.context:
            cells[3].caption(escape_markdown(r.certainty.context))
        if not r.subgroup:      # a subgroup row is part of its outcome's analysis: the outcome's row opens it
            cells[-1].button("Open", key=f"sof_open_{r.outcome}", on_click=_open, args=(r.outcome,),
                             icon=":material/forest:", help="Open this analysis in the Forest plot", width="stretch")
st.caption("⊕⊕⊕⊕ high, ⊕⊕⊕◯ moderate, ⊕⊕◯◯ low, ⊕◯◯◯ very low certainty; the letters name the footnotes below. "
           "A provisional rating rests on studies whose risk of bias nobody has judged: it is rated down one level "
           "as a precaution until you judge them (below). Open a row to see that analysis in the Forest plot.")

st.subheader("Footnotes")
for letter, text in notes.notes:
    st.markdown(f"**{letter}** {escape_markdown(text)}")
if not notes.notes:
    st.write("No downgrade and no assumption.")

with st.expander("How each rating is made (the rules and their sources)"):
    st.markdown("**Starting level.** " + escape_markdown(GRADE_SOURCES["start"]) + ". Randomised trials start "
                "high, non-randomised and before–after evidence low; a body that mixes them starts low ("
                + escape_markdown(GRADE_SOURCES["start_mixed"]) + "). Each serious domain takes one level off, "
                "each very serious two, an extremely serious imprecision three; a rating that rests on studies whose "
                "risk of bias nobody judged is marked provisional.")
    for domain, label in GRADE_DOMAIN_LABELS.items():
        st.markdown(f"**{escape_markdown(label)}.** {escape_markdown(GRADE_SOURCES[domain])}.")
    st.markdown(f"**Plain-language statements.** {escape_markdown(GRADE_SOURCES['statement'])}.")

caption = (f"{sof_title(spec)}. Measure: {spec.measure}; model: {MODEL_CHOICE_LABELS[spec.model]}. "
           f"Certainty: GRADE, recomputed from the numbers (rules and sources on the Summary of findings page)."
           + (f" {SOF_SUBGROUP_CAPTION.format(name=by_name)}" if by else "") + f" Data: {data_source(ds)}")
stem = f"summary_of_findings_{spec.comparison}_{spec.population}" + (f"_by_{by}" if by else "")
sof_figure, sof_slide = cached_sof_figures(ds, spec, inputs, by)
show_figure(sof_figure, key="sof_chart", slide=sof_slide, filename=stem, caption=caption)
st.subheader("Download the table")
rob_frame = inputs.rob.to_frame()
table_downloads({"summary_of_findings": sof.to_frame(), "risk_of_bias": rob_frame},
                ex.safe_filename(stem), key="sof",
                deck_lines=deck_settings_lines(spec, labels=ds.study_labels()) + [f"Data: {data_source(ds)}"])

st.header("Risk of bias per study")
st.caption("RoB 2 for randomised trials, ROBINS-I for non-randomised comparisons. The paper did no risk-of-bias "
           "assessment, so every domain is 'not assessed' unless you judge it, except where the design alone "
           "decides: a single-arm before–after study has no control group (critical confounding).")
studies = ds.studies if spec.study_set == StudySet.ALL else ds.studies[ds.studies["set"] == SetTag.PAPER]
ids = list(studies["study_id"])
st.table(md_table(rob_table(ds, ids), "Study", "Reason", "Source"), hide_index=True)   # every study, every reason in full at 1280 px (issue 26 item 10)
with st.expander("Set a judgement (with a reason and a source)"):
    rob_form(ds, ids)
st.caption(JUDGEMENTS_SAVED if JUDGEMENTS.persistent else JUDGEMENTS_SESSION)

st.header("Indirectness")
st.caption("Nobody has judged indirectness for this review, so it is assumed not serious, and the table says so. "
           "Judge it per outcome with a reason and a source.")
indirectness_form(ds)

st.header("Minimal important differences")
st.caption("The MID sets when a CI 'crosses' an important effect, the size a statement names, and the effect the "
           "optimal information size is computed for. Defaults cite their source; where no MID is established, a "
           "small effect of 0.2 SD is taken as the smallest important effect, and the footnote says so.")
mid_form(ds)

st.header("Imprecision: your judgement")
st.caption("Imprecision is rated by the rules above, conservatively (one study is always rated down; 0.2 SD stands in "
           "for a missing MID). Where a rule does not fit this outcome, judge it yourself with a reason and a source: "
           "your judgement replaces the rules' rating in every view of that outcome, and its footnote shows both.")
imprecision_form(ds)
