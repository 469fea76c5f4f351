"""The three descriptions of a view, all built from the same phrases: one line on a page
(view_line), the caption under an exported slide (slide_caption), and the settings lines of a
deck's title slide and a reproduce script's header (settings_lines)."""
from __future__ import annotations

from core.vocab import BAYES_MODEL, OUTCOME_LABELS, Comparison, MdVariance, Measure, Model, PrePost, Tau2, Test
from core.words.bayesian import MODEL_CHOICE_LABELS
from core.words.formats import model_label
from core.words.phrases import (COMPARISON_LABELS, measure_unit, population_phrase, timepoint_phrase,
                                view_title)

# --- view descriptions ---------------------------------------------------------------------------
# A view is described three ways, all from the phrases above: one line on a page (view_line), the
# caption under an exported slide (slide_caption), and the settings lines of a deck's title slide and
# a reproduce script's header (settings_lines).  ``analysis`` is a core.workflow.analysis.ForestAnalysis.

DATA_SOURCE = "Li et al. 2021, Stem Cell Res Ther 12:273 (trial-level numbers re-extracted from the trial reports)"
EFFECT_NAMES = {"MD": "mean difference", "SMD": "standardised mean difference (Hedges' g)"}
CHANGE_NAMES = {"MD": "mean change from baseline", "SMD": "standardised mean change (raw-score)"}


def view_line(spec, method: str | None = None) -> str:
    """The one-line name of a view: outcome · comparison · population · time point · measure · model
    (the fitted ``method`` when given, else the model chosen in the sidebar)."""
    model = model_label(method) if method and spec.model != BAYES_MODEL else MODEL_CHOICE_LABELS[spec.model]
    return f"{view_title(spec)} · {timepoint_phrase(spec.timepoint)} · {spec.measure} · {model}"


def study_count(k: int, participants: int) -> str:
    """'k = 4 studies, 120 participants'."""
    return f"k = {k} {'study' if k == 1 else 'studies'}, {participants} participants"


def sof_studies(k: int, participants: int, names=()) -> str:
    """A summary-of-findings 'Studies' cell: '1 study (42 participants): Cai 2016' names a single
    study; 'k studies (n participants)' otherwise; 'No study' for none."""
    if k == 0:
        return "No study"
    head = f"{k} {'study' if k == 1 else 'studies'} ({participants} participants)"
    return f"{head}: {names[0]}" if k == 1 and names else head


def independent_prepost(spec) -> bool:
    """True when a pre-post view compares after vs before as two independent groups (no r used)."""
    return spec.comparison == Comparison.PRE_POST and spec.prepost == PrePost.INDEPENDENT


def effect_description(spec) -> str:
    """The effect in words: 'mean difference', 'mean change from baseline, r = 0.5', ..."""
    if independent_prepost(spec):
        return EFFECT_NAMES[spec.measure] + ", after vs baseline as independent groups"
    if spec.comparison == Comparison.PRE_POST:
        return f"{CHANGE_NAMES[spec.measure]}, r = {spec.r:g}"
    return EFFECT_NAMES[spec.measure]


def model_description(analysis) -> str:
    """'random effects (inverse variance) (paper's rule); τ² estimator REML; Wald z CI': the model
    fitted, its τ² estimator and its CI test."""
    spec, method = analysis.spec, analysis.method or ""
    if spec.model == BAYES_MODEL and analysis.pooled is not None:
        return (f"Bayesian random effects; half-normal prior on τ (scale {analysis.pooled.prior_scale:.3g}), flat on "
                f"the pooled effect; {spec.level * 100:g}% credible interval")
    if method == Tau2.FE:
        model, tau = "fixed effect (inverse variance)", "τ² not estimated (fixed effect)"
    elif method:
        model, tau = "random effects (inverse variance)", f"τ² estimator {method}"
    else:
        model, tau = f"{spec.model} (nothing pooled)", f"τ² estimator {spec.tau2_method}"
    hksj = analysis.pooled is not None and analysis.pooled.test == Test.HKSJ
    auto = " (paper's rule)" if spec.model == Model.AUTO else ""
    return f"{model}{auto}; {tau}; {'Hartung–Knapp (HKSJ) CI' if hksj else 'Wald z CI'}"


def _model_phrase(analysis) -> str:
    """'a fixed-effect model (the paper's rule)', 'a random-effects model (τ² by REML, Hartung–Knapp CI)'."""
    spec, method = analysis.spec, analysis.method or ""
    hksj = analysis.pooled is not None and analysis.pooled.test == Test.HKSJ
    if spec.model == BAYES_MODEL and analysis.pooled is not None:
        return (f"a Bayesian random-effects model (half-normal prior on τ, scale {analysis.pooled.prior_scale:.3g}; "
                "credible intervals)")
    if method == Tau2.FE:
        model = "a fixed-effect model"
    elif method:
        model = f"a random-effects model (τ² by {method}{', Hartung–Knapp CI' if hksj else ''})"
    else:
        model = "no model (nothing pooled)"
    return model + (" chosen by the paper's rule" if spec.model == Model.AUTO and method else "")


def _effect_phrase(spec, unit) -> str:
    """'Mean difference (MD, %)', 'Mean change from baseline (MD, %), before–after correlation assumed 0.5'."""
    measure = f"{spec.measure}, {unit}" if spec.measure == Measure.MD and unit else spec.measure
    if independent_prepost(spec):
        return f"{EFFECT_NAMES[spec.measure].capitalize()} of after vs before as independent groups ({measure})"
    if spec.comparison == Comparison.PRE_POST:
        return (f"{CHANGE_NAMES[spec.measure].capitalize()} ({measure}), before–after correlation assumed "
                f"{spec.r:g}")
    return f"{EFFECT_NAMES[spec.measure].capitalize()} ({measure})"


def studies_in_scope(k: int, in_scope: int, participants: int) -> str:
    """'2 of 11 studies in scope have usable numbers (54 participants)'; '4 studies (120 participants)'
    when every study in scope contributes."""
    if in_scope > k:
        return (f"{k} of {in_scope} studies in scope {'has' if k == 1 else 'have'} usable numbers "
                f"({participants} participants)")
    return f"{k} {'study' if k == 1 else 'studies'} ({participants} participants)"


def slide_caption(analysis, data_source: str = DATA_SOURCE, *, dataset_name: str | None = None,
                  certainty: str = "") -> str:
    """The caption printed under an exported figure, for a slide's audience: what was pooled, how,
    from how many of the studies in scope, how certain (``certainty``: the GRADE line, when known),
    and from what data (after ``dataset_name``)."""
    spec = analysis.spec
    source = data_source if dataset_name is None else f"{dataset_name}; {data_source}"
    in_scope = analysis.k + len(analysis.unavailable_records)
    parts = [f"{OUTCOME_LABELS[spec.outcome]} · {COMPARISON_LABELS[spec.comparison]} · "
             f"{population_phrase(spec.population, subgroups=True)} · {timepoint_phrase(spec.timepoint)}.",
             f"{_effect_phrase(spec, analysis.unit)}; {_model_phrase(analysis)}.",
             f"{studies_in_scope(analysis.k, in_scope, analysis.participants)}."]
    if certainty:
        parts.append(f"{certainty}.")
    parts.append(f"Data: {source}.")
    return " ".join(parts)


def settings_lines(spec, analysis=None) -> list[str]:
    """Lines naming every setting of a view (a deck's title slide, a reproduce script's header);
    with ``analysis``, the model fitted and k."""
    fitted = f" -> {analysis.method}" if analysis is not None and analysis.method else ""
    variant = f" (SMD variant: {spec.smd_variant})" if spec.measure == Measure.SMD else ""
    if spec.measure == Measure.MD and spec.md_variance == MdVariance.POOLED:
        variant = " (variance from the pooled SD: equal variances)"
    lines = [f"Outcome: {OUTCOME_LABELS[spec.outcome]}", f"Comparison: {COMPARISON_LABELS[spec.comparison]}",
             f"Population: {population_phrase(spec.population, subgroups=True)}",
             f"Time point: {timepoint_phrase(spec.timepoint)}", f"Measure: {spec.measure}{variant}",
             (f"Model: {MODEL_CHOICE_LABELS[spec.model]}, scale {spec.prior_factor:g} × half the unit-information "
              f"SD; {spec.level * 100:g}% credible interval" if spec.model == BAYES_MODEL else
              f"Model: {spec.model}{fitted}; tau² estimator: {spec.tau2_method}; CI test: {spec.test}"),
             f"Designs: {spec.design}; study set: {spec.study_set}; excluded: {', '.join(spec.excluded) or 'none'}"]
    if independent_prepost(spec):
        lines.append("Pre-post analysed as independent groups (no correlation used)")
    elif spec.comparison == Comparison.PRE_POST:
        lines.append(f"Pre-post correlation r = {spec.r:g}")
    if analysis is not None:
        lines.append(study_count(analysis.k, analysis.participants))
    return lines
