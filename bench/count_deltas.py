"""What one rerun sends to the browser (issue 27 item 3): the deltas of each rerun, counted at the
protocol level.  Prints figures; asserts nothing.

Run from the repository root::

    TMPDIR=$PWD/tmp XDG_CONFIG_HOME=$PWD/tmp/xdg-config XDG_CACHE_HOME=$PWD/tmp/xdg-cache \
        .venv/bin/python bench/count_deltas.py

One session (bench/ws_client.py, no browser) opens the Forest plot with "Paper + newer trials", then
changes each kind of sidebar control the benchmarks click, opens Sensitivity, changes "Model" there
and switches back.  For every rerun it prints the deltas the server sent (every one is a message the
frontend decodes and reconciles into its tree, whether or not its content changed): elements
(``new_element``), blocks (``add_block``: containers, columns, expanders), other deltas, and the
bytes; split into the main area and the sidebar.  Streamlit sends every element of a rerun again,
changed or not (only elements of >= 10 kB go as a ``ref_hash`` the browser holds).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ws_client import WsSession  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from tests.support.appserver import start_server, stop_server  # noqa: E402

BURST_GAP_MS = 4.0          # Streamlit flushes its queue every 5 ms (runtime_util.MESSAGE_FLUSH_INTERVAL_SECS)


class Counting:
    """A WebSocket proxy that tallies the deltas each rerun receives."""

    def __init__(self, ws):
        self.ws, self.tally, self.t0, self.times = ws, Counter(), 0.0, []

    async def send(self, data):
        self.tally, self.t0, self.times = Counter(), time.perf_counter(), []
        await self.ws.send(data)

    async def recv(self):
        raw = await self.ws.recv()
        fwd = ForwardMsg.FromString(raw)
        kind = fwd.WhichOneof("type")
        if kind in ("delta", "ref_hash"):
            self.times.append(1000 * (time.perf_counter() - self.t0))
            where = "sidebar" if fwd.metadata.delta_path[:1] == [1] else "main"
            what = fwd.delta.WhichOneof("type") if kind == "delta" else "ref_hash"
            self.tally[f"{where}:{what}"] += 1
            self.tally[f"{where}:bytes"] += len(raw)
        return raw

    async def close(self):
        await self.ws.close()


def row(name: str, tally: Counter) -> str:
    def n(where, what):
        return tally.get(f"{where}:{what}", 0)
    cells = []
    for where in ("main", "sidebar"):
        other = sum(v for k, v in tally.items() if k.startswith(where) and k.split(":")[1]
                    not in ("new_element", "add_block", "bytes"))
        cells.append(f"{n(where, 'new_element'):5d} {n(where, 'add_block'):5d} {other:5d} "
                     f"{n(where, 'bytes') / 1024:7.1f}")
    total = sum(v for k, v in tally.items() if not k.endswith(":bytes"))
    return f"{name:<34} {cells[0]}   {cells[1]}   {total:5d}"


def bursts(times: list[float]) -> int:
    """Groups of deltas that arrive within BURST_GAP_MS of each other: the browser applies each
    group in about one render of the page (React batches the updates of messages queued together)."""
    return 1 + sum(b - a > BURST_GAP_MS for a, b in zip(times, times[1:])) if times else 0


async def walk(url: str) -> list[tuple[str, Counter, list]]:
    s = WsSession(url, "set=Paper+%2B+newer+trials")
    out = []

    async def record(name, coro):
        result = await coro
        if not result.ok:
            raise RuntimeError(f"{name}: {result.exceptions or result.status}")
        out.append((name, s.ws.tally, list(s.ws.times)))

    first = await s.open()
    s.ws = Counting(s.ws)
    out.append(("forest: first run (no count)", Counter(), []))
    assert first.ok
    await record("forest: model FE", s.change("model", "Fixed effect (IV)"))
    await record("forest: model RE", s.change("model", "Random effects"))
    await record("forest: outcome FBG", s.change("outcome", "Fasting blood glucose (FBG)"))
    await record("forest: outcome HbA1c", s.change("outcome", "HbA1c"))
    await record("forest: prediction interval", s.change("pi", True))
    await record("forest: r 0.3", s.change("r", [0.3]))
    await record("page switch -> Sensitivity", s.switch_page("Sensitivity"))
    await record("sensitivity: model FE", s.change("model", "Fixed effect (IV)"))
    await record("page switch -> Forest plot", s.switch_page("Forest plot"))
    await s.close()
    return out


def main() -> None:
    logs = ROOT / "tmp" / "count_deltas"
    logs.mkdir(parents=True, exist_ok=True)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=5, help="walks (sessions) whose timings are pooled")
    args = ap.parse_args()
    print(f"load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    server = start_server(logs / "app.log")
    try:
        walks = [asyncio.run(walk(server.url)) for _ in range(args.n)]
    finally:
        stop_server(server.proc)
    print(f"load average after:  {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("deltas per rerun (the last walk): elements, blocks, other deltas, kB; main area, then sidebar; all;")
    print(f"then, median over {args.n} walks: bursts of deltas ({BURST_GAP_MS:g} ms apart), ms from the request "
          "to the first and the last delta")
    print(f"{'rerun':<34} {'main: el   blk   oth      kB':>28}   {'sidebar: el blk oth    kB':>27}   total"
          "  bursts  first   last")
    for i, (name, tally, _) in enumerate(walks[-1][1:], start=1):
        timings = [w[i][2] for w in walks]
        med = [statistics.median(f(t) for t in timings) for f in (bursts, lambda t: t[0], lambda t: t[-1])]
        print(row(name, tally) + f"  {med[0]:6.0f} {med[1]:6.0f} {med[2]:6.0f}")


if __name__ == "__main__":
    main()
