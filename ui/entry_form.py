"""The entry form of one missing cell (study × outcome × time point): one section per arm (MSC and
control, or before and after), prefilled with the arm's randomised n; unit, source, locator and
quote shared.  Every field is checked as it is typed (:func:`core.evidence.entry.check_entry_in`)
and its problems are named under it, as plain text.  Saving writes a new immutable version."""
from __future__ import annotations

import streamlit as st

from core.conversions import DISPERSION_TYPES
from core.evidence.cells import Cell, Section, entry_sections
from core.evidence.entry import BOUNDED_TYPES, Entry, EntryCheck, apply_entries, check_entry_in, randomised_n
from core.vocab import OUTCOME_BY_CODE
from core.words import DISPERSION_LABELS, SAVED_NOTICE
from core.words.workbench import DTYPE_CLEARED
from core.workflow.entry_effect import entry_effect
from ui.components import escape_markdown
from ui.data import current_dataset, run_analysis
from ui.datasets import SAVE_ERRORS, save_new_version, version_name

FORM_TYPES = tuple(t for t in DISPERSION_TYPES if t != "sd?")
SHARED = ("unit", "source", "locator", "quote")
NUMBER_FIELDS = (("n", "n"), ("mean", "mean"), ("dtype", "dispersion_type"), ("disp1", "disp1"), ("disp2", "disp2"))
SHOWN_ELSEWHERE = {"arm": "n"}      # a problem of the arm is named under n
NOTICE_KEY = "wb_saved"            # (notice, cell) shown after the rerun that follows a save
CELL_KEY = "wb_form_cell"          # the cell the form's widgets were filled for


def _key(i: int, name: str) -> str:
    return f"wb_{i}_{name}"


def _prefill(ds, cell: Cell, secs) -> None:
    """Fill the widgets for a newly picked cell (n from the study characteristics)."""
    if st.session_state.get(CELL_KEY) == cell:
        return
    st.session_state[CELL_KEY] = cell
    for i, sec in enumerate(secs):
        n = randomised_n(ds, cell.study_id, sec.arm)
        st.session_state[_key(i, "n")] = "" if n is None else str(n)
        for f in ("mean", "disp1", "disp2"):
            st.session_state[_key(i, f)] = ""
        st.session_state[_key(i, "dtype")] = st.session_state[_key(i, "dtype_was")] = "sd"
        st.session_state.pop(_key(i, "cleared"), None)
    st.session_state["wb_unit"] = OUTCOME_BY_CODE[cell.outcome].units[0]
    for f in ("source", "locator", "quote"):
        st.session_state[f"wb_{f}"] = ""


def _problems(messages) -> None:
    for m in messages:
        text = m if m.startswith("n ") else m[:1].upper() + m[1:]      # "n = 12 is larger ..." keeps its n
        st.caption(f":red[{escape_markdown(text)}.]")


def field_problems(checks: dict, field: str, section: int | None = None) -> tuple[str, ...]:
    """The sentences shown under one field: of one arm's section, or (``section`` None) of a field
    the arms share, each sentence once.  The form shows these, and counts these."""
    picked = checks.items() if section is None else [(section, checks[section])] if section in checks else []
    extra = [f for f, under in SHOWN_ELSEWHERE.items() if under == field]
    return tuple(dict.fromkeys(m for _, ch in picked for f in (field, *extra) for m in ch.for_field(f)))


def unplaced_problems(checks: dict) -> tuple[str, ...]:
    """Sentences about fields the form does not show (study, outcome, time point): named in the refusal."""
    placed = {f for _, f in NUMBER_FIELDS} | set(SHARED) | set(SHOWN_ELSEWHERE)
    return tuple(dict.fromkeys(p.message for ch in checks.values() for p in ch.problems if p.field not in placed))


def problem_count(checks: dict) -> int:
    """How many sentences the form shows (each once where it is shown), so the refusal's count agrees."""
    per_arm = sum(len(field_problems(checks, f, i)) for i in checks for _, f in NUMBER_FIELDS)
    return per_arm + sum(len(field_problems(checks, f)) for f in SHARED) + len(unplaced_problems(checks))


def _on_dtype(i: int) -> None:
    """A new dispersion type: the values typed for the old one are cleared (and the centre too when
    it changes between mean and median), so none is read under another meaning; the form says so."""
    s = st.session_state
    old, new = s.get(_key(i, "dtype_was"), "sd"), s.get(_key(i, "dtype"), "sd")
    s[_key(i, "dtype_was")] = new
    fields = ["disp1", "disp2"] + (["mean"] if old.startswith("median") != new.startswith("median") else [])
    typed = [str(s.get(_key(i, f), "")).strip() for f in fields]
    for f in fields:
        s[_key(i, f)] = ""
    s[_key(i, "cleared")] = (DTYPE_CLEARED.format(old=DISPERSION_LABELS.get(old, old), new=DISPERSION_LABELS[new],
                                                  values=", ".join(t for t in typed if t))
                             if any(typed) else None)


def _section(i: int, sec: Section, checks: dict) -> None:
    with st.container(border=True):
        st.markdown(f"**{sec.title}**")
        c = st.columns(5)
        dtype = st.session_state.get(_key(i, "dtype"), "sd")
        labels = {"n": "n (analysed)", "mean": "Median" if dtype.startswith("median") else "Mean",
                  "disp1": "Lower bound" if dtype in BOUNDED_TYPES else DISPERSION_LABELS[dtype],
                  "disp2": "Upper bound" if dtype in BOUNDED_TYPES else "(second value: none)"}
        for col, (name, field) in zip(c, NUMBER_FIELDS):
            with col:
                if name == "dtype":
                    st.selectbox("Dispersion as printed", FORM_TYPES, format_func=DISPERSION_LABELS.get,
                                 key=_key(i, name), on_change=_on_dtype, args=(i,))
                else:       # a second value the type does not use is disabled only while empty: never a trap
                    unused = name == "disp2" and dtype not in BOUNDED_TYPES
                    st.text_input(labels[name], key=_key(i, name),
                                  disabled=unused and not str(st.session_state.get(_key(i, name), "")).strip())
                _problems(field_problems(checks, field, i))
        if st.session_state.get(_key(i, "cleared")):
            st.info(escape_markdown(st.session_state[_key(i, "cleared")]), icon=":material/backspace:")


def _entries(cell: Cell, secs) -> dict[int, Entry]:
    s = st.session_state
    out = {}
    for i, sec in enumerate(secs):
        typed = [s.get(_key(i, f), "") for f in ("mean", "disp1", "disp2")]
        if any(str(v).strip() for v in typed):
            out[i] = Entry(cell.study_id, sec.arm, cell.outcome, f"{sec.months:g}", s.get(_key(i, "n"), ""),
                           typed[0], s.get(_key(i, "dtype"), "sd"), typed[1], typed[2], s.get("wb_unit", ""),
                           s.get("wb_source", ""), s.get("wb_locator", ""), s.get("wb_quote", ""))
    return out


def _shared_fields(outcome: str, checks: dict) -> None:
    c1, c2 = st.columns([1, 3])
    c1.selectbox("Unit", OUTCOME_BY_CODE[outcome].units, key="wb_unit")
    with c1:
        _problems(field_problems(checks, "unit"))
    with c2:
        st.text_input("Source (URL, DOI or citation)", key="wb_source")
        _problems(field_problems(checks, "source"))
    c3, c4 = st.columns([1, 3])
    with c3:
        st.text_input("Locator (table, figure or page)", key="wb_locator")
        _problems(field_problems(checks, "locator"))
    with c4:
        st.text_input("Quote (optional, verbatim)", key="wb_quote")
        _problems(field_problems(checks, "quote"))


def _save(ds, cell: Cell, checks: dict[int, EntryCheck], name: str) -> None:
    res = apply_entries(ds, checks.values())        # the checks the form showed: no entry is checked twice
    version = save_new_version(res.dataset, name=name, edits=res.edits)
    st.session_state[NOTICE_KEY] = (SAVED_NOTICE.format(id=version.id), cell)
    st.session_state.pop(CELL_KEY, None)


def entry_form(ds, cell: Cell) -> None:
    """The form for ``cell`` on ``ds`` (the dataset in use); a valid save reruns the app on the new version."""
    secs = entry_sections(ds, cell)
    _prefill(ds, cell, secs)
    st.markdown(f"**Enter the numbers of {escape_markdown(cell.label)}**")
    entries = _entries(cell, secs)
    checks: dict[int, EntryCheck] = {i: check_entry_in(ds, e) for i, e in entries.items()}
    for i, sec in enumerate(secs):
        _section(i, sec, checks)
    _shared_fields(cell.outcome, checks)
    name = st.text_input("Name of the saved dataset", value=version_name(),
                         key="wb_name", max_chars=200)
    if st.button("Save as a new version", type="primary", key="wb_save", icon=":material/save:",
                 help="Saves a new, immutable version of the dataset (the one in use stays as it is) and puts "
                      "its id in the address, so the link shows exactly these numbers"):
        if not entries:
            st.error("Type the numbers of at least one arm before saving.", icon=":material/error:")
        elif not all(ch.ok for ch in checks.values()):
            other = unplaced_problems(checks)
            st.error(escape_markdown(f"Not saved: {problem_count(checks)} problem(s), named under their fields"
                                     + (f" and here: {'; '.join(other)}." if other else ".")), icon=":material/error:")
        else:
            try:
                _save(ds, cell, checks, name)
            except SAVE_ERRORS as exc:
                st.error(escape_markdown(f"Not saved: {exc}"), icon=":material/error:")
            else:
                st.rerun()


def saved_notice() -> None:
    """After a save: which version it made, and what the new numbers changed, in one line.

    The line is computed here, once, on the saved version now in use, so its analyses stay in the cache
    for the pages that show them next (computed before the rerun, on the unsaved copy, they were lost)."""
    done = st.session_state.pop(NOTICE_KEY, None)
    if done:
        notice, cell = done
        effect = entry_effect(current_dataset(), cell.study_id, cell.outcome, cell.months,
                              analyse_fn=lambda d, spec: run_analysis(spec, d))
        st.success(escape_markdown(notice), icon=":material/check_circle:")
        st.info(escape_markdown(effect.line), icon=":material/insights:")
