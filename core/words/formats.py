"""Number formats and the statistical lines of a forest plot, as RevMan 5 prints them.

Estimates and CIs to 2 decimals, P values to 2 significant figures down to "P < 0.00001", I^2 as a
whole percent, true minus signs.
"""
from __future__ import annotations

import html
import math

from core.vocab import BAYES_MODEL, Comparison, Tau2, Test
from core.words.bayesian import BAYES_MODEL_LABEL

MINUS = "\u2212"


def plain(text) -> str:
    """A dataset's or user's text as plotly draws it: literally.

    Plotly reads a subset of HTML in every text it draws (``<b>``, ``<i>``, ``<br>``, ``<span style>``,
    ``<a href>`` as a live link, also in kaleido's SVG/PDF/PNG), and turns entities back into characters;
    so ``&``, ``<`` and ``>`` are escaped and a study named ``<i>X</i>`` reads as typed."""
    return html.escape(str(text), quote=False)


def fmt_num(x: float, digits: int = 2) -> str:
    """A number with a true minus sign, as RevMan prints; 'NA' for a missing value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    s = f"{x:.{digits}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s.replace("-", MINUS)


def fmt_p(p: float) -> str:
    """RevMan-style P value: 'P < 0.00001'; below 0.01 one significant figure ('P = 0.0002',
    'P = 0.003'); otherwise 2 decimals ('P = 0.17'), as the paper's Results print them."""
    if p is None or math.isnan(p):
        return "P not applicable"
    if p < 0.00001:
        return "P < 0.00001"
    if p >= 0.995:
        return "P = 1.00"
    if p >= 0.00995:
        return f"P = {p:.2f}"
    digits = -int(math.floor(math.log10(p)))
    rounded = round(p, digits)
    if rounded >= 10 ** (1 - digits):   # 0.00995 -> 0.01 etc.
        digits -= 1
    return f"P = {p:.{digits}f}"


def fmt_ci(est: float, low: float, high: float, digits: int = 2) -> str:
    """'-0.66 [-1.61, 0.29]' with true minus signs."""
    return f"{fmt_num(est, digits)} [{fmt_num(low, digits)}, {fmt_num(high, digits)}]"


def heterogeneity_line(res) -> str:
    """RevMan's heterogeneity line for a pooled result (Tau² shown for random effects only)."""
    if res.k < 2:
        return "Heterogeneity: not applicable (k = 1)"
    tau = f"Tau² = {fmt_num(res.tau2)}; " if res.method != Tau2.FE else ""
    if res.is_bayesian:
        tau = f"Tau² (posterior median of τ, squared) = {fmt_num(res.tau2)}; "
    return (f"Heterogeneity: {tau}Chi² = {fmt_num(res.q)}, df = {res.q_df} ({fmt_p(res.q_pvalue)}); "
            f"I² = {res.i2:.0f}%")


def overall_effect_line(res) -> str:
    """'Test for overall effect: Z = 2.60 (P = 0.009)'; with HKSJ 't = 2.10, df = 4 (P = 0.10)'; for the
    Bayesian model the posterior probability of an effect below 0 (there is no test)."""
    if res.is_bayesian:
        p = res.prob_below_zero
        shown = "> 0.999" if p > 0.999 else "< 0.001" if p < 0.001 else f"= {p:.3f}"
        return f"Posterior probability of an effect below 0: P(μ < 0) {shown} (no test: Bayesian model)"
    if getattr(res, "test", Test.Z) == Test.HKSJ:     # t is +-Inf when the studies' effects are identical (metafor: Inf)
        t = "∞" if math.isinf(res.statistic) else "NA" if math.isnan(res.statistic) else f"{abs(res.statistic):.2f}"
        return f"Test for overall effect (HKSJ): t = {t}, df = {res.df:.0f} ({fmt_p(res.pvalue)})"
    return f"Test for overall effect: Z = {abs(res.statistic):.2f} ({fmt_p(res.pvalue)})"


def prediction_interval_line(res) -> str:
    """'95% prediction interval [-2.10, 0.40] (t, k - 2 df)'; explains when it is undefined."""
    if res.method == Tau2.FE:
        return "Prediction interval: shown for random-effects models only"
    if math.isnan(res.pi_low):
        return "Prediction interval: not defined for this k"
    if res.is_bayesian:
        return (f"{res.level * 100:g}% predictive interval for a new study [{fmt_num(res.pi_low)}, "
                f"{fmt_num(res.pi_high)}] (posterior predictive)")
    return (f"{int(round(res.level * 100))}% prediction interval [{fmt_num(res.pi_low)}, {fmt_num(res.pi_high)}] "
            f"({res.pi_dist})")


def subgroup_test_line(sub) -> str:
    """'Test for subgroup differences: Chi² = 1.23, df = 1 (P = 0.27), I² = 18.7%'."""
    if sub.df_between < 1:
        return "Test for subgroup differences: not applicable (one subgroup)"
    if sub.overall.is_bayesian:
        return ("Test for subgroup differences: not applicable to the Bayesian model (compare the subgroups' "
                "credible intervals)")
    if math.isnan(sub.q_between):     # a subgroup's HKSJ SE is 0 (identical effects): its weight is infinite
        return ("Test for subgroup differences: not computable (a subgroup's studies have identical effects, so "
                "its HKSJ standard error is 0)")
    return (f"Test for subgroup differences: Chi² = {fmt_num(sub.q_between)}, df = {sub.df_between} "
            f"({fmt_p(sub.p_between)}), I² = {sub.i2_between:.1f}%")


def model_label(method: str) -> str:
    if method == BAYES_MODEL:       # a Variant of the Bayesian model (core.workflow.robustness)
        return BAYES_MODEL_LABEL
    return "Fixed effect (IV)" if method == Tau2.FE else f"Random effects ({method})"


def favours_labels(lower_is_better: bool, comparison: str) -> tuple[str, str]:
    """(left label, right label) under the forest plot's axis.

    Left of zero is a negative difference (MSC minus control, or after minus before).  For
    outcomes where lower is better that favours MSC; for C-peptide it favours the comparator.
    """
    good, bad = (("Favours MSC", "Favours control") if comparison == Comparison.VS_CONTROL
                 else ("Favours after MSC", "Favours before MSC"))
    return (good, bad) if lower_is_better else (bad, good)
