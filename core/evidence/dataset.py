"""Loading and schema checks for the evidence tables in ``data/``, and the one codec between a
:class:`Dataset` and its tables.

The CSVs keep every number as reported, with its provenance.  :data:`TABLES` names each table, its
file in ``data/`` and its schema columns, once; :func:`to_tables` and :func:`from_tables` turn a
Dataset into tables and back (validating once), and the loader, the store and both directions of
the zip bundle go through them.  ``validate_*`` check a table at the boundary, listing every problem
(row, column, value, expectation) in one :class:`~core.errors.DatasetError`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core import vocab
from core.conversions import DISPERSION_TYPES
from core.errors import DatasetError
from core.evidence.characteristics import check_codes
from core.evidence.limits import MAX_ABS_VALUE, MAX_ROWS
from core.words.phrases import journal_year_label
from core.words.statuses import gap_status_label

DATA_DIR = Path(__file__).resolve().parents[2] / "data"

ARMS = ("msc", "control")
SETS = vocab.SET_TAGS

STUDY_COLUMNS = ("study_id", "set", "ref_no", "id_confidence", "first_author", "year", "title", "journal",
                 "doi", "pmid", "dm_type", "country", "design", "design_class", "n_msc", "n_control",
                 "msc_source", "dose", "route", "followup_months", "confidence", "source_url",
                 *vocab.CHARACTERISTIC_COLUMNS, "coding_note")
OUTCOME_COLUMNS = ("study_id", "set", "arm", "outcome", "timepoint_months", "timepoint_label", "n", "mean",
                   "dispersion_type", "disp1", "disp2", "unit", "use", "use_note", "source_url", "locator",
                   "snippet")
EVENT_COLUMNS = ("study_id", "set", "arm", "event", "count", "n", "source_url", "locator", "snippet")
GAP_COLUMNS = ("study_id", "outcome", "timepoint_months", "status", "reason", "source_url")
REPORTED_COLUMNS = ("result_id", "locator", "outcome", "comparison", "population", "timepoint", "measure",
                    "model", "estimate", "ci_low", "ci_high", "z", "pvalue", "i2", "q_pvalue", "refs", "claim",
                    "note")
# A Dataset's tables: field name -> (file in data/, schema columns in the shipped order).
TABLES = {"studies": ("studies.csv", STUDY_COLUMNS), "outcomes": ("outcomes.csv", OUTCOME_COLUMNS),
          "events": ("events.csv", EVENT_COLUMNS), "gaps": ("gaps.csv", GAP_COLUMNS),
          "reported": ("reported_results.csv", REPORTED_COLUMNS)}
TABLE_FILES = {table: file for table, (file, _cols) in TABLES.items()}
TABLE_COLUMNS = {table: cols for table, (_file, cols) in TABLES.items()}
REQUIRED_TABLES = ("studies", "outcomes")
# Typed copies that validate_studies / validate_outcomes add: derived on load, never written out.
DERIVED_COLUMNS = ("year_num", "timepoint_num", "n_num", "mean_num", "disp1_num", "disp2_num")


@dataclass(frozen=True, slots=True)
class Dataset:
    """The evidence tables.  ``name`` says which dataset this is (shown in a banner)."""

    studies: pd.DataFrame
    outcomes: pd.DataFrame
    events: pd.DataFrame
    gaps: pd.DataFrame
    reported: pd.DataFrame
    name: str = "shipped dataset (Li et al. 2021 + extraction)"
    # Lazily built plain-Python index (see :meth:`index`); not part of equality or repr.
    _cache: dict = field(default_factory=dict, repr=False, compare=False, init=False)
    # A content fingerprint, computed once when the Dataset is made (see :func:`content_key`).
    key: str = field(default="", repr=False, compare=False, init=False)

    def __post_init__(self):
        object.__setattr__(self, "key", content_key(self))

    def index(self) -> "EvidenceIndex":
        """The tables as plain records, grouped for fast selection (built once per dataset).

        Selecting a handful of rows from tiny pandas frames costs ~0.1 ms a filter; an analysis
        needs hundreds, so analyses work on these records instead.
        """
        if "index" not in self._cache:
            self._cache["index"] = _build_index(self)
        return self._cache["index"]

    def fingerprint(self) -> str:
        """The dataset's :attr:`key` (kept for callers that ask for it by this name)."""
        return self.key

    def study_label(self, study_id: str) -> str:
        """'Surname Year', as RevMan labels studies; the id when the author is not reported."""
        return self._labels().get(study_id, study_id)

    def study_labels(self) -> dict[str, str]:
        """study_id -> label for every study (a copy of the map built once per dataset)."""
        return dict(self._labels())

    def _labels(self) -> dict[str, str]:
        # Built once: study_label is called per study and per row on every rerun.
        if "labels" not in self._cache:
            out = {}
            journals = self.studies["journal"] if "journal" in self.studies else [""] * len(self.studies)
            for sid, author, year, journal in zip(self.studies["study_id"], self.studies["first_author"],
                                                  self.studies["year"], journals):
                surname = str(author).split(" (")[0].strip().split(" ")[0]
                if surname and not surname.startswith("NR"):
                    out[sid] = f"{surname} {year}".strip()
                else:       # no author recorded: journal and year, never the id (issue 26 item 8)
                    out[sid] = journal_year_label(journal, year) or sid
            self._cache["labels"] = out
        return self._cache["labels"]


def content_key(ds: Dataset) -> str:
    """A content fingerprint of ``ds``: SHA-1 of its name and every table's columns and cells.

    Caches key on it (through :attr:`Dataset.key` and ``ForestAnalysis.dataset_key``), so two
    Datasets with the same content share cached results and an edited table never reuses another's.
    The cells' ``repr`` (~2 ms for the shipped data) rather than CSV text (~16-50 ms): a key is
    compared, never read back.
    """
    h = hashlib.sha1(ds.name.encode())
    for df in (ds.studies, ds.outcomes, ds.events, ds.gaps, ds.reported):
        h.update(repr((df.columns.tolist(), df.values.tolist())).encode())
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class EvidenceIndex:
    """Plain records of a :class:`Dataset`.

    ``studies``: one dict per study, in table order (study_id, set, dm_type, design_class,
    id_confidence, year, label).  ``rows``: outcome -> study_id -> tuple of row dicts (used rows
    only; ``t`` is the time point in months or None when not reported).  ``gaps``:
    (study_id, outcome) -> reason text.  ``reported``: the reported-results rows as dicts.
    """

    studies: tuple
    rows: dict
    gaps: dict
    reported: tuple


def _num(x) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _build_index(ds: "Dataset") -> EvidenceIndex:
    labels = ds.study_labels()
    s = ds.studies
    years = s["year_num"] if "year_num" in s.columns else pd.to_numeric(s["year"], errors="coerce")
    studies = tuple({"study_id": sid, "set": st, "dm_type": dm, "design_class": dc, "id_confidence": idc,
                     "year": float(y) if pd.notna(y) else float("nan"), "label": labels[sid]}
                    for sid, st, dm, dc, idc, y in zip(s["study_id"], s["set"], s["dm_type"], s["design_class"],
                                                       s["id_confidence"], years))
    o = ds.outcomes
    rows: dict = {}
    used = o[o["use"] == "yes"]
    for rec in used.to_dict("records"):
        row = {"arm": rec["arm"], "t": _num(rec["timepoint_num"]), "n": _num(rec["n_num"]),
               "mean": _num(rec["mean_num"]), "dtype": rec["dispersion_type"], "d1": _num(rec["disp1_num"]),
               "d2": _num(rec["disp2_num"]), "unit": rec["unit"], "label": rec["timepoint_label"],
               "url": rec["source_url"]}
        rows.setdefault(rec["outcome"], {}).setdefault(rec["study_id"], []).append(row)
    rows = {out: {sid: tuple(v) for sid, v in by.items()} for out, by in rows.items()}
    gaps = {}
    for rec in ds.gaps.to_dict("records"):
        gaps.setdefault((rec["study_id"], rec["outcome"]),
                        f"{gap_status_label(rec['status'])}: {rec['reason']}")
    return EvidenceIndex(studies, rows, gaps, tuple(ds.reported.to_dict("records")))


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def _missing_columns(df: pd.DataFrame, columns, table: str) -> list[str]:
    missing = [c for c in columns if c not in df.columns]
    return [f"{table}: missing column(s) {', '.join(missing)}; expected columns: {', '.join(columns)}"] \
        if missing else []


def _numeric(df, col, table, problems, *, required, integer=False, positive=False, allow_zero=True):
    out = pd.to_numeric(df[col].replace("", np.nan), errors="coerce")
    for i, raw in df[col].items():
        val = out[i]
        where = f"{table} row {i + 2}, column `{col}`"   # +2: header line and 1-based rows
        if raw == "" or raw is None:
            if required:
                problems.append(f"{where}: value is empty; expected a number")
            continue
        if pd.isna(val) or not np.isfinite(val):
            problems.append(f"{where}: {raw!r} is not a finite number")
        elif abs(val) > MAX_ABS_VALUE:
            problems.append(f"{where}: {raw!r} is implausibly large (|value| > {MAX_ABS_VALUE:g})")
        elif integer and val != int(val):
            problems.append(f"{where}: {raw!r} must be a whole number")
        elif positive and (val < 0 or (val == 0 and not allow_zero)):
            problems.append(f"{where}: {raw!r} must be {'>= 0' if allow_zero else '> 0'}")
    return out


def _allowed(df, col, allowed, table, problems, *, allow_empty=False):
    for i, raw in df[col].items():
        if raw == "" and allow_empty:
            continue
        if raw not in allowed:
            problems.append(f"{table} row {i + 2}, column `{col}`: {raw!r} is not one of {', '.join(allowed)}")


def validate_studies(df: pd.DataFrame) -> pd.DataFrame:
    """Check the study characteristics table; return it with numeric columns typed."""
    problems = _missing_columns(df, ("study_id", "set", "dm_type", "design_class", "first_author", "year"), "studies")
    if problems:
        raise DatasetError(problems, "studies")
    df = df.copy()
    for col in STUDY_COLUMNS:
        if col not in df.columns:
            df[col] = ""
    dup = df["study_id"][df["study_id"].duplicated()]
    problems += [f"studies: study_id {s!r} appears more than once" for s in dup]
    problems += [f"studies row {i + 2}, column `study_id`: value is empty" for i, s in df["study_id"].items() if not s]
    _allowed(df, "set", SETS, "studies", problems)
    _allowed(df, "dm_type", vocab.DM_TYPES, "studies", problems)
    _allowed(df, "design_class", vocab.DESIGN_CLASSES, "studies", problems)
    df["year_num"] = _numeric(df, "year", "studies", problems, required=False, integer=True)
    check_codes(df, "studies", problems)
    if problems:
        raise DatasetError(problems, "studies")
    return df


def validate_outcomes(df: pd.DataFrame, study_ids=None) -> pd.DataFrame:
    """Check the arm-level outcome table; return it with numeric columns typed.

    Rules: known outcome, arm and dispersion codes; n a whole number >= 1; mean finite;
    disp1 > 0 for SD/SE; ordered bounds for CI/IQR/range; every study_id known (when
    ``study_ids`` is given); at most ``MAX_ROWS`` rows.
    """
    problems = _missing_columns(df, ("study_id", "arm", "outcome", "timepoint_months", "n", "mean",
                                     "dispersion_type", "disp1", "unit"), "outcomes")
    if problems:
        raise DatasetError(problems, "outcomes")
    if len(df) > MAX_ROWS:
        raise DatasetError([f"outcomes: {len(df)} rows; at most {MAX_ROWS} are accepted"], "outcomes")
    df = df.copy().reset_index(drop=True)
    for col in OUTCOME_COLUMNS:
        if col not in df.columns:
            df[col] = "yes" if col == "use" else (vocab.SetTag.PAPER.value if col == "set" else "")
    df["use"] = df["use"].replace("", "yes")
    _allowed(df, "arm", ARMS, "outcomes", problems)
    _allowed(df, "outcome", vocab.OUTCOME_CODES, "outcomes", problems)
    _allowed(df, "dispersion_type", DISPERSION_TYPES, "outcomes", problems)
    _allowed(df, "use", ("yes", "no"), "outcomes", problems)
    _allowed(df, "set", SETS, "outcomes", problems)
    df["timepoint_num"] = _numeric(df, "timepoint_months", "outcomes", problems, required=False, positive=True)
    df["n_num"] = _numeric(df, "n", "outcomes", problems, required=True, integer=True, positive=True,
                           allow_zero=False)
    df["mean_num"] = _numeric(df, "mean", "outcomes", problems, required=True)
    df["disp1_num"] = _numeric(df, "disp1", "outcomes", problems, required=True)
    df["disp2_num"] = _numeric(df, "disp2", "outcomes", problems, required=False)
    for i, r in df.iterrows():
        where = f"outcomes row {i + 2}"
        t, d1, d2 = r["dispersion_type"], r["disp1_num"], r["disp2_num"]
        if t in ("sd", "sd?", "se") and pd.notna(d1) and d1 <= 0:
            problems.append(f"{where}, column `disp1`: {r['disp1']!r} is an impossible {t.rstrip('?').upper()}; "
                            "expected a value > 0")
        if t in ("ci95", "median_iqr", "median_range"):
            if pd.isna(d2):
                problems.append(f"{where}, column `disp2`: empty; {t} needs a lower (disp1) and upper (disp2) bound")
            elif pd.notna(d1) and pd.notna(r["mean_num"]) and not d1 <= r["mean_num"] <= d2:
                problems.append(f"{where}: bounds {r['disp1']}..{r['disp2']} do not contain the centre {r['mean']}")
            elif pd.notna(d1) and d2 <= d1:
                problems.append(f"{where}: upper bound {r['disp2']} must exceed lower bound {r['disp1']}")
        if t in ("se", "ci95", "median_iqr", "median_range") and pd.notna(r["n_num"]) and r["n_num"] < 2:
            problems.append(f"{where}, column `n`: {t} needs n >= 2; got {r['n']}")
    if study_ids is not None:
        known = set(study_ids)
        for i, s in df["study_id"].items():
            if s not in known:
                problems.append(f"outcomes row {i + 2}, column `study_id`: {s!r} is not in the studies table")
    key = ["study_id", "arm", "outcome", "timepoint_months"]
    used = df[df["use"] == "yes"]
    for k, grp in used.groupby(key):
        if len(grp) > 1:
            problems.append(f"outcomes rows {', '.join(str(i + 2) for i in grp.index)}: {'/'.join(k)} appears "
                            f"{len(grp)} times with use=yes; mark one row use=yes and the others use=no")
    if problems:
        raise DatasetError(problems, "outcomes")
    return df


def table_frame(df: pd.DataFrame, columns) -> pd.DataFrame:
    """A table as written out: the schema ``columns`` first, then any other non-derived column, every
    cell an object, missing values as empty cells."""
    cols = [c for c in columns if c in df.columns]
    cols += [c for c in df.columns if c not in cols and c not in DERIVED_COLUMNS]
    frame = df[cols].astype(object)
    return frame.where(frame.notna(), "")


def to_tables(ds: Dataset) -> dict[str, pd.DataFrame]:
    """The dataset's tables as written out (:func:`table_frame`), keyed by :data:`TABLES`' names."""
    return {table: table_frame(getattr(ds, table), cols) for table, cols in TABLE_COLUMNS.items()}


def from_tables(frames, *, name: str | None = None, source: str = "dataset") -> Dataset:
    """A validated Dataset from its tables (text cells, keyed by :data:`TABLES`' names): the studies
    and outcomes checked row by row, the other tables for their columns; an absent optional table is
    empty.  :class:`DatasetError` (from ``source``) lists every problem."""
    missing = [t for t in REQUIRED_TABLES if frames.get(t) is None]
    if missing:
        raise DatasetError([f"the dataset has no {t} table ({TABLE_FILES[t]})" for t in missing], source)
    studies = validate_studies(frames["studies"])
    outcomes = validate_outcomes(frames["outcomes"], studies["study_id"])
    rest = {t: frames[t] if frames.get(t) is not None else pd.DataFrame(columns=TABLE_COLUMNS[t])
            for t in ("events", "gaps", "reported")}
    problems = [p for t, df in rest.items() for p in _missing_columns(df, TABLE_COLUMNS[t], TABLE_FILES[t])]
    if problems:
        raise DatasetError(problems, source)
    return Dataset(studies=studies, outcomes=outcomes, **rest, **({"name": name} if name is not None else {}))


def load_dataset(data_dir: Path | str = DATA_DIR) -> Dataset:
    """Read and validate the shipped evidence tables (every file but gaps.csv must exist)."""
    data_dir = Path(data_dir)
    frames = {t: _read_csv(data_dir / f) for t, f in TABLE_FILES.items() if t != "gaps" or (data_dir / f).exists()}
    return from_tables(frames, source=str(data_dir))
