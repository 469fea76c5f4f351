"""Study flow: the paper's study-selection diagram (Fig. 1), from data/flow.csv (the counts the paper prints)."""
from __future__ import annotations

import streamlit as st

from core.errors import DatasetError
from core.figures.flow import flow_figure
from core.words import SIDEBAR_IGNORED, TABLE_HEADINGS, stage_label
from core.words.captions import flow_caption
from ui.check import flow_table
from ui.components import escape_markdown, page_header, show_figure

page_header("Study flow", "How Li et al. 2021 went from 2,270 search records to 10 included studies "
                          "(their Fig. 1 and Results, 'Search results'), redrawn from the counts the paper prints.")
st.caption(SIDEBAR_IGNORED)
try:
    flow = flow_table()
    fig = flow_figure(flow)
except (DatasetError, ValueError) as exc:
    st.error(f"The flow table could not be drawn: {escape_markdown(exc)}", icon=":material/error:")
    st.stop()

counts = flow.set_index("stage")["count"]
c1, c2, c3, c4 = st.columns(4)
c1.metric("Records identified", f"{counts['records_identified']:,}")
c2.metric("Full texts assessed", f"{counts['full_texts_assessed']:,}")
c3.metric("Studies included", f"{counts['studies_included']:,}")
c4.metric("Participants (T1DM · T2DM)", f"{counts['participants_t1dm']:,} · {counts['participants_t2dm']:,}")
show_figure(fig, key="flow_chart", filename="study_flow", caption=flow_caption())
st.caption("The paper gives no reasons for the 30 full-text exclusions. Fig. 1 itself is an image that is not in our "
           "text copy of the paper; every count here is from the Results ('Search results') and the Abstract.")
# A static table wraps its text: every note is read in full, and counts carry a thousands separator like the
# metrics and the diagram (2,270).
shown = flow.assign(stage=flow["stage"].map(stage_label), count=[f"{int(n):,}" for n in flow["count"]])
st.table(shown.rename(columns=TABLE_HEADINGS["flow"]), hide_index=True)
