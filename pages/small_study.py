"""Small-study effects: contour-enhanced funnel plot, Egger's and Begg's tests, trim and fill."""
from __future__ import annotations

import streamlit as st

from core.bias import MIN_K_FOR_TESTS
from core.figures.funnel import funnel_figure
from core.words import fmt_ci, fmt_num, fmt_p
from ui.cache import run_analysis
from ui.cache_sensitivity import cached_figure, run_bias
from ui.components import page_header, settings_line, show_figure

CAUTION = (
    "**Too few studies to judge small-study effects.** With fewer than {n} studies, tests for funnel-plot "
    "asymmetry are too weak to tell chance from real asymmetry, so the Cochrane Handbook (section 13.3.5.4) "
    "advises against using them. This analysis has k = {k}. The plot and tests below are shown so that you can "
    "see the data, not to draw conclusions about publication bias. Asymmetry can also come from real "
    "differences between small and large trials, not only from missing studies.")

spec = page_header("Small-study effects", "Do smaller trials show larger effects? A funnel plot shows each trial's "
                                          "effect against its precision; asymmetry can hint at missing studies.")
a = run_analysis(spec)
st.markdown(f"**{settings_line(spec, a.method or None)}**")
if a.pooled is None:
    st.warning(a.message + " Choose another outcome, comparison or time point in the sidebar.",
               icon=":material/info:")
    st.stop()

res = a.pooled
if res.k < MIN_K_FOR_TESTS:
    st.warning(CAUTION.format(n=MIN_K_FOR_TESTS, k=res.k), icon=":material/warning:")
bias = run_bias(spec, res)
measure = spec.measure + (f" ({a.unit})" if spec.measure == "MD" and a.unit else "")
fd, tf = bias["funnel_data"], bias["trim_and_fill"]
tf_ok = not isinstance(tf, Exception)
if isinstance(fd, Exception):
    st.warning(f"The funnel plot cannot be drawn: {fd}", icon=":material/warning:")
else:
    show_figure(cached_figure("funnel", repr(spec), lambda: funnel_figure(
        fd, tf if tf_ok else None, title=f"Contour-enhanced funnel plot (k = {res.k})", x_title=measure)),
                key="funnel_chart", filename=f"funnel_{spec.outcome}_{spec.comparison}")
    st.caption("Shading: the P value a study placed there would have (white: P > 0.10; darker: smaller P). "
               "Dashed: pseudo 95% confidence limits around the pooled estimate (solid line). "
               "Hollow circles: studies imputed by trim and fill.")

st.subheader("Tests for funnel-plot asymmetry")
c1, c2, c3 = st.columns(3)
eg, bg = bias["egger_test"], bias["begg_test"]
with c1:
    st.markdown("**Egger's regression test**")
    if isinstance(eg, Exception):
        st.write(f"Not computed: {eg}.")
    else:
        st.metric("Egger P", fmt_p(eg.pvalue).removeprefix("P ").removeprefix("= "),
                  help="Regression of the standardised effect on precision; the intercept measures asymmetry "
                       "(Egger et al. 1997).")
        st.caption(f"Intercept (bias) {fmt_num(eg.bias)}, SE {fmt_num(eg.se)}, t = {fmt_num(eg.statistic)} on "
                   f"{eg.df:g} df.")
with c2:
    st.markdown("**Begg's rank correlation test**")
    if isinstance(bg, Exception):
        st.write(f"Not computed: {bg}.")
    else:
        st.metric("Begg P", fmt_p(bg.pvalue).removeprefix("P ").removeprefix("= "),
                  help="Kendall's tau between standardised effects and their variances (Begg & Mazumdar 1994).")
        st.caption(f"Kendall's tau = {fmt_num(bg.tau)} ({'exact' if bg.exact else 'normal approximation'}).")
with c3:
    st.markdown("**Trim and fill**")
    if not tf_ok:
        st.write(f"Not computed: {tf}.")
    else:
        st.metric("Studies filled", f"{tf.k0}", help="Duval & Tweedie's L0 estimator.")
        f = tf.filled
        st.caption(f"Adjusted estimate {fmt_ci(f.estimate, f.ci_low, f.ci_high)} (k = {f.k}), vs "
                   f"{fmt_ci(res.estimate, res.ci_low, res.ci_high)} unadjusted; studies filled on the {tf.side} "
                   "of the funnel.")
if res.k < 3:
    st.info(f"With k = {res.k}, none of the three methods can be computed (each needs at least 3 studies). "
            "Include more studies (e.g. Studies → Paper + newer trials) or choose another outcome.",
            icon=":material/info:")
