"""core.figures.characteristics (issue 25): the split forest plot and the bubble plot say what they show."""
from __future__ import annotations

import numpy as np
import pytest

from core.figures.characteristics import bubble_figure, regression_line, split_forest_figure, split_lines
from core.workflow.analysis import analyse
from core.workflow.characteristics import regress_on, split_by
from tests.core.test_characteristic_analyses import DS, SPEC

A = analyse(DS, SPEC)


def test_split_figure_has_each_subgroup_both_tests_and_the_caution():
    split = split_by(A, DS.studies, "cell_source")
    lines = split_lines(split)
    assert lines[0].startswith("Separate τ² per subgroup. Test for subgroup differences: Chi² = ")
    assert lines[1].startswith("Test for subgroup differences, common τ² (mixed-effects model, τ² = ")
    assert f"Chi² = {split.common.q_between:.2f}".replace("-", "−") in lines[1]
    assert "§10.11.5" in lines[2] and "6 studies in 3 subgroups" in lines[2]
    fig = split_forest_figure(split, A)
    diamonds = [t.name for t in fig.data if t.name.startswith("Diamond")]
    assert diamonds == ["Diamond: Subtotal (k = 3)", "Diamond: Subtotal (k = 2)", "Diamond: Subtotal (k = 1)",
                        "Diamond: Total (k = 6)"]
    text = " ".join(t for tr in fig.data if tr.name.startswith("Text") for t in tr.text)
    assert "Cochrane Handbook" in text and "common τ²" in text
    assert [a.text for a in fig.layout.annotations] == ["Favours MSC", "Favours control"]


def test_bubble_figure_and_its_line():
    reg = regress_on(A, DS.studies, "dose_per_kg", iterations=200)
    line = regression_line(reg)
    assert line.startswith(f"Slope {reg.fit.beta[1]:.3f} per 10⁶ cells/kg (95% CI ".replace("-", "−"))
    assert "permutation P = " in line and "exact, 60 permutations" in line and line.endswith("k = 5")
    fig = bubble_figure(reg, measure="MD (%)")
    studies = next(t for t in fig.data if t.name == "Studies")
    sizes = np.asarray(studies.marker.size)
    w = 1 / (reg.vi + reg.fit.tau2)
    assert sizes.argmax() == w.argmax() and list(studies.x) == list(reg.x)
    line_trace = next(t for t in fig.data if t.name == "Fitted line")
    assert line_trace.y[0] == pytest.approx(reg.fit.beta[0] + reg.fit.beta[1] * line_trace.x[0])
    assert fig.layout.meta["permutation_p"] == reg.permutation.pvalues[1]
