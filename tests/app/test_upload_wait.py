"""An upload that must wait for a parse slot says so on the page, then clears the notice
(issue 23, item 3; ui/uploads.py)."""
from __future__ import annotations

import threading

import pytest

from core.evidence import parse_gate
from ui import uploads


class FakeSlot:
    """Stands in for st.empty(): records what the page would show in it."""

    def __init__(self, log):
        self.log = log

    def info(self, text, icon=None):
        self.log.append(("info", text))

    def empty(self):
        self.log.append(("empty", ""))


@pytest.fixture
def shown(monkeypatch):
    log = []
    monkeypatch.setattr(uploads.st, "empty", lambda: FakeSlot(log))
    return log


def _hold_every_slot(release: threading.Event) -> list[threading.Thread]:
    held = threading.Barrier(parse_gate.SLOTS + 1)

    def hold():
        with parse_gate.parse_slot():
            held.wait()
            release.wait(10)
    threads = [threading.Thread(target=hold) for _ in range(parse_gate.SLOTS)]
    for t in threads:
        t.start()
    held.wait()
    return threads


def test_a_free_slot_reads_at_once_without_a_notice(shown):
    with uploads.upload_turn():
        pass
    assert all(kind == "empty" for kind, _ in shown)


def test_a_waiting_upload_says_so_then_clears_the_notice(shown):
    release = threading.Event()
    threads = _hold_every_slot(release)
    threading.Timer(0.3, release.set).start()
    with uploads.upload_turn():
        assert shown[0] == ("info", f"The server is reading other uploads (at most {parse_gate.SLOTS} at a time); "
                                    "yours is read as soon as one finishes. Keep this page open.")
        assert shown[-1] == ("empty", "")          # cleared once its turn came
    for t in threads:
        t.join()
