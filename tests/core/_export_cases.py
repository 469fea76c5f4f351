"""The dataset and views that the core.export tests share (shipped data, no fixtures in data/)."""
from __future__ import annotations

from core.workflow.analysis import AnalysisSpec
from core.evidence.dataset import Dataset, load_dataset

DS = load_dataset()
# k = 4 across both diabetes types (paper + newer trials), so subgroups and weights are exercised.
SPEC_VS = AnalysisSpec(outcome="hba1c", comparison="vs_control", study_set="all")
SPEC_PP_RE = AnalysisSpec(outcome="hba1c", comparison="pre_post", study_set="all", model="random",
                          tau2_method="REML")


def with_tables(ds, **changes):
    """A new Dataset with some tables changed (not dataclasses.replace, which would also copy any
    cached derived data of ``ds``)."""
    parts = {k: getattr(ds, k) for k in ("studies", "outcomes", "events", "gaps", "reported", "name")}
    return Dataset(**{**parts, **changes})
