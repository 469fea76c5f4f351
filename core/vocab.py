"""The one registry of the product's vocabularies.

Every code that the data, the statistics, the pages, the exports and the R scripts share is
defined here once, with its properties: outcomes (label, short label, allowed units, direction,
order), tau^2 estimators (label, metafor name), populations, comparisons, time points, measures,
SMD variants, designs.  Everything else derives from these tables, so adding an outcome or an
estimator is one edit in this file.

Codes are ``StrEnum`` members: they compare and hash equal to their plain strings, so CSV
values, URL values and dictionary keys written as strings keep working.  This module imports
nothing from the project (the statistics modules may import it, like ``core.errors``).  The
words a user reads for these codes live in :mod:`core.words`.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


# --- outcomes ------------------------------------------------------------------------------

class Outcome(StrEnum):
    HBA1C = "hba1c"
    FBG = "fbg"
    PBG = "pbg"
    FCP = "fcp"
    INSULIN = "insulin"


@dataclass(frozen=True, slots=True)
class OutcomeInfo:
    """One outcome: ``units`` are the units a value may be entered in (pooled after conversion to
    the family's canonical unit by :mod:`core.conversions`); ``lower_is_better`` sets which side of
    the forest plot favours MSC."""

    code: Outcome
    label: str
    short: str
    units: tuple[str, ...]
    lower_is_better: bool


# Order is the order of every menu, table and map.
OUTCOME_INFO: tuple[OutcomeInfo, ...] = (
    OutcomeInfo(Outcome.HBA1C, "HbA1c", "HbA1c", ("%",), True),
    OutcomeInfo(Outcome.FBG, "Fasting blood glucose (FBG)", "FBG", ("mmol/L", "mg/dL"), True),
    OutcomeInfo(Outcome.PBG, "2-h postprandial glucose (PBG)", "PBG", ("mmol/L", "mg/dL"), True),
    OutcomeInfo(Outcome.FCP, "Fasting C-peptide (F-CP)", "F-CP", ("nmol/L", "ng/mL", "pmol/L", "pmol/mL"), False),
    OutcomeInfo(Outcome.INSULIN, "Insulin requirement", "Insulin", ("IU/day", "IU/kg/day"), True),
)
OUTCOMES: tuple[str, ...] = tuple(o.code for o in OUTCOME_INFO)
OUTCOME_BY_CODE = {o.code: o for o in OUTCOME_INFO}
OUTCOME_LABELS = {o.code: o.label for o in OUTCOME_INFO}
OUTCOME_SHORT = {o.code: o.short for o in OUTCOME_INFO}
LOWER_IS_BETTER = {o.code: o.lower_is_better for o in OUTCOME_INFO}
# Codes the data may hold that no analysis pools: a C-peptide whose fasting/stimulated state the
# source does not say.
UNANALYSED_OUTCOME_CODES = ("cpeptide_unspecified",)
OUTCOME_CODES = OUTCOMES + UNANALYSED_OUTCOME_CODES


# --- tau^2 estimators -----------------------------------------------------------------------

class Tau2(StrEnum):
    FE = "FE"       # no tau^2: the fixed-effect (common-effect) model
    DL = "DL"       # DerSimonian & Laird 1986, method of moments (RevMan 5)
    REML = "REML"   # restricted maximum likelihood (metafor's default)
    PM = "PM"       # Paule & Mandel 1982
    ML = "ML"       # maximum likelihood
    HE = "HE"       # Hedges 1983
    SJ = "SJ"       # Sidik & Jonkman 2005
    HS = "HS"       # Hunter & Schmidt 2004 (metafor "HS")
    EB = "EB"       # empirical Bayes (Morris 1983; Berkey et al. 1995): the same root as Paule-Mandel


@dataclass(frozen=True, slots=True)
class EstimatorInfo:
    """One tau^2 estimator: ``label`` as metafor prints it, ``metafor`` the ``rma(method=)`` name,
    ``iterative`` whether it is solved numerically (the R scripts then set tight convergence)."""

    code: str
    label: str
    metafor: str
    iterative: bool = False


# Order is the order the Sensitivity page offers them in.
ESTIMATOR_INFO: tuple[EstimatorInfo, ...] = (
    EstimatorInfo(Tau2.FE, "Fixed-Effect Model (inverse variance)", "EE"),   # "FE" before metafor 3.0
    EstimatorInfo(Tau2.DL, "DerSimonian-Laird", "DL"),
    EstimatorInfo(Tau2.REML, "restricted maximum likelihood", "REML", iterative=True),
    EstimatorInfo(Tau2.PM, "Paule-Mandel", "PM", iterative=True),
    EstimatorInfo(Tau2.ML, "maximum likelihood", "ML", iterative=True),
    EstimatorInfo(Tau2.HE, "Hedges", "HE"),
    EstimatorInfo(Tau2.SJ, "Sidik-Jonkman", "SJ"),
    EstimatorInfo(Tau2.HS, "Hunter-Schmidt", "HS"),
    EstimatorInfo(Tau2.EB, "empirical Bayes", "EB", iterative=True),
)
ESTIMATORS: tuple[str, ...] = tuple(e.code for e in ESTIMATOR_INFO)
RANDOM_ESTIMATORS: tuple[str, ...] = tuple(e.code for e in ESTIMATOR_INFO if e.code != Tau2.FE)
ESTIMATOR_BY_CODE = {e.code: e for e in ESTIMATOR_INFO}
# Other spellings accepted on input: metafor >= 3.0 calls the fixed-effect model "EE".
ESTIMATOR_ALIASES = {"EE": Tau2.FE}
# Random-effects estimators a paper may name that the core does not offer: a printed model naming
# one of them is still read as "random effects".  None since Hunter-Schmidt and empirical Bayes
# joined the registry (issue 15).
REPORTED_ONLY_ESTIMATORS: tuple[str, ...] = ()


# --- the choices that define a view ----------------------------------------------------------

class Comparison(StrEnum):
    VS_CONTROL = "vs_control"
    PRE_POST = "pre_post"


class Population(StrEnum):
    ALL = "all"       # both diabetes types, as subgroups
    T1DM = "T1DM"
    T2DM = "T2DM"


COMPARISONS: tuple[str, ...] = tuple(Comparison)
POPULATIONS: tuple[str, ...] = tuple(Population)
DM_TYPES: tuple[str, ...] = (Population.T1DM, Population.T2DM)


class Measure(StrEnum):
    MD = "MD"           # mean difference, in the outcome's units
    SMD = "SMD"         # standardised mean difference (Hedges' g)


class SmdVariant(StrEnum):
    REVMAN5 = "revman5"             # RevMan 5's approximate small-sample correction
    HEDGES_EXACT = "hedges_exact"   # the exact correction (metafor)


# Variance of a between-arm MD: UNEQUAL = sd1^2/n1 + sd2^2/n2 (RevMan 5; metafor vtype "LS"), POOLED
# = sp^2 (1/n1 + 1/n2) with the pooled SD, the equal-variances form (metafor escalc vtype "HO").
class MdVariance(StrEnum):
    UNEQUAL = "unequal"
    POOLED = "pooled"


class Model(StrEnum):
    """The model a view asks for.  AUTO: the paper's rule picks FIXED or RANDOM; BAYES: the Bayesian
    random-effects model (issue 22; core.workflow.bayes).  The model a fit *used* is a tau^2 code: FIXED
    fits Tau2.FE (no tau^2), RANDOM fits the chosen estimator."""

    AUTO = "auto"
    FIXED = "fixed"
    RANDOM = "random"
    BAYES = "bayes"


class Test(StrEnum):
    """The CI and test of a frequentist pooled effect: Z, the Wald (normal) test, or HKSJ,
    Hartung-Knapp-Sidik-Jonkman (t-based; the URL's check box is ``hksj`` too).  metafor calls it
    ``test="knha"``: :data:`TEST_METAFOR` names it so for the R scripts, and the statistics accept
    "knha" on input (:data:`TEST_ALIASES`), as they accept metafor's "EE" for "FE"."""

    __test__ = False    # not a pytest class
    Z = "z"
    HKSJ = "hksj"


class TimePoint(StrEnum):
    END = "end"         # each trial's last reported time point
    M3 = "3"
    M6 = "6"
    M12 = "12"


class Design(StrEnum):
    """The design filter of a view: ALL, or only trials with a control arm, or only RCTs."""

    ALL = "all"
    CONTROLLED = "controlled"
    RCT = "rct"


class DesignClass(StrEnum):
    """A study's design class (an RCT is also controlled)."""

    RCT = "rct"
    CONTROLLED = "controlled"
    SINGLE_ARM = "single_arm"


class StudySet(StrEnum):
    """The studies a view uses: the paper's (the reproduction) or ALL (paper + newer trials)."""

    PAPER = "paper"
    ALL = "all"


class SetTag(StrEnum):
    """A study's set in data/studies.csv: one of the paper's, or a newer trial."""

    PAPER = "paper"
    UPDATE = "update"


class PrePost(StrEnum):
    """How a pre-post effect is computed.  CHANGE: mean change with the SD of the change from the
    correlation method (the paper's Methods); INDEPENDENT: after vs before as two independent groups
    (RevMan's two-arm data entry, which ignores the correlation)."""

    CHANGE = "change"
    INDEPENDENT = "independent"



def _values(codes) -> tuple[str, ...]:
    """Plain strings: these tuples print in error messages and iterate into reprs and cache keys."""
    return tuple(c.value for c in codes)


MEASURES = _values(Measure)
SMD_VARIANTS = _values(SmdVariant)
MD_VARIANCES = _values(MdVariance)
# MODELS are the frequentist ones (the benchmark grid of bench/bench_core.py runs those); the sidebar and
# AnalysisSpec offer ANALYSIS_MODELS.
MODELS = _values((Model.AUTO, Model.FIXED, Model.RANDOM))
BAYES_MODEL = Model.BAYES
ANALYSIS_MODELS = _values(Model)
# Multiples of the default prior scale on tau (half the unit-information SD) a view may use; the
# prior-sensitivity figure shows all of them.
PRIOR_FACTORS = (0.25, 0.5, 1.0, 2.0, 4.0)
TESTS = _values(Test)
TEST_METAFOR = {Test.Z: "z", Test.HKSJ: "knha"}     # rma(test=)
TEST_ALIASES = {"knha": Test.HKSJ}
PI_DISTS = ("norm", "t(k-1)", "t(k-2)")
# The time points offered; any positive month count is also accepted.
TIMEPOINTS = _values(TimePoint)
# A study's time point matches a requested one within this many months: the paper's Tables 2-4 group
# follow-ups as 3/6/12 months, and trials report e.g. 24 weeks (5.5 months) or 48 weeks (11.0 months).
TIMEPOINT_TOLERANCE_MONTHS = 1.0
# Design filters offered, and the design classes a study can have.
DESIGNS = _values(Design)
DESIGN_CLASSES = _values(DesignClass)
STUDY_SETS = _values(StudySet)
SET_TAGS = _values(SetTag)
PREPOST_METHODS = _values(PrePost)


# --- the completeness of the numbers ---------------------------------------------------------------

class CellStatus(StrEnum):
    """A study x outcome x time cell's numbers (core.evidence.completeness)."""

    REPORTED = "reported"       # a mean with an SD printed by the source
    CONVERTED = "converted"     # mean and SD derived from what was printed (median/IQR or range)
    NOT_USED = "not used"       # numbers exist but the extraction marks them use = no
    MISSING = "missing"         # no number (the reason, when recorded, is a gap's)


class GapStatus(StrEnum):
    """Why a study has no usable numbers (data/gaps.csv ``status``)."""

    NOT_REACHABLE = "not_reachable"     # the source itself was out of reach
    NOT_REPORTED = "not_reported"       # not in the text we could read
    FIGURE_ONLY = "figure_only"


CELL_STATUSES = _values(CellStatus)


# --- study characteristics (issue 25) ---------------------------------------------------------
# Coded from the quoted free text of data/studies.csv (msc_source, dose, route, title); the rules that
# tie each code to its words are in core.evidence.characteristics.
NOT_REPORTED = "not_reported"


class CellSource(StrEnum):
    UMBILICAL_CORD = "umbilical_cord"   # umbilical cord, including Wharton's jelly
    BONE_MARROW = "bone_marrow"
    PLACENTA = "placenta"
    ADIPOSE = "adipose"
    MIXED = "mixed"                     # cells of two sources (combined, or in separate arms)


CELL_SOURCES: tuple[str, ...] = (*(str(c) for c in CellSource), NOT_REPORTED)
DONORS: tuple[str, ...] = ("autologous", "allogeneic", "mixed", NOT_REPORTED)
ROUTE_CLASSES: tuple[str, ...] = ("intravenous", "arterial", "both", NOT_REPORTED)   # arterial: or intrapancreatic
DM_DURATIONS: tuple[str, ...] = ("new_onset", "established", NOT_REPORTED)
# Categorical characteristics (column -> codes) and numeric ones (dose: 10^6 cells/kg per infusion).
CATEGORICAL_CHARACTERISTICS = {"cell_source": CELL_SOURCES, "donor": DONORS, "route_class": ROUTE_CLASSES,
                               "dm_duration": DM_DURATIONS}
NUMERIC_CHARACTERISTICS: tuple[str, ...] = ("dose_per_kg", "infusions")
CHARACTERISTIC_COLUMNS: tuple[str, ...] = (*CATEGORICAL_CHARACTERISTICS, *NUMERIC_CHARACTERISTICS)
# Forest plot: the optional columns beside the study names ("rob": the overall risk-of-bias judgement),
# the orders of its studies ("paper": by diabetes type, year and name, as Li et al. 2021 list them),
# and the splits of "Subgroups by" ("dm_type": the paper's T1DM / T2DM, the default).
FOREST_COLUMNS: tuple[str, ...] = ("cell_source", "donor", "route_class", "dose_per_kg", "design_class", "rob")
# At most this many fit beside the names at 1280 x 720 (the arm columns crowd beyond; screenshots, issue 25).
FOREST_MAX_COLUMNS = 3


class ForestSort(StrEnum):
    PAPER = "paper"     # as Li et al. 2021 list them: by diabetes type, year and name
    EFFECT = "effect"
    YEAR = "year"
    WEIGHT = "weight"   # heaviest first


FOREST_SORTS: tuple[str, ...] = (*_values(ForestSort), *CHARACTERISTIC_COLUMNS)
SUBGROUP_KEYS: tuple[str, ...] = ("dm_type", *CATEGORICAL_CHARACTERISTICS, "design_class")
# Numeric characteristics a meta-regression may use (year is a study column of its own).
REGRESSORS: tuple[str, ...] = (*NUMERIC_CHARACTERISTICS, "year")
