"""One function draws any shared choice of :data:`ui.state.CHOICES`.

The sidebar (app.py), the Sensitivity page's variant controls and the Which MSC therapy? page call
:func:`draw`, so a choice's title, help, options, labels and disabled rule are written once, in the table.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

import streamlit as st

from core.vocab import Test
from ui import state as S
from ui.state import Kind

# The sidebar's choices in order, as app.py draws them: (expander title or None, widget keys).  Every widget's
# key is its URL query parameter; how each is drawn (title, help, options, labels, disabled rule) is CHOICES's.
SIDEBAR = (
    (None, ("outcome", "comparison", "population", "measure", "model", "timepoint", "set")),
    ("Model details and sensitivity", ("tau2", Test.HKSJ, "floor", "prior", "pi", "smd", "prepost", "r", "design",
                                       "exclude")),
    ("Forest plot: study columns and order", ("cols", "sort")),     # issue 25
)


def _disabled(choice: S.Choice, values: Mapping, variant: bool) -> tuple[bool, str | None]:
    """Whether the widget is off, and the help it shows."""
    gate = choice.gate
    if gate is None or (gate.variant_only and not variant) or not gate.off(values):
        return False, choice.help
    return True, gate.help or choice.help


def draw(key: str, *, container: Any = None, prefix: str = "", bind: str | None = None,
         values: Mapping | None = None, options=None, format_func: Callable | None = None,
         width: int | str | None = None) -> Any:
    """Draw the choice ``key`` in ``container`` (default: the current one) under the widget key
    ``prefix + key``, and return its value.

    ``bind="query-params"`` ties it to the URL (the sidebar; its default is then the URL's fallback).
    With a ``prefix`` it is a variant's control: ``values`` (default: session state) are the widget
    values its disabled rule reads -- for a variant, the main analysis's.  ``options`` and
    ``format_func`` replace the table's where they depend on the dataset (the studies to exclude).
    """
    c = S.CHOICE_BY_KEY[key]
    box = st if container is None else container
    disabled, help_ = _disabled(c, st.session_state if values is None else values, variant=bool(prefix))
    kw: dict[str, Any] = {"key": prefix + key, "help": help_, "disabled": disabled}
    if bind:
        kw["bind"] = bind
    if width is not None:
        kw["width"] = width
    opts = tuple(options) if options is not None else c.options
    fmt = format_func or (S.fmt(key) if c.labels else str)
    if c.kind is Kind.CHECKBOX:
        return box.checkbox(c.title, **kw)
    if c.kind is Kind.TOGGLE:
        return box.toggle(c.title, **kw)
    if c.kind is Kind.SLIDER:
        lo, hi, step = c.span
        return box.slider(c.title, lo, hi, step=step, **({"value": c.default} if bind else {}), **kw)
    if c.kind is Kind.MULTISELECT:
        return box.multiselect(c.title, opts, format_func=fmt, **kw)
    # A selectbox or radio starts at the default (index 0 is Streamlit's own default, so the call is the same).
    index = opts.index(c.default) if c.default in opts else 0
    if c.kind is Kind.SELECTBOX:
        return box.selectbox(c.title, opts, index=index, format_func=fmt, **kw)
    return box.radio(c.title, opts, index=index, format_func=fmt, horizontal=c.kind is Kind.HRADIO, **kw)
