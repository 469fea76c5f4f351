"""Property-based fuzzing of the upload parser (core.evidence.upload.parse_upload / read_upload), the data
validation (core.evidence.dataset.validate_outcomes / validate_studies) and the reported-results upload
(core.evidence.reported_csv.read_reported_csv): 1,010 generated malformed files in total.

Property: every input either validates or raises the documented error (DatasetError with a
non-empty list of specific problems; ValueError with a message for read_reported_csv), never
any other exception.  For a single bad cell in an otherwise valid file, the message names the
row (as a spreadsheet numbers it) and the column.  Plus an AppTest: after a bad upload the
Your data page lists the problems and every page still works.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.workflow import audit
from core.evidence import reported_csv
from core.evidence import upload as up
from core.evidence.dataset import Dataset, load_dataset, validate_studies
from core.errors import DatasetError

BASE = load_dataset()
TEMPLATE = up.TEMPLATE_CSV.read_text(encoding="utf-8")
HEADER, *ROWS = list(csv.reader(io.StringIO(TEMPLATE)))
FILENAME = "upload.csv"
FUZZ = settings(deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Values that break a cell: wrong types, NaN/inf, huge, negative/zero, formula-like, odd text.
BAD_TEXT = ["", " ", "abc", "NaN", "nan", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e12", "-1e12", "1,5",
            "½", "0x10", "None", "null", "NR", "٣", "1 2", "=1+1", "+SUM(A1:A9)", "@cmd", "-2+3",
            "=HYPERLINK(\"http://x\")", "<script>alert(1)</script>", "'; DROP TABLE x; --", "\t", "—"]
NUMERIC = ("n", "mean", "disp1", "timepoint_months")
CATEGORICAL = {"arm": ("msc", "control"), "outcome": ("hba1c", "fbg", "pbg", "fcp", "insulin"),
               "dispersion_type": ("sd", "sd?", "se", "ci95", "median_iqr", "median_range"), "use": ("yes", "no"),
               "set": ("paper", "update")}
LOCUS_PREFIXES = (FILENAME, "outcomes", "studies", "study_id:", "upload")


def to_csv_text(header, rows, newline="\n", delimiter=",") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline, delimiter=delimiter)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def check_outcome(data: bytes, filename: str = FILENAME) -> Dataset | DatasetError:
    """The property: a Dataset, or a DatasetError whose problems are specific sentences."""
    try:
        ds = up.parse_upload(data, filename, BASE)
    except DatasetError as exc:
        assert exc.problems, "DatasetError without problems"
        for p in exc.problems:
            assert isinstance(p, str) and len(p) >= 15, p
            assert p.startswith(LOCUS_PREFIXES) or p.split(":")[0].endswith((".csv", ".xlsx")), p
            assert "Traceback" not in p and "Error:" not in p.split(":", 1)[0], p
        return exc
    assert isinstance(ds, Dataset)
    used = ds.outcomes[ds.outcomes["use"] == "yes"]
    assert used["n_num"].ge(1).all() and used["mean_num"].abs().le(1e9).all()
    return ds


# ---------------------------------------------------------------------------------------------
# 1. One bad cell in an otherwise valid file: the message names the row and the column (250)
# ---------------------------------------------------------------------------------------------
def _definitely_bad(col: str, value: str) -> bool:
    try:
        x = float(value)
    except ValueError:
        return value.strip() != "" or col != "timepoint_months"   # empty time point is allowed
    if x != x or x in (float("inf"), float("-inf")) or abs(x) > 1e9:
        return True
    if col == "n":
        return x < 1 or x != int(x)
    if col == "disp1":            # the template's rows are sd? (an SD): must be > 0
        return x <= 0
    if col == "timepoint_months":
        return x < 0
    return False


@settings(FUZZ, max_examples=250)
@given(row=st.integers(0, len(ROWS) - 1), col=st.sampled_from(NUMERIC + tuple(CATEGORICAL)),
       value=st.one_of(st.sampled_from(BAD_TEXT), st.text(max_size=12),
                       st.floats(allow_nan=True, allow_infinity=True).map(repr),
                       st.integers(-10**15, 10**15).map(str)))
def test_one_bad_cell_is_named_by_row_and_column(row, col, value):
    rows = [list(r) for r in ROWS]
    rows[row][HEADER.index(col)] = value
    result = check_outcome(to_csv_text(HEADER, rows).encode("utf-8"))
    stripped = value.strip()
    bad = _definitely_bad(col, stripped) if col in NUMERIC else stripped not in CATEGORICAL[col]
    if col == "use" and stripped == "":
        bad = False                                   # empty `use` means yes
    if col == "set" and stripped == "":
        bad = True
    if bad and not (col == "use" and stripped == "no"):
        assert isinstance(result, DatasetError), (col, value)
        if any(ord(c) < 32 and c not in "\t\r\n" for c in value) and \
                any(p.startswith(FILENAME) for p in result.problems):
            return                                    # control characters: the file itself is refused
        line = row + 2                                # header is line 1
        assert any(f"row {line}" in p or f"rows {line}" in p or f", {line}" in p for p in result.problems), \
            (col, value, result.problems)
        named = [p for p in result.problems if f"row {line}" in p]
        assert any(f"`{col}`" in p for p in named) or col in ("arm", "outcome", "use", "set", "dispersion_type") \
            and any(col in p or "appears" in p for p in result.problems), (col, value, result.problems)


# ---------------------------------------------------------------------------------------------
# 2. Broken structure and encodings: missing/duplicate columns, duplicate rows, extra fields,
#    unknown studies, wrong delimiter, UTF-16/Latin-1/cp1252, empty files (200)
# ---------------------------------------------------------------------------------------------
mutation = st.one_of(
    st.tuples(st.just("drop_col"), st.sampled_from(up.REQUIRED_OUTCOME_COLUMNS)),
    st.tuples(st.just("dup_col"), st.sampled_from(HEADER)),
    st.tuples(st.just("dup_row"), st.integers(0, len(ROWS) - 1)),
    st.tuples(st.just("extra_field"), st.integers(0, len(ROWS) - 1)),
    st.tuples(st.just("short_row"), st.integers(0, len(ROWS) - 1)),
    st.tuples(st.just("unknown_study"), st.integers(0, len(ROWS) - 1)),
    st.tuples(st.just("cell"), st.tuples(st.integers(0, len(ROWS) - 1), st.sampled_from(HEADER),
                                         st.sampled_from(BAD_TEXT))),
    st.tuples(st.just("sd_zero_one_arm"), st.integers(0, len(ROWS) - 1)),
    st.tuples(st.just("n_one"), st.integers(0, len(ROWS) - 1)),
    st.tuples(st.just("upper_header"), st.just(None)),
    st.tuples(st.just("no_rows"), st.just(None)),
    st.tuples(st.just("many_rows"), st.integers(2, 40)),
)


def apply(mutations, header, rows):
    """Apply the mutations in order; column names are matched case-insensitively, as the parser does."""
    header, rows = list(header), [list(r) for r in rows]

    def col(name):
        lower = [h.lower() for h in header]
        return lower.index(name) if name in lower else None

    for kind, arg in mutations:
        if kind == "drop_col" and col(arg) is not None:
            i = col(arg)
            header.pop(i)
            rows = [r[:i] + r[i + 1:] for r in rows]
        elif kind == "dup_col":
            i = col(arg.lower()) or 0
            header.append(header[i])
            rows = [r + [r[i] if i < len(r) else ""] for r in rows]
        elif kind == "upper_header":
            header = [h.upper() for h in header]
        elif kind == "no_rows":
            rows = []
        elif not rows:
            continue
        elif kind == "dup_row":
            rows.append(list(rows[arg % len(rows)]))
        elif kind == "extra_field":
            rows[arg % len(rows)] += ["surplus"] * (1 + len(header) - len(rows[arg % len(rows)]))
        elif kind == "short_row":
            rows[arg % len(rows)] = rows[arg % len(rows)][:3]
        elif kind == "many_rows":
            rows = (rows * arg)[: 4 * arg]
        else:
            name, value, r = {"unknown_study": ("study_id", "Nobody1999", arg),
                              "sd_zero_one_arm": ("disp1", "0", arg),
                              "n_one": ("n", "1", arg)}.get(kind, (None, None, None)) if kind != "cell" \
                else (arg[1], arg[2], arg[0])
            i = col(name) if name else None
            if i is not None and i < len(rows[r % len(rows)]):
                rows[r % len(rows)][i] = value
    return header, rows


ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252")


@settings(FUZZ, max_examples=200)
@given(mutations=st.lists(mutation, min_size=1, max_size=4), encoding=st.sampled_from(ENCODINGS),
       newline=st.sampled_from(["\n", "\r\n", "\r"]), delimiter=st.sampled_from([",", ",", ",", ";", "\t"]),
       accent=st.booleans())
def test_broken_structure_and_encodings_give_clear_problems(mutations, encoding, newline, delimiter, accent):
    header, rows = apply(mutations, HEADER, ROWS)
    accented = accent and rows and "locator" in header and header.index("locator") < len(rows[0])
    if accented:
        rows[0][header.index("locator")] = "Tabelle 2, Männer ± SD"        # non-ASCII text
    text = to_csv_text(header, rows, newline=newline, delimiter=delimiter)
    result = check_outcome(text.encode(encoding, errors="replace"))
    kinds = {k for k, _ in mutations}
    if encoding in ("latin-1", "cp1252") and accented:
        assert isinstance(result, DatasetError) and any("UTF-8" in p for p in result.problems)
    if delimiter != "," or kinds & {"drop_col", "dup_col", "no_rows", "unknown_study", "extra_field"}:
        assert isinstance(result, DatasetError), (mutations, delimiter)


# ---------------------------------------------------------------------------------------------
# 3. Not a CSV at all: random bytes, binary, empty, BOM only, zip/xlsx garbage, odd names (300)
# ---------------------------------------------------------------------------------------------
garbage = st.one_of(
    st.binary(max_size=300),
    st.sampled_from([b"", b" ", b"\n\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff\x00", b"PK\x03\x04garbage",
                     b"\x00\x01\x02\x03" * 20, b'"unterminated,quote\n1,2', b"a,b\n" + b"1," * 5000,
                     b"=cmd|' /C calc'!A0\n", b"study_id\n" + b"x\n" * 10]),
    st.text(max_size=200).map(lambda s: s.encode("utf-8")),
    st.text(max_size=100).map(lambda s: s.encode("utf-16")),
)


@settings(FUZZ, max_examples=300)
@given(data=garbage, name=st.sampled_from(["upload.csv", "upload.CSV", "upload.xlsx", "upload.txt", "upload",
                                           "../../etc/passwd.csv", "évidence.csv"]))
def test_arbitrary_bytes_never_crash(data, name):
    try:
        up.parse_upload(data, name, BASE)
    except DatasetError as exc:
        assert exc.problems and all(isinstance(p, str) and len(p) >= 15 for p in exc.problems)
        if not name.lower().endswith((".csv", ".xlsx")):
            assert any("unsupported file type" in p for p in exc.problems)
        assert not any("/etc" in p for p in exc.problems)     # only the base name is echoed


# ---------------------------------------------------------------------------------------------
# 4. The studies table (validate_studies), as an .xlsx `studies` sheet delivers it (150)
# ---------------------------------------------------------------------------------------------
STUDY_ROW = {"study_id": "New2024", "set": "update", "dm_type": "T2DM", "design_class": "rct",
             "first_author": "New", "year": "2024"}


@settings(FUZZ, max_examples=150)
@given(rows=st.lists(st.fixed_dictionaries({}, optional={
    k: st.one_of(st.just(v), st.sampled_from(BAD_TEXT), st.text(max_size=8)) for k, v in STUDY_ROW.items()}),
    min_size=0, max_size=5), drop=st.sets(st.sampled_from(list(STUDY_ROW)), max_size=2))
def test_studies_table_validates_or_lists_problems(rows, drop):
    cols = [c for c in STUDY_ROW if c not in drop]
    df = pd.DataFrame([{c: r.get(c, "") for c in cols} for r in rows], columns=cols, dtype=object).fillna("")
    try:
        out = validate_studies(df)
    except DatasetError as exc:
        assert exc.problems and all(p.startswith("studies") and len(p) >= 15 for p in exc.problems)
        if drop:
            assert any("missing column" in p for p in exc.problems)
        return
    assert not drop
    assert out["study_id"].is_unique and out["dm_type"].isin(["T1DM", "T2DM"]).all()


# ---------------------------------------------------------------------------------------------
# 5. The reported-results upload on the Check-the-paper page (core.evidence.reported_csv.read_reported_csv and
#    audit_reported, as pages/reproduce.py calls them) (110)
# ---------------------------------------------------------------------------------------------
REPORTED_TEMPLATE = (Path(__file__).resolve().parents[1] / "data" / "templates" /
                     "reported_results_template.csv")


@settings(FUZZ, max_examples=110)
@example(cells=[(5, "1e400")], drop=None, raw=None)       # found by this property: OverflowError
@given(cells=st.lists(st.tuples(st.integers(0, 30), st.sampled_from(BAD_TEXT + ["0.05", "<0.001", "-0.6"])),
                      max_size=4),
       drop=st.sampled_from([None, "estimate", "ci_low", "measure"]), raw=st.one_of(st.none(), garbage))
def test_reported_results_upload_raises_only_valueerror(cells, drop, raw):
    if raw is None:
        text = REPORTED_TEMPLATE.read_text(encoding="utf-8") if REPORTED_TEMPLATE.exists() else \
            "result_id,measure,estimate,ci_low,ci_high\nr1,MD,-0.6,-0.9,-0.3\n"
        header, *rows = list(csv.reader(io.StringIO(text)))
        for idx, value in cells:
            if rows:
                r = rows[idx % len(rows)]
                r[idx % len(r)] = value
        if drop in header:
            i = header.index(drop)
            header.pop(i)
            rows = [r[:i] + r[i + 1:] for r in rows]
        raw = to_csv_text(header, rows).encode("utf-8")
    try:   # what pages/reproduce.py does with an upload; it catches ValueError and TypeError
        df = reported_csv.read_reported_csv(raw)
        table = audit.audit_reported(df)
    except ValueError as exc:
        assert len(str(exc)) >= 15
        return
    assert isinstance(df, pd.DataFrame) and len(df) >= 1 and len(table) == len(df)


def test_generated_file_count_is_at_least_1000():
    counts = [250, 200, 300, 150, 110]   # max_examples of the five properties above
    assert sum(counts) >= 1000
    funcs = [test_one_bad_cell_is_named_by_row_and_column, test_broken_structure_and_encodings_give_clear_problems,
             test_arbitrary_bytes_never_crash, test_studies_table_validates_or_lists_problems,
             test_reported_results_upload_raises_only_valueerror]
    assert [f.hypothesis.inner_test and f._hypothesis_internal_use_settings.max_examples for f in funcs] == counts


# ---------------------------------------------------------------------------------------------
# 6. After a bad upload the app still works (AppTest, Your data page)
# ---------------------------------------------------------------------------------------------
APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_app_survives_a_bad_upload():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/your_data.py").run()
    bad = to_csv_text(HEADER, [r[:6] + ["-3"] + r[7:] for r in ROWS]).encode("utf-8")    # n = -3 everywhere
    at.get("file_uploader")[0].upload("bad.csv", bad, "text/csv").run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(re.search(r"\d+ problems? found", e) for e in errors), errors
    problems = [d.value for d in at.dataframe if "problem" in d.value.columns]
    assert problems and problems[0]["problem"].str.contains("must be > 0").any()
    # The data in use did not change, and the forest page still draws the shipped analysis.
    assert "user_dataset" not in at.session_state       # no dataset of the user's was set
    at.switch_page("pages/forest.py").run()
    assert not at.exception
    meta = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["meta"]
    assert meta["studies"] == ["Cai 2016"] and meta["k"] == 1       # the shipped default view
    # A binary file with a .csv name: a clear message, still no exception.
    at.switch_page("pages/your_data.py").run()
    at.get("file_uploader")[0].upload("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "text/csv").run()
    assert not at.exception
    assert at.error
    problems = [d.value for d in at.dataframe if "problem" in d.value.columns]
    assert problems and problems[0]["problem"].str.contains("not UTF-8 text").any()


def test_check_page_survives_a_huge_number_in_a_reported_upload():
    """pages/reproduce.py audits an uploaded CSV of reported results; a number such as 1e400
    must give a message, not an uncaught OverflowError (found by the fuzzing above)."""
    from streamlit.testing.v1 import AppTest

    header, *rows = list(csv.reader(io.StringIO(REPORTED_TEMPLATE.read_text(encoding="utf-8"))))
    rows[0][header.index("estimate")] = "1e400"
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/reproduce.py").run()
    uploader = next(u for u in at.get("file_uploader") if u.proto.label == "CSV of reported results")
    uploader.upload("reported.csv", to_csv_text(header, rows).encode("utf-8"), "text/csv").run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    assert any("could not be audited" in e.value for e in at.error)
