"""Completeness map: for each study × outcome × time point, is there a usable number, and how?

``completeness_table(dataset)`` classifies every cell as

* ``"reported"``: a mean with an SD (or a "±" used as SD, noted) printed by the source;
* ``"converted"``: a mean and SD derived from what was printed (median/IQR or range: Wan et al.
  2014; SE or CI: Cochrane Handbook 6.5.2.2), via :mod:`core.conversions` at analysis time;
* ``"not used"``: numbers exist but the extraction marks them ``use = no`` (with the reason);
* ``"missing"``: no number, with the reason from ``data/gaps.csv`` when one is recorded.

Time points are binned as the analyses match them: baseline (0), 3, 6 and 12 months within
±1 month (``core.vocab.TIMEPOINT_TOLERANCE_MONTHS``), anything else as "other".

References
----------
.. [1] Higgins JPT et al. (eds). Cochrane Handbook v6.4, 2023, section 6.5.2.2 (SD from SE/CI).
.. [2] Wan X, Wang W, Liu J, Tong T. Estimating the sample mean and standard deviation from the
   sample size, median, range and/or interquartile range. BMC Med Res Methodol 2014;14:135.
"""
from __future__ import annotations

import math

import pandas as pd

from core import vocab
from core.words.statuses import gap_status_label
from core.vocab import CellStatus, SetTag, StudySet

STATUSES = vocab.CELL_STATUSES
TIME_BINS = ("baseline", "3 mo", "6 mo", "12 mo", "other")
_BIN_MONTHS = {"baseline": 0.0, "3 mo": 3.0, "6 mo": 6.0, "12 mo": 12.0}
_REPORTED_TYPES = {"sd": "mean ± SD as printed", "sd?": "'±' printed without saying SD or SE; used as SD"}
_CONVERTED_TYPES = {"median_iqr": "converted from median and IQR (Wan 2014)",
                    "median_range": "converted from median and range (Wan 2014)",
                    "range": "converted from range (Wan 2014)",
                    "se": "SD from SE (Cochrane Handbook 6.5.2.2)",
                    "ci": "SD from CI (Cochrane Handbook 6.5.2.2)"}


def bin_months(label: str) -> float | None:
    """The months a time bin stands for (baseline 0, 3, 6, 12); None for "other"."""
    return _BIN_MONTHS.get(label)


def time_bin(months) -> str:
    """Bin a follow-up time in months: baseline / 3 / 6 / 12 months within ±1 month, else other."""
    try:
        m = float(months)
    except (TypeError, ValueError):
        return "other"
    if math.isnan(m):
        return "other"
    if m == 0:
        return "baseline"
    for label, target in _BIN_MONTHS.items():
        if target > 0 and abs(m - target) <= vocab.TIMEPOINT_TOLERANCE_MONTHS:
            return label
    return "other"


def _cell_status(rows: pd.DataFrame) -> tuple[str, str]:
    used = rows[rows["use"].astype(str).str.lower() == "yes"]
    if used.empty:
        notes = "; ".join(dict.fromkeys(str(x) for x in rows["use_note"] if str(x)))
        return CellStatus.NOT_USED.value, f"numbers present but not used: {notes or 'no reason recorded'}"
    kinds = list(dict.fromkeys(str(t) for t in used["dispersion_type"]))
    details = []
    converted = False
    for k in kinds:
        if k in _CONVERTED_TYPES:
            converted = True
            details.append(_CONVERTED_TYPES[k])
        else:
            details.append(_REPORTED_TYPES.get(k, f"dispersion type '{k}'"))
    arms = ", ".join(sorted(dict.fromkeys(str(a) for a in used["arm"])))
    when = ", ".join(dict.fromkeys(str(t) for t in used["timepoint_label"] if str(t))) or "time not stated"
    return ((CellStatus.CONVERTED if converted else CellStatus.REPORTED).value,
            f"{'; '.join(details)} (arms: {arms}; time: {when})")


def completeness_table(dataset, *, study_set: str = StudySet.PAPER) -> pd.DataFrame:
    """One row per study × outcome × time bin, with ``status`` and ``detail``.

    Parameters
    ----------
    dataset : core.evidence.dataset.Dataset
    study_set : {"paper", "all"}
        The paper's studies only, or with the newer trials.

    Returns
    -------
    pandas.DataFrame
        Columns ``study_id``, ``label``, ``dm_type``, ``id_confidence``, ``outcome``,
        ``time_bin``, ``status`` (one of :data:`STATUSES`), ``detail``, ``source_url``; rows in
        study order, then :data:`core.vocab.OUTCOMES`, then :data:`TIME_BINS`. Only the bins baseline,
        3, 6 and 12 months are listed for every cell; "other" appears only where data exist.
    """
    if study_set not in vocab.STUDY_SETS:
        raise ValueError(f"`study_set` must be 'paper' or 'all'; got {study_set!r}")
    studies = dataset.studies
    if study_set == StudySet.PAPER:
        studies = studies[studies["set"] == SetTag.PAPER]
    out = dataset.outcomes.copy()
    out["time_bin"] = out["timepoint_months"].map(time_bin)
    gaps = dataset.gaps
    by_cell = {key: grp for key, grp in out.groupby(["study_id", "outcome"], sort=False)}
    gap_cells = ({key: grp for key, grp in gaps.groupby(["study_id", "outcome"], sort=False)}
                 if not gaps.empty else {})
    empty_o, empty_g = out.iloc[0:0], gaps.iloc[0:0]
    rows = []
    for st in studies.to_dict("records"):
        sid = st["study_id"]
        label = dataset.study_label(sid)
        for outcome in vocab.OUTCOMES:
            o = by_cell.get((sid, outcome), empty_o)
            g = gap_cells.get((sid, outcome), empty_g)
            bins = list(TIME_BINS[:-1]) + (["other"] if (o["time_bin"] == "other").any() else [])
            for b in bins:
                cell = o[o["time_bin"] == b]
                if not cell.empty:
                    status, detail = _cell_status(cell)
                    url = str(cell["source_url"].iloc[0])
                else:
                    status = CellStatus.MISSING.value
                    g_b = g
                    if not g.empty and "timepoint_months" in g.columns:
                        tb = g["timepoint_months"].map(lambda x: "" if str(x) == "" else time_bin(x))
                        g_b = g[(tb == "") | (tb == b)]
                    if not g_b.empty:
                        r = g_b.iloc[0]
                        detail = f"{gap_status_label(r['status'])}: {r['reason']}"
                        url = str(r.get("source_url", ""))
                    elif not o.empty:
                        have = ", ".join(sorted(dict.fromkeys(str(t) for t in o["timepoint_months"])))
                        detail = f"not reported at this time point (numbers at {have} months)"
                        url = str(o["source_url"].iloc[0])
                    else:
                        detail = "no numbers and no reason recorded"
                        url = ""
                rows.append(dict(study_id=sid, label=label, dm_type=st["dm_type"],
                                 id_confidence=st["id_confidence"], outcome=outcome, time_bin=b,
                                 status=status, detail=detail, source_url=url))
    return pd.DataFrame(rows, columns=["study_id", "label", "dm_type", "id_confidence", "outcome",
                                       "time_bin", "status", "detail", "source_url"])


def completeness_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Cells per status and outcome (columns: outcome, then one column per status)."""
    c = table.pivot_table(index="outcome", columns="status", values="study_id", aggfunc="count",
                          fill_value=0)
    c = c.reindex(index=[o for o in vocab.OUTCOMES if o in c.index], columns=list(STATUSES),
                  fill_value=0)
    return c.reset_index()
