"""Small-study effects of one pooled result, as the Small-study effects page shows them: the funnel
plot's data, Egger's and Begg's tests and trim and fill, each either computed or with the sentence
saying why it could not be (e.g. too few studies).

The statistics are :mod:`core.bias`'s (Egger et al. 1997; Begg & Mazumdar 1994; Duval & Tweedie
2000); this workflow module only runs them together so that one method's failure never hides the
others.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.bias import BeggResult, EggerResult, FunnelData, TrimFillResult, begg_test, egger_test, funnel_data
from core.pooling import MetaResult
from core.workflow.bayes import trim_and_fill     # a Bayesian view's filled set is refitted with its prior


@dataclass(frozen=True, slots=True)
class SmallStudyReport:
    """Each method's result, or None with ``<method>_message`` saying why it could not run."""

    funnel: FunnelData | None
    egger: EggerResult | None
    begg: BeggResult | None
    trim_fill: TrimFillResult | None
    funnel_message: str = ""
    egger_message: str = ""
    begg_message: str = ""
    trim_fill_message: str = ""


def _attempt(method, result: MetaResult):
    """(result, "") or (None, the reason): a ValueError (incl. InsufficientStudiesError) is a message."""
    try:
        return method(result), ""
    except ValueError as exc:
        return None, str(exc)


def small_study_report(result: MetaResult) -> SmallStudyReport:
    """Funnel data, Egger's test, Begg's test and trim and fill of ``result``, each run on its own."""
    funnel, funnel_msg = _attempt(funnel_data, result)
    egger, egger_msg = _attempt(egger_test, result)
    begg, begg_msg = _attempt(begg_test, result)
    tf, tf_msg = _attempt(trim_and_fill, result)
    return SmallStudyReport(funnel, egger, begg, tf, funnel_msg, egger_msg, begg_msg, tf_msg)
