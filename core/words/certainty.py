"""The words of GRADE certainty (core.certainty) and per-study risk of bias."""
from __future__ import annotations

from core.vocab import Comparison, Outcome

# --- certainty ---
# GRADE certainty (core.certainty) and per-study risk of bias (core.evidence.risk_of_bias).  Reason
# templates are filled with numbers by the rules; citations name the rule each sentence applies.

ROB_TOOL_LABELS = {"rob2": "RoB 2", "robins_i": "ROBINS-I"}
ROB_DESIGN_LABELS = {"rct": "Randomised controlled trial", "controlled": "Non-randomised controlled study",
                     "single_arm": "Single-arm before–after study"}
ROB_DOMAIN_LABELS = {
    "randomisation": "Randomisation process", "confounding": "Confounding",
    "selection": "Selection of participants", "classification": "Classification of interventions",
    "deviations": "Deviations from intended interventions", "missing_data": "Missing outcome data",
    "measurement": "Measurement of the outcome", "reporting": "Selection of the reported result",
    "overall": "Overall"}
ROB_LEVEL_LABELS = {"low": "Low", "some_concerns": "Some concerns", "high": "High", "moderate": "Moderate",
                    "serious": "Serious", "critical": "Critical", "not_assessed": "Not assessed"}
ROB_NOT_ASSESSED = "Not assessed: nobody has judged this domain yet (the paper did no risk-of-bias assessment)."
ROB_NOT_ASSESSED_SOURCE = "Shipped default: no judgement without a source."
ROB_BEFORE_AFTER = ("No concurrent control group: the natural course, regression to the mean and co-interventions "
                    "cannot be separated from the effect of MSC, so confounding is inherently not controllable.")
ROB_BEFORE_AFTER_SOURCE = ("ROBINS-I (Sterne et al. 2016, BMJ 355:i4919): 'critical' when confounding is inherently "
                           "not controllable; GRADE Handbook 2013 §5.1 (uncontrolled designs)")
ROB_DERIVED = "Derived: at least as severe as the most severe domain judged ({domain}, {level})."
ROB_DERIVED_SOURCE = {"rob2": "RoB 2 overall-judgement rule (Sterne et al. 2019, BMJ 366:l4898)",
                      "robins_i": "ROBINS-I overall-judgement rule (Sterne et al. 2016, BMJ 355:i4919)"}

CERTAINTY_LABELS = {"high": "High", "moderate": "Moderate", "low": "Low", "very_low": "Very low"}
CERTAINTY_SYMBOLS = {"high": "⊕⊕⊕⊕", "moderate": "⊕⊕⊕◯", "low": "⊕⊕◯◯", "very_low": "⊕◯◯◯"}
CONCERN_LABELS = {"not_serious": "Not serious", "serious": "Serious", "very_serious": "Very serious",
                  "extremely_serious": "Extremely serious", "not_assessable": "Not assessable"}
GRADE_DOMAIN_LABELS = {"risk_of_bias": "Risk of bias", "inconsistency": "Inconsistency",
                       "indirectness": "Indirectness", "imprecision": "Imprecision",
                       "publication_bias": "Publication bias"}
GRADE_SOURCES = {
    "start": "GRADE Handbook 2013 §5.1; Balshem et al. 2011, GRADE guidelines 3, J Clin Epidemiol 64:401",
    "start_mixed": "GRADE Handbook 2013 §5.1; Cuello-Garcia et al. 2022, GRADE guidance 24, J Clin Epidemiol "
                   "142:200 (a mixed body is started at the lower level here, conservatively)",
    "risk_of_bias": "Guyatt et al. 2011, GRADE guidelines 4, J Clin Epidemiol 64:407; Cochrane Handbook v5.1 "
                    "Table 12.2.d ('most information' = more than half of the weight); not assessed: rated down one "
                    "level as a precaution, the conservative reading, and the rating marked provisional",
    "inconsistency": "Guyatt et al. 2011, GRADE guidelines 7, J Clin Epidemiol 64:1294; Cochrane Handbook v6.4 "
                     "§10.10.2 (I² bands, P < 0.10); Higgins et al. 2009, J R Stat Soc A 172:137 (the true effects' "
                     "range, mu ± 1.96 tau, only when tau² > 0)",
    "indirectness": "Guyatt et al. 2011, GRADE guidelines 8, J Clin Epidemiol 64:1303",
    "imprecision": "Guyatt et al. 2011, GRADE guidelines 6, J Clin Epidemiol 64:1283; Zeng et al. 2022, GRADE "
                   "guidance 34, J Clin Epidemiol 150:216 (CI against thresholds; far below the OIS: two levels, here "
                   "below half of it); Schünemann et al. 2022, GRADE guidance 35, J Clin Epidemiol 150:225 (up to "
                   "three levels); one study: at least one level (an assumption)",
    "publication_bias": "Guyatt et al. 2011, GRADE guidelines 5, J Clin Epidemiol 64:1277; Sterne et al. 2011, "
                        "BMJ 343:d4002 (at least 10 studies); Cochrane Handbook v6.4 §13.3.5.4",
    "statement": "Cochrane Handbook v6.4 Table 15.6.b; Santesso et al. 2020, GRADE guidelines 26, J Clin Epidemiol "
                 "119:126; sizes from the MID and 0.2 / 0.5 / 0.8 SD (Cohen 1988)",
}
CERTAINTY_REASONS = {
    "start.rct": "All {k} contributing studies are randomised trials, so the evidence starts at high certainty.",
    "start.rct_one": "The one contributing study is a randomised trial, so the evidence starts at high certainty.",
    "start.nrs": "{n_nrs} of {k} contributing studies are not randomised, so the evidence starts at low certainty.",
    "start.before_after": "Every contribution is a before–after change within the MSC arm (no control group), "
                          "which is observational evidence and starts at low certainty.",
    "rob.very_serious": "{critical:.0f}% of the weight comes from results at critical risk of bias{unknown_note}.",
    "rob.serious": "{high:.0f}% of the weight comes from results at high or serious risk of bias{unknown_note}.",
    "rob.concerns": "{concerns:.0f}% of the weight comes from results with some concerns or worse{unknown_note}.",
    "rob.precaution": "Risk of bias has not been assessed for studies carrying {unknown:.0f}% of the weight, so most "
                      "of it is not known to be at low risk; rated down one level as a precaution until the "
                      "studies are judged (an assumption: judge them below and your judgements replace it).",
    "rob.unknown": "Risk of bias has not been assessed for studies carrying {unknown:.0f}% of the weight; the rest "
                   "is at low risk, so no downgrade is applied (an assumption until they are judged).",
    "rob.low": "Most of the weight comes from results at low risk of bias ({low:.0f}%).",
    "rob.unknown_note": "; {unknown:.0f}% is not assessed",
    "inc.single": "Only one study contributes, so inconsistency cannot be assessed.",
    "inc.very_serious": "Considerable heterogeneity: {signals}, and study estimates fall on both sides of no effect.",
    "inc.serious": "Heterogeneity: {signals}.",
    "inc.none": "No important heterogeneity: {signals}.",
    "inc.i2": "I² = {i2:.0f}%",
    "inc.q": "P(Q) {p}",
    "inc.overlap": "the studies' 95% CIs overlap",
    "inc.no_overlap": "some studies' 95% CIs do not overlap",
    "inc.tau0": "τ² = 0",
    "inc.range_null": "τ² = {tau2}, so the true effects' 95% range [{low}, {high}] includes no effect",
    "inc.range_excludes": "τ² = {tau2}, and the true effects' 95% range [{low}, {high}] excludes no effect",
    "inc.subgroups": "the subgroups differ (P {p})",
    "ind.assumed": "Not assessed: assumed not serious (the studies' patients, MSC products, comparators and "
                   "outcome are taken to match the question).",
    "imp.ci_null": "the 95% {interval} [{low}, {high}] includes no effect",
    "imp.ci_ok": "the 95% {interval} [{low}, {high}] excludes no effect",
    "imp.ci_one_region": "the 95% {interval} [{low}, {high}] lies on one side of the smallest important effect ({mid})",
    "imp.ci_mid": "the 95% {interval} [{low}, {high}] crosses the smallest important effect ({mid}): it holds both "
                  "important and unimportant effects",
    "imp.and_null": ", and it includes no effect",
    "imp.ci_both": "the 95% {interval} [{low}, {high}] includes both important benefit and important harm (beyond ±{mid})",
    "imp.ci_size_edge": "it also crosses the edge of a {size} effect ({edge}), so the size is uncertain",
    "imp.ois_met": "{n} participants meet the optimal information size of {ois}",
    "imp.ois_short": "{n} participants are {pct:.0f}% of the optimal information size of {ois}",
    "imp.ois_far": "{n} participants are {pct:.0f}% of the optimal information size of {ois}, far fewer (below "
                   "half: two levels)",
    "imp.ois_na": "the optimal information size cannot be computed (no usable SD)",
    "imp.single": "one study: rated down at least one level however narrow its CI (an assumption: a single small "
                  "trial's effect has not been replicated)",
    "imp.no_mid": "no MID is established for this outcome, so {delta_sd:g} SD is taken as the smallest important "
                  "effect (an assumption)",
    "imp.user": "{reason} (your judgement; the rules gave {concern}: {computed})",
    "ctx.ois": "Information size: {n} participants against an optimal information size of {ois} ({power:.0f}% power "
               "at the smallest important effect)",
    "imp.trials": "with τ² = {tau2}, a meta-analysis would need at least {trials}, however large (Wetterslev et al. "
                  "2017)",
    "imp.trials_tau0": "τ² is estimated at 0, so heterogeneity sets no minimum number of trials",
    "pub.few": "Only {k} studies: funnel-plot asymmetry cannot be assessed with fewer than {min_k}.",
    "pub.egger": "Egger's test for funnel-plot asymmetry gives {p} ({verdict}); see the funnel plot.",
    "pub.egger_na": "Egger's test cannot be run on these studies ({why}).",
    "pub.asymmetric": "suggests small-study effects",
    "pub.symmetric": "no sign of small-study effects",
}
MID_NOT_ESTABLISHED = "No published MID was verified for this outcome; imprecision is judged on the CI and the OIS."
MID_HBA1C_SOURCE = ("NICE NG28 (2015), Type 2 diabetes in adults: management: MID 0.5 percentage points "
                    "(5.5 mmol/mol), as tabulated in Pharmacol Res Perspect 2021 (PMC8244004), Table 1")
CERTAINTY_NO_EVIDENCE = "No study in this view has usable numbers for {outcome}, so its certainty cannot be rated."
CERTAINTY_NONE = "No evidence"
CERTAINTY_OUTCOME_NOUNS = {Outcome.HBA1C: "HbA1c", Outcome.FBG: "fasting blood glucose",
                           Outcome.PBG: "2-h postprandial glucose", Outcome.FCP: "fasting C-peptide",
                           Outcome.INSULIN: "insulin requirement"}
CERTAINTY_COMPARATORS = {Comparison.VS_CONTROL: " compared with control",
                         Comparison.PRE_POST: " (after vs before treatment, no control group)"}
# Cochrane Handbook v6.4 Table 15.6.b; Santesso et al. 2020 (GRADE guidelines 26), Table 2: wording by certainty
# and size of effect.  Very low names no size.
CERTAINTY_STATEMENTS = {
    "high": {"large": "MSC results in a large {noun} in {outcome}", "moderate": "MSC {verb}s {outcome}",
             "small": "MSC {verb}s {outcome} slightly",
             "trivial": "MSC results in little to no difference in {outcome}"},
    "moderate": {"large": "MSC likely results in a large {noun} in {outcome}",
                 "moderate": "MSC likely {verb}s {outcome}", "small": "MSC likely {verb}s {outcome} slightly",
                 "trivial": "MSC likely results in little to no difference in {outcome}"},
    "low": {"large": "MSC may result in a large {noun} in {outcome}", "moderate": "MSC may {verb} {outcome}",
            "small": "MSC may {verb} {outcome} slightly",
            "trivial": "MSC may result in little to no difference in {outcome}"},
}
CERTAINTY_DIRECTION = {"down": ("reduce", "reduction"), "up": ("increase", "increase")}
CERTAINTY_VERY_UNCERTAIN = "The evidence is very uncertain about the effect of MSC on {outcome}{comparator}"
# The threshold a statement's size rests on (core.certainty.assess.size_basis).
CERTAINTY_SIZE_BASIS = {"trivial": " (little to no difference: less than {important})",
                        "small": " (slightly: at least {important}; less than {moderate})",
                        "small_open": " (at least {important})",
                        "moderate": " (by {moderate} to {large})",
                        "large": " (a large effect: at least {large})"}
CERTAINTY_MID_WORD = "the MID"
CERTAINTY_INTERVALS = {False: "CI", True: "credible interval"}     # frequentist, Bayesian (issue 22)
CERTAINTY_EDGE_RAISED = ", the MID, which is above {sd:g} SD here"
CERTAINTY_ASSUMED_WORD = "{sd:g} SD, assumed"
CERTAINTY_SIZE_WORDS = {"small": "small", "moderate": "moderate", "large": "large"}
CERTAINTY_PROVISIONAL = "{label} (provisional: risk of bias not assessed for studies carrying {pct:.0f}% of the weight)"
CERTAINTY_FOOTNOTE = "{label} ({concern}): {reason}"
CERTAINTY_ASSUMPTION = "{label} (assumed): {reason}"
CERTAINTY_JUDGED = "{label} (not serious, your judgement): {reason}"

# --- summary of findings (page, figure, forest-plot line) ---
SOF_HEADINGS = {"outcome": "Outcome", "studies": "Studies (participants)", "effect": "Effect (95% CI)",
                "certainty": "Certainty of the evidence (GRADE)", "statement": "What happens"}
SOF_COMPARISONS = {Comparison.VS_CONTROL: "MSC vs control", Comparison.PRE_POST: "MSC after vs before treatment"}
SOF_FIGURE_TITLE = "Summary of findings: {comparison}, {population}, {timepoint}"
SOF_PROVISIONAL_MARK = ", provisional"
SOF_START_NOTE = "Starting level ({level}): {reason}"
SOF_NO_FOOTNOTES = "No downgrade and no assumption."
CERTAINTY_LINE = "Certainty of this evidence (GRADE): {symbols} {label} — {why}."
CERTAINTY_CAPTION = "Certainty of the evidence (GRADE): {symbols} {label}"
CERTAINTY_LINE_DOWN = "starts {start}, rated down for {domains}"
CERTAINTY_LINE_NONE = "starts {start}, not rated down"
CERTAINTY_LINE_LINK = "Why: the Summary of findings page"
JUDGEMENT_REASON_RULE = ("One clear sentence: a capital letter first, at least {n} words, a full stop at the end "
                         "(e.g. 'Outcome assessors knew the allocation.').")
JUDGEMENT_SAVED = "Judgement set: {study} · {domain} · {level}."
JUDGEMENTS_CLEARED = "Your risk-of-bias judgements were cleared; the defaults apply again."
INDIRECTNESS_SAVED = "Indirectness set: {outcome} · {level}."
INDIRECTNESS_RESET = "Indirectness of {outcome} is back to the assumption (not serious)."
IMPRECISION_SAVED = "Imprecision set: {outcome} · {level} (your judgement replaces the rules' rating)."
IMPRECISION_RESET = "Imprecision of {outcome} is rated by the rules again."
IMPRECISION_JUDGED = "Judged by you, replacing the rules: {outcomes}."
MID_SAVED = "MID set: {outcome} · {value} {unit}."
MID_RESET = "The MID of {outcome} is back to its default."
JUDGEMENT_SAVED_VERSION = " Saved with the dataset as a new version; the ratings above use it."
JUDGEMENT_SAVED_SESSION = " Kept for this browser session; the ratings above use it."
JUDGEMENTS_SAVED = ("Each judgement, indirectness or MID you set is saved with this dataset as a new version (its "
                    "parent: the one in use), so the link to this view restores it on every page; the XLSX download "
                    "above holds the judgements as the risk_of_bias sheet.")
JUDGEMENTS_SESSION = ("Saved datasets cannot be used here, so your judgements are kept in this browser session for this "
                      "dataset only; the XLSX download above holds them as the risk_of_bias sheet.")
