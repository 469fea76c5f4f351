"""App layer of the GRADE certainty (issue 17): the user's judgements kept per dataset, the cached
summary of findings, the forms that set judgements, and the Forest plot's one-line certainty.

Where judgements live: :data:`JUDGEMENTS` has two methods, ``get(dataset) -> CertaintyInputs``
and ``put(dataset, inputs)``.  With the saved-datasets store (ui/datasets.py) they are saved with
the dataset: ``put`` saves a new immutable version (parent: the one in use) whose ``judgements``
table carries them, and makes it the one in use, so ``?ds=<id>`` restores them on every page; a
save that fails raises one of :data:`ui.datasets.SAVE_ERRORS` and changes nothing.  Without a
store (or on a session-only dataset) they are kept in the session, one entry per dataset content
(its key, a content fingerprint), so judgements made on one dataset never apply to another.
"""
from __future__ import annotations

import streamlit as st

from core import words
from core.certainty import CertaintyInputs, summary_of_findings
from core.certainty.views import certainty_with
from core.evidence.dataset import Dataset
from core.figures.summary_of_findings import summary_of_findings_figure, summary_of_findings_slide
from core.workflow.analysis import AnalysisSpec, ForestAnalysis
from ui.cache import cached
from ui.data import USER_DATASET_KEY
from ui.datasets import in_use, save_new_version, store_status
from ui.text import md

SESSION_KEY = "_certainty_inputs"          # session_state: {Dataset.key: CertaintyInputs}
SOF_PAGE = "pages/summary_of_findings.py"


# Built once per dataset content, not on every rerun of the Forest plot (~1 ms; immutable, so shared).
cached_default_inputs = cached(CertaintyInputs.default, max_entries=16, resource=True)


class SessionJudgements:
    """The user's certainty inputs, kept in this browser session (lost when it ends)."""

    persistent = False

    def get(self, dataset: Dataset) -> CertaintyInputs:
        got = st.session_state.get(SESSION_KEY, {}).get(dataset.key)
        return got if isinstance(got, CertaintyInputs) else cached_default_inputs(dataset)

    def put(self, dataset: Dataset, inputs: CertaintyInputs) -> None:
        kept = dict(st.session_state.get(SESSION_KEY, {}))
        kept[dataset.key] = inputs
        st.session_state[SESSION_KEY] = kept


class SavedJudgements(SessionJudgements):
    """The user's certainty inputs, saved with the dataset as a new version (see the module
    docstring); in the session when no store can be used."""

    @property
    def persistent(self) -> bool:
        return store_status().store is not None and st.session_state.get(USER_DATASET_KEY) is None

    def get(self, dataset: Dataset) -> CertaintyInputs:
        saved = in_use().saved
        if saved is not None and saved.dataset.key == dataset.key:
            return saved.inputs
        return super().get(dataset)

    def put(self, dataset: Dataset, inputs: CertaintyInputs) -> None:
        """Save ``inputs`` with ``dataset`` as a new version; raises one of SAVE_ERRORS when it fails."""
        if not self.persistent:
            return super().put(dataset, inputs)
        save_new_version(dataset, inputs=inputs)


JUDGEMENTS = SavedJudgements()


def sof_of(dataset: Dataset, spec: AnalysisSpec, inputs: CertaintyInputs, subgroups_by: str | None = None):
    """:func:`core.certainty.summary_of_findings` with the user's inputs (and subgroup rows by ``subgroups_by``)."""
    return summary_of_findings(dataset, spec, inputs.rob, mids=dict(inputs.mids),
                               indirectness=dict(inputs.indirectness), imprecision=dict(inputs.imprecision),
                               subgroups_by=subgroups_by)


cached_sof = cached(sof_of, max_entries=64)


def sof_figures_of(dataset: Dataset, spec: AnalysisSpec, inputs: CertaintyInputs,
                   subgroups_by: str | None = None) -> tuple:
    """The view's summary of findings as the page's figure and as its 16:9 slide (~50 ms to lay out both,
    so built once per view and inputs; shared, never mutated)."""
    sof = cached_sof(dataset, spec, inputs, subgroups_by)
    return summary_of_findings_figure(sof), summary_of_findings_slide(sof)


cached_sof_figures = cached(sof_figures_of, max_entries=32, resource=True)


def certainty_of(a: ForestAnalysis, dataset: Dataset):
    """The certainty of one analysis with the user's inputs for ``dataset`` (not cached: ~0.5 ms, while
    Streamlit's cache would hash the inputs for ~2.5 ms a call)."""
    return certainty_with(a, JUDGEMENTS.get(dataset))


def certainty_caption(a: ForestAnalysis, dataset: Dataset) -> str:
    """The view's certainty for a slide caption ('' when it cannot be rated)."""
    try:
        return certainty_of(a, dataset).caption()
    except (ValueError, ArithmeticError, KeyError):
        return ""


def certainty_line(a: ForestAnalysis, dataset: Dataset) -> None:
    """One line under the Forest plot's pooled result: symbols, rating, what rated it down, and a
    link to the explanation on the Summary of findings page."""
    try:
        c = certainty_of(a, dataset)
    except (ValueError, ArithmeticError, KeyError) as exc:
        st.caption(f"The certainty of this evidence could not be rated: {md(exc)}")
        return
    if c.rating is None:
        return
    row = st.container(horizontal=True, gap="small", vertical_alignment="center", key="certainty_line")
    row.caption(c.line(), width="content")
    row.page_link(SOF_PAGE, label=words.CERTAINTY_LINE_LINK, icon="⚖️")
