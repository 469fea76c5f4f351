"""From the evidence tables and a set of user choices to one forest-plot analysis.

``analyse(dataset, spec)`` is the single call a page makes.  It selects the studies and
rows the choices ask for, converts dispersion and units, computes each study's effect,
pools them (with subgroups when both diabetes types are shown) and lists every study that
could not contribute, with the reason.  It never raises for "too few studies": the result
then carries a ``message`` instead of a pooled estimate.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from core import effect_sizes as es
from core.conversions import canonical_unit, to_mean_sd
from core.dataset import OUTCOMES, Dataset
from core.errors import InsufficientStudiesError
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
    :class:`SubgroupResult` when both diabetes types contribute; ``unavailable``: the studies
    in scope that could not contribute, with the reason; ``reported``: the paper's own pooled
    results for this choice; ``message``: a plain sentence when nothing can be pooled.
    """

    spec: AnalysisSpec
    rows: pd.DataFrame
    pooled: MetaResult | None
    subgroups: SubgroupResult | None
    method: str
    model_reason: str
    unit: str
    unavailable: pd.DataFrame
    reported: pd.DataFrame
    message: str = ""
    notes: tuple = field(default_factory=tuple)

    @property
    def k(self) -> int:
        return len(self.rows)

    @property
    def participants(self) -> int:
        if self.rows.empty:
            return 0
        n2 = self.rows["n2"] if self.spec.comparison == "vs_control" else 0
        return int((self.rows["n1"] + n2).sum())

    @property
    def lower_is_better(self) -> bool:
        return LOWER_IS_BETTER[self.spec.outcome]


def _post_row(rows: pd.DataFrame, timepoint: str, *, baseline_ok=False) -> pd.Series | None:
    """Pick the post-baseline row for a time point ('end' = latest reported)."""
    post = rows if baseline_ok else rows[(rows["timepoint_num"] > 0) | rows["timepoint_num"].isna()]
    if post.empty:
        return None
    if timepoint == "end":
        dated = post[post["timepoint_num"].notna()]
        return (dated.sort_values("timepoint_num").iloc[-1] if not dated.empty else post.iloc[0])
    target = float(timepoint)
    dated = post[post["timepoint_num"].notna()].copy()
    dated["gap"] = (dated["timepoint_num"] - target).abs()
    dated = dated[dated["gap"] <= TIMEPOINT_TOLERANCE_MONTHS]
    return dated.sort_values("gap").iloc[0] if not dated.empty else None


def _times(rows: pd.DataFrame) -> str:
    t = sorted({float(x) for x in rows["timepoint_num"].dropna() if x > 0})
    return ", ".join(f"{x:g}" for x in t) if t else "none"


def _arm_stats(row: pd.Series) -> tuple[float, float, float, str, str]:
    mean, sd, note = to_mean_sd(row["mean_num"], row["dispersion_type"], row["disp1_num"], row["disp2_num"],
                                row["n_num"])
    return float(row["n_num"]), mean, sd, row["unit"], note


def _study_numbers(rows: pd.DataFrame, spec: AnalysisSpec):
    """Return (numbers dict, None) or (None, reason) for one study's rows of one outcome."""
    when = "at end of follow-up" if spec.timepoint == "end" else f"at {spec.timepoint} months"
    if spec.comparison == "vs_control":
        msc, ctl = rows[rows["arm"] == "msc"], rows[rows["arm"] == "control"]
        if ctl.empty:
            return None, "no control-arm numbers for this outcome"
        common = set(msc["timepoint_num"].dropna()) & set(ctl["timepoint_num"].dropna())
        both = msc[msc["timepoint_num"].isin(common)]
        post = _post_row(both, spec.timepoint)
        if post is None:
            return None, f"no value for both arms {when} (time points with data: {_times(rows)} months)"
        t = post["timepoint_num"]
        a = msc[msc["timepoint_num"] == t].iloc[0]
        b = ctl[ctl["timepoint_num"] == t].iloc[0]
    else:
        msc = rows[rows["arm"] == "msc"]
        base = msc[msc["timepoint_num"] == 0]
        if base.empty:
            return None, "no baseline value in the MSC arm"
        post = _post_row(msc, spec.timepoint)
        if post is None:
            return None, f"no MSC-arm value {when} (time points with data: {_times(msc)} months)"
        a, b = post, base.iloc[0]
    n1, m1, sd1, u1, note1 = _arm_stats(a)
    n2, m2, sd2, u2, note2 = _arm_stats(b)
    cu1, f1 = canonical_unit(u1)
    cu2, f2 = canonical_unit(u2)
    if cu1 != cu2:
        return None, f"the two values are in different units ({u1} vs {u2})"
    notes = "; ".join(dict.fromkeys(x for x in (note1, note2) if x))
    if u1 != cu1:
        notes = "; ".join(x for x in (notes, f"converted {u1} to {cu1}") if x)
    tp = a["timepoint_num"]
    return dict(n1=n1, m1=m1 * f1, sd1=sd1 * f1, n2=n2, m2=m2 * f2, sd2=sd2 * f2, unit=cu1,
                timepoint=tp, timepoint_label=a["timepoint_label"], notes=notes,
                source_url=a["source_url"]), None


def _effects(num: pd.DataFrame, spec: AnalysisSpec) -> es.EffectSizes:
    a = (num["n1"], num["m1"], num["sd1"])
    b = (num["n2"], num["m2"], num["sd2"])
    if spec.comparison == "vs_control" or spec.prepost == "independent":
        if spec.measure == "MD":
            return es.mean_difference(*a, *b, level=spec.level)
        return es.standardized_mean_difference(*a, *b, variant=spec.smd_variant, level=spec.level)
    # pre-post: group 1 = after, group 2 = baseline, same patients; correlation r.
    if spec.measure == "MD":
        return es.mean_change(num["n1"], num["m2"], num["sd2"], num["m1"], num["sd1"], r=spec.r, level=spec.level)
    return es.standardized_mean_change(num["n1"], num["m2"], num["sd2"], num["m1"], num["sd1"], r=spec.r,
                                       level=spec.level)


def _computable(num: pd.DataFrame, spec: AnalysisSpec) -> tuple[pd.DataFrame, list[dict]]:
    """Split studies into those whose effect can be computed and those that cannot, with the
    reason (e.g. an SMD needs n1 + n2 >= 3; an SD of 0 gives no variance).  The effect-size
    functions validate; one failing study must not stop the others."""
    try:
        _effects(num, spec)
        return num, []
    except (ValueError, ZeroDivisionError, FloatingPointError):
        pass
    keep, refused = [], []
    for i in range(len(num)):
        try:
            eff = _effects(num.iloc[[i]], spec)
            if not (np.isfinite(eff.yi).all() and np.isfinite(eff.vi).all() and (eff.vi > 0).all()):
                raise ValueError("the effect or its variance is not a finite positive number")
            keep.append(i)
        except (ValueError, ZeroDivisionError, FloatingPointError) as exc:
            r = num.iloc[i]
            refused.append({k: r[k] for k in ("study_id", "label", "dm_type", "design_class", "id_confidence",
                                              "year")} | {"reason": f"effect cannot be computed: {exc}"})
    return num.iloc[keep].reset_index(drop=True), refused


def _reason_from_gaps(gaps: pd.DataFrame, study_id: str, outcome: str) -> str | None:
    if gaps.empty:
        return None
    g = gaps[(gaps["study_id"] == study_id) & (gaps["outcome"] == outcome)]
    if g.empty:
        return None
    r = g.iloc[0]
    return f"{r['status'].replace('_', ' ')}: {r['reason']}"


def studies_in_scope(dataset: Dataset, spec: AnalysisSpec) -> pd.DataFrame:
    """Studies that the set, population, design and exclusion choices keep."""
    s = dataset.studies
    s = s[s["set"] == "paper"] if spec.study_set == "paper" else s
    if spec.population != "all":
        s = s[s["dm_type"] == spec.population]
    if spec.design == "rct":
        s = s[s["design_class"] == "rct"]
    elif spec.design == "controlled":
        s = s[s["design_class"].isin(("rct", "controlled"))]
    return s[~s["study_id"].isin(spec.excluded)]


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


def reported_for(dataset: Dataset, spec: AnalysisSpec) -> pd.DataFrame:
    """The paper's reported pooled results for this outcome, comparison and population.

    Rows at every time point are returned; ``same_timepoint`` marks those at the chosen one,
    so a page can point to the time point at which the paper reports a result.
    """
    rep = dataset.reported
    keep = (rep["outcome"] == spec.outcome) & (rep["comparison"] == spec.comparison)
    if spec.population != "all":
        keep &= rep["population"] == spec.population
    rep = rep[keep].reset_index(drop=True).copy()
    rep["same_timepoint"] = rep["timepoint"] == spec.timepoint
    return rep


def analyse(dataset: Dataset, spec: AnalysisSpec) -> ForestAnalysis:
    """Run the analysis the choices in ``spec`` describe (see module docstring)."""
    scope = studies_in_scope(dataset, spec)
    out = dataset.outcomes
    out = out[(out["outcome"] == spec.outcome) & (out["use"] == "yes")]
    numbers, unavailable = [], []
    label_of = dataset.study_labels()
    by_study = dict(tuple(out.groupby("study_id")))
    for _, st_row in scope.iterrows():
        sid = st_row["study_id"]
        rows = by_study.get(sid, out.iloc[0:0])
        label = label_of[sid]
        base = dict(study_id=sid, label=label, dm_type=st_row["dm_type"], design_class=st_row["design_class"],
                    id_confidence=st_row["id_confidence"], year=st_row["year_num"])
        if spec.comparison == "vs_control" and st_row["design_class"] == "single_arm":
            unavailable.append({**base, "reason": "single-arm study: no control group"})
            continue
        if rows.empty:
            reason = _reason_from_gaps(dataset.gaps, sid, spec.outcome) or "no numbers extracted for this outcome"
            unavailable.append({**base, "reason": reason})
            continue
        nums, reason = _study_numbers(rows, spec)
        if nums is None:
            unavailable.append({**base, "reason": reason})
        else:
            numbers.append({**base, **nums})
    notes: list[str] = []
    num = pd.DataFrame(numbers)
    unit = ""
    if not num.empty and spec.measure == "MD":
        counts = num["unit"].value_counts()
        unit = sorted(counts.index, key=lambda u: (-counts[u], u))[0]
        for _, r in num[num["unit"] != unit].iterrows():
            unavailable.append({k: r[k] for k in ("study_id", "label", "dm_type", "design_class", "id_confidence",
                                                  "year")} |
                               {"reason": f"reported in {r['unit']}, which cannot be pooled with {unit} as a mean "
                                          "difference; choose SMD to include it"})
        num = num[num["unit"] == unit].reset_index(drop=True)
    unavailable_df = pd.DataFrame(unavailable, columns=["study_id", "label", "dm_type", "design_class",
                                                        "id_confidence", "year", "reason"])
    reported = reported_for(dataset, spec)
    if num.empty:
        msg = ("No study in the current selection has usable numbers for this outcome and comparison, so nothing "
               "can be recomputed.")
        return ForestAnalysis(spec, num, None, None, "", "", unit, unavailable_df, reported, msg, tuple(notes))
    num = num.sort_values(["dm_type", "year", "label"], kind="stable").reset_index(drop=True)
    num, refused = _computable(num, spec)
    if refused:
        unavailable_df = pd.concat([unavailable_df, pd.DataFrame(refused, columns=unavailable_df.columns)],
                                   ignore_index=True)
    if num.empty:
        return ForestAnalysis(spec, num, None, None, "", "", unit, unavailable_df, reported,
                              "No study in the current selection has numbers from which this effect can be "
                              "computed.", tuple(notes))
    eff = _effects(num, spec)
    num["yi"], num["vi"] = eff.yi, eff.vi
    num["ci_low"], num["ci_high"] = eff.ci_low, eff.ci_high
    method, reason = choose_model(spec, eff.yi, eff.vi)
    labels = num["label"].tolist()
    groups = num["dm_type"].to_numpy()
    try:
        sub = subgroup_analysis(eff.yi, eff.vi, groups, method=method, level=spec.level, labels=labels,
                                test=spec.test)
    except InsufficientStudiesError as exc:   # unreachable with num non-empty; kept for safety of callers
        return ForestAnalysis(spec, num, None, None, method, reason, unit, unavailable_df, reported, str(exc))
    num["weight_pct"] = sub.overall.weights
    if spec.comparison == "pre_post" and spec.prepost == "independent":
        notes.append("Pre-post effects treat after and before as two independent groups (RevMan two-arm entry); "
                     "this ignores the within-patient correlation and overstates the variance.")
    elif spec.comparison == "pre_post":
        notes.append(f"Pre-post SDs use the correlation method with r = {spec.r:g} (Cochrane Handbook 16.1.3.2); "
                     "the r the paper used is not reported.")
    if any(num["notes"].str.contains("used as SD")):
        notes.append("Some '±' values were printed without saying SD or SE; they are used as SDs.")
    return ForestAnalysis(spec, num, sub.overall, sub if spec.population == "all" else None,
                          method, reason, unit, unavailable_df, reported, "", tuple(notes))


def with_changes(spec: AnalysisSpec, **changes) -> AnalysisSpec:
    """A copy of ``spec`` with some choices changed (used by sensitivity variants)."""
    return replace(spec, **changes)


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
    from core import labels as lab

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
    cols = ["study_id", "label", "dm_type", "design_class", "id_confidence", "year", "reason"]
    return ForestAnalysis(spec, pd.DataFrame(), None, None, "", "", "", pd.DataFrame(columns=cols),
                          reported_for(dataset, spec), message)
