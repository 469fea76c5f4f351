"""From the evidence tables and a set of user choices to one forest-plot analysis.

``analyse(dataset, spec)`` is the single call a page makes.  It selects the studies and
rows the choices ask for, converts dispersion and units, computes each study's effect,
pools them (with subgroups when both diabetes types are shown) and lists every study that
could not contribute, with the reason.  It never raises for "too few studies": the result
then carries a ``message`` instead of a pooled estimate.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core import effect_sizes as es
from core.conversions import canonical_unit, to_mean_sd
from core.evidence.dataset import OUTCOMES, REPORTED_COLUMNS, Dataset
from core.pooling import MetaResult, meta_analysis
from core.subgroups import SubgroupResult, subgroup_analysis

COMPARISONS = ("vs_control", "pre_post")
POPULATIONS = ("all", "T1DM", "T2DM")
MODELS = ("auto", "fixed", "random")
TIMEPOINTS = ("end", "3", "6", "12")   # the choices offered; any positive month count is accepted
TESTS = ("z", "knha")
DESIGNS = ("all", "controlled", "rct")
STUDY_SETS = ("paper", "all")
# Pre-post effect: "change" = mean change with the SD of the change from the correlation
# method (what the paper's Methods describe); "independent" = after vs before entered as two
# independent groups (RevMan's two-arm data entry, which ignores the correlation).
PREPOST_METHODS = ("change", "independent")
# A study's time point matches a requested one when within this many months: the paper's
# Tables 2-4 group follow-ups as 3/6/12 months, and trials report e.g. 24 weeks (5.5 months)
# or 48 weeks (11.0 months).
TIMEPOINT_TOLERANCE_MONTHS = 1.0
# The paper's model rule (Methods, "Statistical analysis"): random effects when I^2 > 50 %
# and P(Q) < 0.10, otherwise fixed effect.
AUTO_I2_THRESHOLD = 50.0
AUTO_P_THRESHOLD = 0.10

OUTCOME_LABELS = {"hba1c": "HbA1c", "fbg": "Fasting blood glucose (FBG)",
                  "pbg": "2-h postprandial glucose (PBG)", "fcp": "Fasting C-peptide (F-CP)",
                  "insulin": "Insulin requirement"}
COMPARISON_LABELS = {"vs_control": "MSC vs control (end of follow-up)",
                     "pre_post": "MSC after vs before treatment"}
# Lower is better for glycaemia and insulin dose; higher is better for C-peptide.
LOWER_IS_BETTER = {"hba1c": True, "fbg": True, "pbg": True, "fcp": False, "insulin": True}


UNAVAILABLE_COLUMNS = ("study_id", "label", "dm_type", "design_class", "id_confidence", "year", "reason")
ROW_COLUMNS = ["study_id", "label", "dm_type", "design_class", "id_confidence", "year", "n1", "m1", "sd1", "n2", "m2",
               "sd2", "unit", "timepoint", "timepoint_label", "notes", "source_url", "yi", "vi", "ci_low", "ci_high",
               "weight_pct"]
REPORTED_VIEW_COLUMNS = list(REPORTED_COLUMNS) + ["same_timepoint"]


@dataclass(frozen=True, slots=True)
class AnalysisSpec:
    """Every user choice that changes an analysis.  Hashable, so it can key a cache."""

    outcome: str = "hba1c"
    comparison: str = "pre_post"
    population: str = "all"
    measure: str = "MD"
    model: str = "auto"
    tau2_method: str = "DL"
    test: str = "z"
    timepoint: str = "end"
    r: float = 0.5
    smd_variant: str = "revman5"
    design: str = "all"
    excluded: tuple = ()
    study_set: str = "paper"
    prepost: str = "change"
    level: float = 0.95

    def __post_init__(self):
        if self.timepoint not in TIMEPOINTS and not _positive_number(self.timepoint):
            raise ValueError(f"`timepoint` must be one of {TIMEPOINTS} or a positive number of months; "
                             f"got {self.timepoint!r}")
        for name, allowed in (("outcome", OUTCOMES), ("comparison", COMPARISONS), ("population", POPULATIONS),
                              ("measure", es.MEASURES), ("model", MODELS), ("test", TESTS),
                              ("smd_variant", es.SMD_VARIANTS), ("design", DESIGNS), ("study_set", STUDY_SETS),
                              ("prepost", PREPOST_METHODS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"`{name}` must be one of {allowed}; got {getattr(self, name)!r}")
        if not 0 <= self.r < 1:
            raise ValueError(f"`r` must be in [0, 1); got {self.r!r}")


def _positive_number(text: str) -> bool:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return False
    return np.isfinite(value) and value > 0


@dataclass(frozen=True, slots=True)
class ForestAnalysis:
    """One analysis, ready to draw.

    ``rows``: one row per contributing study (arm-level numbers as used, effect, CI, weight %).
    ``pooled``: the overall :class:`MetaResult` (None when k = 0); ``subgroups``: the
    :class:`SubgroupResult` when both diabetes types are shown; ``unavailable``: the studies
    in scope that could not contribute, with the reason; ``reported``: the paper's own pooled
    results for this choice; ``message``: a plain sentence when nothing can be pooled.

    The three tables are kept as records and turned into DataFrames on first access, so that
    code that needs only the statistics (benchmarks, robustness grids) does not pay for them.
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
    _frames: dict = field(default_factory=dict, repr=False, compare=False, init=False)

    def _frame(self, name: str, records: tuple, columns) -> pd.DataFrame:
        if name not in self._frames:
            self._frames[name] = pd.DataFrame(list(records), columns=columns)
        return self._frames[name]

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
        both = self.spec.comparison == "vs_control"
        return int(sum(r["n1"] + (r["n2"] if both else 0) for r in self.row_records))

    @property
    def lower_is_better(self) -> bool:
        return LOWER_IS_BETTER[self.spec.outcome]


def _post_row(rows, timepoint: str):
    """Pick the post-baseline row for a time point ('end' = latest reported; a row whose time is
    not reported counts only when no dated one exists)."""
    post = [r for r in rows if r["t"] is None or r["t"] > 0]
    if not post:
        return None
    if timepoint == "end":
        dated = [r for r in post if r["t"] is not None]
        return max(dated, key=lambda r: r["t"]) if dated else post[0]
    target = float(timepoint)
    near = [r for r in post if r["t"] is not None and abs(r["t"] - target) <= TIMEPOINT_TOLERANCE_MONTHS]
    return min(near, key=lambda r: abs(r["t"] - target)) if near else None


def _times(rows) -> str:
    t = sorted({r["t"] for r in rows if r["t"] is not None and r["t"] > 0})
    return ", ".join(f"{x:g}" for x in t) if t else "none"


def _arm_stats(row: dict) -> tuple[float, float, float, str, str]:
    mean, sd, note = to_mean_sd(row["mean"], row["dtype"], row["d1"], row["d2"], row["n"])
    return row["n"], mean, sd, row["unit"], note


def _study_numbers(rows, spec: AnalysisSpec):
    """Return (numbers dict, None) or (None, reason) for one study's rows of one outcome."""
    when = "at end of follow-up" if spec.timepoint == "end" else f"at {spec.timepoint} months"
    msc = [r for r in rows if r["arm"] == "msc"]
    if spec.comparison == "vs_control":
        ctl = [r for r in rows if r["arm"] == "control"]
        if not ctl:
            return None, "no control-arm numbers for this outcome"
        common = {r["t"] for r in msc if r["t"] is not None} & {r["t"] for r in ctl if r["t"] is not None}
        post = _post_row([r for r in msc if r["t"] in common], spec.timepoint)
        if post is None:
            return None, f"no value for both arms {when} (time points with data: {_times(rows)} months)"
        a, b = post, next(r for r in ctl if r["t"] == post["t"])
    else:
        base = [r for r in msc if r["t"] == 0]
        if not base:
            return None, "no baseline value in the MSC arm"
        post = _post_row(msc, spec.timepoint)
        if post is None:
            return None, f"no MSC-arm value {when} (time points with data: {_times(msc)} months)"
        a, b = post, base[0]
    n1, m1, sd1, u1, note1 = _arm_stats(a)
    n2, m2, sd2, u2, note2 = _arm_stats(b)
    cu1, f1 = canonical_unit(u1)
    cu2, f2 = canonical_unit(u2)
    if cu1 != cu2:
        return None, f"the two values are in different units ({u1} vs {u2})"
    notes = "; ".join(dict.fromkeys(x for x in (note1, note2) if x))
    if u1 != cu1:
        notes = "; ".join(x for x in (notes, f"converted {u1} to {cu1}") if x)
    return dict(n1=n1, m1=m1 * f1, sd1=sd1 * f1, n2=n2, m2=m2 * f2, sd2=sd2 * f2, unit=cu1,
                timepoint=a["t"] if a["t"] is not None else float("nan"), timepoint_label=a["label"],
                notes=notes, source_url=a["url"]), None


ARM_FIELDS = ("n1", "m1", "sd1", "n2", "m2", "sd2")


def _effects(arr: dict, spec: AnalysisSpec) -> es.EffectSizes:
    """Effects from arrays n1, m1, sd1 (group 1: MSC, or after) and n2, m2, sd2 (control, or before)."""
    a = (arr["n1"], arr["m1"], arr["sd1"])
    b = (arr["n2"], arr["m2"], arr["sd2"])
    if spec.comparison == "vs_control" or spec.prepost == "independent":
        if spec.measure == "MD":
            return es.mean_difference(*a, *b, level=spec.level)
        return es.standardized_mean_difference(*a, *b, variant=spec.smd_variant, level=spec.level)
    # pre-post: group 1 = after, group 2 = baseline, same patients; correlation r.
    if spec.measure == "MD":
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
            refused.append({k: r[k] for k in UNAVAILABLE_COLUMNS[:-1]} | {"reason": f"effect cannot be computed: {exc}"})
    return kept, (_effects(arrays(kept), spec) if kept else None), refused




def _in_scope(s: dict, spec: AnalysisSpec) -> bool:
    if spec.study_set == "paper" and s["set"] != "paper":
        return False
    if spec.population != "all" and s["dm_type"] != spec.population:
        return False
    if spec.design == "rct" and s["design_class"] != "rct":
        return False
    if spec.design == "controlled" and s["design_class"] not in ("rct", "controlled"):
        return False
    return s["study_id"] not in spec.excluded


def choose_model(spec: AnalysisSpec, yi, vi) -> tuple[str, str]:
    """Resolve 'auto' with the paper's rule; return (pooling method code, reason)."""
    if spec.model == "fixed":
        return "FE", "Fixed effect (inverse variance), as chosen."
    if spec.model == "random":
        return spec.tau2_method, f"Random effects ({spec.tau2_method}), as chosen."
    fe = meta_analysis(yi, vi, method="FE")
    if fe.k > 1 and fe.i2 > AUTO_I2_THRESHOLD and fe.q_pvalue < AUTO_P_THRESHOLD:
        return spec.tau2_method, (f"Auto: random effects ({spec.tau2_method}), because I² = {fe.i2:.0f}% > 50% "
                                  f"and P(Q) = {fe.q_pvalue:.3g} < 0.10 (the paper's rule).")
    why = "k = 1" if fe.k == 1 else f"I² = {fe.i2:.0f}% and P(Q) = {fe.q_pvalue:.3g}"
    return "FE", f"Auto: fixed effect, because {why} does not meet the paper's rule (I² > 50% and P(Q) < 0.10)."


def _reported_records(dataset: Dataset, spec: AnalysisSpec) -> tuple:
    return tuple(dict(r, same_timepoint=r["timepoint"] == spec.timepoint) for r in dataset.index().reported
                 if r["outcome"] == spec.outcome and r["comparison"] == spec.comparison
                 and (spec.population == "all" or r["population"] == spec.population))


def analyse(dataset: Dataset, spec: AnalysisSpec) -> ForestAnalysis:
    """Run the analysis the choices in ``spec`` describe (see module docstring)."""
    ix = dataset.index()
    rows_of = ix.rows.get(spec.outcome, {})
    numbers, unavailable = [], []
    for s in ix.studies:
        if not _in_scope(s, spec):
            continue
        base = {k: s[k] for k in UNAVAILABLE_COLUMNS[:-1]}
        rows = rows_of.get(s["study_id"], ())
        if spec.comparison == "vs_control" and s["design_class"] == "single_arm":
            unavailable.append({**base, "reason": "single-arm study: no control group"})
        elif not rows:
            reason = ix.gaps.get((s["study_id"], spec.outcome), "no numbers extracted for this outcome")
            unavailable.append({**base, "reason": reason})
        else:
            nums, reason = _study_numbers(rows, spec)
            if nums is None:
                unavailable.append({**base, "reason": reason})
            else:
                numbers.append({**base, **nums})
    notes: list[str] = []
    unit = ""
    if numbers and spec.measure == "MD":
        counts: dict = {}
        for r in numbers:
            counts[r["unit"]] = counts.get(r["unit"], 0) + 1
        unit = sorted(counts, key=lambda u: (-counts[u], u))[0]
        for r in numbers:
            if r["unit"] != unit:
                unavailable.append({k: r[k] for k in UNAVAILABLE_COLUMNS[:-1]} |
                                   {"reason": f"reported in {r['unit']}, which cannot be pooled with {unit} as a "
                                              "mean difference; choose SMD to include it"})
        numbers = [r for r in numbers if r["unit"] == unit]
    reported = _reported_records(dataset, spec)
    numbers.sort(key=lambda r: (r["dm_type"], r["year"] if np.isfinite(r["year"]) else np.inf, r["label"]))
    kept, eff, refused = _computable(numbers, spec) if numbers else ([], None, [])
    unavailable = tuple(unavailable + refused)
    if not kept:
        msg = ("No study in the current selection has usable numbers for this outcome and comparison, so nothing "
               "can be recomputed." if not numbers else
               "No study in the current selection has numbers from which this effect can be computed.")
        return ForestAnalysis(spec, (), None, None, "", "", unit, unavailable, reported, msg, tuple(notes))
    method, reason = choose_model(spec, eff.yi, eff.vi)
    labels = [r["label"] for r in kept]
    groups = np.array([r["dm_type"] for r in kept], dtype=object)
    sub = subgroup_analysis(eff.yi, eff.vi, groups, method=method, level=spec.level, labels=labels, test=spec.test)
    rows = tuple(dict(r, yi=y, vi=v, ci_low=lo, ci_high=hi, weight_pct=w) for r, y, v, lo, hi, w in
                 zip(kept, eff.yi.tolist(), eff.vi.tolist(), eff.ci_low.tolist(), eff.ci_high.tolist(),
                     sub.overall.weights.tolist()))
    if spec.comparison == "pre_post" and spec.prepost == "independent":
        notes.append("Pre-post effects treat after and before as two independent groups (RevMan two-arm entry); "
                     "this ignores the within-patient correlation and overstates the variance.")
    elif spec.comparison == "pre_post":
        notes.append(f"Pre-post SDs use the correlation method with r = {spec.r:g} (Cochrane Handbook 16.1.3.2); "
                     "the r the paper used is not reported.")
    if any("used as SD" in r["notes"] for r in kept):
        notes.append("Some '±' values were printed without saying SD or SE; they are used as SDs.")
    return ForestAnalysis(spec, rows, sub.overall, sub if spec.population == "all" else None,
                          method, reason, unit, unavailable, reported, "", tuple(notes))


# Agreement with a printed result: RevMan prints 2 decimals, so a recomputed value that
# rounds to the printed one lies within 0.005 of it; 0.01 also absorbs the printed value's own
# rounding (issue: "reproduced within rounding", +/-0.01 on the estimate and CI bounds).
REPRODUCED_TOLERANCE = 0.01


def pooled_for_population(a: ForestAnalysis, population: str) -> MetaResult | None:
    """The recomputed pooled result that a reported row for ``population`` compares with."""
    if a.pooled is None:
        return None
    if population == a.spec.population:
        return a.pooled
    if a.subgroups is not None and population in a.subgroups.subgroups:
        return a.subgroups.subgroups[population]
    return None


def reported_vs_recomputed(a: ForestAnalysis) -> pd.DataFrame:
    """Each reported result at the chosen time point next to the recomputed one.

    Columns: result_id, locator, population, reported (text), recomputed (text), k,
    diff_estimate, status ('reproduced within rounding' / 'differs' / 'cannot recompute' /
    'different measure'), explanation.
    """
    from core import words as lab

    out = []
    rep = a.reported[a.reported["same_timepoint"]] if not a.reported.empty else a.reported
    for _, r in rep.iterrows():
        est, lo, hi = (pd.to_numeric(r[c], errors="coerce") for c in ("estimate", "ci_low", "ci_high"))
        res = pooled_for_population(a, r["population"])
        row = {"result_id": r["result_id"], "locator": r["locator"], "population": r["population"],
               "reported": f"{r['measure']} {lab.fmt_ci(est, lo, hi)}, P {r['pvalue']}", "recomputed": "",
               "k": 0, "diff_estimate": float("nan")}
        if r["measure"] != a.spec.measure:
            row.update(status="different measure",
                       explanation=f"The paper reports this as {r['measure']}; switch Measure to {r['measure']} "
                                   "to compare.")
        elif res is None:
            row.update(status="cannot recompute",
                       explanation="No study in this selection has usable numbers for this population.")
        else:
            diffs = [res.estimate - est, res.ci_low - lo, res.ci_high - hi]
            ok = all(abs(d) <= REPRODUCED_TOLERANCE for d in diffs)
            row.update(recomputed=f"{a.spec.measure} {lab.fmt_ci(res.estimate, res.ci_low, res.ci_high)}, "
                                  f"{lab.fmt_p(res.pvalue)}",
                       k=res.k, diff_estimate=diffs[0],
                       status="reproduced within rounding" if ok else "differs",
                       explanation="" if ok else _differs_reason(a, r, res))
        out.append(row)
    return pd.DataFrame(out, columns=["result_id", "population", "reported", "recomputed", "status", "explanation",
                                      "k", "diff_estimate", "locator"])


def _differs_reason(a: ForestAnalysis, reported: pd.Series, res: MetaResult) -> str:
    refs = [x.strip() for x in str(reported.get("refs", "") or "").split(",") if x.strip()]
    parts = []
    if refs and res.k < len(refs):
        parts.append(f"only {res.k} of the {len(refs)} studies the paper cites have usable numbers here")
    elif not a.unavailable.empty:
        missing = a.unavailable[a.unavailable["dm_type"] == reported["population"]] \
            if reported["population"] in ("T1DM", "T2DM") else a.unavailable
        if len(missing):
            parts.append(f"{len(missing)} study(ies) in scope have no usable numbers")
    if isinstance(reported.get("model"), str) and reported["model"]:
        want = "FE" if reported["model"] == "fixed" else "random"
        if (want == "FE") != (a.method == "FE"):
            parts.append(f"the paper used a {reported['model']}-effect model")
    return ("Likely because " + "; ".join(parts) + ".") if parts else "No visible reason."


def empty_analysis(dataset: Dataset, spec: AnalysisSpec, message: str) -> ForestAnalysis:
    """A result with nothing pooled and ``message`` saying why (for pages to show instead of a traceback)."""
    return ForestAnalysis(spec, (), None, None, "", "", "", (), _reported_records(dataset, spec), message)
