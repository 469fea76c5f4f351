"""From the evidence tables and a set of user choices to one forest-plot analysis.

``analyse(dataset, spec)`` is the single call a page makes.  It selects the studies and
rows the choices ask for, converts dispersion and units, computes each study's effect,
pools them (with subgroups when both diabetes types are shown) and lists every study that
could not contribute, with the reason.  It never raises for "too few studies": the result
then carries a ``message`` instead of a pooled estimate.  How a result compares with the
paper's printed one is :mod:`core.workflow.reproduce`'s job.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core import effect_sizes as es
from core import vocab
from core.evidence.dataset import REPORTED_COLUMNS, Dataset
from core.pooling import HKSJ_ZERO, MetaResult, meta_analysis
from core.workflow.bayes import bayesian_subgroups, default_prior_scale
from core.workflow.selection import UNAVAILABLE_COLUMNS, select_numbers, unavailable_row
from core.subgroups import SubgroupResult, subgroup_analysis
from core.vocab import (Comparison, Design, MdVariance, Measure, Model, Population, PrePost, SmdVariant, StudySet, Tau2,
                        Test, TimePoint)
from core.words.notices import HKSJ_ZERO_NOTICE

FE = str(Tau2.FE)


@dataclass(frozen=True, slots=True)
class PaperModelRule:
    """The paper's model rule (Li et al. 2021, Methods, "Statistical analysis"): random effects
    "when the effects were observed to be heterogeneous (I2 > 50% and P < 0.10)", otherwise
    fixed effect.  The "auto" model here and the audit of printed models both apply it."""

    i2_threshold: float = 50.0
    q_alpha: float = 0.10

    def wants_random(self, i2: float, q_pvalue: float) -> bool:
        """Whether heterogeneity ``i2`` (percent) with P(Q) = ``q_pvalue`` calls for random effects."""
        return i2 > self.i2_threshold and q_pvalue < self.q_alpha

    def describe(self) -> str:
        """'I² > 50% and P(Q) < 0.10'."""
        return f"I² > {self.i2_threshold:g}% and P(Q) < {self.q_alpha:.2f}"


PAPER_MODEL_RULE = PaperModelRule()

ROW_COLUMNS = ["study_id", "label", "dm_type", "design_class", "id_confidence", "year", "n1", "m1", "sd1", "n2", "m2",
               "sd2", "unit", "timepoint", "timepoint_label", "notes", "source_url", "yi", "vi", "ci_low", "ci_high",
               "weight_pct"]
REPORTED_VIEW_COLUMNS = list(REPORTED_COLUMNS) + ["same_timepoint"]
# Fields whose value must be one of the registry's codes.
_CHOICES = (("outcome", vocab.OUTCOMES), ("comparison", vocab.COMPARISONS), ("population", vocab.POPULATIONS),
            ("measure", vocab.MEASURES), ("model", vocab.ANALYSIS_MODELS), ("tau2_method", vocab.RANDOM_ESTIMATORS),
            ("test", vocab.TESTS), ("smd_variant", vocab.SMD_VARIANTS), ("design", vocab.DESIGNS),
            ("study_set", vocab.STUDY_SETS), ("prepost", vocab.PREPOST_METHODS), ("md_variance", vocab.MD_VARIANCES))


def _plain(codes) -> tuple[str, ...]:
    return tuple(str(c) for c in codes)


def _is_real(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)


@dataclass(frozen=True, slots=True)
class AnalysisSpec:
    """Every user choice that changes an analysis.  Hashable, so it can key a cache.

    Every field is checked at construction (``ValueError`` naming the field, what it accepts and
    what it got), so a bad choice fails here and not deep inside the pooling.  ``tau2_method`` is
    the random-effects estimator (the fixed-effect model is ``model="fixed"``).  ``md_variance``
    is the variance of a two-group MD ("unequal", RevMan's; or "pooled", the equal-variances form;
    :func:`core.effect_sizes.mean_difference`); the mean change of a pre-post MD ignores it.
    """

    outcome: str = str(vocab.Outcome.HBA1C)
    comparison: str = str(Comparison.PRE_POST)
    population: str = str(Population.ALL)
    measure: str = str(Measure.MD)
    model: str = str(Model.AUTO)
    tau2_method: str = str(Tau2.DL)
    test: str = str(Test.Z)
    hksj_floor: bool = False
    timepoint: str = str(TimePoint.END)
    r: float = 0.5
    smd_variant: str = str(SmdVariant.REVMAN5)
    design: str = str(Design.ALL)
    excluded: tuple = ()
    study_set: str = str(StudySet.PAPER)
    prepost: str = str(PrePost.CHANGE)
    level: float = 0.95
    md_variance: str = str(MdVariance.UNEQUAL)
    prior_factor: float = 1.0

    def __post_init__(self):
        object.__setattr__(self, "test", vocab.TEST_ALIASES.get(self.test, self.test))   # metafor's "knha"
        for name, allowed in _CHOICES:
            value = getattr(self, name)
            if not isinstance(value, str) or value not in allowed:
                raise ValueError(f"`{name}` must be one of {_plain(allowed)}; got {value!r}")
            object.__setattr__(self, name, str(value))      # a plain str: reprs and cache keys stay plain
        if not isinstance(self.timepoint, str) or (self.timepoint not in vocab.TIMEPOINTS
                                                   and not _positive_number(self.timepoint)):
            raise ValueError(f"`timepoint` must be one of {vocab.TIMEPOINTS} or a positive number of months; "
                             f"got {self.timepoint!r}")
        if not isinstance(self.hksj_floor, bool):
            raise ValueError(f"`hksj_floor` must be True or False; got {self.hksj_floor!r}")
        if not (_is_real(self.r) and 0 <= self.r < 1):
            raise ValueError(f"`r` must be in [0, 1); got {self.r!r}")
        if not (_is_real(self.level) and 0 < self.level < 1):
            raise ValueError(f"`level` must be in (0, 1), e.g. 0.95; got {self.level!r}")
        if not (_is_real(self.prior_factor) and self.prior_factor in vocab.PRIOR_FACTORS):
            raise ValueError(f"`prior_factor` must be one of {vocab.PRIOR_FACTORS}; got {self.prior_factor!r}")
        if not (isinstance(self.excluded, tuple) and all(isinstance(s, str) for s in self.excluded)):
            raise ValueError(f"`excluded` must be a tuple of study ids (str); got {self.excluded!r}")


def _positive_number(text: str) -> bool:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return False
    return math.isfinite(value) and value > 0


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """The pooling model an analysis uses: ``method`` (a :class:`core.vocab.Tau2` code; "FE" for
    fixed effect) and ``reason``, a sentence saying why (the choice, or the paper's rule)."""

    method: str
    reason: str


@dataclass(frozen=True, slots=True)
class ForestAnalysis:
    """One analysis, ready to draw.

    ``rows``: one row per contributing study (arm-level numbers as used, effect, CI, weight %).
    ``pooled``: the overall :class:`MetaResult` (None when k = 0); ``subgroups``: the
    :class:`SubgroupResult` when both diabetes types are shown; ``unavailable``: the studies
    in scope that could not contribute, with the reason; ``reported``: the paper's own pooled
    results for this choice; ``message``: a plain sentence when nothing can be pooled;
    ``dataset_key``: the :attr:`~core.evidence.dataset.Dataset.key` of the dataset it was run on, so
    (``dataset_key``, ``spec``) names the analysis and a cache of anything derived from it can key
    on the analysis alone.

    The three tables are kept as records and turned into DataFrames on first access, so that
    code that needs only the statistics (benchmarks, robustness grids) does not pay for them.
    Each access hands out a shallow copy of the cached frame: under pandas' copy-on-write a
    caller's edits change only its copy, never the result.
    """

    spec: AnalysisSpec
    row_records: tuple
    pooled: MetaResult | None
    subgroups: SubgroupResult | None
    method: str
    model_reason: str
    unit: str
    unavailable_records: tuple
    reported_records: tuple
    message: str = ""
    notes: tuple = field(default_factory=tuple)
    dataset_key: str = ""
    _frames: dict = field(default_factory=dict, repr=False, compare=False, init=False)

    def _frame(self, name: str, records: tuple, columns) -> pd.DataFrame:
        if name not in self._frames:
            self._frames[name] = pd.DataFrame(list(records), columns=columns)
        return self._frames[name].copy(deep=False)

    @property
    def rows(self) -> pd.DataFrame:
        return self._frame("rows", self.row_records, ROW_COLUMNS)

    @property
    def unavailable(self) -> pd.DataFrame:
        return self._frame("unavailable", self.unavailable_records, list(UNAVAILABLE_COLUMNS))

    @property
    def reported(self) -> pd.DataFrame:
        return self._frame("reported", self.reported_records, REPORTED_VIEW_COLUMNS)

    @property
    def k(self) -> int:
        return len(self.row_records)

    @property
    def participants(self) -> int:
        both = self.spec.comparison == Comparison.VS_CONTROL
        return int(sum(r["n1"] + (r["n2"] if both else 0) for r in self.row_records))

    @property
    def lower_is_better(self) -> bool:
        return vocab.LOWER_IS_BETTER[self.spec.outcome]


def _reported_at_timepoint(a: ForestAnalysis) -> pd.DataFrame:
    rep = a.reported
    return rep[rep["same_timepoint"]] if not rep.empty else rep


def same_measure_reports(a: ForestAnalysis) -> pd.DataFrame:
    """The paper's results at the analysis's time point and on its measure: the only ones that may be
    drawn on its axis (a SMD is never drawn on a mmol/L axis, issue 14)."""
    rep = _reported_at_timepoint(a)
    return rep[rep["measure"] == a.spec.measure] if not rep.empty else rep


def other_measure_reports(a: ForestAnalysis) -> pd.DataFrame:
    """The paper's results at the analysis's time point printed on another measure, each distinct one once."""
    rep = _reported_at_timepoint(a)
    if rep.empty:
        return rep
    rep = rep[rep["measure"] != a.spec.measure]
    return rep.drop_duplicates(subset=["population", "measure", "estimate", "ci_low", "ci_high"])


ARM_FIELDS = ("n1", "m1", "sd1", "n2", "m2", "sd2")


def _effects(arr: dict, spec: AnalysisSpec) -> es.EffectSizes:
    """Effects from arrays n1, m1, sd1 (group 1: MSC, or after) and n2, m2, sd2 (control, or before)."""
    a = (arr["n1"], arr["m1"], arr["sd1"])
    b = (arr["n2"], arr["m2"], arr["sd2"])
    if spec.comparison == Comparison.VS_CONTROL or spec.prepost == PrePost.INDEPENDENT:
        if spec.measure == Measure.MD:
            return es.mean_difference(*a, *b, level=spec.level, variance=spec.md_variance)
        return es.standardized_mean_difference(*a, *b, variant=spec.smd_variant, level=spec.level)
    # pre-post: group 1 = after, group 2 = baseline, same patients; correlation r.
    if spec.measure == Measure.MD:
        return es.mean_change(arr["n1"], arr["m2"], arr["sd2"], arr["m1"], arr["sd1"], r=spec.r, level=spec.level)
    return es.standardized_mean_change(arr["n1"], arr["m2"], arr["sd2"], arr["m1"], arr["sd1"], r=spec.r,
                                       level=spec.level)


def _computable(numbers: list[dict], spec: AnalysisSpec):
    """Split studies into those whose effect can be computed and those that cannot, with the
    reason (e.g. an SMD needs n1 + n2 >= 3; an SD of 0 gives no variance).  The effect-size
    functions validate; one failing study must not stop the others.  Returns (kept, effects,
    refused)."""
    def arrays(recs):
        return {f: np.array([r[f] for r in recs], dtype=float) for f in ARM_FIELDS}

    def ok(eff):
        return np.isfinite(eff.yi).all() and np.isfinite(eff.vi).all() and (eff.vi > 0).all()

    try:
        eff = _effects(arrays(numbers), spec)
        if ok(eff):
            return numbers, eff, []
    except (ValueError, ZeroDivisionError, FloatingPointError):
        pass
    kept, refused = [], []
    for r in numbers:
        try:
            if not ok(_effects(arrays([r]), spec)):
                raise ValueError("the effect or its variance is not a finite positive number")
            kept.append(r)
        except (ValueError, ZeroDivisionError, FloatingPointError) as exc:
            refused.append(unavailable_row(r, f"effect cannot be computed: {exc}"))
    return kept, (_effects(arrays(kept), spec) if kept else None), refused


def choose_model(spec: AnalysisSpec, yi, vi) -> ModelChoice:
    """Resolve 'auto' with the paper's rule (:data:`PAPER_MODEL_RULE`).  The Bayesian model's
    descriptive statistics (Q, I^2, the subgroups before their refit) use DL."""
    if spec.model == vocab.BAYES_MODEL:
        return ModelChoice(Tau2.DL, "Bayesian random effects.")
    if spec.model == Model.FIXED:
        return ModelChoice(FE, "Fixed effect (inverse variance), as chosen.")
    if spec.model == Model.RANDOM:
        one = " With one study τ² cannot be estimated: it is set to 0, so this equals the fixed-effect result." \
            if len(yi) == 1 else ""
        return ModelChoice(spec.tau2_method, f"Random effects ({spec.tau2_method}), as chosen.{one}")
    rule = PAPER_MODEL_RULE
    fe = meta_analysis(yi, vi, method=FE)
    if fe.k > 1 and rule.wants_random(fe.i2, fe.q_pvalue):
        return ModelChoice(spec.tau2_method, f"Auto: random effects ({spec.tau2_method}), because I² = {fe.i2:.0f}% "
                                             f"> {rule.i2_threshold:g}% and P(Q) = {fe.q_pvalue:.3g} < "
                                             f"{rule.q_alpha:.2f} (the paper's rule).")
    why = "k = 1" if fe.k == 1 else f"I² = {fe.i2:.0f}% and P(Q) = {fe.q_pvalue:.3g}"
    return ModelChoice(FE, f"Auto: fixed effect, because {why} does not meet the paper's rule "
                                f"({rule.describe()}).")


def _reported_records(dataset: Dataset, spec: AnalysisSpec) -> tuple:
    return tuple(dict(r, same_timepoint=r["timepoint"] == spec.timepoint) for r in dataset.index().reported
                 if r["outcome"] == spec.outcome and r["comparison"] == spec.comparison
                 and (spec.population == Population.ALL or r["population"] == spec.population))


def _notes(spec: AnalysisSpec, kept: list[dict]) -> tuple[str, ...]:
    notes = []
    if spec.comparison == Comparison.PRE_POST and spec.prepost == PrePost.INDEPENDENT:
        notes.append("Pre-post effects treat after and before as two independent groups (RevMan two-arm entry); "
                     "this ignores the within-patient correlation and overstates the variance.")
    elif spec.comparison == Comparison.PRE_POST:
        notes.append(f"Pre-post SDs use the correlation method with r = {spec.r:g} (Cochrane Handbook 16.1.3.2); "
                     "the r the paper used is not reported.")
    if any("used as SD" in r["notes"] for r in kept):
        notes.append("Some '±' values were printed without saying SD or SE; they are used as SDs.")
    return tuple(notes)


def analyse(dataset: Dataset, spec: AnalysisSpec) -> ForestAnalysis:
    """Run the analysis the choices in ``spec`` describe (see module docstring)."""
    sel = select_numbers(dataset, spec)
    unit = sel.unit
    reported = _reported_records(dataset, spec)
    numbers = sorted(sel.numbers, key=lambda r: (r["dm_type"], r["year"] if np.isfinite(r["year"]) else np.inf,
                                                 r["label"]))
    kept, eff, refused = _computable(numbers, spec) if numbers else ([], None, [])
    unavailable = sel.unavailable + tuple(refused)
    if not kept:
        msg = ("No study in the current selection has usable numbers for this outcome and comparison, so nothing "
               "can be recomputed." if not numbers else
               "No study in the current selection has numbers from which this effect can be computed.")
        return ForestAnalysis(spec, (), None, None, "", "", unit, unavailable, reported, msg, (),
                              dataset_key=dataset.key)
    model = choose_model(spec, eff.yi, eff.vi)
    labels = [r["label"] for r in kept]
    groups = np.array([r["dm_type"] for r in kept], dtype=object)
    sub = subgroup_analysis(eff.yi, eff.vi, groups, method=model.method, level=spec.level, labels=labels,
                            test=spec.test, hksj_floor=spec.hksj_floor and spec.test == Test.HKSJ)
    if spec.model == vocab.BAYES_MODEL:
        sub, model = _bayesian(sub, kept, eff.vi, spec)
    rows = tuple(dict(r, yi=y, vi=v, ci_low=lo, ci_high=hi, weight_pct=w) for r, y, v, lo, hi, w in
                 zip(kept, eff.yi.tolist(), eff.vi.tolist(), eff.ci_low.tolist(), eff.ci_high.tolist(),
                     sub.overall.weights.tolist()))
    shown = (sub.overall, *sub.subgroups.values()) if spec.population == Population.ALL else (sub.overall,)
    zero_hksj = (HKSJ_ZERO_NOTICE,) if any(HKSJ_ZERO in r.notes for r in shown) else ()
    return ForestAnalysis(spec, rows, sub.overall, sub if spec.population == Population.ALL else None,
                          model.method, model.reason, unit, unavailable, reported, "", _notes(spec, kept) + zero_hksj,
                          dataset_key=dataset.key)


def _bayesian(sub: SubgroupResult, kept: list[dict], vi, spec: AnalysisSpec) -> tuple[SubgroupResult, ModelChoice]:
    """The Bayesian refit (:mod:`core.workflow.bayes`) with one prior for the total and its subgroups:
    half-normal on tau, scale = ``prior_factor`` x half the unit-information SD of the view's studies."""
    n = [r["n1"] + (r["n2"] if spec.comparison == Comparison.VS_CONTROL else 0) for r in kept]
    scale = spec.prior_factor * default_prior_scale(n, vi)
    times = "" if spec.prior_factor == 1 else f"{spec.prior_factor:g} × "
    pct = f"{spec.level * 100:g}%"
    reason = (f"Bayesian random effects: the interval is a {pct} credible interval (posterior median and shortest "
              f"interval). Prior: half-normal on τ with scale {scale:.3g} ({times}half the unit-information SD of "
              "these studies; Röver et al. 2021), flat on the pooled effect.")
    if len(kept) == 1:
        reason += " With one study the data say nothing about τ: the prior sets the interval's width."
    return bayesian_subgroups(sub, scale), ModelChoice(Tau2.DL, reason)


def empty_analysis(dataset: Dataset, spec: AnalysisSpec, message: str) -> ForestAnalysis:
    """A result with nothing pooled and ``message`` saying why (for pages to show instead of a traceback)."""
    return ForestAnalysis(spec, (), None, None, "", "", "", (), _reported_records(dataset, spec), message,
                          dataset_key=dataset.key)
