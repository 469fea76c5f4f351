"""Two shapings moved out of ui/ into core (issue 24 item 3): the workbench's history table
(core.store.history) and the paper's own study count behind "1 of 7 studies" (core.evidence.paper_count)."""
from __future__ import annotations

from core.certainty import CertaintyInputs
from core.evidence.coding import CodeChange, apply_code_change
from core.evidence.dataset import load_dataset
from core.evidence.paper_count import paper_count
from core.evidence.paper_tables import load_flow
from core.store import SQLiteStore
from core.store.history import HISTORY_COLUMNS, REDACTED_CELL, history_frame
from core.store.operator import redact
from core.store.tables import version_tables
from core.vocab import Population

DS = load_dataset()


def test_history_rows_say_each_cell_and_value_in_words_newest_first(tmp_path):
    store = SQLiteStore(tmp_path / "s.sqlite")
    first = apply_code_change(DS, CodeChange("Cai2016", "donor", "allogeneic", "Synthetic reason"))
    v1 = store.save(version_tables(first.dataset, CertaintyInputs.default(first.dataset)), parent_id=None, name="a",
                    edits=first.edits)
    second = apply_code_change(first.dataset, CodeChange("Hu2013", "infusions", "3", "Another reason"))
    v2 = store.save(version_tables(second.dataset, CertaintyInputs.default(second.dataset)), parent_id=v1.id,
                    name="b", edits=second.edits)
    table = history_frame(store.history(v2.id), DS.study_labels())
    assert tuple(table.columns) == HISTORY_COLUMNS
    assert table[["version", "cell", "old", "new", "source"]].values.tolist() == [
        [v2.id, "Hu 2013 · study characteristic · infusions", "2 infusion(s)", "3 infusion(s)",
         second.edits[0].source],
        [v1.id, "Cai 2016 · study characteristic · donor", "Autologous + allogeneic", "Allogeneic", first.edits[0].source]]
    redact(store, v1.id, "synthetic test of redaction")
    table = history_frame(store.history(v2.id), DS.study_labels())
    assert table["cell"].tolist() == ["Hu 2013 · study characteristic · infusions", REDACTED_CELL]
    assert "synthetic test of redaction" in table["source"].iloc[1]


def test_the_paper_count_names_the_candidates_of_an_unresolved_reference():
    flow = load_flow()
    counts = flow.set_index("stage")["count"]
    t2 = paper_count(DS, flow, Population.T2DM)
    paper = DS.studies[DS.studies["set"] == "paper"]
    unresolved = paper[paper["ref_no"] == ""]
    # two references are unresolved, one per diabetes type (the candidates Kong 2014 and Li 2016): T2DM lists 7
    # where the paper says 6
    assert t2 is not None and t2.n_paper == int(counts["studies_t2dm"]) == 6
    assert set(t2.candidates) == {DS.study_label(s) for s in unresolved.loc[unresolved["dm_type"] == "T2DM",
                                                                            "study_id"]} == {"Kong 2014"}
    assert t2.others == ("Li 2016",)
    t1 = paper_count(DS, flow, Population.T1DM)
    assert t1 is not None and (t1.n_paper, t1.candidates, t1.others) == (4, ("Li 2016",), ("Kong 2014",))
    both = paper_count(DS, flow, Population.ALL)
    assert both is not None and both.n_paper == int(counts["studies_included"]) == 10
    assert len(both.candidates) == len(unresolved) and both.others == ()
    assert len(paper) == both.n_paper + len(unresolved) - 1    # one reference, several candidates
