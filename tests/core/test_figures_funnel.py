"""core.figures.funnel: the contour-enhanced funnel plot (asserting on fig.data and fig.layout)."""
from __future__ import annotations


import numpy as np
import pytest

from core.workflow.analysis import AnalysisSpec, analyse
from core.bias import funnel_data, trim_and_fill
from core.figures.funnel import funnel_figure
from tests.factories import heterogeneous_dataset


@pytest.fixture(scope="module")
def pooled():
    return analyse(heterogeneous_dataset(), AnalysisSpec(comparison="vs_control", model="fixed")).pooled


def test_funnel_figure_draws_filled_studies_hollow(pooled):
    tf = trim_and_fill(pooled)
    fig = funnel_figure(funnel_data(pooled), tf, title="t", x_title="MD")
    assert fig.layout.meta["k"] == 6 and fig.layout.meta["k0"] == tf.k0
    assert list(fig.layout.yaxis.range)[1] == 0                 # SE axis reversed, 0 at the top
    if tf.k0:
        filled = next(t for t in fig.data if t.name == "Filled studies (trim and fill)")
        assert filled.marker.color == "white" and len(filled.x) == tf.k0
    bands = [t.name for t in fig.data if t.fill == "toself"]
    assert bands == ["P < 0.01", "0.01 < P < 0.05", "0.05 < P < 0.1", "P > 0.1"]


def test_funnel_points_are_the_studies_effects_and_standard_errors(pooled):
    fd = funnel_data(pooled)
    fig = funnel_figure(fd, title="t", x_title="MD")
    studies = next(t for t in fig.data if t.name == "Studies")
    np.testing.assert_allclose(studies.x, pooled.yi, rtol=0, atol=0)
    np.testing.assert_allclose(studies.y, np.sqrt(pooled.vi), rtol=1e-12)
    assert list(studies.text) == list(fd.labels)
    line = next(t for t in fig.data if t.name == "Pooled estimate")
    assert list(line.x) == [pytest.approx(pooled.estimate)] * 2
    assert fig.layout.meta["adjusted"] is None and "Filled studies (trim and fill)" not in [t.name for t in fig.data]
