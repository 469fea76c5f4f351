"""Small-study effects: contour-enhanced funnel plot, Egger's and Begg's tests, trim and fill."""
from __future__ import annotations

import streamlit as st

from core.bias import MIN_K_FOR_TESTS
from core.figures.funnel import funnel_figure
from core.words import fmt_ci, fmt_num, fmt_p, measure_unit
from core.words.bayesian import TRIM_FILL_BAYES_NOTE
from ui.data import cached_figure
from ui.cache_sensitivity import run_small_study
from ui.components import analysis_header, page_header, show_figure
from ui.text import md
from ui.export import analysis_caption

CAUTION = (
    "**Too few studies to judge small-study effects.** With fewer than {n} studies, tests for funnel-plot "
    "asymmetry are too weak to tell chance from real asymmetry, so the Cochrane Handbook (section 13.3.5.4) "
    "advises against using them. This analysis has k = {k}. The plot and tests below are shown so that you can "
    "see the data, not to draw conclusions about publication bias. Asymmetry can also come from real "
    "differences between small and large trials, not only from missing studies.")


def asymmetry_column(title: str, test, message: str, metric: str, help_text: str, detail) -> None:
    """One asymmetry test: its P value and details, or why it was not computed."""
    st.markdown(f"**{md(title)}**")
    if test is None:
        st.write(f"Not computed: {message}.")
    else:
        st.metric(metric, fmt_p(test.pvalue).removeprefix("P ").removeprefix("= "), help=help_text)
        st.caption(detail(test))


spec = page_header("Small-study effects", "Do smaller trials show larger effects? A funnel plot shows each trial's "
                                          "effect against its precision; asymmetry can hint at missing studies.")
a = analysis_header(spec)
res = a.pooled
if res.k < MIN_K_FOR_TESTS:
    st.warning(CAUTION.format(n=MIN_K_FOR_TESTS, k=res.k), icon=":material/warning:")
report = run_small_study(a)
measure = measure_unit(spec.measure, a.unit)
tf = report.trim_fill
if report.funnel is None:
    st.warning(f"The funnel plot cannot be drawn: {report.funnel_message}", icon=":material/warning:")
else:
    show_figure(cached_figure("funnel", repr(spec), lambda: funnel_figure(
        report.funnel, tf, title=f"Contour-enhanced funnel plot (k = {res.k})", x_title=measure)),
                key="funnel_chart", filename=f"funnel_{spec.outcome}_{spec.comparison}",
                caption=analysis_caption("funnel", spec))
    st.caption("Shading: the P value a study placed there would have (white: P > 0.10; darker: smaller P). "
               "Dashed: pseudo 95% confidence limits around the pooled estimate (solid line)."
               + (" Hollow circles: studies imputed by trim and fill." if tf is not None and tf.k0 > 0 else ""))

st.subheader("Tests for funnel-plot asymmetry")
c1, c2, c3 = st.columns(3)
with c1:
    asymmetry_column("Egger's regression test", report.egger, report.egger_message, "Egger P",
                "Regression of the standardised effect on precision; the intercept measures asymmetry "
                "(Egger et al. 1997).",
                lambda eg: f"Intercept (bias) {fmt_num(eg.bias)}, SE {fmt_num(eg.se)}, t = {fmt_num(eg.statistic)} "
                           f"on {eg.df:g} df.")
with c2:
    asymmetry_column("Begg's rank correlation test", report.begg, report.begg_message, "Begg P",
                "Kendall's tau between standardised effects and their variances (Begg & Mazumdar 1994).",
                lambda bg: f"Kendall's tau = {fmt_num(bg.kendall_tau)} ({'exact' if bg.exact else 'normal approximation'}).")
with c3:
    st.markdown("**Trim and fill**")
    if tf is None:
        st.write(f"Not computed: {report.trim_fill_message}.")
    else:
        st.metric("Studies filled", f"{tf.k0}", help="Duval & Tweedie's L0 estimator.")
        f = tf.filled
        st.caption(f"Adjusted estimate {fmt_ci(f.estimate, f.ci_low, f.ci_high)} (k = {f.k}), vs "
                   f"{fmt_ci(res.estimate, res.ci_low, res.ci_high)} unadjusted; studies filled on the {tf.side} "
                   "of the funnel."
                   + (TRIM_FILL_BAYES_NOTE if res.is_bayesian else ""))
if res.k < 3:
    st.info(f"With k = {res.k}, none of the three methods can be computed (each needs at least 3 studies). "
            "Include more studies (e.g. Studies → Paper + newer trials) or choose another outcome.",
            icon=":material/info:")
