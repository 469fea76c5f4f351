"""The captions of exported slides other than the Forest view's: each names its own figure's content
first, then the analysis or the data it shows (issue 24, item 5: a figure shown without a caption
once exported with the Forest view's, so the events, flow and completeness slides said "HbA1c ...")."""
from __future__ import annotations

PAPER_AS_PRINTED = "Li et al. 2021, Stem Cell Res Ther 12:273, as printed"

# What an analysis figure shows; its caption goes on with the caption of the analysis it is about.
FIGURE_SUBJECTS = {
    "variant": "Sensitivity: the main analysis and a variant ({changes}); the variant",
    "robustness": "Robustness: the main analysis refitted under every single change of its choices",
    "r_curve": "Sensitivity to the pre-post correlation r: the pooled effect by the r imputed for the SD of the "
               "change",
    "loo": "Leave-one-out: the pooled effect with each study left out in turn",
    "cumulative": "Cumulative meta-analysis: the pooled effect as the studies are added by year",
    "funnel": "Small-study effects: contour-enhanced funnel plot with Egger's and Begg's tests and trim-and-fill",
}
NO_CHANGE = "no change yet"


def analysis_figure_caption(kind: str, analysis_caption: str, changes: list[str] | tuple = ()) -> str:
    """The slide caption of an analysis figure of kind ``kind`` (a key of :data:`FIGURE_SUBJECTS`)."""
    subject = FIGURE_SUBJECTS[kind].format(changes="; ".join(changes) or NO_CHANGE)
    return f"{subject}. {analysis_caption}"


def events_caption() -> str:
    return ("Insulin independence and a >50 % reduction in insulin dose, by diabetes type: the paper's counts, "
            f"with Wilson 95 % CIs computed from them. Data: {PAPER_AS_PRINTED}.")


def flow_caption() -> str:
    return ("Study flow: from the records identified to the studies included (the paper's Fig. 1, counts from "
            f"its text). Data: {PAPER_AS_PRINTED}.")


def completeness_caption(study_set: str, data_source: str) -> str:
    """``study_set``: the studies in words (e.g. "The paper's 10 studies")."""
    return (f"Completeness map: which study × outcome × time point has usable numbers ({study_set}). "
            f"Data: {data_source}.")


__all__ = ["FIGURE_SUBJECTS", "PAPER_AS_PRINTED", "analysis_figure_caption", "completeness_caption",
           "events_caption", "flow_caption"]
