"""A Python script that reproduces the "Which MSC therapy?" page (issue 25) with the project's core
library, from the effects the dashboard computed (inline, full precision): the split with both tests
for subgroup differences, and the meta-regression with its pseudo-R^2 and permutation test.  Run it
from the project folder.  It prints one 'ROW <name> key=value ...' line per result."""
from __future__ import annotations

import numpy as np

from core import vocab
from core.export.script_header import comment_text, header_comments


def _num(x) -> str:
    return "float('nan')" if x is None or not np.isfinite(x) else repr(float(x))


def characteristics_python_script(a, split, reg, *, title: str, dataset_name: str, settings: list[str]) -> str:
    """The script for analysis ``a``, its ``split`` and ``reg`` (core.workflow.characteristics)."""
    rows = {r["label"]: r for r in a.row_records}
    labels = [lab for g in split.separate.groups for lab in split.separate.subgroups[g].labels]
    groups = [g for g in split.separate.groups for _ in split.separate.subgroups[g].labels]
    x_by_label = dict(zip(reg.labels, reg.x.tolist()))
    method = vocab.ESTIMATOR_ALIASES.get(a.method, a.method)
    perm = (f"exact=True, iterations={reg.permutation.iterations}" if reg.permutation is not None
            and reg.permutation.exact else f"iterations={reg.permutation.iterations if reg.permutation else 1000}, "
                                           f"seed={reg.permutation.seed if reg.permutation else 1}")
    lines = [f"# {comment_text(title)}", *header_comments(dataset_name, settings),
             "import numpy as np", "",
             "from core.metaregression import meta_regression, permutation_test, pseudo_r2",
             "from core.subgroups import subgroup_analysis, subgroup_analysis_common_tau2", "",
             f"METHOD, TEST, LEVEL = {str(method)!r}, {a.spec.test!r}, {a.spec.level!r}",
             f"KNHA_FLOOR = {bool(a.spec.hksj_floor and a.spec.test == vocab.Test.HKSJ)!r}",
             f"STUDY = {[comment_text(s) for s in labels]!r}",
             f"GROUP = {[comment_text(g) for g in groups]!r}",
             "YI = np.array([" + ", ".join(_num(rows[lab]["yi"]) for lab in labels) + "])",
             "VI = np.array([" + ", ".join(_num(rows[lab]["vi"]) for lab in labels) + "])",
             "X = np.array([" + ", ".join(_num(x_by_label.get(lab, np.nan)) for lab in labels) + "])",
             "", "def row(name, **values):",
             "    print('ROW', name.replace(' ', '_'), ' '.join(f'{k}={float(v)!r}' for k, v in values.items()))",
             "", "sep = subgroup_analysis(YI, VI, np.array(GROUP, dtype=object), method=METHOD, level=LEVEL, "
                 "labels=STUDY, test=TEST,",
             "                        hksj_floor=KNHA_FLOOR)",
             "for g in sep.groups:",
             "    r = sep.subgroups[g]",
             "    row(f'Subtotal {g}', k=r.k, estimate=r.estimate, se=r.se, tau2=r.tau2)",
             "if len(sep.groups) > 1:",
             "    row('separate', QE=sep.q_between, QEdf=sep.df_between, QEp=sep.p_between)",
             "    common = subgroup_analysis_common_tau2(YI, VI, np.array(GROUP, dtype=object), method=METHOD, "
             "level=LEVEL, test=TEST)",
             "    row('common', QM=common.q_between, QMdf=common.df_between, QMp=common.p_between, tau2=common.tau2)",
             "keep = ~np.isnan(X)",
             "if keep.sum() >= 3 and len(set(X[keep])) >= 2:",
             "    D = np.column_stack([np.ones(keep.sum()), X[keep]])",
             "    fit = meta_regression(YI[keep], VI[keep], D, method=METHOD, test=TEST)",
             f"    perm = permutation_test(YI[keep], VI[keep], D, method=METHOD, test=TEST, {perm})",
             "    row('regression', slope=fit.beta[1], se=fit.se[1], stat=fit.statistic[1], p=fit.pvalue[1],",
             "        R2=pseudo_r2(YI[keep], VI[keep], D, method=METHOD), perm_p=perm.pvalues[1],",
             "        perm_QMp=perm.qm_pvalue)"]
    return "\n".join(lines) + "\n"
