"""What the sidebar's choice widgets show, their help texts, and the table headings of the pages."""
from __future__ import annotations

from core.vocab import Tau2, Test
from core.words.phrases import POPULATION_HELP

# --- choice labels (sidebar) ---------------------------------------------------------------------
# What the sidebar's choice widgets show for each code.  Streamlit writes the *label* into the URL,
# so changing a label changes the shared links it reads.
MODEL_LABELS = {"auto": "Auto (paper's rule)", "fixed": "Fixed effect (IV)", "random": "Random effects"}
# REML is known by its abbreviation, which is also its code.
TAU2_LABELS = {Tau2.DL: "DerSimonian–Laird", Tau2.REML: Tau2.REML.value, Tau2.PM: "Paule–Mandel",
               Tau2.ML: "Maximum likelihood", Tau2.HE: "Hedges", Tau2.SJ: "Sidik–Jonkman",
               Tau2.HS: "Hunter–Schmidt", Tau2.EB: "Empirical Bayes (= Paule–Mandel)"}
TIMEPOINT_LABELS = {"end": "End of follow-up", "3": "3 months", "6": "6 months", "12": "12 months"}
SMD_VARIANT_LABELS = {"revman5": "RevMan 5 (approximate g)", "hedges_exact": "Exact Hedges' g (metafor)"}
DESIGN_LABELS = {"all": "All designs", "controlled": "Controlled studies only", "rct": "RCTs only"}
PREPOST_LABELS = {"change": "Mean change (correlation method)", "independent": "After vs before as two groups"}
SET_LABELS = {"paper": "The paper's 10 studies", "all": "Paper + newer trials"}
MEASURE_LABELS = {"MD": "MD", "SMD": "SMD"}

# The title of each choice's widget, by widget key: the sidebar and the Sensitivity page's variant controls
# show the same words.
TITLES = {"outcome": "Outcome", "comparison": "Comparison", "population": "Population", "measure": "Measure",
          "model": "Model", "timepoint": "Time point", "set": "Studies", "tau2": "τ² estimator (random effects)",
          "hksj": "Hartung–Knapp (HKSJ) CI", "floor": "HKSJ never narrower than z (ad hoc floor)",
          "pi": "Show prediction interval", "smd": "SMD variant", "prepost": "Pre-post effect",
          "r": "Pre-post correlation r", "design": "Designs", "exclude": "Exclude studies"}

# The help text beside each sidebar choice, by widget key.
HELP = {
    "outcome": "The outcome pooled across trials.",
    "comparison": "Between arms at follow-up, or the MSC arm after vs before treatment (pre-post).",
    "population": POPULATION_HELP,
    "measure": "MD keeps the outcome's units; SMD (Hedges' g) standardises by the SD, as the paper did for FBG, "
               "PBG, F-CP and insulin.",
    "model": "Auto applies the paper's rule: random effects when I² > 50% and P(Q) < 0.10, otherwise fixed.",
    "tau2": "Estimator of the between-study variance τ² used by random effects (RevMan 5 uses DerSimonian–Laird).",
    "hksj": "Hartung–Knapp–Sidik–Jonkman: a t-based CI for random effects. It is usually wider than the z-based "
            "CI when k is small, but not always: when the studies agree more than expected it is narrower (324 "
            "of the 1,170 z/HKSJ pairs of this dashboard's grid). Undefined with one study.",
    "floor": "Ad hoc variance floor (Knapp & Hartung 2003; Röver et al. 2015): the HKSJ variance is never below the "
             "z-based one, so the HKSJ interval is never narrower. Only used with HKSJ.",
    "timepoint": "End of follow-up takes each trial's last reported time point; 3/6/12 months match within ±1 "
                 "month (e.g. 24 weeks counts as 6 months).",
    "r": "Correlation between baseline and follow-up values, used to impute the SD of the change (Cochrane "
         "Handbook 16.1.3.2). The paper does not say which r it used; 0.5 is the Handbook's usual choice.",
    "smd": "RevMan 5 uses an approximate small-sample correction; metafor uses the exact one.",
    "design": "Keep only randomised trials, or only trials with a control arm.",
    "exclude": "Leave studies out of every analysis (sensitivity).",
    "set": "The paper's studies reproduce the paper; newer trials never enter the reproduction.",
    "prepost": "How a pre-post effect is computed: the mean change with the SD of the change (the paper's "
               "stated method, needs r), or after vs before entered as two independent groups, as RevMan's "
               "two-arm data entry does (ignores r).",
    "pi": "Draw the 95% prediction interval for a new study's effect under the random-effects model.",
}

# --- table headings (pages) ----------------------------------------------------------------------
# Column -> heading of each table a page shows, by table.
_PAPER = {"locator": "Where in the paper", "snippet": "What the paper says"}
TABLE_HEADINGS = {
    "events": {"dm_type": "Type", "count": "Patients with event", "n": "Patients", **_PAPER},
    "adverse_events": {"event": "Event", "patients": "Patients", **_PAPER, "note": "Note"},
    "flow": {"stage": "Stage", "count": "Count", "note": "What the paper says", "locator": "Where in the paper"},
    "followup_tables": {"locator": "Where in the paper", "outcome": "Outcome", "timepoint": "Months",
                        "reported": "Paper reports", "audit": "Audit of the printed numbers",
                        "recomputed": "Recomputed", "k": "Studies", "status": "Status", "explanation": "Why"},
    "unavailable": {"label": "Study", "dm_type": "Type", "design_class": "Design", "reason": "Why not in this plot"},
    "studies": {"Study": "Study", "Ref": "Ref. in paper", "Identity": "Identity", "dm_type": "Type",
                "country": "Country", "design": "Design", "n_msc": "n MSC", "n_control": "n control",
                "msc_source": "MSC source", "dose": "Dose", "route": "Route",
                "followup_months": "Follow-up (months)", "source_url": "Source"},
    "missing_cells": {"label": "Study", "outcome": "Outcome", "time_bin": "Time point", "status": "Status",
                      "detail": "Why"},
    "sensitivity_compare": {"quantity": "", "main": "Main analysis", "variant": "Variant", "changed": "Changed"},
    "robustness": {"family": "What was changed", "change": "Change", "k": "Studies", "estimate": "Estimate",
                   "ci_low": "CI lower", "ci_high": "CI upper", "pvalue": "P", "method": "Model",
                   "same_direction": "Same direction", "significant": "P < 0.05", "message": "Why not pooled"},
    "forest_reported": {"locator": "Where in the paper", "population": "Population", "reported": "Paper reports",
                        "recomputed": "Recomputed here", "status": "Status", "k": "Studies"},
}
TABLE_HEADINGS["studies_all_sets"] = {"set": "Set", **TABLE_HEADINGS["studies"]}
# The Studies page's table (issue 26 item 10): short columns only, so every column and all rows show at 1280 px;
# the long ones (design in full, MSC source, dose, route, source) are in the detail panel below it.
TABLE_HEADINGS["studies_table"] = {"Study": "Study", "Set": "Set", "Ref": "Ref. in paper", "Identity": "Identity",
                                   "dm_type": "Type", "country": "Country", "Design": "Design", "n_msc": "n MSC",
                                   "n_control": "n control", "followup_months": "Follow-up (months)"}
# The Your data editor's column headings (issue 26 item 8): words on screen, the codes kept in the table and its
# download.
TABLE_HEADINGS["outcome_editor"] = {
    "study_id": "Study", "set": "Set", "arm": "Arm", "outcome": "Outcome", "timepoint_months": "Months",
    "timepoint_label": "Time point as printed", "n": "n", "mean": "Mean", "dispersion_type": "Dispersion",
    "disp1": "Dispersion value", "disp2": "Second value", "unit": "Unit", "use": "Used", "use_note": "Note on use",
    "source_url": "Source", "locator": "Where in the source", "snippet": "Quote"}
# The Sensitivity table's mark of a row the variant changed (words, not a check box that looks clickable).
CHANGED_WORD = "changed"
# A study's set, as the Studies table names it (the codes are core.vocab's).
STUDY_SET_WORDS = {"paper": "Li 2021", "update": "newer trial"}
# Check the paper's reported-vs-recomputed table (issue 26 items 3 and 10: a measure column; every row and
# column in view at 1280 px).
TABLE_HEADINGS["reproduction"] = {"Result": "Result", "Measure": "Measure", "Status": "Status",
                                  "Reported": "Paper reports", "Recomputed": "Recomputed",
                                  "Delta": "Δ recomputed − reported (estimate; lower, upper)",
                                  "k": "Studies with numbers"}
# The Studies page's detail panel: the characteristics the table cuts, in full.
TABLE_HEADINGS["studies_detail"] = {c: TABLE_HEADINGS["studies"][c] for c in
                                    ("country", "design", "n_msc", "n_control", "msc_source", "dose", "route",
                                     "followup_months")}
# The figure download buttons, by file format.
FIGURE_FORMAT_LABELS = {"png": "PNG", "svg": "SVG", "pdf": "PDF"}

# --- sensitivity variants (core.workflow.robustness) ---
# How each family of single changes, and each changed value, is named in the robustness table.
VARIANT_FAMILY_LABELS = {"base": "Main analysis", "exclude": "Leave one study out", "design": "Study design",
                         "prepost": "Pre-post effect", "r": "Pre-post correlation r", "smd": "SMD small-sample correction",
                         "model": "Model and τ² estimator", "test": "Confidence interval method"}
VARIANT_SMD_LABELS = {"revman5": "RevMan 5 approximate g", "hedges_exact": "exact Hedges' g"}
VARIANT_PREPOST_LABELS = {"change": "mean change (correlation method)",
                          "independent": "after vs before as independent groups"}
VARIANT_DESIGN_LABELS = {"rct": "RCTs only", "controlled": "controlled studies only"}
# Spec fields a user can vary on the sensitivity page, with how to name them.
CHANGE_FIELD_NAMES = (("excluded", "Excluded studies"), ("design", "Designs"), ("r", "Pre-post r"),
                      ("smd_variant", "SMD correction"), ("model", "Model"), ("tau2_method", "τ² estimator"),
                      ("test", "CI method"), ("measure", "Measure"), ("timepoint", "Time point"),
                      ("population", "Population"), ("study_set", "Studies"), ("prepost", "Pre-post effect"))
CHANGE_VALUE_NAMES = {"prepost": VARIANT_PREPOST_LABELS, "test": {Test.Z: "Wald (z)", Test.HKSJ: "HKSJ (t)"},
                      "smd_variant": VARIANT_SMD_LABELS, "design": {"all": "all designs", **VARIANT_DESIGN_LABELS},
                      "model": {"auto": "auto (paper's rule)", "fixed": "fixed effect", "random": "random effects"}}
