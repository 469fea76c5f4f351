"""What a workbench save costs in core (issue 24 item 2): one entry form with two arms saved to a
SQLite store, and the saved version made ready for the rerun, done the old way and the new way in
the same run (the ratio is the figure; the machine's load moves both alike).

- old: each arm applied on its own (checked again, the outcomes table validated once per arm), the
  version saved, then read back from the store and checked again (``version_dataset``), as the rerun did;
- new: the checks the form made written at once (``apply_entries``: one validation), the version
  saved, and its tables compared with the dataset (``reads_back_as_itself``) so the rerun uses it as it is.

Both include the form's own check of each arm as typed.  Prints figures; asserts nothing.

    .venv/bin/python bench/bench_save.py [--n 30]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.certainty import CertaintyInputs  # noqa: E402
from core.vocab import Outcome  # noqa: E402
from core.evidence.dataset import load_dataset  # noqa: E402
from core.evidence.entry import Entry, apply_entries, apply_entry, check_entry_in  # noqa: E402
from core.store import Limits, open_store  # noqa: E402
from core.store.tables import reads_back_as_itself, version_dataset, version_tables  # noqa: E402

HBA1C = Outcome.HBA1C
# Synthetic numbers for a cell the shipped data leave empty (Carlsson 2015, HbA1c at 12 months).
ARMS = (Entry("Carlsson2015", "msc", HBA1C, "12", "9", "6.9", "sd", "0.8", unit="%",
              source="https://example.org/synthetic-bench", locator="Table 2"),
        Entry("Carlsson2015", "control", HBA1C, "12", "9", "7.4", "sd", "0.9", unit="%",
              source="https://example.org/synthetic-bench", locator="Table 2"))


def old_way(store, ds, inputs) -> None:
    checks = [check_entry_in(ds, e) for e in ARMS]            # the form, as typed
    assert all(c.ok for c in checks)
    new = ds
    for e in ARMS:
        new = apply_entry(new, e).dataset
    version = store.save(version_tables(new, inputs), name="bench")
    version_dataset(store.get(version.id))                     # the rerun's load and checks


def new_way(store, ds, inputs) -> None:
    checks = [check_entry_in(ds, e) for e in ARMS]
    assert all(c.ok for c in checks)
    new = apply_entries(ds, checks).dataset
    tables = version_tables(new, inputs)
    store.save(tables, name="bench")
    assert reads_back_as_itself(new, tables)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=30)
    n = ap.parse_args().n
    ds = load_dataset()
    inputs = CertaintyInputs.default(ds)
    times: dict[str, list[float]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(state_dir=Path(tmp), limits=Limits(max_client_per_minute=10**9, max_client_per_day=10**9,
                                                              max_saves_per_minute=10**9))
        for _ in range(n):                                         # interleaved
            for name, fn in (("old", old_way), ("new", new_way)):
                t = time.perf_counter()
                fn(store, ds, inputs)
                times[name].append(time.perf_counter() - t)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    print(f"workbench save in core, two arms, {n} runs each (ms)")
    old = statistics.median(times["old"]) * 1e3
    for name in ("old", "new"):
        med = statistics.median(times[name]) * 1e3
        print(f"{name:4s} median {med:7.1f}   p95 {sorted(times[name])[int(0.95 * n) - 1] * 1e3:7.1f}   "
              f"{med / old:.2f}x old")


if __name__ == "__main__":
    main()
