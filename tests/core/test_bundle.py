"""The workbench's core pieces: the changes against the shipped data, the data/ zip (neutralised
on the way out, read back the same), and the one-line effect of an entry.  Synthetic numbers."""
from __future__ import annotations

import io
import zipfile

import pytest

from core.errors import DatasetError
from core.evidence.bundle import read_bundle
from core.evidence.changes import changes_text, dataset_changes
from core.evidence.dataset import load_dataset
from core.evidence.entry import Entry, apply_entry
from core.export.bundle import dataset_zip
from core.workflow.analysis import AnalysisSpec, analyse
from core.workflow.entry_effect import entry_effect

SHIPPED = load_dataset()


def entered():
    ds = SHIPPED
    for arm, mean in (("msc", "6.9"), ("control", "7.4")):
        ds = apply_entry(ds, Entry("Carlsson2015", arm, "hba1c", "12", "9", mean, "sd", "0.8", unit="%",
                                   source="=HYPERLINK(\"https://example.org\")", locator="Table 2")).dataset
    return ds


def test_changes_list_every_added_cell_with_its_source():
    ds = entered()
    changes = dataset_changes(SHIPPED, ds)
    cells = {e.cell: e for e in changes}
    assert cells["Carlsson2015/msc/hba1c/12/mean"].new == "6.9" and cells["Carlsson2015/msc/hba1c/12/mean"].old == ""
    assert cells["Carlsson2015/control/hba1c/12/n"].new == "9"
    text = changes_text(changes)
    assert "Carlsson2015/control/hba1c/12/mean:  -> 7.4".replace(":  ", ": (none) ") in text
    assert "locator: Table 2" in text and text.startswith("Changes to propose to data/ (")
    assert dataset_changes(SHIPPED, SHIPPED) == ()


def test_zip_round_trip_gives_the_same_analysis_and_neutralises_formulas():
    ds = entered()
    raw = dataset_zip(ds, SHIPPED)
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        names = set(zf.namelist())
        outcomes = zf.read("data/outcomes.csv").decode("utf-8-sig")
        listing = zf.read("data/CHANGES.txt").decode()
    assert {"data/outcomes.csv", "data/studies.csv", "data/reported_results.csv", "data/CHANGES.txt"} <= names
    assert "'=HYPERLINK" in outcomes and ",=HYPERLINK" not in outcomes       # neutralised on the way out
    assert "Carlsson2015/msc/hba1c/12/mean" in listing
    back = read_bundle(raw, "export.zip", SHIPPED)
    assert dataset_changes(ds, back) == ()                                   # read back without the apostrophe
    spec = AnalysisSpec(comparison="vs_control", population="T1DM", timepoint="12")
    a, b = analyse(ds, spec), analyse(back, spec)
    assert a.k == b.k == 2 and a.pooled.estimate == pytest.approx(b.pooled.estimate)


def test_import_refuses_a_zip_without_outcomes_and_a_bad_row():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("data/notes.txt", "hello")
    with pytest.raises(DatasetError, match="holds no outcomes.csv"):
        read_bundle(buf.getvalue(), "x.zip", SHIPPED)
    with pytest.raises(DatasetError, match="not a valid zip"):
        read_bundle(b"PK\x03\x04garbage", "x.zip", SHIPPED)
    bad = "study_id,arm,outcome,timepoint_months,n,mean,dispersion_type,disp1,unit\nCai2016,msc,hba1c,0,0,8,sd,1,%\n"
    with pytest.raises(DatasetError):
        read_bundle(bad.encode(), "outcomes.csv", SHIPPED)


def test_entry_effect_names_the_papers_result_in_one_line():
    line = entry_effect(entered(), "Carlsson2015", "hba1c", 12).line
    assert line.startswith("Fig. 2, HbA1c vs control, T1DM: now 2 of 2 studies; recomputed ")
    assert "against the paper's −0.66 [−1.61, 0.29]: " in line and line.endswith(".")
    assert "\n" not in line



def test_entry_effect_uses_the_one_classifier_partial_for_a_subset_differs_for_the_full_set():
    # Shipped data: Fig. 2 (HbA1c vs control, T1DM) is fed by Cai 2016 alone, 1 of the paper's 2 studies:
    # a mismatch is "partial" (issue 14), as on "Check the paper"; Fig. 4 (FBG vs control) by 2 of 2: "differs".
    from core.evidence.dataset import load_dataset
    ds = load_dataset()
    subset = entry_effect(ds, "Cai2016", "hba1c", 12).line
    assert "now 1 of 2 studies" in subset and subset.endswith(": partial."), subset
    full = entry_effect(ds, "Cai2016", "fbg", 12).line
    assert "now 2 of 2 studies" in full and full.endswith(": differs."), full


def test_entry_effect_never_reads_more_studies_than_it_counts():
    # issue 23 (item 9): an entry that adds a study the paper did not pool read "now 3 of 2 studies"
    ds = SHIPPED
    for arm, mean in (("msc", "7.1"), ("control", "8.4")):
        ds = apply_entry(ds, Entry("Carlsson2015", arm, "fbg", "12", "9", mean, "sd", "1.0", unit="mmol/L",
                                   source="https://example.org/synthetic", locator="Table 2")).dataset
    line = entry_effect(ds, "Carlsson2015", "fbg", 12).line
    assert "now 3 studies (the paper pooled 2); recomputed" in line and " of 2 studies" not in line


def test_a_zip_carries_its_version_name_and_parent_back_on_import():
    # issue 23 (item 9): a re-imported zip lost its name and its parent chain
    from core.evidence.origin import Origin, read_origin

    ds = entered()
    origin = Origin("Trial extraction “β”", "A" * 24, "B" * 24)
    raw = dataset_zip(ds, SHIPPED, origin)
    assert read_origin(raw, "x.zip") == origin
    assert read_bundle(raw, "x.zip", SHIPPED).outcomes.equals(read_bundle(dataset_zip(ds, SHIPPED), "x.zip",
                                                                           SHIPPED).outcomes)
    assert read_origin(dataset_zip(ds, SHIPPED), "x.zip") is None          # the shipped data: no version
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("data/VERSION.json", "{not json")
    assert read_origin(buf.getvalue(), "x.zip") is None                     # malformed: no origin, no error
    assert read_origin(b"garbage", "x.zip") is None and read_origin(raw, "x.csv") is None
