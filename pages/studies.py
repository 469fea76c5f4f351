"""Studies: the characteristics table (Table 1) with the source of every row, and a completeness map
of study × outcome × time point (reported / converted / not used / missing, with the reason)."""
from __future__ import annotations

import streamlit as st

from core.evidence.completeness import STATUSES, completeness_counts
from core.figures.completeness import INFERRED_MARK, completeness_figure
from core.vocab import OUTCOME_SHORT
from core.words import TABLE_HEADINGS
from ui.check import completeness
from ui.components import escape_markdown, page_header, show_figure
from ui.data import current_dataset

spec = page_header("Studies", "The included trials (the paper's Table 1 characteristics), each traced to the page it "
                              "was taken from. Select a row to see its sources.")
ds = current_dataset()
studies = ds.studies if spec.study_set == "all" else ds.studies[ds.studies["set"] == "paper"]
studies = studies.reset_index(drop=True)

inferred = studies["id_confidence"] != "high"
c1, c2, c3, c4 = st.columns(4)
c1.metric("Studies", len(studies))
c2.metric("T1DM · T2DM", f"{(studies['dm_type'] == 'T1DM').sum()} · {(studies['dm_type'] == 'T2DM').sum()}")
c3.metric("Identity inferred", int(inferred.sum()),
          help="The paper's reference list is not in our copy; these studies are matched to the paper's citations by "
               "country, type, design and numbers, not by a printed reference.")
c4.metric("RCTs", int((studies["design_class"] == "rct").sum()))

view = studies.assign(
    Study=[f"{ds.study_label(s)} {INFERRED_MARK}" if inf else ds.study_label(s)
           for s, inf in zip(studies["study_id"], inferred)],
    Ref=[f"[{r}]" if r else "candidate" for r in studies["ref_no"]],      # short: the column is narrow
    Identity=[c if c == "high" else f"inferred ({c})" for c in studies["id_confidence"]],
)
cols = TABLE_HEADINGS["studies_all_sets" if spec.study_set == "all" else "studies"]
table = view[list(cols)].rename(columns=cols)
event = st.dataframe(
    table, hide_index=True, width="stretch", key="studies_table", on_select="rerun", selection_mode="single-row",
    column_config={
        "Source": st.column_config.LinkColumn("Source", help="The page each characteristic was read from",
                                              display_text="open source"),
        "Identity": st.column_config.TextColumn(
            "Identity", help="high: the paper names the study (author, reference number); inferred: matched "
                             f"from indirect evidence, marked {INFERRED_MARK}"),
        "Ref. in paper": st.column_config.TextColumn(
            "Ref. in paper", help="Reference number in Li et al. 2021; 'candidate': no number, an alternative "
                                  "candidate for a reference the paper does not let us pin down"),
    })
st.caption(f"{INFERRED_MARK} identity as one of the paper's references is inferred, not confirmed. Studies with "
           "identity 'low' are alternative candidates for a reference the paper does not let us pin down, so the "
           "count can exceed the paper's 10. Select a row to read its characteristics in full, with its sources and "
           "extraction notes.")

sel = event.selection.rows if event is not None and hasattr(event, "selection") else []
choice = st.selectbox("Show the sources of", studies["study_id"], index=int(sel[0]) if sel else None,
                      format_func=ds.study_label, placeholder="choose a study", key="studies_detail")
if choice is not None:
    r = studies[studies["study_id"] == choice].iloc[0]
    with st.container(border=True):
        st.markdown(f"**{ds.study_label(choice)}**")
        st.text(f"Title: {r['title']}")
        st.text(f"Journal: {r['journal']}   DOI: {r['doi'] or 'not recorded'}   PMID: {r['pmid'] or 'not recorded'}")
        st.text(f"Identity: {r['id_confidence']}   Reference in the paper: {r['ref_no'] or 'not cited by number'}")
        # Every characteristic in full, wrapped: the table above cuts its long columns (design, dose, route).
        st.markdown("\n".join(f"- **{heading}**: {escape_markdown(str(r[col]) or 'not recorded')}"
                               for col, heading in TABLE_HEADINGS["studies_detail"].items()))
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
show_figure(completeness_figure(cmap), key="completeness_chart", filename="completeness_map")
st.caption("Reported: mean with SD (or a '±' the source did not label, used as SD). Converted: mean and SD derived "
           "from median/IQR, range, SE or CI. Missing: no number, with the reason recorded in data/gaps.csv. "
           "Hover a cell for the detail. Time points match within ±1 month, as in the analyses.")
with st.expander("Missing cells and their reasons"):
    miss = cmap[cmap["status"] != "reported"][["label", "outcome", "time_bin", "status", "detail"]]
    miss = miss.assign(outcome=miss["outcome"].map(lambda o: OUTCOME_SHORT.get(o, o)))
    st.dataframe(miss.rename(columns=TABLE_HEADINGS["missing_cells"]),
                 hide_index=True, width="stretch", key="missing_table")
