"""The notices that keep a page from misleading at a glance (issue 14): a result on another
measure, thin evidence, HKSJ limits, missing numbers, and pages that ignore sidebar choices."""
from __future__ import annotations

import re

from core.vocab import Comparison, Measure, Test
from core.words.formats import fmt_ci, fmt_num
from core.words.phrases import population_phrase

# A comparison in a result's short name.
COMPARISON_SHORT = {Comparison.PRE_POST: "after vs before", Comparison.VS_CONTROL: "MSC vs control"}


def other_measure_sentence(measure: str, estimate: float, low: float, high: float, population: str = "") -> str:
    """Why the paper's diamond is not drawn: it is on another measure (issue 14, item 1)."""
    who = f" ({population_phrase(population)})" if population else ""     # the phrase, never the code
    return (f"The paper reports this{who} as {measure} {fmt_ci(estimate, low, high)}; switch Measure to "
            f"{measure} to compare.")


def switch_measure_label(measure: str) -> str:
    """'Switch to SMD': short, so the button's label is never cut at 1280 px (issue 26 item 11)."""
    return f"Switch to {measure}"


def headline_measure(measure: str, outcome_short: str, unit: str | None) -> str:
    """'MD (HbA1c, % points)', 'MD (FBG, mmol/L)', 'SMD (HbA1c)': a pooled difference of percentages is in
    percentage points, never a percentage change (issue 14, item 7)."""
    if measure != Measure.MD or not unit:
        return f"{measure} ({outcome_short})"
    return f"{measure} ({outcome_short}, {'% points' if unit.strip() == '%' else unit})"


def hksj_notices(test: str, method: str, k: int, *, fixed: str, floor: bool = False) -> tuple[str, ...]:
    """What the HKSJ choice did to this result: nothing with one study, and, on a fixed-effect model,
    that it is a random-effects adjustment (as metafor warns)."""
    if test != Test.HKSJ:
        return ()
    out = []
    if k < 2:
        out.append("HKSJ (t-based) CI is undefined with one study: the z-based CI is shown.")
    elif method == fixed:
        out.append("HKSJ is a random-effects adjustment; here it is applied to a fixed-effect model, as metafor "
                   "does with a warning (\"Knapp & Hartung method is not meant to be used in the context of FE "
                   "models\").")
    if floor and k >= 2:
        out.append("Ad hoc variance floor on: the HKSJ variance is never below the z-based one, so its interval is never "
                   "narrower.")
    return tuple(out)


# An HKSJ CI of zero width (issue 23, item 8): what metafor prints, and what it does not mean.
HKSJ_ZERO_NOTICE = ("HKSJ: where the pooled studies' effects are identical, the HKSJ variance factor is 0 and the "
                    "t-based CI collapses to the estimate (P = 0), as metafor prints; this shows no spread between "
                    "studies, not certainty. The z-based CI or the ad hoc floor gives an interval.")


def upload_waiting_line(slots: int) -> str:
    """Shown while an upload waits for one of the server's parse slots (issue 23, item 3)."""
    return (f"The server is reading other uploads (at most {slots} at a time); yours is read as soon as one "
            "finishes. Keep this page open.")


def usable_share_line(k: int, total: int) -> str:
    """'1 of 10 studies has usable numbers for this view' (issue 14, item 8)."""
    verb = "has" if k == 1 else "have"
    return f"{k} of {total} studies {verb} usable numbers for this view"


# A study's design class as a clinician names it (tables and lists; the codes are core.vocab.DESIGN_CLASSES).
DESIGN_CLASS_LABELS = {"rct": "RCT", "controlled": "controlled, not randomised", "single_arm": "single-arm"}


# The robustness summary of a one-study analysis (issue 14, item 2): counts of agreeing re-runs would look robust.
ONE_STUDY_ROBUSTNESS = ("Robustness cannot be judged from one study: every variant re-analyses the same trial, so "
                        "agreement between them says nothing about how the result would hold up with other trials.")
# The legend of the highlighted variant in the robustness plot.
MOST_INFLUENTIAL_LEGEND = "the single change that moves the estimate most"


def printed_with_minus(text) -> str:
    """A printed number as printed (its decimals kept), with the same true minus sign as recomputed numbers."""
    return str(text).strip().replace("-", "\u2212")


_E_RANGE = re.compile(r"\b\d(?:\.\d+)?e-\d+ to \d(?:\.\d+)?e-\d+")
_E_P = re.compile(r"P = \d(?:\.\d+)?e-\d+")
_E_ANY = re.compile(r"\b\d(?:\.\d+)?e-\d+")
_ASCII_MINUS = re.compile(r"(?<![\w.\u2212])-(?=\.?\d)")


def reader_numbers(text) -> str:
    """An audit sentence in the page's number format (issue 26 item 17): a true minus sign, never a
    hyphen, and a P below 0.0001 written 'P < 0.0001', never '1.8e-13'."""
    text = _E_RANGE.sub("both below 0.0001", str(text))
    text = _E_P.sub("P < 0.0001", text)
    text = _E_ANY.sub("< 0.0001", text)
    return _ASCII_MINUS.sub("\u2212", text).replace(">=", "≥").replace("<=", "≤")


def signed_difference(x) -> str:
    """'+0.12', '−0.30'; '—' when there is nothing to compare (never a literal None)."""
    if x is None or x != x:
        return "—"
    return f"{x:+.2f}".replace("-", "\u2212")


def result_label(outcome_short: str, comparison: str, population: str, locator: str) -> str:
    """'HbA1c, MSC vs control, T1DM (Fig. 5)': a reported result named as a reader would cite it."""
    where = str(locator or "").rsplit(";", 1)[-1].strip()
    return (f"{outcome_short}, {COMPARISON_SHORT.get(comparison, comparison)}, {population_phrase(population)}"
            + (f" ({where})" if where else ""))


def paper_count_note(n_listed: int, unresolved: list[str], *, n_paper: int | None = None, who: str = "",
                     others: tuple = ()) -> str:
    """Why the paper's studies are counted as more than the paper says (issue 14 item 9, issue 26 item 4):
    candidates kept for one reference that the paper's text does not resolve.

    ``unresolved``: the candidates among the ``n_listed`` studies; ``n_paper``: the paper's own count for
    this scope (``who``: 'T2DM ' names it); ``others``: the candidates outside this scope."""
    n_paper = n_listed - len(unresolved) + 1 if n_paper is None else n_paper
    if not unresolved or n_listed <= n_paper:
        return ""
    everyone = [*unresolved, *others]
    if len(everyone) < 2:
        return ""
    kept = " and ".join(unresolved)
    verb = "is" if len(unresolved) == 1 else "are both"
    rest = f", with {' and '.join(others)}," if others else ""
    return (f" The paper counts {n_paper} {who}{'study' if n_paper == 1 else 'studies'}; {n_listed} are listed here "
            f"because {kept} {verb} kept{rest} as {'a candidate' if len(unresolved) == 1 else 'candidates'} for one "
            "reference the paper does not resolve (marked †).")


# A reference number of the paper that names none of the included studies (Events page).
NOT_INCLUDED_REF = "a reference that is not one of the included studies"


def stage_label(code: str) -> str:
    """'records_identified' -> 'Records identified', 'participants_t1dm' -> 'Participants T1DM'."""
    words = str(code).replace("_", " ").split()
    words = [w.upper() if w in ("t1dm", "t2dm", "msc") else w for w in words]
    return " ".join(words)[:1].upper() + " ".join(words)[1:]


# How the Your data page reads a table (issue 14): the '±' code and the row numbers of its messages.
UPLOAD_READING_NOTES = ("A dispersion printed as '±' without saying SD or SE is entered as `sd?` and used as an SD "
                        "(the usual reading; the Studies page marks it). Row numbers in messages count the header "
                        "as row 1, as a spreadsheet does, so the first data row is row 2.")


# Pages that show the paper's own counts (issue 14): the sidebar's analysis choices do not reach them.
SIDEBAR_IGNORED = ("This page shows the paper's own counts: the sidebar's choices (outcome, comparison, population, "
                   "measure, model, time point, studies) do not change it.")

# One name per event on the Events page (issue 14): metrics, chart and table use these, and only these.
# The paper words T1DM's event as 'insulin was discontinued' and T2DM's as 'achieved insulin independence'.
EVENT_LABELS = {"insulin_discontinued": "Insulin independence",
                "insulin_independence": "Insulin independence",
                "insulin_reduction_gt50pct": "Insulin dose reduced by > 50%"}
EVENT_PAPER_WORDS = {"insulin_discontinued": "the paper's words: 'insulin was discontinued'",
                     "insulin_independence": "the paper's words: 'achieved insulin independence'"}


# How the trials' numbers were looked for (Studies page; issue 26 item 7): what a reader needs, said once, instead
# of the search log's file names and pass numbers in every reason.
SEARCH_HEADING = "How we looked for the numbers"
SEARCH_ANCHOR = "how-we-looked-for-the-numbers"
SEARCH_DESCRIPTION = (
    "For each trial we looked for its arm-level numbers (mean, SD and number of patients per arm and time point) in "
    "its own report (abstract, full text, tables) and in the tables of other reviews that pooled it, in several "
    "passes over the copies available to us. Nothing was estimated, read off a figure or taken from memory. For "
    "most of the paper's trials only the abstract was available to us, and most abstracts give no usable numbers, "
    "so most cells stay missing. Each missing cell says what we could read: 'full text not available to us' where "
    "the report itself was out of reach, 'not in the text we could read' where what we read does not give this "
    "outcome, 'in a figure only' where the numbers are only drawn.")


def one_study_note(dm_type: str, rows, studies: str) -> str:
    """'Both T1DM numbers come from one sentence of the paper about one study ([26] Hu 2013): ...', said at the
    metrics (issue 26 item 5); '' unless every row of the type cites the same single reference in one sentence."""
    refs = {str(r).strip() for r in rows["refs"]}
    if len(rows) < 2 or len(refs) != 1 or "," in next(iter(refs)) or rows["snippet"].nunique() != 1:
        return ""
    counts = " and ".join(f"{c} of {n}" for c, n in zip(rows["count"], rows["n"]))
    return (f"Both {dm_type} percentages come from one sentence of the paper about one study ({studies}): "
            f"{counts} patients. They describe that study, not a pooled result.")


def cannot_recompute_sentence(n: int, total: int, where: str, why: str) -> str:
    """One sentence for the rows of the paper's time-point tables that cannot be recomputed, and why (issue 26
    item 14): 'None of the 8 rows can be recomputed (Table 2, ...): no study ... Which numbers are missing ...'."""
    head = (f"None of the {n} rows can be recomputed" if n == total     # all of them: no list of 8 locators
            else f"{n} of the {total} rows cannot be recomputed ({where})")
    return f"{head}: {why[:1].lower()}{why[1:]} What is missing for each trial, and why, is on the Studies page."


def domains_in_words(levels: dict) -> str:
    """Risk-of-bias domains grouped by judgement ({level: [domain, ...]}) in one cell: 'Critical: Confounding;
    Not assessed: the other 6 domains', 'Not assessed: all 5 domains' (issue 26 item 10: the largest group is
    counted, not listed, so a row stays a few lines high)."""
    if not levels:
        return ""
    most = max(levels, key=lambda lv: len(levels[lv]))

    def named(level) -> str:
        if level != most or len(levels[most]) < 3:
            return ", ".join(levels[level])
        return f"{'the other' if len(levels) > 1 else 'all'} {len(levels[level])} domains"
    return "; ".join(f"{level}: {named(level)}" for level in levels)
