"""Reproduction statuses, audit flag texts, and the words of the evidence entry form."""
from __future__ import annotations

from core.vocab import OUTCOME_SHORT, GapStatus
from core.words.characteristics import CHARACTERISTIC_LABELS, CODING_HISTORY_CELL

# --- workflow: reproduction statuses and audit flags (core.workflow.reproduce, core.workflow.audit) ----------------
# A reported result's status is stored as these words: the pages and tables show them as they are.
STATUS_REPRODUCED = "reproduced within rounding"
STATUS_DIFFERS = "differs"
STATUS_CANNOT = "cannot recompute"
STATUS_OTHER_MEASURE = "different measure"
# A recomputation from a subset of the studies the paper pooled: "partial: 1 of 4 studies" (issue 14).
STATUS_PARTIAL = "partial"


def partial_status(k_used: int, k_cited: int) -> str:
    """'partial: 1 of 4 studies': the status of a row recomputed from a subset of the paper's studies."""
    return f"{STATUS_PARTIAL}: {int(k_used)} of {int(k_cited)} studies"
# One short phrase per audit flag (core.workflow.audit.FLAGS), shown under each flagged result.
AUDIT_FLAG_TEXT = {
    "ci_reversed": "CI bounds reversed", "estimate_outside_ci": "estimate outside its CI",
    "ci_asymmetric": "CI not symmetric", "z_mismatch": "Z does not match the CI",
    "p_mismatch": "P does not match the CI", "z_p_mismatch": "Z and P disagree",
    "model_rule": "model contradicts the stated rule", "claim_vs_p": "claim contradicts P",
    "claim_vs_ci": "claim contradicts the CI", "ratio_ci_nonpositive": "ratio CI ≤ 0",
}


# --- evidence entry (core.evidence.entry) ---
# How a dispersion type and an arm are named in the entry form and its problem sentences.
DISPERSION_LABELS = {"sd": "SD", "sd?": "'±' (SD or SE not stated)", "se": "SE", "ci95": "95% CI",
                     "median_iqr": "median with IQR", "median_range": "median with range"}
ARM_LABELS = {"msc": "MSC", "control": "control"}
# The use_note of an entered row, and the note prefixed to the row it supersedes (kept, use = no).
ENTRY_NOTE = "entered in the dashboard"
SUPERSEDED_NOTE = "superseded by an entry in the dashboard"

# The paper's and the recomputed CI disagree on excluding no effect (issue 26 item 2).
SIGNIFICANCE_FLIP = ("The two disagree on whether there is an effect: the paper's 95% CI {paper_ci} {paper} no "
                     "effect, the recomputed {ours_ci} {ours} it.")
INCLUDES, EXCLUDES = "includes", "excludes"


# --- why a study has no usable numbers (data/gaps.csv ``status``; issue 26 item 6) ---
# The status the reason gives: "not reachable" only where the source itself was out of reach.
GAP_STATUS_LABELS = {GapStatus.NOT_REACHABLE: "full text not available to us",
                     GapStatus.NOT_REPORTED: "not in the text we could read",
                     GapStatus.FIGURE_ONLY: "in a figure only"}


def gap_status_label(status) -> str:
    """A gap's status as a reader reads it ('full text not available to us'); an unknown code in words."""
    return GAP_STATUS_LABELS.get(str(status), str(status).replace("_", " "))


# --- an edited cell, as a reader names it (issue 26 item 8: never 'Guan2015/msc/hba1c/0/n') ---
FIELD_WORDS = {"n": "n", "mean": "mean", "dispersion_type": "dispersion type", "disp1": "dispersion",
               "disp2": "second dispersion value", "unit": "unit", "timepoint_label": "time point label",
               "use": "used", "use_note": "use note", "source_url": "source", "locator": "locator",
               "snippet": "quote"}


def cell_words(study: str, arm: str, outcome: str, timepoint: str, field: str) -> str:
    """'Guan 2015 · MSC arm · HbA1c · baseline · n' for the cell Guan2015/msc/hba1c/0/n (``study``: its label)."""
    if not arm and not outcome:       # a study-level edit: a coded characteristic (core.evidence.coding)
        return CODING_HISTORY_CELL.format(study=study, name=CHARACTERISTIC_LABELS.get(field, field).lower())
    months = str(timepoint).strip()
    when = "baseline" if months in ("0", "0.0") else f"{months.removesuffix('.0')} months" if months else "no time"
    return " · ".join((study, f"{ARM_LABELS.get(arm, arm)} arm", OUTCOME_SHORT.get(outcome, outcome), when,
                       FIELD_WORDS.get(field, field.replace("_", " "))))
