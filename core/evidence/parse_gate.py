"""At most N uploads are parsed at once in one server process (issue 23, item 3).

Parsing is CPU-bound Python: with two cores, a third upload parsed at the same time only slows
every session's clicks.  Every reader of user files (:func:`core.evidence.upload.read_upload`,
:func:`core.evidence.bundle.read_bundle`, :func:`core.evidence.reported_csv.read_reported_csv`)
holds a slot while it reads; when none is free it waits, up to ``PARSE_WAIT_SECONDS``, and
then refuses with a sentence (nothing is changed).  A page can hold the slot itself around the
call (:func:`parse_slot` with ``on_wait``) to tell the user that the upload waits; the slot is
reentrant within a thread, so the reader inside does not wait again.

The number of slots is the setting ``MSCDM_MAX_CONCURRENT_PARSES`` (default
``core.evidence.limits.MAX_CONCURRENT_PARSES``), read once when the module is imported; a value
that is not a positive whole number falls back to the default.
"""
from __future__ import annotations

import functools
import os
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, Mapping

from core.errors import DatasetError
from core.evidence.limits import ENV_MAX_CONCURRENT_PARSES, MAX_CONCURRENT_PARSES, PARSE_WAIT_SECONDS


def slots_from_env(environ: Mapping[str, str] | None = None) -> int:
    """The number of parse slots ``MSCDM_MAX_CONCURRENT_PARSES`` asks for (default if unset or invalid)."""
    raw = (os.environ if environ is None else environ).get(ENV_MAX_CONCURRENT_PARSES, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else MAX_CONCURRENT_PARSES


SLOTS = slots_from_env()
_semaphore = threading.BoundedSemaphore(SLOTS)
_held = threading.local()


def busy_message(slots: int = SLOTS) -> str:
    return (f"the server is reading {slots} other upload{'s' if slots != 1 else ''} and yours waited "
            f"{PARSE_WAIT_SECONDS:g} s for its turn; nothing changed. Upload the file again in a minute.")


@contextmanager
def parse_slot(on_wait: Callable[[], None] | None = None, *, timeout: float = PARSE_WAIT_SECONDS) -> Iterator[None]:
    """Hold one of the process's parse slots; ``on_wait()`` is called once if the caller must wait.

    Raises :class:`~core.errors.DatasetError` when no slot frees up within ``timeout`` seconds.
    """
    if getattr(_held, "depth", 0):              # this thread already holds a slot
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    if not _semaphore.acquire(blocking=False):
        if on_wait is not None:
            on_wait()
        if not _semaphore.acquire(timeout=timeout):
            raise DatasetError([busy_message()], "upload")
    _held.depth = 1
    try:
        yield
    finally:
        _held.depth = 0
        _semaphore.release()


def guarded(fn: Callable) -> Callable:
    """``fn`` run while holding a parse slot (waiting for one without a message)."""
    @functools.wraps(fn)
    def in_slot(*args, **kwargs):
        with parse_slot():
            return fn(*args, **kwargs)

    return in_slot
