"""How fragile is a pooled result?  Re-run one analysis under every single alternative choice.

``robustness(dataset, spec)`` takes the main analysis (an :class:`~core.workflow.analysis.AnalysisSpec`)
and re-runs :func:`core.workflow.analysis.analyse` once per *single* change:

- leave each contributing study out (one at a time);
- keep RCTs only; keep controlled studies only;
- the pre-post correlation r over 0, 0.1, ..., 0.9 (pre-post comparisons only);
- the other SMD small-sample correction (SMD only);
- fixed effect, and random effects with each tau^2 estimator;
- the Hartung-Knapp-Sidik-Jonkman test on/off.

It then counts in how many variants the direction of the main estimate holds and in how many
the effect is significant at P < 0.05, gives the range of the estimates, and names the single
choice that moves the estimate furthest from the main one, in one sentence.  Nothing here
is new statistics: every number comes from :func:`core.workflow.analysis.analyse`.

References
----------
Cochrane Handbook for Systematic Reviews of Interventions v6.4 (2023), section 10.14
"Sensitivity analyses" (re-run the analysis with each alternative decision; report whether
conclusions change); section 16.1.3.2 / 6.5.2.8 (imputing a correlation for change-from-
baseline SDs, to be checked by sensitivity analysis over r).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from core import vocab
from core.workflow.analysis import AnalysisSpec, ForestAnalysis, analyse
from core.evidence.dataset import Dataset
from core.vocab import Comparison, Design, Measure, Model, PrePost, SmdVariant, Tau2, Test
from core import words
from core.words import fmt_num, fmt_p, model_label
from core.words.bayesian import BAYES_MODEL_LABEL

# r grid for pre-post SD imputation (the app's slider range, 0 to 0.9).
R_GRID = tuple(round(0.1 * i, 1) for i in range(10))
TAU2_METHODS = tuple(str(m) for m in vocab.RANDOM_ESTIMATORS)
ALPHA = 0.05   # "significant" means two-sided P < 0.05, as the paper uses
FAMILIES = ("exclude", "design", "prepost", "r", "smd", "model", "test")


@dataclass(frozen=True, slots=True)
class Variant:
    """One re-run of the analysis with a single choice changed.

    ``family`` is one of :data:`FAMILIES` (or "base"); ``label`` says in words what changed
    (e.g. "without Cai 2016", "r = 0.8"); ``k`` the studies pooled; ``estimate``, ``ci_low``,
    ``ci_high``, ``pvalue`` the pooled result (NaN when nothing could be pooled, with the
    reason in ``message``); ``pi_low``/``pi_high`` the prediction interval (NaN for fixed
    effect); ``method`` the pooling method code actually used (after the "auto" rule).
    """

    family: str
    label: str
    spec: AnalysisSpec
    k: int
    estimate: float
    ci_low: float
    ci_high: float
    pvalue: float
    method: str
    pi_low: float = float("nan")
    pi_high: float = float("nan")
    message: str = ""

    @property
    def has_pooled(self) -> bool:
        """Whether the variant produced a pooled estimate."""
        return bool(np.isfinite(self.estimate))

    @property
    def is_bayesian(self) -> bool:
        return self.spec.model == vocab.BAYES_MODEL

    @property
    def significant(self) -> bool:
        """P < :data:`ALPHA`; for the Bayesian model (no P value), the credible interval excludes 0."""
        if self.is_bayesian:
            return bool(np.isfinite(self.ci_low) and (self.ci_low > 0 or self.ci_high < 0))
        return bool(np.isfinite(self.pvalue) and self.pvalue < ALPHA)


@dataclass(frozen=True, slots=True)
class RobustnessResult:
    """The main analysis, its variants and the summary over them.

    ``n_variants`` counts every variant tried; ``n_pooled`` those that gave an estimate;
    ``n_same_direction`` those whose estimate has the main estimate's sign;
    ``n_significant`` those with P < 0.05 (:data:`ALPHA`); ``estimate_min``/``estimate_max``
    the range over the pooled variants *and* the main analysis; ``most_influential`` the
    variant whose estimate differs most from the main one (None when no variant pooled, or when
    none moves the estimate by :data:`MOVE_ATOL` or more: nothing is then highlighted);
    ``sentence`` says which single choice moves the estimate most; ``skipped`` names the
    families that do not apply to this analysis, with the reason.
    """

    base: Variant
    variants: tuple
    n_variants: int
    n_pooled: int
    n_same_direction: int
    n_significant: int
    estimate_min: float
    estimate_max: float
    most_influential: Variant | None
    sentence: str
    skipped: tuple = ()

    def family(self, name: str) -> tuple:
        """The variants of one family, in enumeration order."""
        return tuple(v for v in self.variants if v.family == name)

    def headline(self, measure: str = "") -> str:
        """Counts and range in one sentence."""
        if not self.base.has_pooled:
            return self.base.message
        if self.n_pooled == 0:
            return "None of the variants could be pooled."
        if self.base.k == 1:
            return words.ONE_STUDY_ROBUSTNESS
        m = f"{measure} " if measure else ""
        bayes = any(v.is_bayesian for v in (self.base, *self.variants) if v.has_pooled)
        crit = "P < 0.05, or a 95% credible interval excluding 0" if bayes else "P < 0.05"
        return (f"The direction of the main result holds in {self.n_same_direction} of {self.n_pooled} variants "
                f"and the effect is significant ({crit}) in {self.n_significant} of {self.n_pooled}; "
                f"estimates range from {m}{fmt_num(self.estimate_min)} to {fmt_num(self.estimate_max)}.")

    def plot_frame(self) -> pd.DataFrame:
        """Rows for :func:`core.figures.sensitivity.interval_forest`: the main analysis (diamond),
        then a heading row per family and its variants (squares); the most influential
        variant is highlighted."""
        rows = [_plot_row(self.base, "diamond", False)]
        for fam in FAMILIES:
            vs = self.family(fam)
            if vs:
                rows.append({"label": words.VARIANT_FAMILY_LABELS[fam], "kind": "group"})
                rows += [_plot_row(v, "square", v is self.most_influential) for v in vs]
        return pd.DataFrame(rows)

    def r_frame(self) -> pd.DataFrame:
        """Estimate and CI by r (the r variants plus the main analysis), for pre-post analyses."""
        vs = [self.base, *self.family("r")] if self.family("r") else []
        return pd.DataFrame({"r": [v.spec.r for v in vs], "estimate": [v.estimate for v in vs],
                             "ci_low": [v.ci_low for v in vs], "ci_high": [v.ci_high for v in vs],
                             "k": [v.k for v in vs]}).sort_values("r").reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """One row per analysis (main first): family, change, k, estimate, CI, P, method, flags, message."""
        rows = []
        for v in (self.base, *self.variants):
            same = (bool(np.sign(v.estimate) == np.sign(self.base.estimate))
                    if v.has_pooled and self.base.has_pooled else None)
            rows.append({"family": words.VARIANT_FAMILY_LABELS[v.family],
                         "change": v.label,     # not a code: the column naming the variant
                         "k": v.k, "estimate": v.estimate,
                         "ci_low": v.ci_low, "ci_high": v.ci_high, "pvalue": v.pvalue, "method": v.method,
                         "same_direction": same, "significant": v.significant if v.has_pooled else None,
                         "shift": v.estimate - self.base.estimate if v.has_pooled and self.base.has_pooled else np.nan,
                         "message": v.message})
        return pd.DataFrame(rows)


def run_variant(dataset: Dataset, spec: AnalysisSpec, family: str, label: str) -> Variant:
    """Run :func:`core.workflow.analysis.analyse` for one spec and keep what the summary needs."""
    return variant_from_analysis(analyse(dataset, spec), family, label)


def variant_from_analysis(a: ForestAnalysis, family: str = "base", label: str = "main analysis") -> Variant:
    """The summary numbers of one finished analysis, as a :class:`Variant`."""
    spec = a.spec
    if a.pooled is None:
        return Variant(family, label, spec, 0, np.nan, np.nan, np.nan, np.nan, "", message=a.message)
    p = a.pooled
    pi = (p.pi_low, p.pi_high) if p.method != Tau2.FE and p.k >= 2 else (np.nan, np.nan)
    method = vocab.BAYES_MODEL if spec.model == vocab.BAYES_MODEL else a.method    # model_label names it
    return Variant(family, label, spec, a.k, float(p.estimate), float(p.ci_low), float(p.ci_high),
                   float(p.pvalue), method, float(pi[0]), float(pi[1]))


def _plot_row(v: Variant, kind: str, highlight: bool) -> dict:
    label = "Main analysis" if v.family == "base" else v.label
    return {"label": label, "kind": kind, "highlight": highlight, "estimate": v.estimate, "ci_low": v.ci_low,
            "ci_high": v.ci_high, "k": v.k if v.has_pooled else np.nan, "pvalue": v.pvalue, "pi_low": v.pi_low,
            "pi_high": v.pi_high, "message": "too few studies to pool" if not v.has_pooled else ""}


def comparison_frame(main: Variant, variant: Variant, changed: bool) -> pd.DataFrame:
    """Two diamond rows (main, variant) for :func:`core.figures.sensitivity.interval_forest`."""
    rows = [_plot_row(main, "diamond", False), _plot_row(variant, "diamond", changed)]
    rows[0]["label"], rows[1]["label"] = "Main analysis", "Variant"
    if not variant.has_pooled:
        rows[1]["message"] = variant.message
    return pd.DataFrame(rows)


def comparison_table(main: ForestAnalysis, variant: ForestAnalysis) -> pd.DataFrame:
    """The two analyses' numbers side by side, as displayed text, with a ``changed`` flag per row.

    Rows: studies (k), estimate, 95% CI, P, model, tau^2, I^2, prediction interval.
    """
    def cells(a: ForestAnalysis) -> dict:
        p = a.pooled
        if p is None:
            return {q: "—" for q in _QUANTITIES} | {"Studies (k)": "0"}
        pi = (fmt_num(p.pi_low) + " to " + fmt_num(p.pi_high)) if p.method != Tau2.FE and np.isfinite(p.pi_low) \
            else "not applicable"
        return {"Studies (k)": str(a.k), "Estimate": fmt_num(p.estimate),
                "95% CI": f"{fmt_num(p.ci_low)} to {fmt_num(p.ci_high)}", "P": fmt_p(p.pvalue),
                "Model": model_label(a.method) + (" + HKSJ" if p.test == Test.HKSJ else ""),
                "τ²": fmt_num(p.tau2, 3) if p.method != Tau2.FE else "—",
                "I²": f"{p.i2:.0f}%" if p.k > 1 else "—", "95% prediction interval": pi}
    a, b = cells(main), cells(variant)
    return pd.DataFrame({"quantity": list(_QUANTITIES), "main": [a[q] for q in _QUANTITIES],
                         "variant": [b[q] for q in _QUANTITIES],
                         "changed": [a[q] != b[q] for q in _QUANTITIES]})


_QUANTITIES = ("Studies (k)", "Estimate", "95% CI", "P", "Model", "τ²", "I²", "95% prediction interval")


@dataclass(frozen=True, slots=True)
class PlannedVariant:
    """One single-change variant to run: its ``family`` (:data:`FAMILIES`), ``label`` (what changed,
    in words) and ``spec``."""

    family: str
    label: str
    spec: AnalysisSpec


@dataclass(frozen=True, slots=True)
class VariantPlan:
    """What :func:`enumerate_variants` found: the ``variants`` to run, in order, and ``skipped``,
    one sentence per family that does not apply to this analysis."""

    variants: tuple
    skipped: tuple = ()


def enumerate_variants(dataset: Dataset, spec: AnalysisSpec) -> VariantPlan:
    """Every single-change variant of ``spec`` that applies, and the families that don't (with why)."""
    base = analyse(dataset, spec)
    out: list[PlannedVariant] = []
    skipped: list[str] = []
    # 1. Leave one study out (only studies that contribute to the main analysis).
    for sid, lab in zip(base.rows.get("study_id", []), base.rows.get("label", [])):
        out.append(PlannedVariant("exclude", f"without {lab}",
                                  replace(spec, excluded=tuple(sorted({*spec.excluded, sid})))))
    # 2. Design filters stricter than the main one.
    stricter = {Design.ALL: (Design.CONTROLLED, Design.RCT), Design.CONTROLLED: (Design.RCT,),
                Design.RCT: ()}[spec.design]
    for d in stricter:
        out.append(PlannedVariant("design", words.VARIANT_DESIGN_LABELS[d], replace(spec, design=d)))
    if not stricter:
        skipped.append("Design: the main analysis already keeps RCTs only.")
    # 3. Correlation r (pre-post change scores only: r has no effect between arms, nor when
    #    after and before are entered as independent groups).
    independent = getattr(spec, "prepost", PrePost.CHANGE) == PrePost.INDEPENDENT
    if spec.comparison == Comparison.PRE_POST and hasattr(spec, "prepost"):
        other = PrePost.CHANGE if independent else PrePost.INDEPENDENT
        out.append(PlannedVariant("prepost", words.VARIANT_PREPOST_LABELS[other], replace(spec, prepost=other)))
    if spec.comparison == Comparison.PRE_POST and not independent:
        for r in R_GRID:
            if not np.isclose(r, spec.r):
                out.append(PlannedVariant("r", f"r = {r:g}", replace(spec, r=r)))
    elif independent:
        skipped.append("Correlation r: the pre-post effect treats after and before as independent groups.")
    else:
        skipped.append("Correlation r: only pre-post comparisons use it.")
    # 4. SMD small-sample correction (SMD only).
    if spec.measure == Measure.SMD:
        other = SmdVariant.HEDGES_EXACT if spec.smd_variant == SmdVariant.REVMAN5 else SmdVariant.REVMAN5
        out.append(PlannedVariant("smd", words.VARIANT_SMD_LABELS[other], replace(spec, smd_variant=other)))
    else:
        skipped.append("SMD correction: the measure is MD.")
    # 5. Model: fixed effect, and random effects with each tau^2 estimator.
    main_method = base.method
    bayes_main = spec.model == vocab.BAYES_MODEL       # its method (DL) names only its descriptive statistics
    if main_method != Tau2.FE:
        out.append(PlannedVariant("model", "fixed effect", replace(spec, model=Model.FIXED)))
    for m in TAU2_METHODS:
        if m != main_method or bayes_main:
            out.append(PlannedVariant("model", f"random effects ({m})",
                                      replace(spec, model=Model.RANDOM, tau2_method=m)))
    if not bayes_main:      # issue 22: the Bayesian model, with its default prior
        out.append(PlannedVariant("model", BAYES_MODEL_LABEL, replace(spec, model=vocab.BAYES_MODEL)))
    # 6. HKSJ on/off (not for the Bayesian model, whose credible interval it does not change).
    flip = Test.Z if spec.test == Test.HKSJ else Test.HKSJ
    if bayes_main:
        skipped.append("CI method: HKSJ does not apply to the Bayesian model's credible interval.")
    else:
        out.append(PlannedVariant("test", "HKSJ (t-based) CI" if flip == Test.HKSJ else "Wald (z) CI",
                                  replace(spec, test=flip)))
    return VariantPlan(tuple(out), tuple(skipped))


def robustness(dataset: Dataset, spec: AnalysisSpec) -> RobustnessResult:
    """Re-run ``spec`` under each single alternative choice and summarise (see module docstring).

    Parameters
    ----------
    dataset : Dataset
    spec : AnalysisSpec
        The main analysis.

    Returns
    -------
    RobustnessResult
        Never raises for "too few studies": such variants carry a ``message`` and are left out
        of the counts (``n_pooled`` says how many count).
    """
    base = run_variant(dataset, spec, "base", "main analysis")
    if not base.has_pooled:
        return RobustnessResult(base, (), 0, 0, 0, 0, np.nan, np.nan, None,
                                "Nothing can be pooled for the main analysis, so there is nothing to vary.")
    plan = enumerate_variants(dataset, spec)
    if base.k == 1:
        plan = drop_variants_that_cannot_differ(plan)
    variants = tuple(run_variant(dataset, p.spec, p.family, p.label) for p in plan.variants)
    pooled = [v for v in variants if v.has_pooled]
    sign = np.sign(base.estimate)
    same = sum(1 for v in pooled if np.sign(v.estimate) == sign)
    sig = sum(1 for v in pooled if v.significant)
    ests = [base.estimate] + [v.estimate for v in pooled]
    top = max(pooled, key=lambda v: abs(v.estimate - base.estimate)) if pooled else None
    ties = [v.label for v in pooled if top is not None and v is not top and np.isclose(v.estimate, top.estimate,
                                                                                      rtol=0, atol=1e-9)]
    moves = top is not None and not np.isclose(top.estimate - base.estimate, 0.0, atol=MOVE_ATOL)
    return RobustnessResult(base, variants, len(variants), len(pooled), same, sig, float(min(ests)),
                            float(max(ests)), top if moves else None,
                            _sentence(base, top, len(variants) - len(pooled), ties), plan.skipped)


# A variant "moves" the estimate when it shifts it by at least this much (half a unit of the printed 2 decimals).
MOVE_ATOL = 5e-3
# With one study these families cannot change the result: tau² is 0, and HKSJ is undefined.
CANNOT_DIFFER_WITH_ONE_STUDY = ("model", "test")


def drop_variants_that_cannot_differ(plan: VariantPlan) -> VariantPlan:
    """With one study, leave out the model and HKSJ variants (they cannot differ from the main
    analysis), and say so in ``skipped``, so that identical re-runs are not counted as agreement."""
    kept = tuple(p for p in plan.variants if p.family not in CANNOT_DIFFER_WITH_ONE_STUDY)
    note = (f"{words.VARIANT_FAMILY_LABELS['model']} and {words.VARIANT_FAMILY_LABELS['test'].lower()}: with one "
            "study τ² is 0 and HKSJ is undefined, so these variants cannot differ from the main analysis.")
    return VariantPlan(kept, (*plan.skipped, note))


def _sentence(base: Variant, top: Variant | None, n_unpooled: int, ties=()) -> str:
    tail = (f" {n_unpooled} {'variant' if n_unpooled == 1 else 'variants'} left too few studies to pool and "
            f"{'is' if n_unpooled == 1 else 'are'} not counted." if n_unpooled else "")
    if top is None:
        return "No variant could be pooled, so the influence of single choices cannot be judged." + tail
    shift = top.estimate - base.estimate
    if np.isclose(shift, 0.0, atol=MOVE_ATOL):
        return ("No single choice moves the estimate by 0.005 or more; the main estimate "
                f"{fmt_num(base.estimate)} is unchanged within rounding in every variant." + tail)
    flips = (" and reverses its direction" if np.sign(top.estimate) != np.sign(base.estimate)
             else "")
    sig = ""
    if top.significant != base.significant:
        sig = (" and makes it significant (P < 0.05)" if top.significant
               else " and makes it non-significant (P ≥ 0.05)")
    return (f"The single choice that moves the estimate most is {top.label}: "
            f"{fmt_num(base.estimate)} becomes {fmt_num(top.estimate)} "
            f"[{fmt_num(top.ci_low)}, {fmt_num(top.ci_high)}] (a shift of {fmt_num(shift)})"
            f"{flips}{sig}" + (f"; tied with {' and '.join(ties)}" if ties else "") + "." + tail)


def describe_changes(base: AnalysisSpec, variant: AnalysisSpec, study_label=None) -> list[str]:
    """What differs between two specs, in words: ["Pre-post r: 0.5 → 0.8", ...].

    ``study_label`` maps a study id to its display label (default: the id).
    """
    name = study_label or (lambda s: s)
    out = []
    for field_name, title in words.CHANGE_FIELD_NAMES:
        a, b = getattr(base, field_name, None), getattr(variant, field_name, None)
        if a == b:
            continue
        if field_name == "excluded":
            added = [name(s) for s in b if s not in a]
            back = [name(s) for s in a if s not in b]
            if added:
                out.append(f"Left out: {', '.join(added)}")
            if back:
                out.append(f"Put back: {', '.join(back)}")
            continue
        names = words.CHANGE_VALUE_NAMES.get(field_name, {})
        out.append(f"{title}: {names.get(a, a)} → {names.get(b, b)}")
    return out
