"""An upload waits for its turn with a message (issue 23, item 3).

At most ``MSCDM_MAX_CONCURRENT_PARSES`` uploads are parsed at once per server process
(:mod:`core.evidence.parse_gate`).  A page wraps its call to a reader in :func:`upload_turn`:
the reader runs at once when a slot is free; otherwise the page shows that the upload waits,
and clears the notice when its turn comes.  When no slot frees up in time, the reader's
``DatasetError`` says so, and the page shows it like any refused file.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import streamlit as st

from core.evidence.parse_gate import SLOTS, parse_slot
from core.words.notices import upload_waiting_line


@contextmanager
def upload_turn() -> Iterator[None]:
    """Hold a parse slot around the reading inside; while waiting for one, say so."""
    notice = st.empty()
    try:
        with parse_slot(on_wait=lambda: notice.info(upload_waiting_line(SLOTS), icon=":material/hourglass_top:")):
            notice.empty()
            yield
    finally:
        notice.empty()
