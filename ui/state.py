"""The shared choices, written once: widget key, AnalysisSpec field, default, options and labels.

app.py draws the sidebar widgets with these keys and ``bind="query-params"``, so every
choice lives in ``st.session_state`` and in the URL, and is shared by all pages.  Every other
mapping here (defaults, options, labels, field <-> key, spec <-> widget values) derives from
:data:`CHOICES`.  Codes come from :mod:`core.vocab`, the words a user reads from :mod:`core.words`.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Callable, Mapping

import streamlit as st
from streamlit.errors import StreamlitAPIException

from core import vocab
from core.workflow.analysis import AnalysisSpec
from core.vocab import (OUTCOME_LABELS, Comparison, Design, Measure, Model, PrePost, SmdVariant, StudySet, Test,
                        TimePoint)
from core.words import (COMPARISON_LABELS, DESIGN_LABELS, MEASURE_LABELS, POPULATION_CHOICES, PREPOST_LABELS,
                        SET_LABELS, SMD_VARIANT_LABELS, TAU2_LABELS, TIMEPOINT_LABELS)
from core.words.bayesian import MODEL_CHOICE_LABELS, PRIOR_FACTOR_CODES, PRIOR_FACTOR_LABELS
from core.words.characteristics import FOREST_COLUMN_LABELS, REGRESSOR_LABELS, SORT_LABELS, SUBGROUP_LABELS
from core.words.controls import CONTROL_HELP, CONTROL_TITLES, NOT_APPLICABLE_HELP

R_RANGE = (0.0, 0.9)
# The Cochrane Handbook's usual pre-post correlation (16.1.3.2); the paper does not say which it used.
R_DEFAULT = 0.5


def _codes(values) -> tuple[str, ...]:
    """Plain strings (not StrEnum members), so widget values and spec reprs stay plain."""
    return tuple(str(v) for v in values)


def _clamped_r(value) -> float:
    try:
        r = float(value)
    except (TypeError, ValueError):
        r = R_DEFAULT
    return min(max(r, R_RANGE[0]), R_RANGE[1])


class Kind(StrEnum):
    """The widget that draws a choice (ui.controls.draw)."""

    SELECTBOX = "selectbox"
    RADIO = "radio"
    HRADIO = "horizontal radio"
    CHECKBOX = "checkbox"
    TOGGLE = "toggle"
    SLIDER = "slider"
    MULTISELECT = "multiselect"


@dataclass(frozen=True, slots=True)
class Gate:
    """When a choice's widget is drawn disabled: ``off(values)`` reads the other choices' widget values
    by key.  ``help`` replaces the choice's help while it is off.  ``variant_only``: only a variant's
    controls (Sensitivity) apply it, where the choice it depends on is the main analysis's and fixed; the
    sidebar leaves it enabled, since there that choice can change next to it."""

    off: Callable[[Mapping], bool]
    help: str | None = None
    variant_only: bool = False


@dataclass(frozen=True, slots=True)
class Choice:
    """One shared choice.  ``key`` is the widget key and URL parameter (short, since it shows in the
    URL); ``field`` the AnalysisSpec field it sets (None: a display option only); ``to_spec`` /
    ``to_widget`` convert where the widget value is not the spec value itself.  ``kind``, ``title``,
    ``help`` and ``gate`` say how :func:`ui.controls.draw` draws it (``span``: a slider's min, max, step)."""

    key: str
    field: str | None
    default: Any
    options: tuple[str, ...] | None = None
    labels: dict | None = None
    to_spec: Callable[[Any], Any] | None = None
    to_widget: Callable[[Any], Any] | None = None
    kind: Kind = Kind.RADIO
    gate: Gate | None = None
    span: tuple[float, float, float] | None = None

    @property
    def title(self) -> str:
        return CONTROL_TITLES[self.key]

    @property
    def help(self) -> str | None:
        return CONTROL_HELP.get(self.key)


def _pre_post_only(help_key: str) -> Gate:
    return Gate(lambda v: v.get("comparison") != Comparison.PRE_POST, NOT_APPLICABLE_HELP[help_key],
                variant_only=True)


# The order of the sidebar is app.py's; this table's order is the URL's and the spec's.
CHOICES: tuple[Choice, ...] = (
    Choice("outcome", "outcome", str(vocab.Outcome.HBA1C), _codes(vocab.OUTCOMES), OUTCOME_LABELS,
           kind=Kind.SELECTBOX),
    Choice("comparison", "comparison", str(Comparison.PRE_POST),
           _codes((Comparison.PRE_POST, Comparison.VS_CONTROL)), COMPARISON_LABELS),
    Choice("population", "population", str(vocab.Population.ALL), _codes(vocab.POPULATIONS), POPULATION_CHOICES,
           kind=Kind.HRADIO),
    Choice("measure", "measure", str(Measure.MD), vocab.MEASURES, MEASURE_LABELS, kind=Kind.HRADIO),
    Choice("model", "model", str(Model.AUTO), vocab.ANALYSIS_MODELS, MODEL_CHOICE_LABELS),
    # The Bayesian model's prior scale on tau, as a multiple of its default (issue 22).
    Choice("prior", "prior_factor", "1", PRIOR_FACTOR_CODES, PRIOR_FACTOR_LABELS, to_spec=float,
           to_widget=lambda f: f"{f:g}", kind=Kind.SELECTBOX, gate=Gate(lambda v: v.get("model") != Model.BAYES)),
    Choice("tau2", "tau2_method", str(vocab.Tau2.DL), _codes(vocab.RANDOM_ESTIMATORS), TAU2_LABELS,
           kind=Kind.SELECTBOX),
    # The URL key is the test's code: the concept has one name.
    Choice(Test.HKSJ.value, "test", False, to_spec=lambda on: str(Test.HKSJ if on else Test.Z),
           to_widget=lambda t: t == Test.HKSJ, kind=Kind.CHECKBOX),
    Choice("floor", "hksj_floor", False, to_spec=bool, kind=Kind.CHECKBOX,
           gate=Gate(lambda v: not v.get(Test.HKSJ, False))),
    Choice("timepoint", "timepoint", str(TimePoint.END), vocab.TIMEPOINTS, TIMEPOINT_LABELS, kind=Kind.SELECTBOX),
    Choice("r", "r", R_DEFAULT, to_spec=_clamped_r, kind=Kind.SLIDER, gate=_pre_post_only("r"),
           span=(*R_RANGE, 0.05)),
    Choice("smd", "smd_variant", str(SmdVariant.REVMAN5), vocab.SMD_VARIANTS, SMD_VARIANT_LABELS,
           gate=Gate(lambda v: v.get("measure") != Measure.SMD, NOT_APPLICABLE_HELP["smd"], variant_only=True)),
    Choice("design", "design", str(Design.ALL), vocab.DESIGNS, DESIGN_LABELS),
    Choice("exclude", "excluded", (), to_spec=lambda ids: tuple(sorted(ids or ())), to_widget=list,
           kind=Kind.MULTISELECT),
    Choice("set", "study_set", str(StudySet.PAPER), vocab.STUDY_SETS, SET_LABELS),
    Choice("pi", None, False, kind=Kind.CHECKBOX),
    Choice("prepost", "prepost", str(PrePost.CHANGE), vocab.PREPOST_METHODS, PREPOST_LABELS,
           gate=_pre_post_only("prepost")),
    # The Forest plot's display choices (issue 25): study columns beside the names, and their order.
    Choice("cols", None, (), _codes(vocab.FOREST_COLUMNS), FOREST_COLUMN_LABELS, to_widget=list,
           kind=Kind.MULTISELECT),
    Choice("sort", None, vocab.FOREST_SORTS[0], _codes(vocab.FOREST_SORTS), SORT_LABELS, kind=Kind.SELECTBOX),
    # The "Which MSC therapy?" page's splits (issue 25): subgroups by a category, meta-regression on a number.
    Choice("subby", None, "dm_type", _codes(vocab.SUBGROUP_KEYS), SUBGROUP_LABELS, kind=Kind.SELECTBOX),
    Choice("regon", None, "dose_per_kg", _codes(vocab.REGRESSORS), REGRESSOR_LABELS, kind=Kind.SELECTBOX),
    # The Summary of findings' subgroup rows (issue 25 item 5), split by the "subby" choice.
    Choice("sofsub", None, False, kind=Kind.TOGGLE),
)
CHOICE_BY_KEY = {c.key: c for c in CHOICES}
DEFAULTS = {c.key: (list(c.default) if isinstance(c.default, tuple) else c.default) for c in CHOICES}
# Choices that hold several values (a multiselect: the URL repeats the parameter).
LIST_KEYS = tuple(c.key for c in CHOICES if isinstance(c.default, tuple))
OPTIONS = {c.key: c.options for c in CHOICES if c.options}
# Widget key -> {code: label}.  The sidebar shows labels, and Streamlit writes the *label* into
# the URL (e.g. ?measure=SMD&comparison=MSC+vs+control+%28end+of+follow-up%29).
LABELS = {c.key: c.labels for c in CHOICES if c.labels}
FIELD_TO_KEY = {c.field: c.key for c in CHOICES if c.field}
BOOL_KEYS = tuple(c.key for c in CHOICES if isinstance(c.default, bool))
SPEC_FIELDS = tuple(f.name for f in fields(AnalysisSpec))

# Query parameters Streamlit itself understands (embedding options): never reported as unknown.
IGNORED_PARAMS = ("embed", "embed_options")
# Query parameters of the app that are not choices: the saved dataset (checked in ui/datasets.py).
OTHER_PARAMS = ("ds",)


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
        elif key in BOOL_KEYS:
            out[key] = "true" if code else "false"
        elif key == "r":
            out[key] = f"{float(code):g}"
        else:
            raise KeyError(f"unknown setting {name!r}")
    return out


def carry_choices_into_url(query_params, state, study_labels: dict) -> dict:
    """Write the session's non-default choices back into an empty URL, and return what was written.

    Streamlit builds its page links without the query string, so after an in-app page switch the
    URL holds none of the choices and every widget bound to it would fall back to its default: the
    view the user built would be lost on the next page.  Run before the sidebar's widgets are drawn;
    a fresh session has no choices in ``state``, so a bare URL still opens the defaults.
    """
    written = {}
    for c in CHOICES:
        if c.key not in state or c.key in query_params:
            continue
        value, default = state[c.key], DEFAULTS[c.key]
        seq = isinstance(value, (list, tuple))
        if value is None or (tuple(value) == tuple(default) if seq else value == default) or (seq and not value):
            continue
        if c.key == "exclude":
            param = [study_labels.get(v, v) for v in value]
        elif isinstance(value, (list, tuple)):
            param = [LABELS[c.key].get(v, str(v)) if c.key in LABELS else str(v) for v in value]
        elif c.key in LABELS and value not in LABELS[c.key]:
            continue                     # not a choice the widget offers: its own check reports it
        else:
            param = url_params(**{c.key: value})[c.key]
        try:
            query_params[c.key] = param
        except StreamlitAPIException:    # still bound on this page: Streamlit keeps it in step itself
            continue
        state[c.key] = value             # the session's value wins over the (empty) URL the page opened with
        written[c.key] = param
    return written


def _r_notice(raw) -> str | None:
    try:
        ok = R_RANGE[0] <= float(raw) <= R_RANGE[1]
    except (TypeError, ValueError):
        ok = False
    return None if ok else (f"URL value for 'r' must be a number from {R_RANGE[0]} to {R_RANGE[1]}; using "
                            f"the default ({DEFAULTS['r']}).")


def _param_notice(params, key: str, raw, study_ids) -> str | None:
    if key in OTHER_PARAMS:
        return None
    if key not in DEFAULTS and key.lower() not in IGNORED_PARAMS:
        return f"URL parameter {key[:40]!r} is not a setting of this app; it was ignored."
    if key in LIST_KEYS and key in LABELS:
        values = params.get_all(key) if hasattr(params, "get_all") else [raw]
        if any(v not in LABELS[key].values() and v not in LABELS[key] for v in values):
            return f"URL value(s) for '{key}' were not recognised; they were ignored."
        return None
    if key in BOOL_KEYS and raw not in ("true", "false"):
        return f"URL value for '{key}' was not recognised; using the default (off)."
    if key in LABELS and raw not in LABELS[key].values():
        return f"URL value for '{key}' was not recognised; using the default ({LABELS[key][DEFAULTS[key]]})."
    if key == "r":
        return _r_notice(raw)
    if key == "exclude":
        values = params.get_all(key) if hasattr(params, "get_all") else [raw]
        unknown = [v for v in values if v not in set(study_ids)]   # labels of known studies
        if unknown:
            return (f"{len(unknown)} excluded study id(s) in the URL do not exist in this dataset; "
                    "they were ignored.")
    return None


def validate_query_params(params: dict, study_ids) -> list[str]:
    """Check URL values before widgets read them; return a notice for each invalid one.

    Streamlit drops invalid bound values silently; users deserve to know why a shared link
    opened with defaults.  Values are never echoed as HTML (pages show notices as plain text).
    """
    study_ids = list(study_ids)
    notices = (_param_notice(params, key, raw, study_ids) for key, raw in params.items())
    return [n for n in notices if n]


def _widget_value(s, choice: Choice, prefix: str):
    """The widget value under ``prefix + key``, else the unprefixed one, else the default;
    a value that is not one of the options falls back to the default."""
    for key in (prefix + choice.key, choice.key):
        if key in s:
            value = s[key]
            break
    else:
        value = choice.default
    if choice.options and value not in choice.options:
        return choice.default
    return value


def spec_from_state(state=None, prefix: str = "") -> AnalysisSpec:
    """Build the :class:`AnalysisSpec` from the widget values in session state.

    With a ``prefix`` (e.g. ``"sens_"``), each choice is read from ``prefix + key`` where that
    widget exists, and from the shared sidebar widget otherwise: a variant of the main analysis.
    """
    s = st.session_state if state is None else state
    values = {}
    for choice in CHOICES:
        if choice.field:
            value = _widget_value(s, choice, prefix)
            values[choice.field] = choice.to_spec(value) if choice.to_spec else value
    return AnalysisSpec(**values)


def widget_values(spec: AnalysisSpec, keys=None, prefix: str = "") -> Mapping:
    """The widget values that show ``spec``: ``{prefix + key: value}`` (read-only) for the given
    widget keys (default: every choice that sets a spec field).  The inverse of :func:`spec_from_state`."""
    chosen = [CHOICE_BY_KEY[k] for k in keys] if keys is not None else [c for c in CHOICES if c.field]
    out = {}
    for c in chosen:
        value = getattr(spec, c.field)
        out[prefix + c.key] = c.to_widget(value) if c.to_widget else value
    return MappingProxyType(out)


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
