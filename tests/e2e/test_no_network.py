"""No outbound network: the server, a browser session over every page and a figure export run
inside a network namespace that has only loopback (``unshare -n``, as root), with every
connect/sendto/sendmsg of the server and its children recorded by strace.

Nothing can leave the namespace, so these tests check what was *attempted*: any IPv4/IPv6
socket call to a non-loopback address (DNS look-ups show up as connects to the resolver), and
any URL the pages asked for beyond the app's own loopback origin.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HELPER = Path(__file__).with_name("netns_session.py")
APP_DIR = HELPER.parents[2]


@pytest.fixture(scope="module")
def netns_run(tmp_path_factory) -> dict:
    for tool in ("unshare", "ip", "strace"):
        if not shutil.which(tool):
            pytest.fail(f"`{tool}` is needed for the no-network test (apt-get install util-linux iproute2 strace)")
    if os.geteuid() != 0:
        pytest.fail("the no-network test needs root for `unshare -n`")
    work = tmp_path_factory.mktemp("netns")
    out = work / "result.json"
    proc = subprocess.run(["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', sys.executable,
                           str(HELPER), str(out)], cwd=APP_DIR, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0 and out.exists(), proc.stderr[-3000:]
    return json.loads(out.read_text())


def test_session_ran_inside_a_loopback_only_namespace(netns_run):
    links = [line.split(":")[1].strip() for line in netns_run["interfaces"].splitlines() if line.strip()]
    assert links == ["lo"]
    # Every registered page was opened, without an exception or a page error.
    assert len(netns_run["pages"]) >= 2 and netns_run["pages"][0].endswith("/")
    assert netns_run["exceptions"] == [] and netns_run["page_errors"] == []
    assert netns_run["server_log_tracebacks"] == 0
    assert netns_run["server_connects"] > 0          # strace really recorded the server's sockets


def test_server_attempts_nothing_beyond_loopback(netns_run):
    assert netns_run["server_non_loopback"] == []


def test_pages_request_nothing_beyond_loopback(netns_run):
    # E.g. st.set_page_config(page_icon=":material/...") makes the browser fetch the favicon from
    # fonts.gstatic.com; an emoji or a local image keeps it local.
    assert netns_run["outbound_requests"] == []


def test_figure_export_attempts_nothing_beyond_loopback(netns_run):
    assert netns_run["kaleido_rc"] == 0 and netns_run["kaleido_stdout"].startswith("kaleido-ok"), \
        netns_run["kaleido_stderr"]
    assert netns_run["kaleido_non_loopback"] == [], netns_run["kaleido_non_loopback"][:3]
