"""Issue 24 item 3, checked on the source: ui/ caches through one mechanism, ``ui.cache.cached``
(Streamlit's caches are named only in ui/cache.py), and core never caches for a page.  The one
exceptions are named: once-per-process set-up calls (docs/architecture.md): ui/chart.py's component and
plotly.js copy, ui/share.py's copy-link component and ui/downloads.py's row component, and ui/server.py's page-head
tags (built by the ASGI server outside any script run, where Streamlit's caches do not apply)."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MECHANISM = ROOT / "ui" / "cache.py"
# (file, function): functools.cache on a once-per-process set-up call made on every draw.
ONCE_PER_PROCESS = {("ui/chart.py", "_component"), ("ui/chart.py", "_static_copy"), ("ui/share.py", "_link_element"),
                    ("ui/server.py", "head_tags"), ("ui/downloads.py", "_element")}
# An OrderedDict that is no cache: ui/downloads.py's registry maps a download link's token to the callable the
# session's latest rerun drew (the link's meaning, not a value kept to save work), bounded as a least-recently-used
# table like Streamlit's own media file manager.
NOT_A_CACHE = {"ui/downloads.py"}


def _app_files() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "ui").rglob("*.py")), *sorted((ROOT / "pages").rglob("*.py"))]


def _name(node: ast.AST) -> str:
    return ast.unparse(node.func if isinstance(node, ast.Call) else node)


def test_streamlit_caches_are_named_only_in_the_mechanism():
    for name in ("ui/cache.py", "ui/chart.py", "ui/share.py", "ui/server.py", "ui/downloads.py"):
        assert (ROOT / name).is_file(), f"{name} is gone: update this rule"
    found = [f"{f.relative_to(ROOT)}:{n.lineno}" for f in _app_files() if f != MECHANISM
             for n in ast.walk(ast.parse(f.read_text(encoding="utf-8")))
             if isinstance(n, ast.Attribute) and n.attr in ("cache_data", "cache_resource", "experimental_memo")]
    assert found == [], f"cache through ui.cache.cached, not st.cache_* directly: {found}"


def test_no_other_memo_or_hand_made_cache_in_the_app_layers():
    found = []
    for f in _app_files():
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                memo = [d for d in fn.decorator_list if _name(d).split(".")[-1] in ("cache", "lru_cache", "cached")]
                if memo and (str(f.relative_to(ROOT)), fn.name) not in ONCE_PER_PROCESS:
                    found.append(f"{f.relative_to(ROOT)}:{fn.lineno} {fn.name}")
        found += [f"{f.relative_to(ROOT)}:{n.lineno} OrderedDict" for n in ast.walk(tree)
                  if isinstance(n, ast.Name) and n.id == "OrderedDict" and str(f.relative_to(ROOT)) not in NOT_A_CACHE]
    assert found == [], f"one caching mechanism (ui.cache.cached): {found}"
