"""Sensitivity: the main analysis next to a variant, a robustness summary over every single
change, the pooled effect against r, leave-one-out and cumulative forests."""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from core.figures.sensitivity import cumulative_frame, interval_forest, loo_frame, r_curve_figure
from core.vocab import BAYES_MODEL, Comparison, Test
from core.workflow.robustness import comparison_frame, comparison_table, describe_changes, variant_from_analysis
from core.words import (CHANGED_WORD, MOST_INFLUENTIAL_LEGEND, TABLE_HEADINGS, favours_labels, fmt_num,
                        measure_unit, model_label, view_line)
from core.words.bayesian import bayes_refits_caption
from ui import state as S
from ui.cache_sensitivity import run_cumulative, run_leave_one_out, run_robustness
from ui.controls import draw
from ui.components import analysis_header, captions, page_header, section, show_figure
from ui.data import cached_figure, current_dataset, run_analysis
from ui.text import marked_rows, md
from ui.export import analysis_caption

spec = page_header("Sensitivity", "How fragile is the result? Change one choice at a time and see whether the "
                                  "pooled effect keeps its direction and its significance.")
main = analysis_header(spec, label="Main analysis (sidebar)")
ds = current_dataset()
measure = measure_unit(spec.measure, main.unit)
favours = favours_labels(main.lower_is_better, spec.comparison)

# ---------------------------------------------------------------- main vs variant
# Each heading with its lead line, captions in a row: one element each (issue 27 item 3).
section("Main analysis vs a variant", level=2, lead="The variant starts as the main analysis. Change any control "
                                                   "here; the sidebar's main analysis stays as it is.")
VARIANT = "sens_"     # the variant's widgets are the sidebar's keys with this prefix
# The variant's controls by column (the first also holds the studies to leave out); the middle column's are off
# where the main analysis does not use them (a between-arm comparison, an MD).
VARIANT_COLUMNS = (("design",), ("prepost", "r", "smd"), ("model", "tau2", Test.HKSJ, "pi"))
_SPEC_KEYS = [k for col in VARIANT_COLUMNS for k in col if S.CHOICE_BY_KEY[k].field]
VARIANT_KEYS = S.widget_values(spec, _SPEC_KEYS, prefix=VARIANT) | {
    VARIANT + k: S.CHOICE_BY_KEY[k].default for col in VARIANT_COLUMNS for k in col if k not in _SPEC_KEYS}
MAIN_VALUES = S.widget_values(spec, ("comparison", "measure"))
STUDY_KEYS = {f"sens_x_{sid}": sid for sid in main.rows["study_id"]}


def _reset_variant() -> None:
    for key, value in VARIANT_KEYS.items():
        st.session_state[key] = value
    for key in STUDY_KEYS:
        st.session_state[key] = False


for key, value in VARIANT_KEYS.items():
    st.session_state.setdefault(key, value)


def variant_spec(pre_post: bool):
    """The variant's choices: the sidebar's, changed by this section's controls (r and the pre-post
    method only count for a pre-post comparison)."""
    left_out = tuple(sid for key, sid in STUDY_KEYS.items() if st.session_state.get(key))
    vspec = replace(S.spec_from_state(prefix=VARIANT), excluded=tuple(sorted({*spec.excluded, *left_out})))
    return vspec if pre_post else replace(vspec, r=spec.r, prepost=spec.prepost)


@st.fragment
def variant_section() -> None:
    """The variant's controls, figure and table.  A fragment: changing a control here reruns only
    this section (the main analysis, robustness summary and other figures stay as drawn)."""
    c1, c2, c3 = st.columns(3)
    with c1:
        st.markdown("**Leave out**")
        for key, sid in STUDY_KEYS.items():
            st.checkbox(md(ds.study_label(sid)), key=key)
        if spec.excluded:
            st.caption("Already excluded in the sidebar: "
                       f"{', '.join(md(ds.study_label(s)) for s in spec.excluded)}.")
    for column, keys in zip((c1, c2, c3), VARIANT_COLUMNS):
        for key in keys:
            draw(key, container=column, prefix=VARIANT, values=MAIN_VALUES)
    with c3:
        st.button("Reset variant to the main analysis", on_click=_reset_variant, key="sens_reset")

    vspec = variant_spec(spec.comparison == Comparison.PRE_POST)
    variant = run_analysis(vspec)
    changes = describe_changes(spec, vspec, ds.study_label)
    show_pi = bool(st.session_state["sens_pi"])
    if changes:
        st.markdown("**What changed:** " + "; ".join(md(c) for c in changes))
    else:
        st.caption("The variant is identical to the main analysis: change a control above.")
    if variant.pooled is None:
        st.warning(f"The variant cannot be pooled: {md(variant.message)}", icon=":material/warning:")
    elif variant.k < main.k:
        st.caption(f"The variant pools {variant.k} of the main analysis's {main.k} studies.")
    vm, vv = variant_from_analysis(main), variant_from_analysis(variant, "variant", "variant")
    fig = cached_figure("compare", repr((spec, vspec, show_pi)), lambda: interval_forest(
        comparison_frame(vm, vv, bool(changes)), title="Main analysis and variant", x_title=measure,
        favours=favours, show_pi=show_pi, highlight_label="the variant, where it differs from the main analysis"))
    show_figure(fig, key="sens_compare_chart", filename="sensitivity_variant",
                caption=analysis_caption("variant", vspec, changes))
    if show_pi:
        st.caption("Grey bars: 95% prediction interval for a new study's effect (random effects only; with k < 3 it "
                   "is very uncertain).")
    # A static table (8 rows nobody sorts), not a grid: a grid costs the browser a canvas and its own layout
    # on every rerun of this fragment, and its Styler ~5 ms on the server (issue 27).  A changed row in bold
    # orange, and 'changed' in words, not a check box that looks clickable (issue 26 item 16).
    compared = comparison_table(main, variant)
    st.table(marked_rows(compared, "changed", CHANGED_WORD, TABLE_HEADINGS["sensitivity_compare"]), hide_index=True)


variant_section()

# ---------------------------------------------------------------- robustness summary
st.header("Robustness summary")
rob = run_robustness(spec)
if rob.base.k == 1:
    st.warning(rob.headline(spec.measure), icon=":material/warning:")
else:
    row = st.container(horizontal=True, gap="medium", key="sens_metrics")     # one block, not four
    row.metric("Direction holds", f"{rob.n_same_direction} of {rob.n_pooled}",
               help="Variants whose pooled estimate has the same sign as the main analysis's.")
    row.metric("Significant (P < 0.05)", f"{rob.n_significant} of {rob.n_pooled}")
    row.metric(f"Range of estimates ({spec.measure})", f"{fmt_num(rob.estimate_min)} to {fmt_num(rob.estimate_max)}")
    st.markdown(rob.headline(spec.measure))
st.info(md(rob.sentence), icon=":material/insights:")
# With k = 1 there is nothing to leave out (the notice above says so): no k = 2 line then.
captions(*(f"Not varied — {md(note)}" for note in rob.skipped),
         "With k = 2, leaving one study out leaves one: each such variant rests on a single trial."
         if main.k == 2 else None)
pi = bool(st.session_state.get("pi"))
show_figure(cached_figure("robustness", repr((spec, pi)), lambda: interval_forest(
    rob.plot_frame(), title="Every single change to the main analysis", x_title=measure, favours=favours,
    reference=rob.base.estimate, show_pi=pi, highlight_label=MOST_INFLUENTIAL_LEGEND)),
            key="sens_robustness_chart", filename="sensitivity_robustness",
            caption=analysis_caption("robustness", spec))
with st.expander("All variants as a table"):
    variants = rob.to_frame().drop(columns=["shift"])
    variants["method"] = [model_label(m) if m else "" for m in variants["method"]]
    st.dataframe(variants.rename(columns=TABLE_HEADINGS["robustness"]), hide_index=True, width="stretch",
                 key="sens_rob_table")

# ---------------------------------------------------------------- r curve
R_HEADING = "Pooled effect against the pre-post correlation r"
if spec.comparison != Comparison.PRE_POST:
    section(R_HEADING, "Between-arm comparisons do not use r. Choose *MSC after vs before treatment* in the "
                       "sidebar to see how the imputed correlation moves the result.", level=2)
else:
    st.header(R_HEADING)
    show_figure(cached_figure("r_curve", repr(spec), lambda: r_curve_figure(
        rob.r_frame(), title=f"{view_line(spec)}: estimate by r", y_title=measure, main_r=spec.r)),
                key="sens_r_chart", filename="sensitivity_r", caption=analysis_caption("r_curve", spec))
    st.caption("The paper does not report the r it used to impute the SD of the change (Cochrane Handbook "
               "16.1.3.2). Main analysis: r = " + f"{spec.r:g} (diamond).")

# ---------------------------------------------------------------- LOO and cumulative
LOO_HEADING = "Leave-one-out and cumulative meta-analysis"
if main.k < 2:
    section(LOO_HEADING, f"Only {main.k} study contributes, so there is nothing to leave out or accumulate.", level=2)
else:
    if spec.model == BAYES_MODEL:        # issue 22: Bayesian refits with the main analysis's prior
        section(LOO_HEADING, level=2, lead=bayes_refits_caption(main.pooled.prior_scale))
    else:
        section(LOO_HEADING, level=2, lead=f"These refits keep the main analysis's model ({main.method}) for every "
                                           "subset; the robustness variants above re-apply the model rule to each "
                                           "subset, so with few studies the two can differ.")
    loo = run_leave_one_out(main)
    show_figure(cached_figure("loo", repr(spec), lambda: interval_forest(
        loo_frame(loo, main.pooled), title="Leave one study out", x_title=measure, favours=favours,
        reference=main.pooled.estimate)),
                key="sens_loo_chart", filename="sensitivity_loo", caption=analysis_caption("loo", spec))
    order = tuple(main.rows.sort_values(["year", "label"], kind="stable").index)
    cum = run_cumulative(main, order)
    years = {r.label: int(r.year) for r in main.rows.itertuples() if r.year == r.year}
    show_figure(cached_figure("cumulative", repr(spec), lambda: interval_forest(
        cumulative_frame(cum, years=years), title="Cumulative meta-analysis by year", x_title=measure,
        favours=favours, reference=main.pooled.estimate)),
                key="sens_cum_chart", filename="sensitivity_cumulative",
                caption=analysis_caption("cumulative", spec))
