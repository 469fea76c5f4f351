"""Summary-of-findings rows per subgroup (issue 25 item 5): under an outcome's row, one row per
subgroup of its contributing studies (the paper's T1DM / T2DM, or a coded characteristic), each
rated by the same machinery (:func:`core.certainty.assess.assess`) on the subgroup's studies alone.

A subgroup row is thin evidence read off an observational split across trials (Cochrane Handbook
v6.4 §10.11.5), so two conservative rules keep it from claiming more than the evidence allows:

* its rating is never above the whole outcome's row: a subgroup estimate is believed only as far as
  the overall body is, and a credible difference between subgroups would need much more than a few
  trials (ICEMAN: Schandelmaier et al. 2020, CMAJ 192:E901; GRADE Handbook 2013 §5.2.2 on subgroup
  effects).  Where this cap lowers a rating, a footnote says so and names the rating it replaced;
* every subgroup row carries a footnote saying it is a subgroup split across trials, with the test
  for subgroup differences (RevMan's, separate tau^2), so the row is not
  read as evidence that the subgroups differ.

Each subgroup is analysed with the outcome's own model (the model the whole row used, so "auto" does
not pick another one per subgroup): its effect equals the Forest plot's subtotal of that subgroup.
"""
from __future__ import annotations

from dataclasses import replace

from core import vocab, words
from core.certainty.assess import Certainty, assess, size_basis, statement
from core.certainty.imprecision import size_thresholds
from core.certainty.ratings import LEVELS, Level
from core.vocab import Tau2
from core.workflow.analysis import AnalysisSpec, ForestAnalysis, analyse
from core.workflow.characteristics import characteristic_codes, split_by
from core.words.characteristics import CHARACTERISTIC_LABELS, SOF_SUBGROUP_CAPPED, SOF_SUBGROUP_NOTE, code_label


def model_of(a: ForestAnalysis) -> dict:
    """The AnalysisSpec fields that fix ``a``'s model (its "auto" choice resolved), for its subgroups."""
    spec = a.spec
    auto, fixed, random = vocab.MODELS
    if spec.model != auto:
        return {}
    return {"model": fixed} if a.method == Tau2.FE else {"model": random, "tau2_method": a.method}


def subgroup_members(a: ForestAnalysis, studies, key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(label, study ids) of each subgroup of ``a``'s contributing studies by ``key``, in the order
    the split shows them (registry order of the codes, 'not reported' last)."""
    ids = [r["study_id"] for r in a.row_records]
    codes = characteristic_codes(studies, ids, key)
    split = split_by(a, studies, key)
    by_label = {}
    for sid, code in zip(ids, codes):
        by_label.setdefault(code_label(key, code), []).append(sid)
    return tuple((g, tuple(by_label[g])) for g in split.separate.groups)


def capped(c: Certainty, a: ForestAnalysis, ceiling: Level) -> tuple[Certainty, str]:
    """``c`` with its rating lowered to ``ceiling`` when it is higher, and the footnote saying so ('' if not)."""
    if c.rating is None or LEVELS.index(c.rating) >= LEVELS.index(ceiling):
        return c, ""
    th = size_thresholds(a, c.mid)
    basis = size_basis(th, c.size) if ceiling != Level.VERY_LOW else ""
    text = statement(c.outcome, c.comparison, ceiling, c.size, c.estimate, basis)
    note = SOF_SUBGROUP_CAPPED.format(own=words.CERTAINTY_LABELS[c.rating].lower(),
                                            whole=words.CERTAINTY_LABELS[ceiling].lower())
    return replace(c, rating=ceiling, statement=text), note


def subgroup_certainties(dataset, spec: AnalysisSpec, overall: ForestAnalysis, ceiling: Level | None, key: str,
                         rate) -> tuple[tuple[str, Certainty, tuple[str, ...]], ...]:
    """(label, certainty, footnotes) per subgroup of ``overall`` by ``key``; none with fewer than two
    subgroups or nothing pooled.  ``rate(analysis)`` rates one analysis with the user's inputs."""
    if overall.pooled is None or ceiling is None:
        return ()
    groups = subgroup_members(overall, dataset.studies, key)
    if len(groups) < 2:
        return ()
    split = split_by(overall, dataset.studies, key)
    test = words.fmt_p(split.separate.p_between)
    all_ids = [r["study_id"] for r in overall.row_records]
    out = []
    for label, ids in groups:
        others = tuple(s for s in all_ids if s not in ids)
        a = analyse(dataset, replace(spec, excluded=tuple(sorted(set(spec.excluded) | set(others))),
                                     **model_of(overall)))
        c, cap_note = capped(rate(a), a, ceiling)
        note = SOF_SUBGROUP_NOTE.format(name=CHARACTERISTIC_LABELS[key].lower(), test=test)
        out.append((label, c, (note,) + ((cap_note,) if cap_note else ())))
    return tuple(out)
