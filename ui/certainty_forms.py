"""The Summary of findings page's inputs: the per-study risk-of-bias table and the forms that set a
risk-of-bias judgement, an outcome's indirectness and an outcome's MID, each with a reason (or a
value) and a source.  Every form stores through :data:`ui.certainty.JUDGEMENTS` (a new saved version
of the dataset when the store can be used); a refused entry or a failed save says why in the page
and changes nothing (the form keeps what was typed)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core import words
from core.certainty import Concern, Indirectness, user_mid
from core.certainty.views import indirectness_table, mid_table, rob_table as core_rob_table
from core.evidence.dataset import Dataset
from core.evidence.risk_of_bias import MIN_REASON_WORDS, TOOL_DOMAINS, TOOL_LEVELS, Judgement
from core.vocab import OUTCOME_BY_CODE, OUTCOME_LABELS, OUTCOMES
from ui.certainty import JUDGEMENTS
from ui.components import escape_markdown
from ui.text import md_table
from ui.datasets import SAVE_ERRORS

JUDGED_CONCERNS = (Concern.NOT_SERIOUS, Concern.SERIOUS, Concern.VERY_SERIOUS)
DONE_KEY = "_certainty_form_done"          # session_state: (form key, what was saved), shown after the rerun
REASON_HELP = words.JUDGEMENT_REASON_RULE.format(n=MIN_REASON_WORDS)


def rob_table(ds: Dataset, study_ids) -> pd.DataFrame:
    """:func:`core.certainty.views.rob_table` with the user's judgements for ``ds``."""
    return core_rob_table(ds, JUDGEMENTS.get(ds), study_ids)


def _put(ds: Dataset, change, form: str, done: str) -> None:
    """Apply ``change(inputs) -> inputs`` and rerun, saying ``done`` under ``form`` after the rerun;
    or show why it was refused."""
    try:
        JUDGEMENTS.put(ds, change(JUDGEMENTS.get(ds)))
    except (ValueError, *SAVE_ERRORS) as exc:
        st.error(escape_markdown(f"Not saved: {exc}"), icon=":material/error:")
        return
    st.session_state[DONE_KEY] = (form, done + (words.JUDGEMENT_SAVED_VERSION if JUDGEMENTS.persistent
                                                else words.JUDGEMENT_SAVED_SESSION))
    st.rerun()


def _confirmation(form: str) -> None:
    """The confirmation of the last change made with ``form``, once."""
    done = st.session_state.get(DONE_KEY)
    if done and done[0] == form:
        st.success(escape_markdown(done[1]), icon=":material/check_circle:")
        del st.session_state[DONE_KEY]


def rob_form(ds: Dataset, study_ids) -> None:
    """Set one risk-of-bias judgement (study, domain, level, reason, source)."""
    rob = JUDGEMENTS.get(ds).rob
    c1, c2, c3 = st.columns(3)
    sid = c1.selectbox("Study", list(study_ids), format_func=ds.study_label, key="rob_study")
    if sid is None:
        return
    tool = rob.design(sid).tool
    dom = c2.selectbox(f"Domain ({words.ROB_TOOL_LABELS[tool]})", [str(d) for d in TOOL_DOMAINS[tool]],
                       format_func=words.ROB_DOMAIN_LABELS.get, key="rob_domain")
    level = c3.selectbox("Judgement", [str(v) for v in TOOL_LEVELS[tool]], format_func=words.ROB_LEVEL_LABELS.get,
                         key="rob_level")
    reason = st.text_input("Reason (one sentence)", key="rob_reason", help=REASON_HELP,
                           placeholder="e.g. Allocation was concealed by a central web-based system.")
    st.caption(REASON_HELP)
    source = st.text_input("Source", key="rob_source", placeholder="e.g. Cai 2016, Methods, p. 150")
    b1, b2 = st.columns([1, 3])
    said = words.JUDGEMENT_SAVED.format(study=ds.study_label(sid), domain=words.ROB_DOMAIN_LABELS[dom],
                                        level=words.ROB_LEVEL_LABELS[level])
    if b1.button("Set judgement", key="rob_set", icon=":material/gavel:"):
        _put(ds, lambda inp: inp.with_judgement(Judgement(sid, dom, level, reason, source)), "rob", said)
    n_user = len(JUDGEMENTS.get(ds).user_judgements)
    if b2.button(f"Clear my judgements ({n_user})", key="rob_clear", disabled=not n_user):
        _put(ds, lambda inp: inp.without_user_judgements(), "rob", words.JUDGEMENTS_CLEARED)
    _confirmation("rob")


def indirectness_form(ds: Dataset) -> None:
    """Judge one outcome's indirectness with a reason and a source, or go back to the assumption."""
    inputs = JUDGEMENTS.get(ds)
    st.table(md_table(indirectness_table(inputs), "Reason", "Source"), hide_index=True)    # reasons and sources in full (issue 26)
    _outcome_judgement(ds, INDIRECTNESS_FORM, inputs.indirectness_map())


def mid_form(ds: Dataset) -> None:
    """The MIDs in use (defaults with their cited sources, or the user's) and a form to change one."""
    inputs = JUDGEMENTS.get(ds)
    mids = inputs.mid_map()
    st.table(md_table(mid_table(inputs), "Source"), hide_index=True)       # sources in full (issue 26 item 10)
    c1, c2, c3 = st.columns(3)
    outcome = c1.selectbox("Outcome", OUTCOMES, format_func=OUTCOME_LABELS.get, key="mid_outcome")
    value = c2.number_input("MID", min_value=0.0, value=None, step=0.1, key="mid_value",
                            placeholder="e.g. 0.5")
    unit = c3.selectbox("Unit", OUTCOME_BY_CODE[outcome].units, key="mid_unit")
    source = st.text_input("Source of this MID", key="mid_source", placeholder="e.g. a published MID study")
    b1, b2 = st.columns([1, 3])
    label = OUTCOME_LABELS[outcome]
    if b1.button("Set MID", key="mid_set"):
        _put(ds, lambda inp: inp.with_mid(outcome, user_mid(outcome, value, unit, source)), "mid",
             words.MID_SAVED.format(outcome=label, value=words.fmt_num(value) if value is not None else "", unit=unit))
    if b2.button("Back to the default", key="mid_reset", disabled=outcome not in mids):
        _put(ds, lambda inp: inp.with_mid(outcome, None), "mid", words.MID_RESET.format(outcome=label))
    _confirmation("mid")


def imprecision_form(ds: Dataset) -> None:
    """Replace the rules' imprecision rating of one outcome with the user's judgement (a reason and a
    source), or go back to the rules; the footnote then shows both."""
    judged = JUDGEMENTS.get(ds).imprecision_map()
    if judged:
        st.caption(words.IMPRECISION_JUDGED.format(outcomes=", ".join(
            f"{OUTCOME_LABELS[o]} ({words.CONCERN_LABELS[j.concern].lower()})" for o, j in judged.items())))
    _outcome_judgement(ds, IMPRECISION_FORM, judged)


@dataclass(frozen=True, slots=True)
class OutcomeJudgementForm:
    """The words and keys of a per-outcome judgement form (indirectness, imprecision): ``form`` prefixes
    the widget keys, ``setter`` names the :class:`core.certainty.CertaintyInputs` method that sets it."""

    form: str
    domain_word: str
    reason_label: str
    reason_example: str
    source_example: str
    reset_label: str
    setter: str
    saved: str
    reset: str


INDIRECTNESS_FORM = OutcomeJudgementForm(
    "ind", "Indirectness", "Reason (one sentence)", "e.g. Most patients had recent-onset type 1 diabetes only.",
    "e.g. Table 1 of the review", "Back to the assumption", "with_indirectness", words.INDIRECTNESS_SAVED,
    words.INDIRECTNESS_RESET)
IMPRECISION_FORM = OutcomeJudgementForm(
    "imp", "Imprecision", "Why the rules' rating does not fit (one sentence)",
    "e.g. The MID of this outcome is larger in this population, so the OIS is met.", "e.g. a published MID study",
    "Back to the rules", "with_imprecision", words.IMPRECISION_SAVED, words.IMPRECISION_RESET)


def _outcome_judgement(ds: Dataset, f: OutcomeJudgementForm, judged) -> None:
    """Judge one outcome's domain with a concern, a reason and a source, or take the judgement back."""
    c1, c2 = st.columns(2)
    outcome = c1.selectbox("Outcome", OUTCOMES, format_func=OUTCOME_LABELS.get, key=f"{f.form}_outcome")
    concern = c2.selectbox(f.domain_word, [str(c) for c in JUDGED_CONCERNS], format_func=words.CONCERN_LABELS.get,
                           key=f"{f.form}_concern")
    reason = st.text_input(f.reason_label, key=f"{f.form}_reason", help=REASON_HELP, placeholder=f.reason_example)
    st.caption(REASON_HELP)
    source = st.text_input("Source", key=f"{f.form}_source", placeholder=f.source_example)
    b1, b2 = st.columns([1, 3])
    label = OUTCOME_LABELS[outcome]
    if b1.button(f"Set {f.domain_word.lower()}", key=f"{f.form}_set"):
        _put(ds, lambda inp: getattr(inp, f.setter)(outcome, Indirectness(concern, reason, source)), f.form,
             f.saved.format(outcome=label, level=words.CONCERN_LABELS[concern].lower()))
    if b2.button(f.reset_label, key=f"{f.form}_reset", disabled=outcome not in judged):
        _put(ds, lambda inp: getattr(inp, f.setter)(outcome, None), f.form, f.reset.format(outcome=label))
    _confirmation(f.form)
