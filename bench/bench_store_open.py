"""What the integrity check costs when the store opens (issue 23 item 5): a SQLite store of N
versions of the shipped dataset (~90 kB each), opened with ``quick_check`` (the store as it is)
against a plain read of every version's row (the baseline, in the same run).

    .venv/bin/python bench/bench_store_open.py --versions 500
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.evidence.dataset import load_dataset  # noqa: E402
from core.store import Limits, open_store  # noqa: E402
from core.store.sqlite import quick_check  # noqa: E402
from core.store.tables import dataset_tables  # noqa: E402


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--versions", type=int, default=500)
    n = ap.parse_args().versions
    tables = dataset_tables(load_dataset())
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(state_dir=Path(tmp), limits=Limits(max_client_per_minute=10**9, max_client_per_day=10**9))
        for i in range(n):
            store.save(tables, name=f"v{i}")
        store.close()
        path = Path(tmp) / "datasets.sqlite3"

        def read_all():
            con = sqlite3.connect(path)
            con.execute("SELECT sum(length(content)) FROM datasets").fetchone()
            con.close()
        base = _best(read_all)
        check = _best(lambda: quick_check(path))
        whole = _best(lambda: open_store(state_dir=Path(tmp)).close())
        size = path.stat().st_size
    print(f"versions: {n}; file: {size / 1e6:.1f} MB")
    print(f"read every row (baseline): {base * 1000:.0f} ms")
    print(f"quick_check: {check * 1000:.0f} ms ({check / base:.2f} x the baseline)")
    print(f"open_store (quick_check + migration check + keeper connection): {whole * 1000:.0f} ms "
          f"({whole / base:.2f} x)")


if __name__ == "__main__":
    main()
