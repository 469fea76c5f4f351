"""The words of the study characteristics (issue 25): column names, code labels, the forest plot's
optional columns and orders, the subgroup caution and the meta-regression lines."""
from __future__ import annotations

from core.vocab import NOT_REPORTED, CellSource
from core.words.notices import DESIGN_CLASS_LABELS

# A characteristic's name, as a column heading and in menus.
CHARACTERISTIC_LABELS = {"cell_source": "Cell source", "donor": "Donor", "route_class": "Route",
                         "dm_duration": "Diabetes duration", "dose_per_kg": "Dose (10⁶ cells/kg per infusion)",
                         "infusions": "Infusions", "design_class": "Design", "rob": "Risk of bias",
                         "dm_type": "Diabetes type", "year": "Year"}
# Short headings for the forest plot's narrow columns.
FOREST_COLUMN_HEADINGS = {"cell_source": "Source", "donor": "Donor", "route_class": "Route",
                          "dose_per_kg": "Dose", "design_class": "Design", "rob": "RoB"}
NOT_REPORTED_LABEL = "not reported"
# Each categorical code's label (long: menus, subgroup headings) and its short form (forest cells).
CODE_LABELS = {
    "cell_source": {CellSource.UMBILICAL_CORD: "Umbilical cord / Wharton's jelly",
                    CellSource.BONE_MARROW: "Bone marrow", CellSource.PLACENTA: "Placenta",
                    CellSource.ADIPOSE: "Adipose tissue",
                    CellSource.MIXED: "Mixed sources"},
    "donor": {"autologous": "Autologous", "allogeneic": "Allogeneic", "mixed": "Autologous + allogeneic"},
    "route_class": {"intravenous": "Intravenous", "arterial": "Arterial or intrapancreatic",
                    "both": "Intravenous + arterial"},
    "dm_duration": {"new_onset": "New-onset diabetes", "established": "Established diabetes"},
    "design_class": DESIGN_CLASS_LABELS,
}
SHORT_CODE_LABELS = {
    "cell_source": {CellSource.UMBILICAL_CORD: "UC/WJ", CellSource.BONE_MARROW: "BM", CellSource.PLACENTA: "PL",
                    CellSource.ADIPOSE: "AD", CellSource.MIXED: "mixed"},
    "donor": {"autologous": "auto", "allogeneic": "allo", "mixed": "both"},
    "route_class": {"intravenous": "IV", "arterial": "IA", "both": "IV+IA"},
    "design_class": {"rct": "RCT", "controlled": "CT", "single_arm": "1-arm"},
    "rob": {"low": "low", "some_concerns": "some", "high": "high", "moderate": "mod", "serious": "serious",
            "critical": "critical", "not_assessed": "?"},
}
SHORT_NOT_REPORTED = "NR"


def code_label(column: str, code: str, *, short: bool = False) -> str:
    """The words for a characteristic's code ('not reported' / 'NR' for the not-reported code or an empty cell)."""
    if code in ("", NOT_REPORTED) or code is None:
        return SHORT_NOT_REPORTED if short else NOT_REPORTED_LABEL
    table = (SHORT_CODE_LABELS if short else CODE_LABELS).get(column, {})
    return table.get(code, str(code))


SORT_LABELS = {"paper": "As in the paper (type, year)", "effect": "Effect size", "year": "Year",
               "weight": "Weight", **{c: CHARACTERISTIC_LABELS[c] for c in
                                      ("cell_source", "donor", "route_class", "dm_duration", "dose_per_kg",
                                       "infusions")}}
SUBGROUP_LABELS = {"dm_type": "Diabetes type (as in the paper)",
                   **{c: CHARACTERISTIC_LABELS[c] for c in ("cell_source", "donor", "route_class", "dm_duration",
                                                            "design_class")}}
FOREST_COLUMNS_HELP = ("Up to three study characteristics beside the names, coded from the quoted text in "
                       "data/studies.csv (NR: the source does not say). RoB: the overall risk-of-bias judgement "
                       "(Summary of findings page; ? = not assessed).")
SORT_HELP = "The order of the studies within each subgroup. The pooled results do not depend on it."
SUBGROUPS_HELP = ("Split the studies by a characteristic: each subgroup is pooled on its own and the test for "
                  "subgroup differences is shown with separate and with common τ².")
# Cochrane Handbook 6.4, section 10.11.5 (Deeks, Higgins, Altman): the caution for every subgroup split here.
SUBGROUP_CAUTION = ("Caution (Cochrane Handbook §10.11.5): with {k} studies in {g} subgroups, a subgroup analysis "
                    "has little power and may mislead; the comparison is observational (across trials, not "
                    "randomised), so a difference may come from any other way the trials differ.")
SUBGROUP_TEST_COMMON = ("Test for subgroup differences, common τ² (mixed-effects model, τ² = {tau2}): "
                        "{stat} = {value}, df = {df} ({p})")
SUBGROUP_TEST_SEPARATE_PREFIX = "Separate τ² per subgroup. "
REGRESSION_LINE = ("Slope {slope} per {unit} ({level}% CI {low} to {high}); {stat}, {p}; permutation {perm_p} "
                   "({perm_kind}); R² = {r2}; k = {k}")
REGRESSION_LEFT_OUT = "Left out (value not reported): {labels}."
REGRESSION_UNITS = {"dose_per_kg": "10⁶ cells/kg", "infusions": "infusion", "year": "year"}
REGRESSION_NOT_ENOUGH = ("A meta-regression on {name} needs at least 3 studies with the value reported and two "
                         "different values; {k} with the value reported here.")
PERMUTATION_EXACT = "exact, {n} permutations"
PERMUTATION_RANDOM = "{n} random permutations, seed {seed}"
# The forest plot's optional columns as the page's menu (and the URL) names them.
FOREST_COLUMN_LABELS = {"cell_source": "Cell source", "donor": "Donor", "route_class": "Route",
                        "dose_per_kg": "Dose per kg", "design_class": "Design", "rob": "Risk of bias"}
COLUMN_LEGENDS = {
    "cell_source": "Source: UC/WJ umbilical cord or Wharton's jelly, BM bone marrow, PL placenta, AD adipose tissue",
    "donor": "Donor: auto autologous, allo allogeneic, both",
    "route_class": "Route: IV intravenous, IA arterial or intrapancreatic",
    "dose_per_kg": "Dose: 10⁶ MSC per kg per infusion",
    "design_class": "Design: CT controlled, not randomised; 1-arm single-arm",
    "rob": "RoB: overall risk of bias (? not assessed)",
}


def columns_legend(columns) -> str:
    """What the short words of the chosen forest columns mean, in one line ('' without columns)."""
    if not columns:
        return ""
    return "; ".join(COLUMN_LEGENDS[c] for c in columns) + f"; {SHORT_NOT_REPORTED} not reported."
REGRESSOR_LABELS = {"dose_per_kg": "Dose (10⁶ cells/kg per infusion)", "infusions": "Number of infusions",
                    "year": "Publication year"}
REGRESSION_HELP = ("Weighted meta-regression (mixed-effects model, metafor rma(yi, vi, mods = ~ x)) over the studies "
                   "that report the value. The permutation P value (metafor's permutest; exact when the distinct "
                   "orderings are few, else 1,000 seeded random ones) keeps its level with few studies, where the "
                   "z test misleads (Higgins & Thompson 2004).")
CHARACTERISTICS_PAGE_INTRO = ("Which therapy? Split this view's studies by a characteristic of the MSC therapy or "
                              "the trial, or relate their effects to a number such as the dose. Characteristics are "
                              "coded from each study's quoted text (Studies page; 'not reported' where it does not "
                              "say).")
R_SCRIPT_TITLE = "Which MSC therapy? The split and the meta-regression of this view, with metafor"
R_SCRIPT_HELP = ("Reproduces both with metafor: each subgroup's rma, the test over the subgroup estimates, "
                 "rma(..., mods = ~ group) for the common tau², rma(..., mods = ~ x) and permutest (data inline).")
PY_SCRIPT_HELP = ("Recomputes both with the project's core library (data inline); run it from the project "
                  "folder.")
SPLIT_SUBJECT = "Subgroups by {name}: each study, each subgroup's pooled effect and the tests for subgroup differences"
BUBBLE_SUBJECT = ("Meta-regression on {name}: each study's effect (bubble area by weight), the fitted line and its "
                  "95% CI band; slope, its test, R² and the permutation P value")
SUBGROUP_TEST_FIXED_SUFFIX = " (fixed effect: no τ², so the separate- and common-τ² tests are one test)"
# Cochrane Handbook 6.4, §10.11.5.1: about ten studies per characteristic modelled.
REGRESSION_CAUTION = ("Caution (Cochrane Handbook §10.11.5): {k} studies, where about ten per characteristic are "
                      "advised; the relation is observational (across trials), and the permutation P value cannot "
                      "fall below 1/{n} here ({n} orderings{more}).")
FOREST_COLUMNS_TOO_MANY = "Only {n} columns fit beside the studies: showing {shown}."


def coded_line(row) -> str:
    """A study's coded characteristics in one plain line, with its coding note (Studies page)."""
    parts = [f"{CHARACTERISTIC_LABELS[c].lower()}: {code_label(c, str(row.get(c, '') or ''))}"
             for c in ("cell_source", "donor", "route_class", "dm_duration")]
    for c in ("dose_per_kg", "infusions"):
        value = str(row.get(c, "") or "")
        shown = value if value not in ("", NOT_REPORTED) else NOT_REPORTED_LABEL
        parts.append(f"{CHARACTERISTIC_LABELS[c].lower()}: {shown}")
    note = str(row.get("coding_note", "") or "")
    user_set = CODING_NOTE_MARK in note         # a code a user set in the workbench rests on their source
    return (CODED_BY_USER if user_set else "Coded from the text above: ") + "; ".join(parts) + (
        f". Coding note: {note}" if note else ".")


BAYES_SPLIT_NOTE = ("This view is Bayesian: each subgroup of the split below is refitted in the Bayesian model "
                    "with the view's prior (credible intervals; there is no test for subgroup differences, so "
                    "compare the subgroups' credible intervals). The meta-regression and the downloadable scripts "
                    "are not refitted in the Bayesian model: they use DerSimonian–Laird random effects (the "
                    "Bayesian view's descriptive model), so their intervals are confidence intervals.")


def characteristic_value_words(column: str, value) -> str:
    """A stored characteristic in words: a code's label, a number as stored, 'not reported' ('' or the
    not-reported code), for the version history and the coding note."""
    value = "" if value is None else str(value)
    if column in CODE_LABELS or value in ("", NOT_REPORTED):
        return code_label(column, value)
    return VALUE_WORDS[column].format(value=value) if column in VALUE_WORDS else value


VALUE_WORDS = {"dose_per_kg": "{value} × 10⁶ cells/kg per infusion", "infusions": "{value} infusion(s)"}


# Setting a coded characteristic in the workbench (issue 25 item 1).
CODING_NOTE_MARK = "set by a user in the workbench"
CODING_NOTE_LINE = "{name} " + CODING_NOTE_MARK + ": {new} (was {old}), because: {reason}."
CODED_BY_USER = "Coded from the text above, except where the coding note says a user set the code: "
CODING_PROBLEMS = {
    "study": "There is no study {study!r} in this dataset.",
    "column": "{column!r} is not a coded characteristic.",
    "code": "{value!r} is not one of the allowed codes.",
    "number": "The dose must be a number of 10⁶ cells/kg greater than 0 (or not reported); got {value!r}.",
    "count": "The number of infusions must be a whole number of at least 1 (or not reported); got {value!r}.",
    "same": "The study is already coded {value}: nothing to change.",
    "reason": "Say why (the reason or source, e.g. 'Full text, Methods, p. 3'): it is required.",
    "long": "The {field} has more than {n} characters.",
    "nul": "The {field} contains a NUL character.",
}
CODING_FORM_INTRO = ("Set or correct a study's coded characteristic (cell source, donor, route, diabetes duration, "
                     "dose per kg, infusions). The save is a new version: the history shows the old and the new "
                     "code with your reason, the study's coding note says a user set it, and every page (Forest "
                     "plot columns and order, subgroups, meta-regression) uses the new code.")
CODING_EVIDENCE = "What the study's quoted text says ({columns}): {text}"
EVIDENCE_WORDS = {"msc_source": "MSC source", "route": "route", "dose": "dose", "title": "title"}
CODING_CURRENT = "Coded now: {value}."
CODING_SAVED = "Saved as version {id}: {study}, {name} is now {new} (was {old})."
CODING_HISTORY_CELL = "{study} · study characteristic · {name}"

# Summary of findings: a row per subgroup under each outcome (issue 25 item 5; core.certainty.subgroup_rows).
SOF_SUBGROUP_LABEL = "– {group}"    # an en dash: a part of the outcome above (its footnote says it is a subgroup)
SOF_SUBGROUP_NOTE = ("Subgroup of the outcome's studies by {name}, rated on its own studies. A split across trials, "
                     "not randomised, with few studies: not evidence that the subgroups differ (test for subgroup "
                     "differences {test}; Cochrane Handbook §10.11.5)")
SOF_SUBGROUP_CAPPED = ("Rated no higher than the whole outcome ({whole}): on its own studies this subgroup would "
                       "be rated {own}, but a subgroup's estimate is believed no more than the body of evidence it "
                       "is split from (ICEMAN, Schandelmaier et al. 2020)")
SOF_SUBGROUP_TOGGLE = "Show a row per subgroup"
SOF_SUBGROUP_OF = "Subgroup of {outcome}: {studies}"
SOF_SUBGROUP_HELP = ("Under each outcome, one row per subgroup of its studies (by diabetes type as in the paper, or "
                     "by a coded characteristic), each rated with the same GRADE rules, never above the outcome's "
                     "own rating. Subgroups of a few trials are thin evidence: read them as descriptive.")
SOF_SUBGROUP_NONE = "No subgroup rows: every outcome's studies fall in one subgroup by {name} in this view."
SOF_SUBGROUP_CAPTION = "Subgroup rows by {name}: each rated on its own studies, never above its outcome's rating."
