"""A visible "Copy link to this view" control.

Every shared choice is bound to the URL (``bind="query-params"``), so the current address is
the view.  The control shows that address in an ``st.code`` block, whose built-in copy
button copies it; no user text is ever rendered as HTML.
"""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st


def current_url(base: str | None, page_path: str, params: dict[str, list[str]]) -> str:
    """The address of a view: ``base`` (scheme://host[:port]/...) with the page path and params.

    ``params`` maps each query parameter to its list of values (repeated keys, as
    ``st.query_params.to_dict`` cannot express).  Pure, so it can be tested without Streamlit.
    """
    scheme, netloc = "http", "localhost:8501"
    if base:
        parts = urlsplit(base)
        scheme, netloc = parts.scheme or scheme, parts.netloc or netloc
    query = urlencode([(k, v) for k, vs in params.items() for v in vs])
    return urlunsplit((scheme, netloc, "/" + page_path.strip("/"), query, ""))


def copy_link_control(container=None, page=None) -> str:
    """Show "Copy link to this view" with the current URL (copy button top right); return the URL.

    Call it after the bound widgets have run (e.g. at the end of the sidebar), so the URL holds
    this run's choices.  ``page`` is the ``st.navigation(...)`` result (a StreamlitPage): its
    ``url_path`` names the page; without it the path the session opened with is used.
    """
    where = container if container is not None else st.sidebar
    qp = st.query_params
    params = {k: qp.get_all(k) for k in qp.keys()}
    try:
        base = st.context.url
    except Exception:   # no browser session (AppTest, bare script run)
        base = None
    page_path = getattr(page, "url_path", None)
    if page_path is None:
        page_path = urlsplit(base).path if base else ""
    url = current_url(base, page_path, params)
    where.caption("Copy link to this view", help="Every choice is in the address: paste it into a fresh browser "
                                                 "to reopen exactly this view.")
    where.code(url, language=None, wrap_lines=True)
    return url
