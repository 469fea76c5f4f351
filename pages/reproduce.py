"""Check the paper: every reported pooled result next to its recomputation, the audit of the
paper's reported statistics, and the same audit for any uploaded table of reported results."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.workflow.audit import FLAGS, audit_reported
from core.evidence.reported_csv import read_reported_csv
from core.export.tables import to_csv_bytes
from core.vocab import OUTCOME_SHORT, Population, SetTag
from core.workflow.reproduce import STATUS_CANNOT, STATUS_DIFFERS, STATUS_PARTIAL, STATUS_REPRODUCED, status_kind
from core.words import (AUDIT_FLAG_TEXT, SMD_VARIANT_LABELS, TABLE_HEADINGS, TAU2_LABELS, fmt_ci, fmt_p,
                        printed_with_minus, reader_numbers, result_label, signed_difference)
from ui.check import comparison_claims, paper_audit, paper_count_explained, reproduction, request_open_row_in_forest
from ui.components import escape_markdown, page_header
from ui.text import md_table
from ui.data import current_dataset
from ui.forest_link import switch_if_requested

TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "templates" / "reported_results_template.csv"
assert set(AUDIT_FLAG_TEXT) == set(FLAGS)

switch_if_requested()
spec = page_header("Check the paper", "Each pooled result printed in Li et al. 2021 (abstract, Results for Figs. 2–9, "
                                      "Tables 2–4), recomputed from the trial-level numbers we extracted, with the "
                                      "paper's own settings, and audited for internal consistency.")
ds = current_dataset()

# ------------------------------------------------------------------------------------------------
st.header("Reported vs recomputed")
try:
    rep = reproduction(ds, spec)
except ValueError as exc:
    st.error(f"The reported-results table could not be checked: {escape_markdown(exc)}", icon=":material/error:")
    st.stop()
n = rep["status"].map(status_kind).value_counts()
c1, c2, c3, c4 = st.columns(4)
c1.metric("Reproduced within rounding", int(n.get(STATUS_REPRODUCED, 0)), help="±0.01 on the estimate and both CI "
          "bounds (or the printed rounding, when the paper printed fewer decimals)")
c2.metric("Partial (subset of studies)", int(n.get(STATUS_PARTIAL, 0)), help="Recomputed from only some of the "
          "studies the paper pooled, so a difference says little about the paper's number.")
c3.metric("Differ (full set)", int(n.get(STATUS_DIFFERS, 0)), help="Recomputed from every study the paper pooled, "
          "and still not within rounding.")
c4.metric("Cannot recompute", int(n.get(STATUS_CANNOT, 0)), help="The trial-level numbers are not available; the "
          "explanation says which are missing and why.")
st.caption(f"Outcome, comparison, population, measure, model and time point come from each reported row; the paper's "
           f"studies only. Pre-post correlation r = {spec.r:g}, SMD: {SMD_VARIANT_LABELS[spec.smd_variant]}, τ²: "
           f"{TAU2_LABELS[spec.tau2_method]} "
           "come from the sidebar (the paper does not report r).")

reported = ds.reported.reset_index(drop=True)
labels = {r.result_id: result_label(OUTCOME_SHORT.get(r.outcome, r.outcome), r.comparison, r.population, r.locator)
          for r in reported.itertuples()}
table = rep.assign(
    Result=reported["result_id"].map(labels), Where=reported["locator"],
    Reported=[f"{printed_with_minus(e)} [{printed_with_minus(lo)}, {printed_with_minus(hi)}]"
              for e, lo, hi in zip(reported["estimate"], reported["ci_low"], reported["ci_high"])],
    Recomputed=[fmt_ci(e, lo, hi) if e == e else "—" for e, lo, hi in
                zip(rep["recomputed_estimate"], rep["recomputed_ci_low"], rep["recomputed_ci_high"])],
    Status=list(rep["status"]), Measure=reported["measure"].astype(str),
    k=[f"{u} of {c}" if c is not None and c == c else "" for u, c in zip(rep["k_used"], rep["k_cited"])],
    # one column for the three differences: the table fits 1280 px without a cut column (issue 26 item 10)
    Delta=["—" if d != d else f"{signed_difference(d)}; {signed_difference(lo)}, {signed_difference(hi)}"
           for d, lo, hi in zip(rep["diff_estimate"], rep["diff_ci_low"], rep["diff_ci_high"])],
)[list(TABLE_HEADINGS["reproduction"])].rename(columns=TABLE_HEADINGS["reproduction"])


# A static table: all 26 rows in view and every cell wrapped, at 1440 and 1280 px (issue 26 item 10); the
# picker below the table opens a row on the Forest plot page.
st.table(md_table(table, "Result"), hide_index=True)
count_note = paper_count_explained(ds, Population.ALL, int(ds.studies["set"].eq(SetTag.PAPER).sum()))
st.caption("Measure: MD, mean difference in the outcome's unit; SMD, standardised mean difference. Studies with "
           "numbers: of the studies the paper cites for the result, or of those in scope when it cites none."
           + count_note + " Why each row is what it is follows the table, in full.")
with st.expander("Why, row by row (every reason in full)", expanded=False):
    st.markdown("\n".join(f"- **{escape_markdown(labels[r.result_id])}** ({r.status}; {escape_markdown(loc)}): "
                           f"{escape_markdown(reader_numbers(r.explanation))}"
                           for r, loc in zip(rep.itertuples(), reported["locator"])))


def _open_chosen():
    rid = st.session_state.get("repro_open")
    if rid:
        request_open_row_in_forest(reported[reported["result_id"] == rid].iloc[0], spec)


c_sel, c_btn = st.columns([3, 1], vertical_alignment="bottom")
c_sel.selectbox("Open a result in the Forest plot", reported["result_id"], key="repro_open",
                format_func=labels.get)
c_btn.button("Open in Forest plot", on_click=_open_chosen, key="repro_open_btn", icon=":material/forest:")


# ------------------------------------------------------------------------------------------------
st.header("Audit of the reported statistics")
st.caption("Without any study data: SE, Z and P back-computed from each estimate and its 95% CI (Altman & Bland, BMJ "
           "2011; Cochrane Handbook 6.5.2.2) and compared with the printed Z and P, allowing for printed rounding; "
           "the estimate inside and centred in its CI; the fixed/random choice against the paper's rule (random iff "
           "I² > 50% and P(Q) < 0.10); and 'significant / not significant' in the text against P and the CI.")
try:
    aud = paper_audit(ds)
except ValueError as exc:
    st.error(f"The audit could not run: {escape_markdown(exc)}", icon=":material/error:")
    aud = None
if aud is not None:
    flagged = aud[aud["flags"].map(len) > 0]
    a1, a2 = st.columns(2)
    a1.metric("Reported results audited", len(aud))
    a2.metric("With at least one inconsistency", len(flagged))
    for r in flagged.itertuples():
        with st.container(border=True):
            st.markdown(f"**{escape_markdown(labels.get(r.result_id, r.result_id))}** · {escape_markdown(r.locator)}")
            st.caption(" · ".join(AUDIT_FLAG_TEXT[f] for f in r.flags))
            st.text(reader_numbers(r.explanation))
    with st.expander("All audited rows"):
        audited = aud.assign(result_id=aud["result_id"].map(lambda rid: labels.get(rid, rid)),
                             flags=aud["flags"].map(lambda f: ", ".join(AUDIT_FLAG_TEXT[x] for x in f) or "none"),
                             # the page's number format: true minus signs, P as on every page (issue 26 item 17)
                             **{c: aud[c].map(lambda x: "" if x is None or x != x else printed_with_minus(x))
                                for c in ("estimate", "ci_low", "ci_high", "z")},
                             p_from_ci=aud["p_from_ci"].map(lambda p: fmt_p(p).removeprefix("P ").removeprefix("= ")),
                             z_from_ci=aud["z_from_ci"].map(lambda z: printed_with_minus(f"{z:.2f}") if z == z else ""))
        # every row, every cell wrapped (issue 26 item 10)
        st.table(md_table(audited[["result_id", "estimate", "ci_low", "ci_high", "z", "pvalue", "z_from_ci", "p_from_ci",
                                   "flags"]], "result_id", "estimate", "ci_low", "ci_high", "z", "pvalue")
                 .rename(columns={"result_id": "Result", "estimate": "Estimate", "ci_low": "CI lower",
                                  "ci_high": "CI upper", "z": "Z (printed)", "pvalue": "P (printed)",
                                  "flags": "Inconsistencies", "z_from_ci": "Z from CI", "p_from_ci": "P from CI"}),
                 hide_index=True)
        st.caption("Each inconsistency is explained in full in the boxes above.")

    st.subheader("Claims that compare two results")
    st.caption("Where the text says one subgroup's effect differs from, or exceeds, another's, the two printed "
               "results are compared directly: difference, SE = √(SE₁² + SE₂²), z and P (Altman & Bland, BMJ 2003).")
    try:
        claims = comparison_claims(ds)
    except (ValueError, KeyError) as exc:
        st.warning(f"The comparison claims could not be checked: {escape_markdown(exc)}", icon=":material/warning:")
    else:
        a3, a4 = st.columns(2)
        a3.metric("Comparison claims checked", len(claims))
        a4.metric("Not supported by the printed numbers", int((~claims["consistent"].astype(bool)).sum()))
        for r in claims.itertuples():
            with st.container(border=True):
                st.markdown(f"**{escape_markdown(r.locator)}** · "
                            + ("consistent" if r.consistent else "not supported"))
                st.caption(f"“{escape_markdown(r.claim)}”")
                st.text(reader_numbers(r.explanation))

# ------------------------------------------------------------------------------------------------
st.header("Audit a table from any paper")
st.write("Upload a CSV of reported pooled results (one row per result) to run the same audit. Required columns: "
         "estimate, ci_low, ci_high, pvalue (as printed, e.g. 0.003 or <0.00001). Optional: result_id, z, i2, "
         "q_pvalue, model, claim, measure (MD, SMD, or OR/RR/HR on the log scale). Keep numbers as printed, with "
         "their trailing zeros: tolerances follow the printed decimals.")
st.download_button("Download the template", TEMPLATE.read_bytes(), file_name="reported_results_template.csv",
                   mime="text/csv", key="template_download", icon=":material/download:")
up = st.file_uploader("CSV of reported results", type=["csv"], key="audit_upload")
if up is not None:
    try:
        user_table = read_reported_csv(up.getvalue())
        user_audit = audit_reported(user_table)
    except (ValueError, TypeError) as exc:
        st.error(f"That file could not be audited. {escape_markdown(exc)}", icon=":material/error:")
    else:
        k = int((user_audit["flags"].map(len) > 0).sum())
        st.success(f"Audited {len(user_audit)} rows: {k} with at least one inconsistency.", icon=":material/fact_check:")
        show = user_audit.assign(flags=user_audit["flags"].map(lambda f: ", ".join(f)))
        st.dataframe(show, hide_index=True, width="stretch", key="user_audit_table")
        st.download_button("Download the audit (CSV)", to_csv_bytes(user_audit), file_name="audit.csv",
                           mime="text/csv", key="user_audit_download", icon=":material/download:")
