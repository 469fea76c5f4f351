"""Why a view lists more of the paper's studies than the paper counts (issue 26 item 4): for one
unresolved reference the data keep every candidate study, so "1 of 7 studies" can stand where the
paper says 6.  The counts are the paper's own (data/flow.csv: Abstract and Results)."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from core.evidence.dataset import Dataset
from core.vocab import Population, SetTag

# The paper's own count of its studies, by population: the stage of data/flow.csv that holds it.
PAPER_COUNT_STAGE = {Population.ALL: "studies_included", Population.T1DM: "studies_t1dm",
                     Population.T2DM: "studies_t2dm"}


@dataclass(frozen=True, slots=True)
class PaperCount:
    """The paper's count of its studies in a population (``n_paper``), the labels of the candidate
    studies kept for an unresolved reference in that population (``candidates``) and elsewhere
    (``others``)."""

    population: str
    n_paper: int
    candidates: tuple[str, ...]
    others: tuple[str, ...]


def paper_count(ds: Dataset, flow: pd.DataFrame, population: str) -> PaperCount | None:
    """The :class:`PaperCount` of ``population``, or None when no candidate study stands in it (the
    listed studies then match the paper's) or the flow table lacks the paper's count."""
    paper = ds.studies[ds.studies["set"] == SetTag.PAPER]
    candidates = paper[paper["ref_no"] == ""]
    mine = candidates if population == Population.ALL else candidates[candidates["dm_type"] == population]
    counts = flow.set_index("stage")["count"]
    stage = PAPER_COUNT_STAGE.get(population)
    if stage not in counts.index or mine.empty:
        return None
    return PaperCount(str(population), int(counts[stage]), tuple(ds.study_label(s) for s in mine["study_id"]),
                      tuple(ds.study_label(s) for s in candidates.drop(mine.index)["study_id"]))
