"""One name per concept (issue 24 item 4): HKSJ is "hksj" in the code, the spec and the URL; metafor's
"knha" is accepted on input and written only into the R scripts; fixed effect is Model.FIXED as a
choice and Tau2.FE as a fit, with metafor's "EE" accepted on input and written only into R."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from core import vocab
from core.evidence.dataset import DATA_DIR, load_dataset
from core.export.reproduce_r import r_script
from core.metaregression import meta_regression
from core.pooling import meta_analysis
from core.subgroups import subgroup_analysis
from core.vocab import Model, Tau2, Test
from core.workflow.analysis import AnalysisSpec, analyse

YI, VI = np.array([-0.9, -0.2, -0.5, 0.1]), np.array([0.1, 0.2, 0.15, 0.3])


def test_hksj_has_one_name_and_metafor_spells_it_knha():
    assert Test.HKSJ == "hksj" and vocab.TEST_METAFOR[Test.HKSJ] == "knha" and vocab.TEST_ALIASES == {"knha": "hksj"}
    assert "knha" not in vocab.TESTS


@pytest.mark.parametrize("spelling", ["hksj", "knha"])
def test_metafors_knha_is_accepted_and_stored_as_hksj(spelling):
    res = meta_analysis(YI, VI, method=Tau2.DL, test=spelling)
    assert res.test == "hksj" and type(res.test) is str and res.df == 3
    assert res.ci_high - res.ci_low == pytest.approx(
        meta_analysis(YI, VI, method=Tau2.DL, test=Test.HKSJ).ci_high
        - meta_analysis(YI, VI, method=Tau2.DL, test=Test.HKSJ).ci_low)
    assert meta_regression(YI, VI, np.ones((4, 1)), method=Tau2.DL, test=spelling).test == "hksj"
    assert subgroup_analysis(YI, VI, np.array(["a", "a", "b", "b"]), method=Tau2.DL, test=spelling).subgroups["a"].test \
        == "hksj"
    spec = AnalysisSpec(test=spelling)
    assert spec.test == "hksj" and repr(spec) == repr(AnalysisSpec(test="hksj"))


def test_the_r_script_names_hksj_as_metafor_does():
    ds = load_dataset(DATA_DIR)
    spec = AnalysisSpec(comparison="vs_control", study_set="all", model=Model.RANDOM, test=Test.HKSJ)
    code = r_script(ds, spec)
    assert 'test <- "knha"' in code and '"hksj"' not in code
    assert 'test <- "z"' in r_script(ds, replace(spec, test=Test.Z))


def test_fixed_effect_is_model_fixed_and_tau2_fe_and_ee_only_on_input():
    assert vocab.ESTIMATOR_BY_CODE[Tau2.FE].metafor == "EE" and vocab.ESTIMATOR_ALIASES == {"EE": Tau2.FE}
    assert meta_analysis(YI, VI, method="EE").method == Tau2.FE
    ds = load_dataset(DATA_DIR)
    spec = AnalysisSpec(comparison="vs_control", study_set="all", model=Model.FIXED)
    assert analyse(ds, spec).method == Tau2.FE
    assert 'method <- "EE"' in r_script(ds, spec) and 'method <- "FE"' not in r_script(ds, spec)
