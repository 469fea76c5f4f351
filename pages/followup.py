"""Follow-up: the pooled effect by time point (3, 6, 12 months, other times in the data, end of
follow-up) for T1DM, T2DM and both; the paper's Tables 2-4 recomputed.  Click a point to open
that forest plot."""
from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from core.figures.followup import trajectory_figure
from core.vocab import BAYES_MODEL, OUTCOME_LABELS, OUTCOME_SHORT, Measure
from core.words import AUDIT_FLAG_TEXT, COMPARISON_LABELS, TABLE_HEADINGS, fmt_ci, fmt_p, population_phrase, timepoint_phrase
from core.words.bayesian import MODEL_CHOICE_LABELS
from ui import state as S
from ui.check import paper_audit
from ui.data import cached_figure, current_dataset
from ui.cache_sensitivity import run_followup_tables, run_trajectory
from ui.components import page_header, show_figure
from ui.export import data_source
from ui.forest_link import request_forest, switch_if_requested
from core.words import STATUS_CANNOT
from core.words.notices import cannot_recompute_sentence
from ui.components import escape_markdown
from ui.text import md_table

BLOCKED_KEY = "_followup_blocked_timepoint"   # a time point the sidebar does not offer, to explain


def _open_forest(population: str, timepoint: str) -> None:
    """Callback: open that population and time point on the Forest plot, if the sidebar offers it."""
    if timepoint not in S.OPTIONS["timepoint"]:
        st.session_state[BLOCKED_KEY] = timepoint
        return
    request_forest(population=population, timepoint=timepoint)


def _on_chart_select() -> None:
    points = (st.session_state.get("followup_chart") or {}).get("selection", {}).get("points", [])
    if points and points[0].get("customdata"):
        pop, tp = points[0]["customdata"][:2]
        _open_forest(pop, tp)


def _on_button() -> None:
    choice = st.session_state.get("followup_pick")
    if choice:
        pop, tp = choice.split("|", 1)
        _open_forest(pop, tp)


spec = page_header("Follow-up", "The pooled effect at each follow-up time, for T1DM, T2DM and both together. "
                                "Click a point (or pick it below) to open that forest plot.")
switch_if_requested()
blocked = st.session_state.pop(BLOCKED_KEY, None)
if blocked:
    st.info(f"The forest plot's time point choice offers 3, 6, 12 months and end of follow-up; "
            f"{blocked} months is shown here only.", icon=":material/info:")
st.markdown(f"**{OUTCOME_LABELS[spec.outcome]} · {COMPARISON_LABELS[spec.comparison]} · {spec.measure} · "
            f"{MODEL_CHOICE_LABELS[spec.model]}** (population and time point vary here)")

traj = run_trajectory(spec)
pooled = traj.pooled_points()
unit = ""
ci = "95% CrI" if spec.model == BAYES_MODEL else "95% CI"    # the Bayesian model's credible interval
if pooled.empty:
    st.warning("No time point has usable numbers for this outcome and comparison in the current selection. "
               "Try another outcome or comparison, or include the newer trials (Studies in the sidebar).",
               icon=":material/info:")
else:
    y_title = "Mean difference" if spec.measure == Measure.MD else "Std. mean difference"
    fig = cached_figure("trajectory", repr(spec), lambda: trajectory_figure(
        traj, title=f"{OUTCOME_LABELS[spec.outcome]}: pooled effect by follow-up time", y_title=y_title))
    show_figure(fig, key="followup_chart", filename=f"followup_{spec.outcome}", on_select=_on_chart_select,
                caption=f"{OUTCOME_LABELS[spec.outcome]} · {COMPARISON_LABELS[spec.comparison]} · {spec.measure} · "
                        f"{MODEL_CHOICE_LABELS[spec.model]}: pooled effect by population and follow-up time; whiskers: {ci}. "
                        f"Data: {data_source(current_dataset())}.")
    st.caption(f"Whiskers: {ci}. k = number of trials pooled at that point; \"no data\" marks a time point no "
               "trial reported. 3/6/12 months match a trial's reported time within ±1 month. With k = 1 the "
               "'pooled' effect is that one trial's, and a lone time point is a dot, not a line. The same trials' "
               "same result is drawn once: where both types together are one type's trials, or end of follow-up is "
               "a dated time point's trials, the repeat is left out of the chart (it stays in the table below).")
    options = [f"{r.population}|{r.timepoint}" for r in pooled.itertuples()]
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    c1.selectbox("Open the forest plot for", options, key="followup_pick",
                 format_func=lambda o: f"{population_phrase(o.split('|')[0])}, {timepoint_phrase(o.split('|')[1])}")
    c2.button("Open forest plot", key="followup_open", on_click=_on_button)

for note in traj.unanalysable:
    st.caption(f"Not analysed — {escape_markdown(note)}.")

st.subheader("By time point")
table = pd.DataFrame({
    "Population": [population_phrase(p) for p in traj.points["population"]],
    "Time point": [timepoint_phrase(t) for t in traj.points["timepoint"]],
    "k": traj.points["k"],
    f"{spec.measure} [{ci}]": [fmt_ci(e, lo, hi) if math.isfinite(e) else "—"
                                 for e, lo, hi in zip(traj.points["estimate"], traj.points["ci_low"],
                                                      traj.points["ci_high"])],
    "P": [fmt_p(p) if math.isfinite(p) else "—" for p in traj.points["pvalue"]],
    "Studies": [s or "no data at this time point" for s in traj.points["studies"]],
})
# Static tables: a dozen rows nobody sorts, shown whole and wrapped (no cut-off cell, no canvas grid to lay out).
st.table(md_table(table, "Studies"), hide_index=True)

st.subheader("The paper's Tables 2–4, recomputed")
st.caption("T2DM, MSC after vs before treatment, at 3, 6 and 12 months (Li et al. 2021, Tables 2–4). Each row is "
           "re-run on the paper's studies with the row's own measure and model; r, the SMD variant, τ² estimator "
           "and CI method come from the sidebar.")
tables = run_followup_tables(spec)
if tables.empty:
    st.write("The dataset holds no time-point table from the paper.")
else:
    flags = paper_audit(current_dataset()).set_index("result_id")["flags"]
    shown = tables.assign(outcome=tables["outcome"].map(OUTCOME_SHORT), audit=[
        ", ".join(AUDIT_FLAG_TEXT[f] for f in flags.get(rid, ())) or "none" for rid in tables["result_id"]])
    # What cannot be recomputed is said once, not as an empty column and one identical bullet per row (issue 26
    # item 14); the columns of a recomputation show only where one exists.
    cannot = tables["status"] == STATUS_CANNOT
    columns = ["locator", "outcome", "timepoint", "reported", "audit"]
    if not cannot.all():
        columns += ["recomputed", "k", "status"]
    st.table(md_table(shown, "locator", "explanation").assign(timepoint=shown["timepoint"].map(lambda t: timepoint_phrase(str(t))))[columns]
             .rename(columns=TABLE_HEADINGS["followup_tables"]), hide_index=True)
    for why, rows in tables.groupby("explanation", sort=False):
        where = ", ".join(rows["locator"])
        if (rows["status"] == STATUS_CANNOT).all():
            st.info(escape_markdown(cannot_recompute_sentence(len(rows), len(tables), where, why)),
                    icon=":material/block:")
        else:
            st.markdown(f"- **{escape_markdown(where)}** ({escape_markdown(rows['status'].iloc[0])}): "
                        f"{escape_markdown(why)}")
