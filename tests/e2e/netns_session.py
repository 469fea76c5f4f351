"""Run inside a network namespace that has only loopback (see test_no_network.py).

Starts ``streamlit run app.py`` under ``strace`` (every connect/sendto/sendmsg of the server and
of its child processes, e.g. kaleido's Chromium, is recorded), opens every page in headless
Chromium (recording every URL the pages request), renders one figure with kaleido the way the
export buttons do, and writes a JSON summary to the path given as the first argument.

Usage: ``unshare -n sh -c 'ip link set lo up && exec python tests/e2e/netns_session.py OUT.json'``
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

APP_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(APP_DIR))

from tests.support.appserver import CHART, chromium, start_server, stop_server  # noqa: E402

STRACE = ["strace", "-f", "--seccomp-bpf", "-qq", "-e", "trace=connect,sendto,sendmsg", "-e", "signal=none"]
LOOPBACK = re.compile(r'inet_addr\("127\.|inet_pton\(AF_INET6, "::1"|"::ffff:127\.')
# Chromium's IPv6 reachability probe: a UDP connect() to Google's public DNS address that sends no
# packet (Chromium net/dns/host_resolver_manager.cc, IPv6 probe).  Listed apart, not as an attempt.
IPV6_PROBE = '"2001:4860:4860::8888"'

IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stElementContainer"][data-stale="true"]');
}"""
KALEIDO_SNIPPET = """
import plotly.graph_objects as go
from core.export import render
png = render(go.Figure(go.Scatter(x=[1, 2], y=[3, 1])), "png", width=400, height=300, scale=1)
assert png[:8] == b"\\x89PNG\\r\\n\\x1a\\n", png[:8]
print("kaleido-ok", len(png))
"""


def non_loopback(strace_log: Path, *, probes: bool = False) -> list[str]:
    """IPv4/IPv6 socket calls in an strace log whose address is not loopback (``probes``: only
    Chromium's packet-less IPv6 reachability probe; otherwise everything else)."""
    out = []
    for line in strace_log.read_text(errors="replace").splitlines():
        if ("AF_INET" in line) and not LOOPBACK.search(line) and (IPV6_PROBE in line) == probes:
            out.append(line.strip()[:300])
    return out


def main(out_path: str) -> int:
    out = Path(out_path)
    work = out.parent
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    result: dict = {"interfaces": subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout}

    # 2. A figure export through kaleido's Chromium (what the download buttons run), under strace;
    #    started now so that it runs while the browser session below does.
    kaleido_trace = work / "kaleido.strace"
    kaleido = subprocess.Popen(STRACE + ["-o", str(kaleido_trace), sys.executable, "-c", KALEIDO_SNIPPET],
                               cwd=APP_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)

    # 1. The server (and everything it starts) under strace; a browser session over every page.
    server_trace, server_log = work / "server.strace", work / "server.log"
    requests, page_errors, visited, exceptions, timings = [], [], [], [], []
    server = start_server(server_log, env=env, command_prefix=STRACE + ["-o", str(server_trace)])
    proc, base = server.proc, server.url
    try:
        with chromium() as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            t0 = time.monotonic()
            page.goto(base, timeout=60_000)
            page.wait_for_function(IDLE_JS, timeout=60_000)
            page.locator(f"{CHART} .main-svg").first.wait_for(timeout=60_000)   # plotly.js loaded and drawn
            nav = page.get_by_test_id("stSidebarNav")
            hrefs = nav.get_by_role("link").evaluate_all("els => els.map(e => e.getAttribute('href'))")
            for name in hrefs:
                nav.locator(f'a[href="{name}"]').click()
                page.wait_for_timeout(300)
                page.wait_for_function(IDLE_JS, timeout=60_000)
                visited.append(name)
                timings.append(round(time.monotonic() - t0, 1))
                if page.locator('[data-testid="stException"]').count():
                    exceptions.append(name)
    finally:
        stop_server(proc)
        time.sleep(0.5)
    result.update(pages=visited, page_timings=timings, page_errors=page_errors, exceptions=exceptions,
                  outbound_requests=sorted({u for u in requests
                                            if not u.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:",
                                                                 "blob:", "about:"))}),
                  server_non_loopback=non_loopback(server_trace),
                  server_ipv6_probe=len(non_loopback(server_trace, probes=True)),
                  server_connects=sum(1 for _ in server_trace.read_text(errors="replace").splitlines()),
                  server_log_tracebacks=server_log.read_text(errors="replace").count("Traceback"))

    # 2. The figure export (started first, in parallel): its outcome.
    k_out, k_err = kaleido.communicate(timeout=120)
    result.update(kaleido_stdout=k_out.strip()[-200:], kaleido_rc=kaleido.returncode,
                  kaleido_stderr=k_err.strip()[-500:], kaleido_non_loopback=non_loopback(kaleido_trace),
                  kaleido_ipv6_probe=len(non_loopback(kaleido_trace, probes=True)))
    out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
