"""The one path from a dataset's or a user's text to a Markdown element (issue 23, item 4).

Streamlit renders the body of ``st.markdown``, ``st.caption``, ``st.info``/``warning``/``error``/
``success``, ``st.write`` of a string, and widget labels as GitHub-flavoured Markdown with its own
extensions.  Backslash escapes stop most of it, but not all: probed in Chromium (Streamlit 1.67),
``https://evil\\.example/x`` and ``www\\.evil\\.example`` still become links (GFM's literal
autolinks are found in the text, backslashes and all), ``a@evil\\.example`` a mailto link,
``:material/home:`` an icon, ``:smile:`` an emoji and ``:red\\[...\\]`` a coloured span.

:func:`md` therefore backslash-escapes every Markdown punctuation character and also puts an
invisible WORD JOINER (U+2060) where a URL scheme, a ``www.`` domain, an e-mail address or a
``:shortcode:`` would start: none survives, while the text reads the same.  HTML needs nothing more: ``<`` is escaped, and no element is rendered with
``unsafe_allow_html``.

Every string that comes from a dataset (study labels, names, sources, locators, quotes, reasons)
goes through :func:`md` before it reaches one of those elements, or is shown by ``st.text``, a
dataframe or a code block, which never interpret it.  ``st.table`` renders its cells as Markdown too:
:func:`md_table` escapes the columns that hold such text.  tests/test_markup_house.py checks the pages.
"""
from __future__ import annotations

import re

WORD_JOINER = "\u2060"
_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&])")
# Where a joiner goes: after a colon that touches the next character (a URL scheme, mailto:,
# :shortcode:, :material/icon:, :red[colour]), before an @ that touches the previous one (an
# e-mail address), and between www and its dot.  "Not saved: 3 problems" keeps its colon as typed.
_BREAKS = re.compile(r"(?<=:)(?=\S)|(?<=\S)(?=@)|(?i:(?<=www)(?=\\\.))")


def md(text) -> str:
    """``text`` as Markdown that shows it literally: no link, image, HTML, emphasis, icon, emoji,
    colour or maths can be made from it."""
    return _BREAKS.sub(WORD_JOINER, _SPECIALS.sub(r"\\\1", str(text)))


# Text that needs escaping to show as typed: no character that starts markup inline, no ':x', 'x@', 'www.',
# and no line that starts a list, quote or heading.  md_table leaves such cells alone.
_MARKUP = re.compile(r"[\\`*_{}\[\]<>~$&|!]|:\S|\S@|(?i:www\.)|(?m:^\s*(?:[-+*>#=]|\d+[.)]))")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~$&])")


def plain(text) -> str:
    """What a reader sees of :func:`md`'s output: the backslash escapes and the joiners removed (for tests)."""
    return _ESCAPE.sub(r"\1", str(text)).replace(WORD_JOINER, "")


def md_table(df, *columns: str):
    """A copy of ``df`` for ``st.table``, which renders every cell as Markdown (probed in Chromium:
    ``**bold**`` and ``[x](url)`` in a cell become bold text and a link): the text cells of ``columns``
    (those holding a dataset's or a user's text; absent ones are skipped) through :func:`md`."""
    out = df.copy()
    for c in columns:
        if c in out.columns:     # a cell that reads the same as Markdown is kept as it is
            out[c] = [md(v) if isinstance(v, str) and _MARKUP.search(v) else v for v in out[c]]
    return out


def marked_rows(df, flag: str, word: str, headings: dict):
    """``df`` for ``st.table`` with the rows whose ``flag`` column is true in bold orange, that column
    saying ``word`` (else nothing), and the columns renamed by ``headings``.  Every text cell goes
    through :func:`md` first, so a cell reads as typed (st.table renders Markdown)."""
    def cell(value, on: bool) -> str:
        text = md(str(value))
        return f":orange[**{text}**]" if on and text else text
    on = df[flag].astype(bool).tolist()
    shown = df.assign(**{flag: [word if f else "" for f in on]})
    cells = {c: [cell(v, f) for v, f in zip(shown[c], on)] for c in shown.columns}
    return shown.assign(**cells).rename(columns=headings)


# plotly's to_json writes "<" and ">" as \u003c and \u003e: both spellings are matched.
_ANCHOR = re.compile(r"(?:<|\\u003c)(/?a)(?=\s|>|/|\\u003e)", re.IGNORECASE)


def no_links(figure_json: str) -> str:
    """A plotly figure's JSON with every ``<a>`` tag turned into text (``&lt;a``, drawn as ``<a``).

    Plotly draws ``<a href>`` in any text (tick labels, annotations, hover) as a live link, probed in
    Chromium; the app's figures make none, so one in a figure came from a dataset's text."""
    return _ANCHOR.sub(r"&lt;\1", figure_json)
