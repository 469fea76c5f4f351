"""App layer of the GRADE certainty (issue 17): the user's judgements kept per dataset, the cached
summary of findings, the forms that set judgements, and the Forest plot's one-line certainty.

Where judgements live: :data:`JUDGEMENTS` has two methods, ``get(dataset) -> CertaintyInputs``
and ``put(dataset, inputs)``.  Today it keeps them in the session, one entry per dataset content
(fingerprint), so judgements made on one dataset never apply to another.  A saved-dataset store can
replace it with an object that has the same two methods and saves ``inputs.rob.to_frame()`` (one
row per study and domain, with reason, source and who set it) as a table of the dataset's version
(``RiskOfBias.from_frame`` reads it back).
"""
from __future__ import annotations

import streamlit as st

from core import words
from core.certainty import CertaintyInputs, assess, summary_of_findings
from core.evidence.dataset import Dataset
from core.workflow.analysis import AnalysisSpec, ForestAnalysis
from ui.cache import cached

SESSION_KEY = "_certainty_inputs"          # session_state: {dataset fingerprint: CertaintyInputs}
SOF_PAGE = "pages/summary_of_findings.py"


class SessionJudgements:
    """The user's certainty inputs, kept in this browser session (lost when it ends)."""

    persistent = False

    def get(self, dataset: Dataset) -> CertaintyInputs:
        got = st.session_state.get(SESSION_KEY, {}).get(dataset.fingerprint())
        return got if isinstance(got, CertaintyInputs) else CertaintyInputs.default(dataset)

    def put(self, dataset: Dataset, inputs: CertaintyInputs) -> None:
        kept = dict(st.session_state.get(SESSION_KEY, {}))
        kept[dataset.fingerprint()] = inputs
        st.session_state[SESSION_KEY] = kept


JUDGEMENTS = SessionJudgements()


def sof_of(dataset: Dataset, spec: AnalysisSpec, inputs: CertaintyInputs):
    """:func:`core.certainty.summary_of_findings` with the user's inputs."""
    return summary_of_findings(dataset, spec, inputs.rob, mids=dict(inputs.mids),
                               indirectness=dict(inputs.indirectness))


cached_sof = cached(sof_of, max_entries=64)


def certainty_of(a: ForestAnalysis, dataset: Dataset):
    """The certainty of one analysis with the user's inputs for ``dataset``."""
    inputs = JUDGEMENTS.get(dataset)
    return assess(a, inputs.rob, mid=inputs.mid_map().get(a.spec.outcome),
                  indirectness=inputs.indirectness_map().get(a.spec.outcome))


def certainty_line(a: ForestAnalysis, dataset: Dataset) -> None:
    """One line under the Forest plot's pooled result: symbols, rating, what rated it down, and a
    link to the explanation on the Summary of findings page."""
    try:
        c = certainty_of(a, dataset)
    except (ValueError, ArithmeticError, KeyError) as exc:
        st.caption(f"The certainty of this evidence could not be rated: {exc}")
        return
    if c.rating is None:
        return
    start = words.CERTAINTY_LABELS[c.start.level].lower()
    down = [f"{d.label.lower()} ({words.CONCERN_LABELS[d.concern].lower()})" for d in c.domains if d.downgrade]
    why = (words.CERTAINTY_LINE_DOWN.format(start=start, domains=", ".join(down)) if down
           else words.CERTAINTY_LINE_NONE.format(start=start))
    row = st.container(horizontal=True, gap="small", vertical_alignment="center", key="certainty_line")
    row.caption(words.CERTAINTY_LINE.format(symbols=c.symbols, label=c.label, why=why), width="content")
    row.page_link(SOF_PAGE, label=words.CERTAINTY_LINE_LINK, icon="⚖️")
