"""A dataset whose every text field holds Markdown and HTML payloads shows them as typed on every
page: no link, image or formatting is made from them (issue 23, item 4).

The shipped dataset with each free-text cell of its studies, outcomes, events, gaps and reported
results replaced by a payload (study labels stay unique), and a payload as the dataset's name,
is put where an upload puts it; every page is opened (the Studies detail and the Sensitivity
variant on a study included), and every string Streamlit renders as Markdown (bodies, captions,
alerts, labels, help, options, and the cells of st.table, which renders them as Markdown) is checked.  What the browser then draws from escaped text was
probed in Chromium (ui/text.py); tests/test_markup_house.py checks the code paths.
"""
from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from core.evidence.dataset import Dataset, load_dataset
from ui.data import USER_DATASET_KEY

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAYLOADS = ("[Click](https://evil.example/x)", "![t](http://evil.example/beacon.png)", "<img src=x>", "**bold**")
# Free text a user's dataset may carry (codes and numbers are validated and cannot hold a payload).
TEXT_COLUMNS = {
    "studies": ("title", "journal", "country", "design", "msc_source", "dose", "route", "coding_note", "confidence"),
    "outcomes": ("timepoint_label", "use_note", "locator", "snippet"),
    "events": ("locator", "snippet"),
    "gaps": ("reason",),
    "reported": ("locator", "claim", "note"),
}
# Element fields that are not Markdown: figures (plotly JSON), table data, code, plain text, ids.
NOT_MARKDOWN = {"spec", "data", "arrowData", "styler", "id", "formId", "key", "url", "code", "language", "src",
                "mimeType", "fileName", "downloadUrl"}
NOT_MARKDOWN_ELEMENTS = {"text", "code", "plotlyChart", "arrowDataFrame", "dataframe", "table", "arrowTable"}
# A selectbox's and a multiselect's options are drawn as plain text (probed in Chromium); a radio's are Markdown.
PLAIN_OPTIONS = {"selectbox", "multiselect"}
PAGES = ("pages/forest.py", "pages/sensitivity.py", "pages/followup.py", "pages/small_study.py",
         "pages/summary_of_findings.py", "pages/reproduce.py", "pages/studies.py", "pages/events.py",
         "pages/flow.py", "pages/your_data.py")


def payload_dataset() -> Dataset:
    base = load_dataset()
    cycle = itertools.cycle(PAYLOADS)
    tables = {}
    for table in ("studies", "outcomes", "events", "gaps", "reported"):
        df = getattr(base, table).copy()
        for col in TEXT_COLUMNS[table]:
            if col in df.columns:
                df[col] = [next(cycle) for _ in range(len(df))]
        tables[table] = df
    tables["studies"]["first_author"] = [f"{PAYLOADS[i % len(PAYLOADS)]} {i}" for i in range(len(tables["studies"]))]
    return Dataset(**tables, name=f"{PAYLOADS[0]} {PAYLOADS[3]}")


def made_from_payload(text: str) -> list[str]:
    """What a Markdown renderer would make from an unescaped payload in ``text``."""
    found = []
    if "://evil.example" in text:
        found.append("link or image to evil.example")
    if re.search(r"(?<!\\)!(?<!\\)\[t(?<!\\)\]", text):
        found.append("image syntax")
    if re.search(r"(?<!\\)<img", text):
        found.append("HTML <img>")
    if "**bold**" in text:
        found.append("bold")
    return found


def _strings(obj, key=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k not in NOT_MARKDOWN:
                yield from _strings(v, k)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v, key)
    elif isinstance(obj, str):
        yield key, obj


def _nodes(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def markdown_strings(at: AppTest):
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        d = MessageToDict(proto)
        kind = next(iter(d), "") if len(d) == 1 else getattr(node, "type", "")
        if kind in NOT_MARKDOWN_ELEMENTS or getattr(node, "type", "") in NOT_MARKDOWN_ELEMENTS:
            continue
        for key, text in _strings(d):
            if getattr(node, "type", "") in PLAIN_OPTIONS and key in ("options", "default", "rawValues", "value"):
                continue
            yield f"{getattr(node, 'type', '?')}.{key}", text


@pytest.fixture(scope="module")
def app():
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[USER_DATASET_KEY] = payload_dataset()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def table_strings(at: AppTest):
    """The cells and headers of every st.table: it renders each cell as Markdown (probed in Chromium)."""
    for t in at.get("table"):
        df = t.value
        yield from (("table.header", str(c)) for c in df.columns)
        yield from (("table.cell", v) for col in df.columns for v in df[col] if isinstance(v, str))


def _check(at: AppTest, where: str) -> None:
    assert not at.exception, (where, [e.message for e in at.exception])
    strings = list(markdown_strings(at)) + list(table_strings(at))
    bad = [(where, k, t[:160], made) for k, t in strings if (made := made_from_payload(t))]
    assert not bad, "\n".join(map(str, bad))


def test_the_payloads_are_in_the_dataset_and_the_check_sees_them():
    ds = payload_dataset()
    assert ds.study_label(ds.studies["study_id"].iloc[0]).startswith(PAYLOADS[0])
    assert made_from_payload(PAYLOADS[0]) and made_from_payload(PAYLOADS[1]) and made_from_payload(PAYLOADS[2])
    assert made_from_payload(PAYLOADS[3])
    from ui.text import md
    assert not any(made_from_payload(md(p)) for p in PAYLOADS)


@pytest.mark.parametrize("page", PAGES)
def test_no_link_image_or_formatting_is_made_from_dataset_text(app, page):
    app.switch_page(page).run()
    _check(app, page)
    if page == "pages/studies.py":          # a study's sources: title, journal, notes, quotes
        app.selectbox(key="studies_detail").set_value(load_dataset().studies["study_id"].iloc[0]).run()
        _check(app, "studies detail")
        assert any(PAYLOADS[0] in t.value for t in app.text), "the detail shows the payload as plain text"
    if page == "pages/sensitivity.py":      # a variant leaving a study out: its label in 'What changed'
        box = next(c for c in app.checkbox if c.label.startswith(("\\[", "\\!", "\\<", "\\*")))
        box.check().run()
        _check(app, "sensitivity variant")
        assert any("What changed" in m.value for m in app.markdown)
