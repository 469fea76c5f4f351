"""A small run of the load test (bench/load_test.py): 3 concurrent Chromium sessions clicking
through the forest plot and sensitivity pages for 15 s against one server; no error allowed."""
from __future__ import annotations

from bench.load_test import report, run_load


def test_three_sessions_fifteen_seconds_without_errors(tmp_path):
    r = run_load(sessions=3, seconds=15, think=(0.3, 0.8), seed=3, stagger=0.1, load_concurrency=3, pin=False,
                 log_path=tmp_path / "server.log")
    print(report(r))
    assert r.errors == [], r.errors[:5]
    assert r.server_log_errors == [], r.server_log_errors[:5]
    # The run really exercised the app: every session finished several reruns.
    assert r.interactions >= 6, report(r)
    assert r.load_s["n"] == 3
