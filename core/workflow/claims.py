"""Claims that compare two reported results (e.g. "the decrease was more pronounced in T1DM").

``audit_comparison_claims(claims, reported)`` checks each claim against the two printed
results it compares: the difference of two independent estimates, its SE from the two 95 % CIs,
z and a two-sided P [1]_ [2]_.  Like :mod:`core.workflow.audit`, it needs no study data.

References
----------
.. [1] Altman DG, Bland JM. Interaction revisited: the difference between two estimates.
   BMJ 2003;326:219 (SE of the difference = sqrt(SE1² + SE2²); z = d / SE(d)).
.. [2] Cochrane Handbook v6.4, section 6.5.2.2 (SE from a 95 % CI).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from core.workflow.audit import Z_CRIT, fmt_audit_p, two_sided_p
from core.evidence.printed import parse_number
from core.intervals import ConfidenceInterval, z_crit
from core.vocab import OUTCOME_SHORT
from core.words import result_label

COMPARISON_CLAIM_KINDS = ("a_differs_significantly", "a_larger_effect")
CLAIM_COLUMNS = ("claim_id", "result_a", "result_b", "kind")


@dataclass(frozen=True, slots=True)
class EstimateComparison:
    """Difference ``a - b`` between two independent estimates, from their 95 % CIs.

    ``se`` = sqrt(SE_a² + SE_b²) with each SE = CI width / (2 × 1.959964); ``z`` = diff / se;
    ``pvalue`` two-sided normal. Each SE is on the scale of the estimates (difference measures).
    """

    diff: float
    se: float
    z: float
    pvalue: float

    def confidence_interval(self, level: float = 0.95) -> ConfidenceInterval:
        """Normal-theory interval of the difference."""
        zc = z_crit(level)
        return ConfidenceInterval(self.diff - zc * self.se, self.diff + zc * self.se)


def compare_estimates(a: tuple[float, float, float], b: tuple[float, float, float]) -> EstimateComparison:
    """Test the difference between two independent estimates given as (estimate, ci_low, ci_high) [1]_ [2]_."""
    for name, v in (("a", a), ("b", b)):
        if len(v) != 3 or not all(isinstance(x, (int, float)) and math.isfinite(x) for x in v):
            raise ValueError(f"`{name}` must be (estimate, ci_low, ci_high) finite numbers; got {v!r}")
        if v[1] > v[2]:
            raise ValueError(f"`{name}`: ci_low {v[1]} is above ci_high {v[2]}")
    se_a = (a[2] - a[1]) / (2 * Z_CRIT[0])
    se_b = (b[2] - b[1]) / (2 * Z_CRIT[0])
    diff = a[0] - b[0]
    se = math.hypot(se_a, se_b)
    z = diff / se if se > 0 else math.inf
    return EstimateComparison(diff, se, z, two_sided_p(z))


def _printed_result(rep: pd.DataFrame, side: str, rid, row_no: int) -> tuple[float, float, float]:
    if rid not in rep.index:
        raise ValueError(f"`{side}` in row {row_no} names {rid!r}, which is not a reported result_id")
    r = rep.loc[rid]
    return tuple(parse_number(r[k], what=f"`{k}` of {rid}").value for k in ("estimate", "ci_low", "ci_high"))


def result_name(rep: pd.DataFrame, rid) -> str:
    """A reported result as a reader cites it ('FBG, after vs before, T1DM, Fig. 5'), never its ``result_id``;
    the id itself only when the table lacks the columns that name it (a user's upload)."""
    r = rep.loc[rid]
    if not all(k in r.index and str(r[k]) for k in ("outcome", "comparison", "population")):
        return str(rid)
    where = str(r.get("locator", "") or "").rsplit(";", 1)[-1].strip()
    name = result_label(OUTCOME_SHORT.get(r["outcome"], r["outcome"]), r["comparison"], r["population"], "")
    return f"{name}, {where}" if where else name


def _explain(c: dict, a_e: float, b_e: float, cmp: EstimateComparison, alpha: float) -> tuple[bool, str]:
    ptxt = fmt_audit_p(cmp.pvalue)
    if c["kind"] == "a_differs_significantly":
        ok = cmp.pvalue < alpha
        return ok, (f"{c['name_a']} ({a_e:g}) minus {c['name_b']} ({b_e:g}) = {cmp.diff:.2f} "
                    f"(SE {cmp.se:.3f}), z = {cmp.z:.2f}, P = {ptxt}: "
                    + ("the difference is significant, as claimed." if ok else
                       f"the subgroups do not differ significantly (P >= {alpha:g}), contrary to the claim."))
    larger = abs(a_e) > abs(b_e)
    return larger, (f"|{a_e:g}| vs |{b_e:g}|: " + (
        f"{c['name_a']} is larger, as claimed" if larger else
        f"{c['name_a']} is not larger than {c['name_b']}, contrary to the claim")
        + f"; the difference {cmp.diff:.2f} has P = {ptxt}.")


def audit_comparison_claims(claims: pd.DataFrame, reported: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Check claims that one reported result differs from, or exceeds, another.

    ``claims`` has columns ``claim_id``, ``result_a``, ``result_b`` (``result_id`` values of
    ``reported``), ``kind`` (``"a_differs_significantly"``: the text says A and B differ
    significantly; ``"a_larger_effect"``: the text says A's effect is more pronounced, i.e. larger
    in absolute size) and optional ``claim``, ``locator``. Returns the claims with ``diff``,
    ``se``, ``z``, ``pvalue``, ``consistent`` (bool) and ``explanation`` (which names each result as a
    reader cites it, see :func:`result_name`).
    """
    missing = [c for c in CLAIM_COLUMNS if c not in claims.columns]
    if missing:
        raise ValueError(f"claims table is missing column(s) {', '.join(missing)}")
    rep = reported.set_index("result_id")
    rows = []
    for i, c in enumerate(claims.to_dict("records")):
        if c["kind"] not in COMPARISON_CLAIM_KINDS:
            raise ValueError(f"`kind` in row {i + 1} must be one of {', '.join(COMPARISON_CLAIM_KINDS)}; "
                             f"got {c['kind']!r}")
        a = _printed_result(rep, "result_a", c["result_a"], i + 1)
        b = _printed_result(rep, "result_b", c["result_b"], i + 1)
        cmp = compare_estimates(a, b)
        names = {"name_a": result_name(rep, c["result_a"]), "name_b": result_name(rep, c["result_b"])}
        ok, expl = _explain({**c, **names}, a[0], b[0], cmp, alpha)
        rows.append({**c, "diff": cmp.diff, "se": cmp.se, "z": cmp.z, "pvalue": cmp.pvalue,
                     "consistent": ok, "explanation": expl})
    return pd.DataFrame(rows)
