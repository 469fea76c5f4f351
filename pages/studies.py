"""Studies: the characteristics table (Table 1) with the source of every row, and a completeness map
of study × outcome × time point (reported / converted / not used / missing, with the reason)."""
from __future__ import annotations

import streamlit as st

from core.evidence.completeness import STATUSES, completeness_counts
from core.figures.completeness import INFERRED_MARK, completeness_figure
from core.vocab import OUTCOME_SHORT, CellStatus, DesignClass, SetTag, StudySet
from core.words import (DESIGN_CLASS_LABELS, SEARCH_ANCHOR, SEARCH_DESCRIPTION, SEARCH_HEADING,
                        STUDY_SET_WORDS)
from core.words import SET_LABELS, TABLE_HEADINGS
from core.words.captions import completeness_caption
from core.words.characteristics import coded_line
from ui.check import completeness
from ui.components import escape_markdown, page_header, show_figure
from ui.text import md_table
from ui.data import current_dataset
from ui.export import data_source

spec = page_header("Studies", "The included trials (the paper's Table 1 characteristics), each traced to the page it "
                              "was taken from. Choose a study under the table to read it in full, with its sources.")
ds = current_dataset()
studies = ds.studies if spec.study_set == StudySet.ALL else ds.studies[ds.studies["set"] == SetTag.PAPER]
studies = studies.reset_index(drop=True)

inferred = studies["id_confidence"] != "high"
c1, c2, c3, c4 = st.columns(4)
c1.metric("Studies", len(studies))
c2.metric("T1DM · T2DM", f"{(studies['dm_type'] == 'T1DM').sum()} · {(studies['dm_type'] == 'T2DM').sum()}")
c3.metric("Identity inferred", int(inferred.sum()),
          help="The paper's reference list is not in our copy; these studies are matched to the paper's citations by "
               "country, type, design and numbers, not by a printed reference.")
c4.metric("RCTs", int((studies["design_class"] == DesignClass.RCT).sum()))

view = studies.assign(
    Study=[f"{ds.study_label(s)} {INFERRED_MARK}" if inf else ds.study_label(s)
           for s, inf in zip(studies["study_id"], inferred)],
    Set=studies["set"].map(lambda s: STUDY_SET_WORDS.get(s, s)),
    Ref=[f"[{r}]" if r else "candidate" for r in studies["ref_no"]],
    Identity=[c if c == "high" else f"inferred ({c})" for c in studies["id_confidence"]],
    Design=studies["design_class"].map(lambda c: DESIGN_CLASS_LABELS.get(c, c)),
)
cols = dict(TABLE_HEADINGS["studies_table"])
if spec.study_set != StudySet.ALL:
    cols.pop("Set")
# A static table of short columns: every row and every column in view at 1440 and 1280 px (issue 26 item 10); the
# long characteristics (design in full, MSC source, dose, route) and the sources are in the panel below.
st.table(md_table(view[list(cols)].rename(columns=cols), "Study", "Country"), hide_index=True)
st.caption(f"{INFERRED_MARK} identity as one of the paper's references is inferred, not confirmed. Ref. in paper: "
           "the reference number in Li et al. 2021; 'candidate': no number, an alternative candidate for a reference "
           "the paper does not let us pin down, so the count can exceed the paper's 10. Choose a study below to read "
           "its characteristics in full, with its sources and extraction notes.")

choice = st.selectbox("Show the sources of", studies["study_id"], index=None,
                      format_func=ds.study_label, placeholder="choose a study", key="studies_detail")
if choice is not None:
    r = studies[studies["study_id"] == choice].iloc[0]
    with st.container(border=True):
        st.markdown(f"**{escape_markdown(ds.study_label(choice))}**")
        st.text(f"Title: {r['title']}")
        st.text(f"Journal: {r['journal']}   DOI: {r['doi'] or 'not recorded'}   PMID: {r['pmid'] or 'not recorded'}")
        identity = "high" if r["id_confidence"] == "high" else f"inferred ({r['id_confidence']})"
        st.text(f"Identity: {identity}   Reference in the paper: {r['ref_no'] or 'not cited by number'}")
        # Every characteristic in full, wrapped: the table above cuts its long columns (design, dose, route).
        st.markdown("\n".join(f"- **{heading}**: {escape_markdown(str(r[col]) or 'not recorded')}"
                               for col, heading in TABLE_HEADINGS["studies_detail"].items()))
        st.text(coded_line(r))              # the codes of issue 25, read from the characteristics above
        st.text("Extraction note: " + str(r["confidence"]))
        if r["source_url"]:
            st.link_button("Open the source page", str(r["source_url"]))
        else:
            st.text("Source: not recorded")

st.subheader("What data we have: study × outcome × time point")
cmap = completeness(ds, spec.study_set)
counts = completeness_counts(cmap)
m = st.columns(len(STATUSES))
for col, s in zip(m, STATUSES):
    col.metric(f"Cells {s}", int(counts[s].sum()))
show_figure(completeness_figure(cmap), key="completeness_chart", filename="completeness_map",
            caption=completeness_caption(SET_LABELS[spec.study_set], data_source(ds)))
st.caption("Reported: mean with SD (or a '±' the source did not label, used as SD). Converted: mean and SD derived "
           "from median/IQR, range, SE or CI. Missing: no number, with what we could read ("
           f"[{SEARCH_HEADING.lower()}](#{SEARCH_ANCHOR})). Hover a cell for the detail. Time points match within "
           "±1 month, as in the analyses.")
with st.expander("Missing cells and their reasons"):
    miss = cmap[cmap["status"] != CellStatus.REPORTED][["label", "outcome", "time_bin", "status", "detail"]]
    miss = miss.assign(outcome=miss["outcome"].map(lambda o: OUTCOME_SHORT.get(o, o)))
    # One row per study, outcome and reason, its time points listed: every reason read in full, wrapped, in a
    # table a reader can go through (issue 26 item 10), not 200 cut-off rows in an inner scroll.
    miss = (miss.groupby(["label", "outcome", "status", "detail"], sort=False)["time_bin"]
            .agg(lambda b: ", ".join(dict.fromkeys(b))).reset_index())
    st.table(md_table(miss[["label", "outcome", "time_bin", "status", "detail"]], "label", "detail")
             .rename(columns=TABLE_HEADINGS["missing_cells"]), hide_index=True)

st.subheader(SEARCH_HEADING, anchor=SEARCH_ANCHOR)
st.write(SEARCH_DESCRIPTION)
