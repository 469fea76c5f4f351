"""House rule (issue 23, item 4): text from a dataset never reaches a Markdown element unescaped.

Streamlit renders the text of ``st.markdown``, ``caption``, ``info``, ``warning``, ``error``,
``success``, ``toast``, ``write``, titles and headers, widget labels and help as Markdown.  A
study label such as ``[Click](https://evil.example/x)`` must reach them only through
:func:`ui.text.md` (``escape_markdown`` is the same function), or be shown by ``st.text``, a
dataframe or a code block.  This AST check walks every such call in app.py, pages/ and ui/ and
fails when an expression that names a dataset field (a study label, name, source, locator, quote,
reason, note...; :data:`DATASET_FIELDS`) is part of its text without ``md(...)`` around it.

It is a name-based check, so a dataset field under another name escapes it: keep the field names.
tests/app/test_markup_payloads.py checks the rendered pages themselves.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "app.py"] + sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "ui").glob("*.py"))
MARKDOWN_CALLS = {"markdown", "caption", "info", "warning", "error", "success", "toast", "write", "title",
                  "header", "subheader", "expander", "checkbox", "radio", "toggle", "button", "metric", "popover",
                  "selectbox", "multiselect", "text_input", "number_input", "text_area", "tabs", "link_button",
                  "download_button", "page_link"}
TEXT_KEYWORDS = {"body", "label", "help", "caption"}
# Identifiers that hold text typed into a dataset (studies, outcomes, gaps, versions, judgements).
DATASET_FIELDS = {"label", "labels", "study_label", "study_labels", "first_author", "author", "title", "journal",
                  "country", "msc_source", "dose", "route", "source", "source_url", "locator", "quote", "snippet",
                  "reason", "reasons", "why", "note", "notes", "use_note", "coding_note", "claim", "refs",
                  "timepoint_label", "study_id", "study_ids", "name", "names", "version_name", "comment", "text",
                  "problems", "problem", "ignored",
                  "exc", "err", "error"}    # an exception's message may quote a dataset's or a file's values
ESCAPES = {"md", "escape_markdown"}
# Reviewed uses whose name looks like a dataset field but whose text is the app's own: (file, expression).
OWN_WORDS = {("ui/entry_form.py", "sec.title"),          # the entry form's section titles (core.words)
             ("ui/entry_form.py", "labels"),             # its field labels (core.words)
             ("ui/controls.py", "c.title"),              # a choice's widget title (core.words.controls)
             ("ui/downloads.py", "item.label")}          # a download's words, written in ui/export.py
# Calls whose result is not the argument's text (a count, a number, a date).
OPAQUE = {"len", "int", "float", "round", "sum", "min", "max", "bool", "fmt_num", "fmt_p", "fmt_ci", "abs"}


def _name(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    if isinstance(node, ast.Call):
        return _name(node.func)
    return None


def _escaped_names(tree: ast.Module) -> set[str]:
    """Names assigned from an escape (``name = md(...)``, or ``md(...) if ... else "constant"``)."""
    def escaped(v) -> bool:
        if isinstance(v, ast.IfExp):
            return escaped(v.body) and escaped(v.orelse)
        return isinstance(v, ast.Constant) or (isinstance(v, ast.Call) and _name(v.func) in ESCAPES)
    return {n.targets[0].id for n in ast.walk(tree) if isinstance(n, ast.Assign) and len(n.targets) == 1
            and isinstance(n.targets[0], ast.Name) and escaped(n.value)}


def _unescaped(node, out: list, safe: frozenset = frozenset()) -> None:
    """Collect dataset-field expressions inside ``node`` not wrapped in an escape (or an opaque call)."""
    if isinstance(node, ast.Call) and _name(node.func) in ESCAPES | OPAQUE:
        return
    if isinstance(node, ast.Name) and node.id in safe:
        return
    if isinstance(node, ast.comprehension):
        return                                   # what it iterates over is not shown; its element is
    if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        return                                   # '{x:.2f}': a number
    if isinstance(node, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)) and _name(node) in DATASET_FIELDS:
        out.append(ast.unparse(node))
        return
    if isinstance(node, (ast.Lambda, ast.Compare)):
        return
    if isinstance(node, ast.Subscript):          # the key is not shown, the container's item is
        _unescaped(node.value, out, safe)
        return
    if isinstance(node, ast.IfExp):              # the condition is not shown
        _unescaped(node.body, out, safe)
        _unescaped(node.orelse, out, safe)
        return
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.expr_context):
            continue
        if isinstance(node, ast.Call) and child is node.func:
            continue
        _unescaped(child, out, safe)


def _violations(f: Path) -> list[str]:
    out, tree = [], ast.parse(f.read_text(encoding="utf-8"))
    safe = frozenset(_escaped_names(tree))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in MARKDOWN_CALLS):
            continue
        args = list(node.args[:1]) + [k.value for k in node.keywords if k.arg in TEXT_KEYWORDS]
        for a in args:
            found: list[str] = []
            _unescaped(a, found, safe)
            rel = str(f.relative_to(ROOT))
            out += [f"{rel}:{node.lineno}: {node.func.attr}(... {x} ...)" for x in found if (rel, x) not in OWN_WORDS]
    return out


@pytest.mark.parametrize("f", FILES, ids=lambda f: str(f.relative_to(ROOT)))
def test_dataset_text_reaches_markdown_only_escaped(f):
    bad = _violations(f)
    assert not bad, "dataset text in a Markdown element without ui.text.md():\n" + "\n".join(bad)


def test_the_check_finds_an_unescaped_label():
    """The check itself: a label in an f-string is caught, the same label through md() is not."""
    def scan(src):
        out = []
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MARKDOWN_CALLS:
                _unescaped(node.args[0], out)
        return out
    assert scan('st.caption(f"Without {row.label} ({len(labels)} studies)")') == ["row.label"]
    assert scan('st.caption(f"Without {md(row.label)} ({len(labels)} studies)")') == []
    assert scan('col.info("Source: " + r["source_url"])') == ["r['source_url']"]
    assert scan('st.write(f"{est:.2f}")') == []


# st.table renders every cell as Markdown (probed in Chromium): each table goes through ui.text.md_table,
# which escapes the columns holding dataset or user text.  Tables of the app's own words only:
OWN_TABLES = {"pages/flow.py"}       # data/flow.csv, the paper's study flow (shipped, not part of a user's dataset)


def _table_calls(f: Path) -> list[ast.Call]:
    return [n for n in ast.walk(ast.parse(f.read_text(encoding="utf-8")))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "table"
            and isinstance(n.func.value, ast.Name) and n.func.value.id in ("st", "c", "col", "box")]


# ui.text's two escaping paths for a table: md_table (the text columns) and marked_rows (every cell, some marked).
TABLE_ESCAPES = ("md_table", "marked_rows")


def _through_md_table(node) -> bool:
    return any(isinstance(n, (ast.Name, ast.Attribute)) and _name(n) in TABLE_ESCAPES for n in ast.walk(node))


@pytest.mark.parametrize("f", FILES, ids=lambda f: str(f.relative_to(ROOT)))
def test_every_table_goes_through_md_table(f):
    rel = str(f.relative_to(ROOT))
    bad = [f"{rel}:{c.lineno}" for c in _table_calls(f) if c.args and not _through_md_table(c.args[0])]
    assert rel in OWN_TABLES or not bad, f"st.table without ui.text.md_table (its cells are Markdown): {bad}"


def test_marked_rows_shows_every_cell_as_typed():
    import pandas as pd

    from ui.text import marked_rows

    df = pd.DataFrame({"q": ["**Zang** [x](http://e.x)", "k"], "v": ["1", "_2_"], "changed": [True, False]})
    out = marked_rows(df, "changed", "changed", {"q": "", "v": "Variant", "changed": "Changed"})
    assert list(out.columns) == ["", "Variant", "Changed"]
    assert out.iloc[0, 0].startswith(":orange[**") and "\\*\\*Zang\\*\\*" in out.iloc[0, 0]
    assert "\\[x\\]" in out.iloc[0, 0] and out.iloc[1, 1] == "\\_2\\_" and out.iloc[1, 2] == ""


def test_the_table_check_finds_a_bare_table():
    def through(src):
        return _through_md_table(ast.parse(src).body[0].value.args[0])
    assert not through("st.table(view.rename(columns=cols))")
    assert through('st.table(md_table(view, "Study").rename(columns=cols))')
    assert through('st.table(pd.DataFrame(rows).pipe(md_table, "Source"))')
