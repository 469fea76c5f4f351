"""The phrases that name a view's parts: comparison, population, time point, measure and unit, and
the title of a view.  Every place that names a population writes it through this module."""
from __future__ import annotations

import re

from core.vocab import OUTCOME_LABELS, Comparison, Measure, Population, TimePoint

# --- the phrases that name a view's parts --------------------------------------------------------
# Every place that names a population, a time point or a measure with its unit calls these.

COMPARISON_LABELS = {Comparison.VS_CONTROL: "MSC vs control (end of follow-up)",
                     Comparison.PRE_POST: "MSC after vs before treatment"}
# The population as the sidebar offers it.
POPULATION_CHOICES = {Population.ALL: "Both (subgroups)", Population.T1DM: "T1DM", Population.T2DM: "T2DM"}
BOTH_TYPES = "T1DM + T2DM"
# A forest plot's subgroup that the view names but no study fills, and a total that rests on one subgroup.
EMPTY_SUBGROUP = "No {population} study with usable numbers ({n} in scope: see the list under the plot)"
TOTAL_ONLY = "Total, {population} only"


def population_phrase(population: str, *, subgroups: bool = False) -> str:
    """'T1DM', 'T2DM', or 'T1DM + T2DM' (with ' (subgroups)' where the view pools them as subgroups)."""
    if population == Population.ALL:
        return BOTH_TYPES + (" (subgroups)" if subgroups else "")
    return str(population)


def timepoint_phrase(timepoint: str, *, capital: bool = False) -> str:
    """'end of follow-up' or '12 months' ('End of follow-up' with ``capital``)."""
    text = "end of follow-up" if timepoint == TimePoint.END else f"{timepoint} months"
    return text[:1].upper() + text[1:] if capital else text


def measure_unit(measure: str, unit: str | None, *, brackets: bool = True) -> str:
    """'MD (mmol/L)', 'SMD'; an SMD has no unit.  ``brackets=False``: 'MD mmol/L'."""
    if measure != Measure.MD or not unit:
        return measure
    return f"{measure} ({unit})" if brackets else f"{measure} {unit}"


def unit_suffix(measure: str, unit: str | None) -> str:
    """' (mmol/L)' after a column heading for an MD; '' for an SMD or no unit."""
    return f" ({unit})" if measure == Measure.MD and unit else ""


def view_title(spec) -> str:
    """'HbA1c · MSC vs control (end of follow-up) · T1DM + T2DM': the title of a forest plot."""
    return (f"{OUTCOME_LABELS[spec.outcome]} · {COMPARISON_LABELS[spec.comparison]} · "
            f"{population_phrase(spec.population)}")


# The sidebar help for the population choice.
POPULATION_HELP = ("Both: T1DM and T2DM subgroups with their own diamonds and a test for subgroup "
                   "differences.")


# A study whose first author is not recorded is named by its journal and year (issue 26 item 8: never by
# its id, 'WJCC2023'), in the journal's usual abbreviation (NLM style).
JOURNAL_WORDS = {"Journal": "J", "Clinical": "Clin", "Research": "Res", "Therapy": "Ther", "International": "Int",
                 "Medicine": "Med", "Medical": "Med", "Diabetes": "Diabetes", "&": "", "and": "", "of": "",
                 "the": "", "The": ""}


def journal_year_label(journal, year) -> str:
    """'World J Clin Cases 2023' from 'World Journal of Clinical Cases 11(21):5083-5096' and 2023; '' when
    no journal is recorded."""
    name = re.split(r"[\d(;,]", str(journal or ""), maxsplit=1)[0].strip()
    words = [JOURNAL_WORDS.get(w, w) for w in name.split()]
    short = " ".join(w for w in words if w)
    return f"{short} {year}".strip() if short else ""


INFERRED_MARK = "\u2020"   # dagger: a study's identity as one of the paper's references is inferred, not confirmed
