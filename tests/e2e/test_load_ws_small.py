"""A small run of the light load generator (bench/load_test.py --client ws, bench/ws_client.py):
3 protocol-level sessions against a served app for 10 s.  Every rerun request must be answered
by a script_finished, with no error in the sessions or the server log, and the sessions must
really drive the app: the forest figure's layout.meta shows the chosen population and measure
(checked on every forest figure), and changes at least once."""
from __future__ import annotations

from bench.load_test import report, run_load


def test_three_ws_sessions_ten_seconds_drive_the_app(tmp_path):
    r = run_load(sessions=3, seconds=10, think=(0.3, 0.8), seed=3, stagger=0.1, load_concurrency=3, pin=False,
                 log_path=tmp_path / "server.log", client="ws")
    print(report(r))
    assert r.errors == [], r.errors[:5]
    assert r.server_log_errors == [], r.server_log_errors[:5]
    assert r.interactions >= 6, report(r)
    # Every request was answered, and every answer was timed as an interaction.
    assert r.ws["requests"] == r.ws["finished"] == r.interactions, r.ws
    assert r.load_s["n"] == 3
    # The figure followed the choices (mismatches are errors above) and did change.
    assert r.ws["meta_checked"] >= 3, r.ws
    assert r.ws["meta_changed"] >= 1, r.ws
