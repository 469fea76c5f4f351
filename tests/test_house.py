"""The house rules (issue 11), checked on the source so that a regression fails CI.

- no module over 400 lines and no function over 80, unless it carries a ``# long:`` comment saying
  why (in its first lines for a module; on the ``def`` line or the line above for a function);
- every outcome code and tau^2 estimator code is a string literal in exactly one product module,
  the registry ``core/vocab.py``; the population phrases are written only in ``core/words/phrases.py``;
- ``core`` never imports streamlit; the statistics modules import nothing from the project but
  ``core.errors``, ``core.vocab`` and each other; no module imports another's ``_private`` name.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from core import vocab

ROOT = Path(__file__).resolve().parents[1]
PRODUCT_DIRS = ("core", "ui", "pages", "bench", "scripts")
STATISTICS = ("effect_sizes", "conversions", "heterogeneity", "pooling", "subgroups", "metaregression",
              "sensitivity", "bias", "events", "influence", "intervals", "refit_sums", "tau2_se",
              "bayesian", "posterior", "priors", "permutation")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 80


def _files(dirs=PRODUCT_DIRS, *, tests: bool = False) -> list[Path]:
    out = [ROOT / "app.py"]
    for d in dirs + (("tests",) if tests else ()):
        out += sorted((ROOT / d).rglob("*.py"))
    return [f for f in out if ".venv" not in f.parts]


def _rel(f: Path) -> str:
    return str(f.relative_to(ROOT))


def _tree(f: Path) -> ast.Module:
    return ast.parse(f.read_text(encoding="utf-8"), filename=str(f))


@pytest.mark.parametrize("f", _files(tests=True), ids=_rel)
def test_module_size(f):
    lines = f.read_text(encoding="utf-8").splitlines()
    if len(lines) > MAX_MODULE_LINES:
        assert any("# long:" in line for line in lines[:12]), (
            f"{_rel(f)} has {len(lines)} lines (> {MAX_MODULE_LINES}) and no '# long:' comment saying why")


@pytest.mark.parametrize("f", _files(tests=True), ids=_rel)
def test_function_size(f):
    lines = f.read_text(encoding="utf-8").splitlines()
    too_long = []
    for node in ast.walk(_tree(f)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            size = node.end_lineno - first + 1
            marked = any("# long:" in lines[i - 1] for i in (first - 1, first, node.lineno) if 0 < i <= len(lines))
            if size > MAX_FUNCTION_LINES and not marked:
                too_long.append(f"{node.name} (line {node.lineno}, {size} lines)")
    assert not too_long, f"{_rel(f)}: functions over {MAX_FUNCTION_LINES} lines without '# long:': {too_long}"


def _string_constants(tree: ast.Module) -> set[str]:
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def test_outcome_and_estimator_codes_live_only_in_the_registry():
    codes = set(vocab.OUTCOME_CODES) | set(vocab.ESTIMATORS) | set(vocab.REPORTED_ONLY_ESTIMATORS)
    found = {}
    for f in _files():
        hits = _string_constants(_tree(f)) & {str(c) for c in codes}
        if hits:
            found[_rel(f)] = sorted(hits)
    assert set(found) == {"core/vocab.py"}, f"code literals outside the registry: " \
                                            f"{ {k: v for k, v in found.items() if k != 'core/vocab.py'} }"


def test_every_module_a_rule_names_exists():
    """A rule about a module that was renamed or removed would pass by checking nothing."""
    named = [f"core/{m}.py" for m in STATISTICS] + ["core/vocab.py", "core/words/phrases.py"]
    assert [m for m in named if not (ROOT / m).is_file()] == []


def test_the_whole_suite_has_a_floor_on_collected_tests():
    from tests.conftest import floor_problem, recorded_floor

    floor = recorded_floor()
    assert floor >= 1000                                       # the suite had 1,312 tests when the floor came in
    assert floor_problem(floor, floor) is None
    assert f"only {floor - 1} tests were collected, fewer than the floor of {floor}" in floor_problem(floor - 1, floor)


def test_population_phrases_live_only_in_words():
    phrases = ("T1DM + T2DM", "Both (subgroups)", "T1DM and T2DM")
    found = [_rel(f) for f in _files() if any(p in f.read_text(encoding="utf-8") for p in phrases)]
    assert found == ["core/words/phrases.py"]


def _imports(tree: ast.Module) -> list[tuple[str, list[str]]]:
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            out += [(a.name, []) for a in n.names]
        elif isinstance(n, ast.ImportFrom) and n.module:
            out.append((n.module, [a.name for a in n.names]))
    return out


def test_core_never_imports_streamlit():
    bad = [_rel(f) for f in _files(("core",)) if f.parent.name != "." and f != ROOT / "app.py"
           and any(m.split(".")[0] == "streamlit" for m, _ in _imports(_tree(f)))]
    assert bad == []


def test_statistics_import_only_errors_vocab_and_each_other():
    allowed = {"core", "core.errors", "core.vocab"} | {f"core.{m}" for m in STATISTICS}
    bad = {}
    for m in STATISTICS:
        f = ROOT / "core" / f"{m}.py"
        mods = [mod for mod, names in _imports(_tree(f)) if mod.startswith("core")]
        mods += [f"core.{n}" for mod, names in _imports(_tree(f)) if mod == "core" for n in names]
        wrong = sorted(set(mods) - allowed)
        if wrong:
            bad[m] = wrong
    assert bad == {}


def test_no_private_name_crosses_a_module_border():
    bad = []
    for f in _files(tests=False):
        for mod, names in _imports(_tree(f)):
            if mod.startswith(("core", "ui")):
                bad += [f"{_rel(f)}: {mod}.{n}" for n in names if n.startswith("_") and not n.startswith("__")]
    assert bad == []
