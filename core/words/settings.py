"""A deck's title slide in words (issue 26 item 8): the settings lines of :func:`core.words.views.settings_lines`
with the model and the study selection named as the sidebar names them, never as codes ('auto -> FE', 'DL',
'z', 'Designs: all; study set: paper')."""
from __future__ import annotations

from core.vocab import Model, Tau2, Test
from core.words.choices import DESIGN_LABELS, MODEL_LABELS, SET_LABELS, SMD_VARIANT_LABELS, TAU2_LABELS
from core.words.views import settings_lines

CI_TEST_WORDS = {Test.Z: "Wald z", Test.HKSJ: "Hartung–Knapp (HKSJ)"}


def _model_line(spec, analysis) -> str:
    method = getattr(analysis, "method", "") or ""
    fitted = ""
    if method and spec.model == Model.AUTO:     # the paper's rule: say which model it chose
        fitted = " → fixed effect" if method == Tau2.FE else " → random effects"
    estimator = TAU2_LABELS.get(spec.tau2_method, spec.tau2_method)
    tau = "" if method == Tau2.FE or spec.model == Model.FIXED else f"; τ² estimator: {estimator}"
    return f"Model: {MODEL_LABELS[spec.model]}{fitted}{tau}; CI: {CI_TEST_WORDS.get(spec.test, spec.test)}"


def deck_settings_lines(spec, analysis=None, labels: dict | None = None) -> list[str]:
    """:func:`settings_lines` for people: the model, τ² estimator, CI, designs, study set, SMD variant and the
    excluded studies (by their ``labels``: 'Guan 2015', not 'Guan2015') in the sidebar's words."""
    labels = labels or {}
    out = []
    for line in settings_lines(spec, analysis):
        if line.startswith("Model: ") and spec.model in MODEL_LABELS:
            line = _model_line(spec, analysis)
        elif line.startswith("Designs: "):
            excluded = ", ".join(labels.get(s, s) for s in spec.excluded) or "none"
            line = (f"Designs: {DESIGN_LABELS.get(spec.design, spec.design)}; studies: "
                    f"{SET_LABELS.get(spec.study_set, spec.study_set)}; excluded: {excluded}")
        elif line.startswith("Measure: SMD (SMD variant: "):
            line = f"Measure: SMD, {SMD_VARIANT_LABELS.get(spec.smd_variant, spec.smd_variant)}"
        out.append(line)
    return out
