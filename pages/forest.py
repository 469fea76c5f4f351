"""Forest plot: the chosen analysis, recomputed from data/, next to what the paper reports."""
from __future__ import annotations

import streamlit as st

from core.workflow.reproduce import reported_vs_recomputed
from core.words import TABLE_HEADINGS, fmt_ci, fmt_num, fmt_p, view_line
from ui.cache import forest_for, run_analysis
from ui.components import page_header, show_figure
from ui.data import current_dataset
from ui.export import analysis_downloads

spec = page_header("Forest plot", "Every choice in the sidebar recomputes the pooled effect from the trial-level "
                                  "numbers in data/ and redraws the plot.")
dataset = current_dataset()
a = run_analysis(spec, dataset)
st.markdown(f"**{view_line(spec, a.method or None)}**")

if a.pooled is None:
    st.warning(a.message, icon=":material/info:")
else:
    st.info(a.model_reason, icon=":material/rule:")
    res = a.pooled
    c1, c2, c3, c4 = st.columns(4)
    unit = f" {a.unit}" if spec.measure == "MD" and a.unit else ""
    c1.metric(f"Pooled {spec.measure}{unit}", fmt_num(res.estimate), help="Overall pooled estimate")
    c2.metric("95% CI", fmt_ci(res.estimate, res.ci_low, res.ci_high).split(" ", 1)[1])
    c3.metric("P (overall effect)", fmt_p(res.pvalue).removeprefix("P ").removeprefix("= "))
    c4.metric("Studies · participants", f"{a.k} · {a.participants}",
              help="Participants: both arms for MSC vs control; the MSC arm for pre-post.")
    show_figure(forest_for(a, dataset, show_pi=st.session_state.get("pi", False)), key="forest_chart",
                filename=f"forest_{spec.outcome}_{spec.comparison}_{spec.population}")
    for note in a.notes:
        st.caption(note)
    st.subheader("Download this view")
    analysis_downloads(a)
    if (a.rows["id_confidence"] != "high").any():
        st.caption("† The study's identity as one of the paper's references is inferred, not confirmed "
                   "(see the Studies page).")

st.subheader("What the paper reports")
same = a.reported[a.reported["same_timepoint"]] if not a.reported.empty else a.reported
if not same.empty:
    table = reported_vs_recomputed(a)
    st.dataframe(table.drop(columns=["diff_estimate"]), hide_index=True, width="stretch", key="reported_table")
elif not a.reported.empty:
    where = ", ".join(f"{r.timepoint} ({r.locator})" for r in a.reported.itertuples())
    st.write(f"The paper reports this comparison only at other time points: {where}. Change **Time point** "
             "to compare.")
else:
    st.write("The paper reports no pooled result for this outcome, comparison and population.")

st.subheader("Included studies without usable numbers")
if a.unavailable.empty:
    st.write("None: every study in the current selection contributes.")
else:
    st.caption(f"{len(a.unavailable)} of {len(a.unavailable) + a.k} studies in the current selection cannot "
               "contribute to this analysis. Missing numbers stay missing; none is imputed or read off a figure.")
    st.dataframe(a.unavailable[["label", "dm_type", "design_class", "reason"]]
                 .rename(columns=TABLE_HEADINGS["unavailable"]),
                 hide_index=True, width="stretch", key="unavailable_table")
