"""The house rules (issue 11), checked on the source so that a regression fails CI.

- no module over 400 lines and no function over 80, unless it carries a ``# long:`` comment saying
  why (in its first lines for a module; on the ``def`` line or the line above for a function);
- every outcome code and tau^2 estimator code is a string literal in exactly one product module,
  the registry ``core/vocab.py``; the population phrases are written only in ``core/words/phrases.py``;
- the other codes (measure, model, test, time point, design, study set, pre-post method, SMD variant, MD
  variance, cell and gap statuses, and metafor's "knha" and "EE") are literals only in ``core/vocab.py``, and in
  ``core/words`` where a dict maps them to words; app.py, core, ui and pages use the enum members;
- ``core`` never imports streamlit, ui or pages; the statistics modules import nothing from the project but
  ``core.errors``, ``core.vocab`` and each other; no module imports another's ``_private`` name;
- core's packages have a declared order (:data:`CORE_LAYERS`): no import, at module level or inside a
  function, runs up it, and there is no import cycle between modules or between packages;
- a rule that names a module fails when the module is gone.
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


# The other registered codes (issue 24): their literals, too, live only in the registry, and in core/words where
# the words map codes to what a user reads.  Left out: codes that are also ordinary words of the code base ("all",
# "z", the month counts, "pooled"), which would flag pandas' how="all" or a result's "pooled" column.
CONFINED_CODES = (vocab.Measure, vocab.Model, vocab.Test, vocab.TimePoint, vocab.Design, vocab.DesignClass,
                  vocab.StudySet, vocab.SetTag, vocab.PrePost, vocab.SmdVariant, vocab.MdVariance, vocab.CellStatus,
                  vocab.GapStatus)
# "reported" and "missing" also name columns and tables; "not_reported" is also a characteristic's code.
GENERIC_CODES = {"all", "z", "3", "6", "12", "pooled", "reported", "missing", "not_reported"}
REGISTRY, WORDS = "core/vocab.py", "core/words/"
# Plotly's coordinate reference "paper" (the figure's own frame) is no study set; a literal that only shares a
# code's spelling (a column named "change") says so on its line.
PLOTLY_REFS = {"xref", "yref"}
NOT_A_CODE = "# not a code"


def _code_literals(tree: ast.Module, codes: set[str], lines: list[str] = (), *, mappings_ok: bool = False) -> set[str]:
    """The string constants of ``tree`` that are ``codes``, except plotly's xref/yref values and a
    constant on a line marked :data:`NOT_A_CODE`; with ``mappings_ok`` (core/words), also the keys and
    values of a dict display, where words map codes (a comparison is still flagged)."""
    exempt = set()
    for n in ast.walk(tree):
        if mappings_ok and isinstance(n, ast.Dict):
            exempt |= {id(c) for c in (*n.keys, *n.values) if c is not None}
        if isinstance(n, ast.keyword) and n.arg in PLOTLY_REFS:
            exempt.add(id(n.value))
        elif isinstance(n, ast.Dict):
            exempt |= {id(v) for k, v in zip(n.keys, n.values)
                       if isinstance(k, ast.Constant) and k.value in PLOTLY_REFS}
        elif isinstance(n, ast.Compare) and isinstance(n.left, ast.Attribute) and n.left.attr in PLOTLY_REFS:
            exempt |= {id(c) for c in n.comparators}
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and n.value in codes and id(n) not in exempt
            and not (n.lineno <= len(lines) and NOT_A_CODE in lines[n.lineno - 1])}


def _confined_codes() -> set[str]:
    """The codes, and metafor's spellings of them ("knha", "EE"), which only the registry maps."""
    metafor = set(vocab.TEST_METAFOR.values()) | set(vocab.ESTIMATOR_ALIASES)
    return ({c.value for enum in CONFINED_CODES for c in enum} | metafor) - GENERIC_CODES


def _code_literals_outside_the_registry(files) -> dict[str, list[str]]:
    """File -> the code literals it should not hold: none in core/vocab.py, only mappings in core/words."""
    codes, found = _confined_codes(), {}
    for f in files:
        rel = _rel(f) if f.is_relative_to(ROOT) else f.name
        if rel != REGISTRY and (hits := _code_literals(_tree(f), codes, f.read_text(encoding="utf-8").splitlines(),
                                                       mappings_ok=rel.startswith(WORDS))):
            found[rel] = sorted(hits)
    return found


def test_choice_codes_live_only_in_the_registry_and_the_words():
    assert _code_literals_outside_the_registry(_files(("core", "ui", "pages"))) == {}


def test_the_choice_code_rule_can_fail(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text('def f(spec, fig):\n    return spec.measure == "SMD" or spec.test == "knha"\n'
                       'LAYOUT = dict(xref="paper", yref="paper")\n'
                       'OTHER = [a for a in fig.layout.annotations if a.xref == "paper"]\n'
                       'ROW = {"change": 1}     # not a code: a column\n'
                       'DESIGNS = ("rct", "controlled")\n', encoding="utf-8")
    found = _code_literals_outside_the_registry([planted])
    assert list(found.values()) == [["SMD", "controlled", "knha", "rct"]]    # plotly's "paper" and the column pass
    words = ast.parse('LABELS = {"fixed": "Fixed effect", "MD": "MD"}\n'
                      'def f(spec):\n    return "x" if spec.model == "auto" else ""\n')
    assert _code_literals(words, _confined_codes(), mappings_ok=True) == {"auto"}   # words map codes, not test them
    assert {"paper", "MD", "SMD", "hksj", "knha", "EE", "end", "fixed", "random", "auto", "rct", "controlled",
            "change", "independent", "bayes", "revman5", "single_arm"} <= _confined_codes()


def test_every_module_a_rule_names_exists():
    """A rule about a module that was renamed or removed would pass by checking nothing."""
    named = [f"core/{m}.py" for m in STATISTICS] + ["core/vocab.py", "core/words/phrases.py"]
    assert [m for m in named if not (ROOT / m).is_file()] == []


def test_the_whole_suite_has_a_floor_on_collected_tests():
    from tests.conftest import floor_problem, recorded_floor

    floor = recorded_floor()
    assert floor >= 1312                                       # the suite had 1,312 tests when the floor came in
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


# core's layers, lowest first.  A module imports only from its own layer or a lower one, at module level
# or inside a function; the statistics are core's top-level modules (README "Layout: the house").
CORE_LAYERS = (
    ("core.errors", "core.vocab"),      # the exceptions and the registry of codes
    ("core.words",),                    # every word a user reads
    ("core.<statistics>",),             # core/*.py: one module per statistical idea
    ("core.evidence",),                 # the data: schema, loading, uploads, entry checks, provenance
    ("core.workflow",),                 # evidence + a view's choices -> results
    ("core.certainty",),                # GRADE certainty
    ("core.store",),                    # saved versions (they carry the certainty inputs)
    ("core.figures",),                  # plotly builders of the results
    ("core.export",),                   # slides, decks, tables, scripts, bundles
)
LAYER_OF = {pkg: i for i, layer in enumerate(CORE_LAYERS) for pkg in layer}


def _module_name(f: Path) -> str:
    parts = f.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _core_modules() -> dict[str, Path]:
    return {_module_name(f): f for f in sorted((ROOT / "core").rglob("*.py"))}


def _imported(tree: ast.Module, modules) -> list[tuple[str, int]]:
    """Every project module a file imports (anywhere in it), with the line: ``from core.x import y``
    counts as ``core.x.y`` when y is a module, else as ``core.x``."""
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            out += [(a.name, n.lineno) for a in n.names]
        elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
            out += [(f"{n.module}.{a.name}" if f"{n.module}.{a.name}" in modules else n.module, n.lineno)
                    for a in n.names]
    return [(m, line) for m, line in out if m in modules]


def _package(module: str) -> str:
    """The layer name of a core module: core.errors, core.vocab, core.<statistics> or core.<subpackage>."""
    parts = module.split(".")
    if module in LAYER_OF or len(parts) == 1:
        return module
    if (ROOT / "core" / parts[1]).is_dir():
        return f"core.{parts[1]}"
    return "core.<statistics>"


def _core_graph() -> dict[str, list[tuple[str, int]]]:
    modules = _core_modules()
    return {m: [(t, line) for t, line in _imported(_tree(f), modules) if t != m] for m, f in modules.items()}


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the directed graph, as a path that returns to its start; None if it has none."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_every_core_package_has_a_layer():
    packages = {_package(m) for m in _core_modules()} - {"core"}
    assert packages == set(LAYER_OF), f"core packages without a layer: {packages - set(LAYER_OF)}; " \
                                      f"layers naming no package: {set(LAYER_OF) - packages}"


def test_core_imports_run_down_the_layers():
    against = [f"{m} (line {line}) imports {t}: {_package(m)} is below {_package(t)}"
               for m, targets in _core_graph().items() if m != "core" for t, line in targets
               if LAYER_OF[_package(t)] > LAYER_OF[_package(m)]]
    assert against == [], "\n".join(against)


def test_core_has_no_import_cycle_between_modules_or_packages():
    graph = _core_graph()
    modules = {m: {t for t, _ in targets} for m, targets in graph.items()}
    assert _cycle(modules) is None, f"module import cycle: {' -> '.join(_cycle(modules))}"
    packages: dict[str, set[str]] = {}
    for m, targets in modules.items():
        packages.setdefault(_package(m), set()).update(_package(t) for t in targets if _package(t) != _package(m))
    assert _cycle(packages) is None, f"package import cycle: {' -> '.join(_cycle(packages))}"


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_core_never_imports_the_app_layers():
    bad = [f"{_rel(f)}: {m}" for f in _files(("core",)) if f != ROOT / "app.py"
           for m, _ in _imports(_tree(f)) if m.split(".")[0] in ("ui", "pages", "app")]
    assert bad == []


def test_no_private_name_crosses_a_module_border():
    bad = []
    for f in _files(tests=False):
        for mod, names in _imports(_tree(f)):
            if mod.startswith(("core", "ui")):
                bad += [f"{_rel(f)}: {mod}.{n}" for n in names if n.startswith("_") and not n.startswith("__")]
    assert bad == []
