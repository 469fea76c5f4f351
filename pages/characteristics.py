"""Which MSC therapy? The sidebar's analysis split by a study characteristic, and a meta-regression
on a numeric one (issue 25)."""
from __future__ import annotations

import functools

import streamlit as st

from core.export.characteristics_python import characteristics_python_script
from core.export.characteristics_r import characteristics_r_script
from core.figures.characteristics import bubble_figure, split_forest_figure
from core.vocab import BAYES_MODEL
from core.words import measure_unit, settings_lines
from core.words.characteristics import (BAYES_SPLIT_NOTE, BUBBLE_SUBJECT, CHARACTERISTICS_PAGE_INTRO, PY_SCRIPT_HELP,
                                        R_SCRIPT_HELP, R_SCRIPT_TITLE, REGRESSION_CAUTION, REGRESSION_LEFT_OUT,
                                        SPLIT_SUBJECT, SUBGROUP_CAUTION)
from ui import state as S
from ui.characteristics import cached_regression, cached_split
from ui.controls import draw
from ui.components import analysis_header, page_header, show_figure
from ui.data import cached_figure, current_dataset
from ui.export import view_caption
from ui.text import md

spec = page_header("Which MSC therapy?", CHARACTERISTICS_PAGE_INTRO)
a = analysis_header(spec)
dataset = current_dataset()
if spec.model == BAYES_MODEL:      # which parts are Bayesian (the split) and which are not (regression, scripts)
    st.info(BAYES_SPLIT_NOTE, icon=":material/info:")

st.subheader("Subgroups by a characteristic")
key = draw("subby", bind="query-params")
split = cached_split(a, key, studies=dataset.studies)
st.warning(SUBGROUP_CAUTION.format(k=split.k, g=len(split.separate.groups)), icon=":material/warning:")
name = S.fmt("subby")(key).lower()
show_figure(cached_figure("split", f"{spec!r}|{key}", lambda: split_forest_figure(split, a)), key="split_chart",
            filename=f"subgroups_{key}_{spec.outcome}_{spec.comparison}",
            caption=f"{SPLIT_SUBJECT.format(name=name)}. {view_caption(spec)}")

st.subheader("Meta-regression on a number")
reg_key = draw("regon", bind="query-params")
reg = cached_regression(a, reg_key, studies=dataset.studies)
if reg.fit is None:
    st.info(reg.message, icon=":material/info:")
else:
    n = reg.permutation.distinct
    st.warning(REGRESSION_CAUTION.format(k=len(reg.x), n=min(n, reg.permutation.iterations),
                                         more="" if reg.permutation.exact else f" drawn at random from {n:,}"),
               icon=":material/warning:")
    measure = measure_unit(spec.measure, a.unit)
    show_figure(cached_figure("bubble", f"{spec!r}|{reg_key}", lambda: bubble_figure(reg, measure=measure,
                                                                                       level=spec.level)),
                key="bubble_chart", filename=f"metareg_{reg_key}_{spec.outcome}_{spec.comparison}",
                caption=f"{BUBBLE_SUBJECT.format(name=S.fmt('regon')(reg_key).lower())}. {view_caption(spec)}")
if reg.missing:   # labels may come from a user's upload: shown literally (ui.text.md)
    st.caption(REGRESSION_LEFT_OUT.format(labels=", ".join(md(label) for label in reg.missing)))

script_args = dict(title=R_SCRIPT_TITLE, dataset_name=dataset.name, settings=settings_lines(spec, a))
stem = f"which_therapy_{key}_{reg_key}_{spec.outcome}_{spec.comparison}"
row = st.container(horizontal=True, gap="small", key="therapy_scripts")
row.download_button("Python script", icon=":material/code:", mime="text/x-python", on_click="ignore",
                    data=functools.partial(characteristics_python_script, a, split, reg, **script_args),
                    file_name=f"{stem}.py", key="therapy_py", help=PY_SCRIPT_HELP)
row.download_button("R script (metafor)", icon=":material/code:", mime="text/plain", on_click="ignore",
                    data=functools.partial(characteristics_r_script, a, split, reg, **script_args),
                    file_name=f"{stem}.R", key="therapy_r", help=R_SCRIPT_HELP)
