"""Forest plot: the chosen analysis, recomputed from data/, next to what the paper reports."""
from __future__ import annotations

import streamlit as st

from core.export import slide_caption
from core.vocab import BAYES_MODEL, OUTCOME_SHORT, StudySet, Tau2
from core.figures.sensitivity import prior_sensitivity_figure
from core.words.bayesian import P_BELOW_ZERO_HELP, PRIOR_SENSITIVITY_NOTE, prior_sensitivity_caption, prob_text
from core.words import (DESIGN_CLASS_LABELS, fmt_ci, fmt_num, fmt_p, headline_measure, hksj_notices,
                        other_measure_sentence, switch_measure_label, usable_share_line,
                        view_line)
from ui import state as S
from ui.cache import forest_for, forest_page_parts
from ui.data import cached_figure, run_analysis
from ui.check import paper_count_explained
from ui.certainty import certainty_caption, certainty_line
from ui.components import captions, escape_markdown, page_header, section, show_figure
from ui.data import current_dataset
from ui.export import analysis_downloads, data_source, figure_title
from ui.forest_view import forest_view
from ui.text import md_table



def unresolved_note(dataset, spec, total: int) -> str:
    """The paper's candidates for an unresolved reference, when they make the count exceed the paper's."""
    if spec.study_set != StudySet.PAPER:
        return ""
    return paper_count_explained(dataset, spec.population, total)   # in every population's view (issue 26)


spec = page_header("Forest plot", "Every choice in the sidebar recomputes the pooled effect from the trial-level "
                                  "numbers we extracted and redraws the plot.")
dataset = current_dataset()
a = run_analysis(spec, dataset)
parts = forest_page_parts(a)              # the tables and lists below, built once per analysis
st.markdown(f"**{view_line(spec, a.method or None)}**")

if a.pooled is None:
    st.warning(a.message, icon=":material/info:")
else:
    st.info(a.model_reason, icon=":material/rule:")
    res = a.pooled
    bayes = spec.model == BAYES_MODEL        # a credible interval and P(effect < 0); HKSJ does not apply
    for notice in () if bayes else hksj_notices(spec.test, a.method, a.k, fixed=Tau2.FE, floor=spec.hksj_floor):
        st.info(notice, icon=":material/rule:")
    if len(a.unavailable_records) > a.k:
        st.warning(f"{usable_share_line(a.k, a.k + len(a.unavailable_records))}: see "
                   "[the list below](#included-studies-without-usable-numbers)."
                   + unresolved_note(dataset, spec, a.k + len(a.unavailable_records)), icon=":material/info:")
    # One row (one block, not a block per column: issue 27 item 3).  The CI is the longest value
    # ("[−1.49, −0.71]"): it takes its own width, so it is never cut off at 1280 × 720.
    row = st.container(horizontal=True, gap="medium", key="forest_metrics")
    row.metric(f"Pooled {headline_measure(spec.measure, OUTCOME_SHORT[spec.outcome], a.unit)}", fmt_num(res.estimate),
               help="Overall pooled estimate")
    row.metric("95% CrI" if bayes else "95% CI", fmt_ci(res.estimate, res.ci_low, res.ci_high).split(" ", 1)[1],
               width="content")
    if bayes:
        row.metric("P(effect < 0)", prob_text(res.prob_below_zero), help=P_BELOW_ZERO_HELP)
    else:
        row.metric("P (overall effect)", fmt_p(res.pvalue).removeprefix("P ").removeprefix("= "))
    row.metric("Studies · participants", f"{a.k} · {a.participants}",
               help="Participants: both arms for MSC vs control; the MSC arm for pre-post.")
    certainty_line(a, dataset)
    view = forest_view(a, dataset)          # study columns and order (sidebar, issue 25)
    fig = forest_for(a, show_pi=st.session_state.get("pi", False), order=view.order, columns=view.columns,
                     cells=view.cells)
    fig_name = f"forest_{spec.outcome}_{spec.comparison}_{spec.population}"
    fig_caption = slide_caption(a, data_source(dataset), certainty=certainty_caption(a, dataset))   # not run again
    fig_caption += f"\n{view.legend}" if view.legend else ""
    # The figure's place; it is drawn into it last, at the end of the script (see there).
    figure_slot = st.container()
    if view.legend:
        st.caption(view.legend)
    for i, other in enumerate(parts.other_measures):
        measure, population = other.measure, other.population if spec.population != other.population else ""
        sentence = other_measure_sentence(measure, other.estimate, other.ci_low, other.ci_high, population)
        box, button = st.columns([4, 1], vertical_alignment="center")
        box.info(sentence, icon=":material/swap_horiz:")
        button.button(switch_measure_label(measure), key=f"switch_measure_{i}", on_click=S.apply_settings,
                      kwargs={"measure": measure})
    # The notes and the † line: one caption, not one each (issue 27 item 3).
    captions(*(escape_markdown(note) for note in a.notes),
             "† The study's identity as one of the paper's references is inferred, not confirmed "
             "(see the Studies page)." if parts.inferred_ids else None)
    st.subheader("Download this view")
    analysis_downloads(a, [(figure_title(fig, fig_name), fig, fig_caption)])   # the figure drawn below

if a.pooled is not None and spec.model == BAYES_MODEL:       # issue 22: how much the prior matters
    st.subheader("Prior sensitivity")
    st.caption(PRIOR_SENSITIVITY_NOTE)
    show_figure(cached_figure("prior_sensitivity", repr(spec), lambda: prior_sensitivity_figure(a)),
                key="prior_chart", filename=f"prior_sensitivity_{spec.outcome}_{spec.comparison}",
                caption=prior_sensitivity_caption(view_line(spec, a.method), a.pooled.prior_scale / spec.prior_factor,
                                                  data_source(dataset)))

REPORTED = "What the paper reports"
if parts.reported_table is not None:
    st.subheader(REPORTED)
    # A static table, not an interactive grid: a few rows that nobody sorts, and a grid costs the
    # browser a canvas and its own layout on every rerun (issue 13).
    st.table(md_table(parts.reported_table, "Where in the paper"), hide_index=True)
    if parts.explanations:   # one element, not one per note
        st.markdown("\n".join(f"- **{escape_markdown(n.locator)} ({n.population})**: {escape_markdown(n.explanation)}"
                               for n in parts.explanations))
elif parts.other_timepoints:        # a heading and its sentence: one element (issue 27 item 3)
    where = ", ".join(parts.other_timepoints)
    section(REPORTED, f"The paper reports this comparison only at other time points: {where}. Change "
                      "**Time point** to compare.")
else:
    section(REPORTED, "The paper reports no pooled result for this outcome, comparison and population.")

UNAVAILABLE = "Included studies without usable numbers"     # its anchor is the link target above
if not parts.unavailable:
    section(UNAVAILABLE, "None: every study in the current selection contributes.")
else:
    # Labels and reasons may come from a user's upload: escaped, so they are shown as typed.
    section(UNAVAILABLE, "\n".join(f"- **{escape_markdown(u.label)}** ({u.dm_type}, "
                                    f"{DESIGN_CLASS_LABELS.get(u.design_class, u.design_class)}): "
                                    f"{escape_markdown(u.reason)}" for u in parts.unavailable),
            lead=f"{len(parts.unavailable)} of {len(parts.unavailable) + a.k} studies in the current selection "
                 "cannot contribute to this analysis. Missing numbers stay missing; none is imputed or read off "
                 "a figure.")

if a.pooled is not None:
    # The figure is drawn last, into its place above: the browser has laid out every other element
    # of this rerun when the figure arrives, and none of them competes with plotly drawing it
    # (bench/out/browser_ablation.txt, issue 13).  Its downloads row stays under it.
    with figure_slot:
        show_figure(fig, key="forest_chart", filename=fig_name, caption=fig_caption)
