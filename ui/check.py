"""App-layer helpers for the "check the paper" pages (reproduce, studies, events, flow): cached
core calls (see :func:`ui.cache.cached`) and the row -> Forest-plot navigation."""
from __future__ import annotations

import pandas as pd

from core.workflow.analysis import AnalysisSpec
from core.workflow.audit import audit_reported
from core.workflow.claims import audit_comparison_claims
from core.evidence import paper_tables
from core.evidence.completeness import completeness_table
from core.evidence.paper_count import paper_count
from core.evidence.dataset import Dataset
from core.workflow.recompute import recomputer, spec_for_row
from core.workflow.reproduce import classify_reproduction
from core.words import paper_count_note
from core.vocab import Population
from ui.cache import cached
from ui.data import run_analysis
from ui.forest_link import request_forest_for
from ui.text import md

# The paper's own tables (data/), read once per process.
flow_table = cached(paper_tables.load_flow, max_entries=1)
events_reported = cached(paper_tables.load_events_reported, max_entries=1)
adverse_events = cached(paper_tables.load_adverse_events, max_entries=1)


def claims_audit(ds: Dataset) -> pd.DataFrame:
    """:func:`core.workflow.audit.audit_comparison_claims` of the paper's subgroup claims against ``ds``'s reported results."""
    return audit_comparison_claims(paper_tables.load_comparison_claims(), ds.reported)


def reported_audit(ds: Dataset) -> pd.DataFrame:
    """:func:`core.workflow.audit.audit_reported` of the dataset's reported-results table."""
    return audit_reported(ds.reported)


def completeness_map(ds: Dataset, study_set: str) -> pd.DataFrame:
    """:func:`core.evidence.completeness.completeness_table` of ``ds`` for one study set."""
    return completeness_table(ds, study_set=study_set)


comparison_claims = cached(claims_audit, max_entries=16)
paper_audit = cached(reported_audit, max_entries=16)
completeness = cached(completeness_map, max_entries=16)


def reproduction(ds: Dataset, base: AnalysisSpec) -> pd.DataFrame:
    """Every reported row next to its recomputation (cached analyses via ui.cache)."""
    return classify_reproduction(ds.reported, recomputer(ds, analyse_fn=lambda d, s: run_analysis(s, d),
                                                         base=base))


def request_open_row_in_forest(row: pd.Series, base: AnalysisSpec) -> None:
    """Call from a widget callback: open a reported row's analysis on the Forest plot page."""
    request_forest_for(spec_for_row(row, base))


def paper_count_explained(ds: Dataset, population: str, listed: int) -> str:
    """Why ``listed`` studies of the paper's set in ``population`` exceed the paper's own count (the
    candidates kept for one unresolved reference), or '' when they do not (issue 26 item 4)."""
    count = paper_count(ds, flow_table(), population)
    if count is None:
        return ""
    return paper_count_note(listed, [md(label) for label in count.candidates], n_paper=count.n_paper,
                            who="" if population == Population.ALL else f"{population} ",
                            others=tuple(md(label) for label in count.others))
