"""Events: insulin independence and > 50 % insulin reduction by diabetes type, with Wilson 95 % CIs,
and the adverse events as the paper reports them."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import DatasetError
from core.events import proportions_table
from core.figures.events import events_figure
from core.words import EVENT_LABELS, EVENT_PAPER_WORDS, SIDEBAR_IGNORED, TABLE_HEADINGS
from core.words.captions import events_caption
from core.evidence.paper_tables import refs_to_studies
from core.words.notices import one_study_note
from ui.check import adverse_events, events_reported
from ui.components import escape_markdown, page_header, show_figure
from ui.text import md_table
from ui.data import current_dataset

page_header("Events", "Counts of patients, as the paper pools them (Results, 'Effects of stem cell therapy on insulin "
                      "requirements'), with Wilson score 95% confidence intervals (Newcombe 1998, method 3).")
st.caption(SIDEBAR_IGNORED)
ds = current_dataset()
try:
    ev = proportions_table(events_reported())
    ae = adverse_events()
except (DatasetError, ValueError) as exc:
    st.error(f"The events tables could not be read: {escape_markdown(exc)}", icon=":material/error:")
    st.stop()

# One row of metrics per diabetes type (two events each): each event's full name fits its label at 1280 px, and
# where a type's numbers rest on one sentence about one study, that is said under its metrics (issue 26 item 5).
for dm_type, rows in ev.groupby("dm_type", sort=False):
    for col, r in zip(st.columns(2), rows.itertuples()):
        paper_words = f" ({EVENT_PAPER_WORDS[r.event]})" if r.event in EVENT_PAPER_WORDS else ""
        col.metric(f"{r.dm_type}: {EVENT_LABELS.get(r.event, r.event)}", f"{100 * r.proportion:.1f}%",
                   help=f"{r.count:,} of {r.n:,} patients; Wilson 95% CI {100 * r.ci_low:.1f}% to "
                        f"{100 * r.ci_high:.1f}%{paper_words}")
    note = one_study_note(dm_type, rows, refs_to_studies(rows["refs"].iloc[0], ds.studies, ds.study_label))
    if note:
        st.warning(escape_markdown(note), icon=":material/looks_one:")

show_figure(events_figure(ev), key="events_chart", filename="insulin_events", caption=events_caption())

table = ev.assign(
    Event=[EVENT_LABELS.get(e, e) for e in ev["event"]],
    Proportion=[f"{100 * p:.1f}%" for p in ev["proportion"]],
    **{"Wilson 95% CI": [f"{100 * lo:.1f}% to {100 * hi:.1f}%" for lo, hi in zip(ev["ci_low"], ev["ci_high"])]},
    Studies=[refs_to_studies(r, ds.studies, ds.study_label) for r in ev["refs"]],
)[["dm_type", "Event", "count", "n", "Proportion", "Wilson 95% CI", "Studies"]]
# A static table of short columns (no column a word wide at 1280 px); the paper's sentences follow it, each once
# (issue 26 item 11: one long sentence was repeated in every row it supports).
st.table(md_table(table, "Studies").rename(columns=TABLE_HEADINGS["events"]), hide_index=True)
sentences = ev.assign(Event=table["Event"]).groupby(["snippet", "locator"], sort=False)
st.markdown("**What the paper says**\n\n" + "\n".join(
    f"- {escape_markdown(', '.join(f'{d} {e.lower()}' for d, e in zip(g['dm_type'], g['Event'])))}: "
    f"“{escape_markdown(snippet)}” ({escape_markdown(locator)})" for (snippet, locator), g in sentences))
st.caption("The paper does not say how the T2DM denominators (54 and 68) were formed from the cited studies. "
           "Percentages printed in the paper (20%, 66.7%, 37%, 48.5%) match these counts.")

st.subheader("Adverse events as reported")
ae_table = ae.assign(Studies=[refs_to_studies(r, ds.studies, ds.study_label) for r in ae["studies_refs"]])
ae_table["patients"] = [str(p) if p is not pd.NA else "not reported" for p in ae_table["patients"]]
st.table(md_table(ae_table[["event", "patients", "Studies", "locator", "snippet", "note"]], "Studies", "locator",
                  "snippet", "note")
         .rename(columns=TABLE_HEADINGS["adverse_events"]), hide_index=True)
st.caption("No denominators are reported for adverse events, so no proportions are given. Reference [20] is not "
           "one of the included studies; the paper cites it in Methods for converting medians.")
