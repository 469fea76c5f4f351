"""The title and help of every shared choice's widget, by widget key (``ui.state.CHOICES`` reads them):
the sidebar, the Sensitivity page's variant controls and the Which MSC therapy? page show the same words."""
from __future__ import annotations

from core.words.bayesian import MODEL_HELP_BAYES, PRIOR_HELP
from core.words.characteristics import (FOREST_COLUMNS_HELP, REGRESSION_HELP, SOF_SUBGROUP_HELP, SOF_SUBGROUP_TOGGLE,
                                        SORT_HELP, SUBGROUPS_HELP)
from core.words.choices import HELP, TITLES

CONTROL_TITLES = {**TITLES, "prior": "Prior scale on τ (Bayesian model)", "cols": "Columns beside the studies",
                  "sort": "Sort studies by", "subby": "Subgroups by", "regon": "Meta-regression on",
                  "sofsub": SOF_SUBGROUP_TOGGLE}
CONTROL_HELP = {**HELP, "model": f"{HELP['model']} {MODEL_HELP_BAYES}", "prior": PRIOR_HELP,
                "cols": FOREST_COLUMNS_HELP, "sort": SORT_HELP, "subby": SUBGROUPS_HELP, "regon": REGRESSION_HELP,
                "sofsub": SOF_SUBGROUP_HELP}
# The help a Sensitivity variant control shows while it does not apply to the main analysis (it is disabled).
NOT_APPLICABLE_HELP = {"prepost": "Applies to pre-post comparisons only.",
                       "r": "Only pre-post comparisons use r (choose it in the sidebar).",
                       "smd": "Applies to SMD only (choose Measure in the sidebar)."}
