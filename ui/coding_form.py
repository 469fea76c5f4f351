"""The workbench's form for a study's coded characteristics (issue 25 item 1): pick a study and a
characteristic, see its code and the quoted text it was read from, set a code from the registry
with a required reason (and optional locator and quote), and save a new immutable version
(core.evidence.coding).  Everything from the dataset or typed by the user is shown through
:func:`ui.text.md` or as a dataframe, never as Markdown or HTML."""
from __future__ import annotations

import streamlit as st

from core import vocab
from core.evidence.characteristics import EVIDENCE
from core.evidence.coding import CodeChange, apply_code_change, check_code_change, current_code
from core.vocab import NOT_REPORTED
from core.words.characteristics import (CHARACTERISTIC_LABELS, CODING_CURRENT, CODING_EVIDENCE, CODING_FORM_INTRO,
                                        CODING_SAVED, EVIDENCE_WORDS, characteristic_value_words, code_label)
from ui.datasets import SAVE_ERRORS, save_new_version
from ui.text import md

NOTICE_KEY = "cf_saved"          # the sentence shown once after the rerun that follows a save
PICKED_KEY = "cf_picked"         # (study, characteristic) the value widgets were filled for
NUMBER_HELP = {"dose_per_kg": "Cells per kg of body weight per infusion, in 10⁶ (e.g. 1 for 1 × 10⁶ cells/kg).",
               "infusions": "How many infusions each participant received (a whole number)."}


def _evidence_text(ds, study_id: str, column: str) -> str:
    row = ds.studies[ds.studies["study_id"] == study_id].iloc[0]
    return " | ".join(str(row.get(c, "") or "—") for c in EVIDENCE[column])


def _value_widget(column: str) -> str:
    """The new value, starting from the current one: a code from the registry, or a number with a
    'not reported' box (filled with the study's current value by _prefill)."""
    if column in vocab.CATEGORICAL_CHARACTERISTICS:
        codes = vocab.CATEGORICAL_CHARACTERISTICS[column]
        return st.selectbox("New code", codes, format_func=lambda c: code_label(column, c), key=f"cf_code_{column}")
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    unknown = c2.checkbox("Not reported", key=f"cf_nr_{column}")
    typed = c1.text_input(f"New value: {CHARACTERISTIC_LABELS[column].lower()}", key=f"cf_number_{column}",
                          disabled=unknown, help=NUMBER_HELP[column])
    return NOT_REPORTED if unknown else typed


def _prefill(sid: str, column: str, old: str) -> None:
    """Put the study's current value in the value widgets when the study or characteristic changes."""
    s = st.session_state
    if s.get(PICKED_KEY) == (sid, column):
        return
    s[PICKED_KEY] = (sid, column)
    current = old or NOT_REPORTED
    if column in vocab.CATEGORICAL_CHARACTERISTICS:
        s[f"cf_code_{column}"] = current if current in vocab.CATEGORICAL_CHARACTERISTICS[column] else NOT_REPORTED
    else:
        s[f"cf_nr_{column}"] = current == NOT_REPORTED
        s[f"cf_number_{column}"] = "" if current == NOT_REPORTED else current


def coding_form(ds) -> None:
    """The form on ``ds`` (the dataset in use); a valid save reruns the app on the new version."""
    done = st.session_state.pop(NOTICE_KEY, None)
    if done:          # after a save: a fresh form (set before its widgets exist, so the browser shows it)
        st.success(md(done), icon=":material/check_circle:")
        for key in ("cf_reason", "cf_locator", "cf_quote"):
            st.session_state[key] = ""
    st.caption(CODING_FORM_INTRO)
    c1, c2 = st.columns(2)
    sid = c1.selectbox("Study", list(ds.studies["study_id"]), format_func=ds.study_label, key="cf_study")
    column = c2.selectbox("Characteristic", vocab.CHARACTERISTIC_COLUMNS, format_func=CHARACTERISTIC_LABELS.get,
                          key="cf_column")
    if sid is None or column is None:
        return
    old = current_code(ds, sid, column)
    st.caption(md(CODING_CURRENT.format(value=characteristic_value_words(column, old))
                  + " " + CODING_EVIDENCE.format(columns=", ".join(EVIDENCE_WORDS[c] for c in EVIDENCE[column]),
                                                 text=_evidence_text(ds, sid, column))))
    _prefill(sid, column, old)
    value = _value_widget(column)
    reason = st.text_input("Reason or source (required)", key="cf_reason", max_chars=5000,
                           placeholder="e.g. Full text, Methods: 'bone marrow aspirated from the iliac crest'")
    c3, c4 = st.columns([1, 3])
    locator = c3.text_input("Locator (optional)", key="cf_locator", placeholder="e.g. p. 3, Table 1")
    quote = c4.text_input("Quote (optional, verbatim)", key="cf_quote")
    if st.button("Save the code as a new version", type="primary", key="cf_save", icon=":material/save:",
                 help="Saves a new, immutable version (the one in use stays as it is) and puts its id in the "
                      "address; every page then uses the new code"):
        _save(ds, CodeChange(sid, column, value, reason, locator, quote))


def _save(ds, change: CodeChange) -> None:
    problems = check_code_change(ds, change)
    if problems:
        st.error(md(f"Not saved: {' '.join(problems)}"), icon=":material/error:")
        return
    try:
        res = apply_code_change(ds, change)
        version = save_new_version(res.dataset, edits=res.edits)
    except SAVE_ERRORS as exc:
        st.error(md(f"Not saved: {exc}"), icon=":material/error:")
        return
    st.session_state[NOTICE_KEY] = CODING_SAVED.format(
        id=version.id, study=ds.study_label(change.study_id), name=CHARACTERISTIC_LABELS[change.column].lower(),
        new=characteristic_value_words(change.column, res.new), old=characteristic_value_words(change.column, res.old))
    st.session_state.pop(PICKED_KEY, None)       # the value widgets start again from the new code
    st.rerun()
