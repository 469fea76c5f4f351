"""Small constructed datasets for tests (never shipped; numbers are synthetic by design)."""
from __future__ import annotations

import pandas as pd

from core.evidence.dataset import (EVENT_COLUMNS, GAP_COLUMNS, REPORTED_COLUMNS, Dataset, validate_outcomes,
                          validate_studies)


def study(study_id, dm_type="T2DM", design_class="rct", year=2015, set_="paper", id_confidence="high"):
    return {"study_id": study_id, "set": set_, "ref_no": "", "id_confidence": id_confidence,
            "first_author": study_id.rstrip("0123456789"), "year": str(year), "title": "", "journal": "",
            "doi": "", "pmid": "", "dm_type": dm_type, "country": "", "design": "", "design_class": design_class,
            "n_msc": "", "n_control": "", "msc_source": "", "dose": "", "route": "", "followup_months": "",
            "confidence": "", "source_url": "https://example.org"}


def arm(study_id, arm_, outcome, t, n, mean, sd, unit="%", dispersion_type="sd", disp2="", set_="paper"):
    return {"study_id": study_id, "set": set_, "arm": arm_, "outcome": outcome, "timepoint_months": str(t),
            "timepoint_label": f"{t} months", "n": str(n), "mean": str(mean), "dispersion_type": dispersion_type,
            "disp1": str(sd), "disp2": str(disp2), "unit": unit, "use": "yes", "use_note": "",
            "source_url": "https://example.org", "locator": "test", "snippet": "synthetic"}


def two_arm_study(study_id, outcome, m1, sd1, m2, sd2, n=20, t=12, **kw):
    """Rows for a controlled study: MSC and control at baseline (equal) and at time t."""
    return [arm(study_id, "msc", outcome, 0, n, m2, sd2, **kw), arm(study_id, "msc", outcome, t, n, m1, sd1, **kw),
            arm(study_id, "control", outcome, 0, n, m2, sd2, **kw),
            arm(study_id, "control", outcome, t, n, m2, sd2, **kw)]


def make_dataset(studies: list[dict], outcomes: list[dict], name="test dataset") -> Dataset:
    s = validate_studies(pd.DataFrame(studies))
    o = validate_outcomes(pd.DataFrame(outcomes), s["study_id"])
    return Dataset(studies=s, outcomes=o, events=pd.DataFrame(columns=EVENT_COLUMNS),
                   gaps=pd.DataFrame(columns=GAP_COLUMNS), reported=pd.DataFrame(columns=REPORTED_COLUMNS),
                   name=name)


def heterogeneous_dataset() -> Dataset:
    """Four T2DM and two T1DM controlled studies with clearly different effects (I² high)."""
    studies = [study("A2010", "T1DM"), study("B2011", "T1DM"), study("C2012"), study("D2013"), study("E2014"),
               study("F2015")]
    rows = []
    for sid, m1, n in (("A2010", 7.0, 12), ("B2011", 8.4, 40), ("C2012", 6.5, 15), ("D2013", 8.5, 60),
                       ("E2014", 7.2, 20), ("F2015", 8.8, 30)):
        rows += two_arm_study(sid, "hba1c", m1, 0.8, 8.6, 0.8, n=n)
    return make_dataset(studies, rows)


def trajectory_dataset() -> Dataset:
    """Two T2DM and one T1DM single-arm studies with values at 0, 3, 6, 12 and (one) 24 months."""
    studies = [study("P2010", "T2DM", "single_arm"), study("Q2011", "T2DM", "single_arm"),
               study("R2012", "T1DM", "single_arm")]
    rows = []
    for sid, means in (("P2010", (8.0, 7.6, 7.4, 7.2, 7.0)), ("Q2011", (8.4, 8.0, 7.9, 7.5, None)),
                       ("R2012", (8.8, None, 8.1, 8.0, None))):
        for t, m in zip((0, 3, 6, 12, 24), means):
            if m is not None:
                rows.append(arm(sid, "msc", "hba1c", t, 20, m, 1.0))
    return make_dataset(studies, rows)
