"""core.figures.forest_columns (issue 25): study cells, study order and the room made for the columns."""
from __future__ import annotations

import pytest

from core.evidence.dataset import load_dataset
from core.evidence.risk_of_bias import default_risk_of_bias
from core.figures.forest import column_texts, forest_figure
from core.figures.forest_columns import COLUMN_WIDTH, NAMES_END, study_cells, study_order
from core.vocab import FOREST_COLUMNS
from core.workflow.analysis import AnalysisSpec, analyse

DS = load_dataset()
A = analyse(DS, AnalysisSpec(outcome="hba1c", comparison="vs_control", study_set="all"))


def test_cells_are_the_coded_characteristics_in_short_words():
    cells = dict(study_cells(DS.studies, FOREST_COLUMNS, rob=default_risk_of_bias(DS), comparison="vs_control"))
    assert cells["Cai2016"] == ("mixed", "both", "IA", "1.1", "RCT", "?")
    assert cells["Zang2022"] == ("UC/WJ", "allo", "IV", "NR", "RCT", "?")
    assert cells["Lian2022"][-1] == "critical"          # single-arm: ROBINS-I critical by design
    pre_post = dict(study_cells(DS.studies, ("rob",), rob=default_risk_of_bias(DS), comparison="pre_post"))
    assert pre_post["Cai2016"] == ("critical",)         # a before-after change, whatever the design


def test_orders():
    rows = A.row_records
    assert study_order(rows, "paper") == ("Cai2016", "DantasASC_NCT03920397", "Chen2016", "Zang2022")
    effects = [r["yi"] for r in sorted(rows, key=lambda r: r["yi"])]
    assert [next(r["yi"] for r in rows if r["study_id"] == s) for s in study_order(rows, "effect")] == effects
    assert study_order(rows, "weight")[0] == max(rows, key=lambda r: r["weight_pct"])["study_id"]
    assert study_order(rows, "year") == ("Cai2016", "Chen2016", "DantasASC_NCT03920397", "Zang2022")
    # by dose: 1 (Araujo, Chen), 1.1 (Cai), not reported last (Zang); ties keep the paper's order
    assert study_order(rows, "dose_per_kg", DS.studies) == ("DantasASC_NCT03920397", "Chen2016", "Cai2016",
                                                             "Zang2022")
    assert study_order(rows, "cell_source", DS.studies)[-1] == "Cai2016"   # mixed after umbilical cord, adipose


def test_figure_makes_room_and_keeps_its_parts_inside():
    cells = study_cells(DS.studies, FOREST_COLUMNS, rob=default_risk_of_bias(DS), comparison="vs_control")
    plain = forest_figure(A)
    # all six: the core draws any number (the page shows at most three)
    fig = forest_figure(A, columns=FOREST_COLUMNS, column_cells=cells, order=study_order(A.row_records, "effect"))
    n = len(FOREST_COLUMNS)
    text_x = [x for t in fig.data if t.xaxis == "x2" for x in t.x]
    assert min(text_x) >= 0 and max(text_x) <= fig.layout.xaxis2.domain[1]
    assert fig.layout.xaxis.domain[1] == pytest.approx(plain.layout.xaxis.domain[1])
    assert fig.layout.xaxis.domain[0] > plain.layout.xaxis.domain[0]          # the plot narrows, never vanishes
    assert fig.layout.xaxis.domain[1] - fig.layout.xaxis.domain[0] > 0.15
    arm = [x for x, *_ in column_texts(fig, "m1")]
    assert min(arm) >= NAMES_END + n * COLUMN_WIDTH                          # nothing moved onto the columns
    study_texts = [s for _, _, s, _ in column_texts(fig, "study")]
    assert [s for s in study_texts if s.startswith(("Araujo", "Cai"))] == ["Araujo 2020", "Cai 2016"]
    assert fig.layout.meta["columns"] == list(FOREST_COLUMNS)
