"""Resident memory and CPU time of a process tree, read from /proc (Linux), and a sampler thread
that records them during a load test (bench/load_test.py)."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path


def rss_kb(pid: int) -> int:
    """VmRSS of one process (kB); 0 once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    """The direct children of a process (all its threads' children)."""
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            txt = (task / "children").read_text().split()
            out += [int(c) for c in txt]
    except OSError:
        pass
    return out


def tree_pids(pid: int) -> set[int]:
    """A process and all its descendants."""
    todo, seen = [pid], set()
    while todo:
        p = todo.pop()
        if p not in seen:
            seen.add(p)
            todo += children(p)
    return seen


def tree_rss_kb(pid: int) -> int:
    """RSS of a process and all its descendants (kB)."""
    return sum(rss_kb(p) for p in tree_pids(pid))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (s); NaN once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def renice_threads(pid: int, nice: int) -> None:
    """Set every thread of ``pid`` to ``nice`` (Linux nice is per thread; Chromium starts its
    renderers from a zygote at its own priority, so inheriting it is not enough)."""
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            tid = int(task.name)
            if os.getpriority(os.PRIO_PROCESS, tid) != nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
    except (OSError, ValueError):
        pass


class RssSampler(threading.Thread):
    """Samples (elapsed s, interactions so far, RSS kB, server CPU s) every ``interval`` seconds;
    ``pid`` is the server's, or a list of servers' (replicas: their sums)."""

    def __init__(self, pid, counter, interval: float = 0.5, client_priority: int = 0):
        super().__init__(daemon=True)
        self.client_priority = client_priority   # nice level kept on every thread of the load generator
        self.pids = [pid] if isinstance(pid, int) else list(pid)
        self.counter, self.interval = counter, interval
        self.samples: list[tuple[float, int, int]] = []
        self.client_cpu: dict[int, float] = {}   # pid -> CPU s of the load generator's own processes
        self._halt = threading.Event()
        self.t0 = time.monotonic()

    def _sample(self) -> tuple:
        return (time.monotonic() - self.t0, self.counter(), sum(tree_rss_kb(p) for p in self.pids),
                sum(cpu_seconds(p) for p in self.pids))

    def run(self):
        while not self._halt.is_set():
            self.samples.append(self._sample())
            server = set().union(*(tree_pids(p) for p in self.pids))
            for p in tree_pids(os.getpid()) - server - {os.getpid()}:   # Playwright driver + Chromium
                if self.client_priority:
                    renice_threads(p, self.client_priority)
                c = cpu_seconds(p)
                if c == c:
                    self.client_cpu[p] = max(c, self.client_cpu.get(p, 0.0))
            self._halt.wait(self.interval)

    def stop(self):
        self._halt.set()
        self.join(timeout=5)
        self.samples.append(self._sample())

