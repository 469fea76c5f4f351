"""The shared choices (one place), their defaults, labels and URL validation.

app.py draws the sidebar widgets with these keys and ``bind="query-params"``, so every
choice lives in ``st.session_state`` and in the URL, and is shared by all pages.
"""
from __future__ import annotations

from dataclasses import fields

import streamlit as st

from core.analysis import (COMPARISON_LABELS, OUTCOME_LABELS, AnalysisSpec)

OUTCOME_OPTIONS = tuple(OUTCOME_LABELS)
COMPARISON_OPTIONS = ("pre_post", "vs_control")
POPULATION_OPTIONS = ("all", "T1DM", "T2DM")
POPULATION_LABELS = {"all": "Both (subgroups)", "T1DM": "T1DM", "T2DM": "T2DM"}
MEASURE_OPTIONS = ("MD", "SMD")
MODEL_OPTIONS = ("auto", "fixed", "random")
MODEL_LABELS = {"auto": "Auto (paper's rule)", "fixed": "Fixed effect (IV)", "random": "Random effects"}
TAU2_OPTIONS = ("DL", "REML", "PM", "ML", "HE", "SJ")
TAU2_LABELS = {"DL": "DerSimonian–Laird", "REML": "REML", "PM": "Paule–Mandel", "ML": "Maximum likelihood",
               "HE": "Hedges", "SJ": "Sidik–Jonkman"}
TIMEPOINT_OPTIONS = ("end", "3", "6", "12")
TIMEPOINT_LABELS = {"end": "End of follow-up", "3": "3 months", "6": "6 months", "12": "12 months"}
SMD_VARIANT_OPTIONS = ("revman5", "hedges_exact")
SMD_VARIANT_LABELS = {"revman5": "RevMan 5 (approximate g)", "hedges_exact": "Exact Hedges' g (metafor)"}
DESIGN_OPTIONS = ("all", "controlled", "rct")
DESIGN_LABELS = {"all": "All designs", "controlled": "Controlled studies only", "rct": "RCTs only"}
PREPOST_OPTIONS = ("change", "independent")
PREPOST_LABELS = {"change": "Mean change (correlation method)", "independent": "After vs before as two groups"}
SET_OPTIONS = ("paper", "all")
SET_LABELS = {"paper": "The paper's 10 studies", "all": "Paper + newer trials"}

# Widget key -> (AnalysisSpec field, default).  Keys are short because they appear in the URL.
DEFAULTS = {"outcome": "hba1c", "comparison": "pre_post", "population": "all", "measure": "MD",
            "model": "auto", "tau2": "DL", "hksj": False, "timepoint": "end", "r": 0.5,
            "smd": "revman5", "design": "all", "exclude": [], "set": "paper", "pi": False,
            "prepost": "change"}
OPTIONS = {"outcome": OUTCOME_OPTIONS, "comparison": COMPARISON_OPTIONS, "population": POPULATION_OPTIONS,
           "measure": MEASURE_OPTIONS, "model": MODEL_OPTIONS, "tau2": TAU2_OPTIONS,
           "timepoint": TIMEPOINT_OPTIONS, "smd": SMD_VARIANT_OPTIONS, "design": DESIGN_OPTIONS,
           "set": SET_OPTIONS, "prepost": PREPOST_OPTIONS}
R_RANGE = (0.0, 0.9)
# Widget key -> {code: label}.  The sidebar shows labels, and Streamlit writes the *label* into
# the URL (e.g. ?measure=SMD&comparison=MSC+vs+control+%28end+of+follow-up%29).
LABELS = {"outcome": OUTCOME_LABELS, "comparison": COMPARISON_LABELS, "population": POPULATION_LABELS,
          "measure": {m: m for m in MEASURE_OPTIONS}, "model": MODEL_LABELS, "tau2": TAU2_LABELS,
          "timepoint": TIMEPOINT_LABELS, "smd": SMD_VARIANT_LABELS, "design": DESIGN_LABELS, "set": SET_LABELS,
          "prepost": PREPOST_LABELS}


def fmt(key: str):
    """The format_func of a choice widget: code -> label."""
    return LABELS[key].get


def url_params(**codes) -> dict:
    """Query parameters (labels, as the bound widgets expect) for a view given by codes.

    Accepts widget keys or AnalysisSpec field names, e.g. ``url_params(outcome="fbg",
    comparison="vs_control", timepoint="12")``; pass the result to ``st.switch_page(...,
    query_params=...)`` or build a link from it.
    """
    out = {}
    for name, code in codes.items():
        key = FIELD_TO_KEY.get(name, name)
        if key in LABELS:
            out[key] = LABELS[key][code]
        elif key in ("hksj", "pi"):
            out[key] = "true" if code else "false"
        elif key == "r":
            out[key] = f"{float(code):g}"
        else:
            raise KeyError(f"unknown setting {name!r}")
    return out

HELP = {
    "outcome": "The outcome pooled across trials.",
    "comparison": "Between arms at follow-up, or the MSC arm after vs before treatment (pre-post).",
    "population": "Both: T1DM and T2DM subgroups with their own diamonds and a test for subgroup differences.",
    "measure": "MD keeps the outcome's units; SMD (Hedges' g) standardises by the SD, as the paper did for FBG, "
               "PBG, F-CP and insulin.",
    "model": "Auto applies the paper's rule: random effects when I² > 50% and P(Q) < 0.10, otherwise fixed.",
    "tau2": "Estimator of the between-study variance τ² used by random effects (RevMan 5 uses DerSimonian–Laird).",
    "hksj": "Hartung–Knapp–Sidik–Jonkman: a t-based CI that is wider and more honest when k is small.",
    "timepoint": "End of follow-up takes each trial's last reported time point; 3/6/12 months match within ±1 "
                 "month (e.g. 24 weeks counts as 6 months).",
    "r": "Correlation between baseline and follow-up values, used to impute the SD of the change (Cochrane "
         "Handbook 16.1.3.2). The paper does not say which r it used; 0.5 is the Handbook's usual choice.",
    "smd": "RevMan 5 uses an approximate small-sample correction; metafor uses the exact one.",
    "design": "Keep only randomised trials, or only trials with a control arm.",
    "exclude": "Leave studies out of every analysis (sensitivity).",
    "set": "The paper's studies reproduce the paper; newer trials never enter the reproduction.",
    "prepost": "How a pre-post effect is computed: the mean change with the SD of the change (the paper's "
               "stated method, needs r), or after vs before entered as two independent groups, as RevMan's "
               "two-arm data entry does (ignores r).",
    "pi": "Draw the 95% prediction interval for a new study's effect under the random-effects model.",
}


# Query parameters Streamlit itself understands (embedding options): never reported as unknown.
IGNORED_PARAMS = ("embed", "embed_options")


def validate_query_params(params: dict, study_ids) -> list[str]:
    """Check URL values before widgets read them; return a notice for each invalid one.

    Streamlit drops invalid bound values silently; users deserve to know why a shared link
    opened with defaults.  Values are never echoed as HTML (pages show notices as plain text).
    """
    notices = []
    for key, raw in params.items():
        if key not in DEFAULTS and key.lower() not in IGNORED_PARAMS:
            notices.append(f"URL parameter {key[:40]!r} is not a setting of this app; it was ignored.")
        elif key in ("hksj", "pi") and raw not in ("true", "false"):
            notices.append(f"URL value for '{key}' was not recognised; using the default (off).")
        elif key in LABELS and raw not in LABELS[key].values():
            notices.append(f"URL value for '{key}' was not recognised; using the default "
                           f"({LABELS[key][DEFAULTS[key]]}).")
        elif key == "r":
            try:
                ok = R_RANGE[0] <= float(raw) <= R_RANGE[1]
            except (TypeError, ValueError):
                ok = False
            if not ok:
                notices.append(f"URL value for 'r' must be a number from {R_RANGE[0]} to {R_RANGE[1]}; using "
                               f"the default ({DEFAULTS['r']}).")
        elif key == "exclude":
            values = params.get_all(key) if hasattr(params, "get_all") else [raw]
            unknown = [v for v in values if v not in set(study_ids)]   # labels of known studies
            if unknown:
                notices.append(f"{len(unknown)} excluded study id(s) in the URL do not exist in this dataset; "
                               "they were ignored.")
    return notices


def spec_from_state(state=None) -> AnalysisSpec:
    """Build the :class:`AnalysisSpec` from the widget values in session state."""
    s = st.session_state if state is None else state

    def get(key):
        v = s.get(key, DEFAULTS[key])
        if key in OPTIONS and v not in OPTIONS[key]:
            return DEFAULTS[key]
        return v

    r = get("r")
    try:
        r = float(r)
    except (TypeError, ValueError):
        r = DEFAULTS["r"]
    r = min(max(r, R_RANGE[0]), R_RANGE[1])
    return AnalysisSpec(outcome=get("outcome"), comparison=get("comparison"), population=get("population"),
                        measure=get("measure"), model=get("model"), tau2_method=get("tau2"),
                        test="knha" if get("hksj") else "z", timepoint=get("timepoint"), r=r,
                        smd_variant=get("smd"), design=get("design"),
                        excluded=tuple(sorted(get("exclude") or ())), study_set=get("set"),
                        prepost=get("prepost"))


SPEC_FIELDS = tuple(f.name for f in fields(AnalysisSpec))
# AnalysisSpec field -> widget key, to open a page with given settings (st.switch_page).
FIELD_TO_KEY = {"outcome": "outcome", "comparison": "comparison", "population": "population", "measure": "measure",
                "model": "model", "tau2_method": "tau2", "timepoint": "timepoint", "r": "r",
                "smd_variant": "smd", "design": "design", "study_set": "set",
                "prepost": "prepost"}


def apply_settings(**settings) -> None:
    """Set shared choices (widget keys or AnalysisSpec field names) before switching page.

    Call it in a widget callback (``on_click``), i.e. before app.py draws the sidebar widgets,
    then ``st.switch_page(page, query_params={})``: with bound widgets, switch_page without
    ``query_params`` raises "Cannot clear query parameters"; ``{}`` lets the bound widgets write
    their new values back into the URL.
    """
    for name, value in settings.items():
        key = FIELD_TO_KEY.get(name, name)
        if key not in DEFAULTS:
            raise KeyError(f"unknown setting {name!r}")
        st.session_state[key] = value
