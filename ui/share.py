"""A visible "Copy link to this view" control.

Every shared choice is bound to the URL (``bind="query-params"``), so the current address is
the view.  The control shows its title (the help as a tooltip) and that address in a grey box with a copy
button, all set as text (never HTML).  It was an ``st.code`` block, whose copy button cost every first load Streamlit's syntax
highlighter: a 1.5 MB chunk parsed while the sidebar's widgets were still grey skeletons (issue 26
item 19).  This element is ~1 kB of inline JavaScript on the components-v2 element the figures use.
"""
from __future__ import annotations

import functools
import json
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

# The address as text in a box like st.code's, and a copy button (the clipboard API where the page is a
# secure context, else a selected textarea and execCommand, as st.code's button does).
LINK_JS = """const I=d=>`<svg viewBox="0 0 24 24" width="16" height="16" fill="currentColor"><path d="${d}"/></svg>`,
C=I("M16 1H4a2 2 0 0 0-2 2v14h2V3h12zm3 4H8a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h11a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2m0 16H8V7h11z"),
D=I("M9 16.17 4.83 12l-1.42 1.41L9 19 21 7l-1.41-1.41z"),Q=I("M11 18h2v-2h-2zm1-16a10 10 0 1 0 0 20 10 10 0 0 0 0-20m0 18a8 8 0 1 1 0-16 8 8 0 0 1 0 16m0-14a4 4 0 0 0-4 4h2a2 2 0 1 1 4 0c0 2-3 1.75-3 5h2c0-2.25 3-2.5 3-5a4 4 0 0 0-4-4");
export default function({data,parentElement:root}){const v=JSON.parse(data);let b=root.querySelector("div.mscdm-link");
if(!b){const h=document.createElement("div");h.className="mscdm-link-title";h.innerHTML=Q;h.prepend(v.title+" ");h.title=v.help;
b=document.createElement("div");b.className="mscdm-link";b.dataset.testid="mscdmCopyLink";root.appendChild(h);
const t=document.createElement("code"),k=document.createElement("button");k.type="button";k.innerHTML=C;
k.title="Copy to clipboard";k.setAttribute("aria-label","Copy link to this view");
const done=()=>{k.innerHTML=D;setTimeout(()=>{k.innerHTML=C},1500)};
k.onclick=()=>{const u=t.textContent,old=()=>{const a=document.createElement("textarea");a.value=u;
document.body.appendChild(a);a.select();document.execCommand("copy");a.remove();done()};
window.isSecureContext&&navigator.clipboard?navigator.clipboard.writeText(u).then(done,old):old()};
b.append(t,k);root.appendChild(b)}b.firstChild.textContent=v.url}"""
LINK_CSS = """.mscdm-link-title{font-size:.875rem;line-height:1.6;color:rgba(49,51,63,.6);margin-bottom:.5rem;
cursor:help;width:fit-content;display:flex;align-items:center;gap:.35rem}.mscdm-link-title svg{opacity:.8}.mscdm-link{position:relative;background:#f0f2f6;border-radius:.5rem;padding:.75rem 2.25rem .75rem 1rem;
font-family:"Source Code Pro",ui-monospace,monospace;font-size:.875rem;line-height:1.5;color:#31333f}
.mscdm-link code{white-space:pre-wrap;overflow-wrap:anywhere;font-family:inherit;background:none;padding:0}
.mscdm-link button{position:absolute;top:.35rem;right:.35rem;border:0;background:none;cursor:pointer;
color:#808495;line-height:0;padding:.3rem}.mscdm-link button:hover{color:#31333f}"""


LINK_TITLE = "Copy link to this view"
LINK_HELP = "Every choice is in the address: paste it into a fresh browser to reopen exactly this view."


@functools.cache
def _link_element():
    return st.components.v2.component("mscdm_copy_link", js=LINK_JS, css=LINK_CSS, isolate_styles=False)


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
    # Its title is part of the element (one delta on every rerun of every page, not two: issue 27).
    with where:
        _link_element()(key="copy_link", data=json.dumps({"url": url, "title": LINK_TITLE, "help": LINK_HELP}))
    return url
