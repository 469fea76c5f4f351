"""Words for the Bayesian model (issue 22; core.workflow.bayes): its sidebar labels and help, and the
lines a page shows for a Bayesian result."""
from __future__ import annotations

from core.vocab import BAYES_MODEL, PRIOR_FACTORS
from core.words.choices import MODEL_LABELS

BAYES_MODEL_LABEL = "Bayesian (half-normal prior on τ)"
# The sidebar's model labels with the Bayesian one (Streamlit writes the label into the URL).
MODEL_CHOICE_LABELS = {**MODEL_LABELS, BAYES_MODEL: BAYES_MODEL_LABEL}
MODEL_HELP_BAYES = ("Bayesian: random effects with a weakly informative half-normal prior on τ, computed exactly as "
                    "R's bayesmeta does; its interval is a 95% credible interval, suited to very few studies.")
# Prior-scale choices, as URL-friendly codes ("0.25" ... "4") and their labels.
PRIOR_FACTOR_CODES = tuple(f"{f:g}" for f in PRIOR_FACTORS)
PRIOR_FACTOR_LABELS = {code: ("1 × default (½ unit-information SD)" if code == "1" else f"{code} × default")
                       for code in PRIOR_FACTOR_CODES}
PRIOR_HELP = ("Scale of the half-normal prior on τ for the Bayesian model. Default: half the unit-information SD "
              "of the view's studies (√(Σn / Σ1/vᵢ) / 2; Röver et al. 2021, Res Synth Methods 12:448), a weakly "
              "informative prior on the outcome's own scale. Smaller multiples assume less heterogeneity.")
P_BELOW_ZERO_HELP = ("Posterior probability that the pooled effect is below 0 (a Bayesian model has no P value). "
                     "Below 0 means MSC lowered the outcome.")


def prob_text(p: float) -> str:
    """A posterior probability as a page shows it: '0.997', '> 0.999', '< 0.001'."""
    return "> 0.999" if p > 0.999 else "< 0.001" if p < 0.001 else f"{p:.3f}"

PRIOR_SENSITIVITY_NOTE = ("How much the result depends on the prior: the same data with the half-normal prior's scale "
                          "at 0.25 to 4 times the default. With few studies the prior matters; a conclusion that "
                          "holds across these scales does not hinge on it.")


def prior_sensitivity_caption(view: str, scale: float, source: str) -> str:
    """The slide caption of the prior-sensitivity figure."""
    return (f"{view}. Prior sensitivity of the Bayesian model: posterior median and 95% credible interval of the "
            f"pooled effect with a half-normal prior on τ at 0.25, 0.5, 1, 2 and 4 times the default scale (half the "
            f"unit-information SD, {scale:.3g}); flat prior on the pooled effect. Data: {source}.")


def bayes_refits_caption(scale: float) -> str:
    """The Sensitivity page's note on leave-one-out and cumulative refits of a Bayesian view."""
    return (f"These refits keep the main analysis's Bayesian model and its prior (half-normal on τ, scale {scale:.3g}) "
            "for every subset; the robustness variants above derive the prior's scale from each subset's own studies, "
            "so with few studies the two can differ.")


def interval_heading(heading: str, spec) -> str:
    """A heading that names a 95% CI ('Effect (95% CI)'), naming the credible interval instead under the
    Bayesian model."""
    return heading.replace("95% CI", "95% CrI") if spec.model == BAYES_MODEL else heading
# Small-study effects, trim and fill of a Bayesian view (core.workflow.bayes.trim_and_fill).
TRIM_FILL_BAYES_NOTE = (" Both are Bayesian (posterior median, credible interval, the view's prior); the trimming "
                        "steps use DerSimonian–Laird estimates.")
