"""Small tables taken from the paper itself (Li et al. 2021): study flow, pooled insulin events,
adverse events, and the reported pooled results; loaders with schema checks, and the mapping of
the paper's reference numbers to studies.

Every table keeps the numbers as printed, with a locator and (for events) a verbatim snippet.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.errors import DatasetError
from core.evidence.printed import parse_refs
from core.words import NOT_INCLUDED_REF

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
FLOW_COLUMNS = ("stage", "count", "note", "locator")
EVENTS_COLUMNS = ("dm_type", "event", "count", "n", "refs", "locator", "snippet")
ADVERSE_COLUMNS = ("event", "patients", "studies_refs", "locator", "snippet")
CLAIM_COLUMNS = ("claim_id", "locator", "claim", "result_a", "result_b", "kind")


def _read(name: str, columns, data_dir: Path | str | None) -> pd.DataFrame:
    path = Path(data_dir or DATA_DIR) / name
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DatasetError([f"column '{c}' is missing" for c in missing], name)
    return df


def _whole_numbers(df: pd.DataFrame, cols, name: str, *, allow_blank=()) -> pd.DataFrame:
    problems = []
    out = df.copy()
    for col in cols:
        vals = []
        for i, v in enumerate(df[col]):
            if v == "" and col in allow_blank:
                vals.append(pd.NA)
                continue
            try:
                f = float(v)
                ok = f >= 0 and f.is_integer()
            except ValueError:
                ok = False
            if not ok:
                problems.append(f"row {i + 1}, column '{col}': expected a whole number >= 0, got {v!r}")
                vals.append(pd.NA)
            else:
                vals.append(int(f))
        out[col] = pd.array(vals, dtype="Int64")
    if problems:
        raise DatasetError(problems, name)
    return out


def load_flow(data_dir=None) -> pd.DataFrame:
    """``data/flow.csv``: the study-selection counts (Fig. 1 and Results 'Search results')."""
    return _whole_numbers(_read("flow.csv", FLOW_COLUMNS, data_dir), ["count"], "flow.csv")


def load_events_reported(data_dir=None) -> pd.DataFrame:
    """``data/events_reported.csv``: the pooled insulin events by diabetes type, as printed."""
    df = _whole_numbers(_read("events_reported.csv", EVENTS_COLUMNS, data_dir), ["count", "n"],
                        "events_reported.csv")
    bad = [f"row {i + 1}: count {c} exceeds n {n}" for i, (c, n) in enumerate(zip(df["count"], df["n"]))
           if c > n]
    if bad:
        raise DatasetError(bad, "events_reported.csv")
    return df


def load_adverse_events(data_dir=None) -> pd.DataFrame:
    """``data/adverse_events_reported.csv``: adverse events as the paper reports them (patient
    counts blank when the paper gives none)."""
    return _whole_numbers(_read("adverse_events_reported.csv", ADVERSE_COLUMNS, data_dir), ["patients"],
                          "adverse_events_reported.csv", allow_blank=("patients",))


def load_comparison_claims(data_dir=None) -> pd.DataFrame:
    """``data/comparison_claims.csv``: sentences of the paper that compare two reported results
    (subgroups), with the two ``result_id`` values and the kind of claim."""
    return _read("comparison_claims.csv", CLAIM_COLUMNS, data_dir)


def refs_to_studies(refs: str, studies: pd.DataFrame, label=None) -> str:
    """"18, 29" -> "[18] Bhansali 2017; [29] Hu 2016" using ``studies.ref_no``; a reference that
    is not one of the included studies is said to be so."""

    nums = parse_refs(refs)
    if not nums:
        return ""
    by_ref = {}
    for _, r in studies.iterrows():
        try:
            by_ref[int(float(r["ref_no"]))] = r["study_id"]
        except (TypeError, ValueError):
            continue
    parts = []
    for n in nums:
        sid = by_ref.get(n)
        if sid is None:
            parts.append(f"[{n}] {NOT_INCLUDED_REF}")
        else:
            parts.append(f"[{n}] {label(sid) if label else sid}")
    return "; ".join(parts)
