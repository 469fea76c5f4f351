"""Benchmark: what each hostile upload of issue 23 (item 3) costs, against a baseline upload.

Goal: any upload up to the 5 MB server limit is refused or accepted in <= 5 s with <= 300 MB of
extra peak memory.  Each case runs in its own fresh process (tests/hostile_files.py ``measure``:
wall and CPU seconds of the parse, extra peak RSS over the process's high-water mark before it);
the baseline is the shipped outcome table uploaded as a CSV, in the same run.  Wall time depends on
the machine's load (CPU time less so): the ratio column is CPU time over the baseline's.

Run from the project root:
    TMPDIR=$PWD/tmp .venv/bin/python bench/bench_upload_bounds.py [--out bench/out/upload_bounds.txt]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hostile_files import CASES, measure_in_child  # noqa: E402

GOAL_S, GOAL_MB = 5.0, 300.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench/out/upload_bounds.txt")
    args = ap.parse_args()
    rows = [measure_in_child([case])[0] for case in CASES]
    base = rows[0]
    lines = [f"goal: <= {GOAL_S:g} s and <= {GOAL_MB:g} MB extra peak; baseline {base['case']}: "
             f"{base['seconds']:.3f} s wall, {base['cpu']:.3f} s CPU, {base['extra_mb']:.1f} MB",
             f"{'case':24} {'bytes':>10} {'wall s':>7} {'CPU s':>7} {'CPU/base':>8} {'extra MB':>8}  met  result"]
    for r in rows:
        met = r["seconds"] <= GOAL_S and r["extra_mb"] <= GOAL_MB
        lines.append(f"{r['case']:24} {r['bytes']:>10,} {r['seconds']:>7.2f} {r['cpu']:>7.2f} "
                     f"{r['cpu'] / max(base['cpu'], 1e-6):>8.1f} {r['extra_mb']:>8.1f}  {'yes' if met else 'NO '}  "
                     f"{r['result']}")
    text = "\n".join(lines) + "\n"
    print(text, end="")
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
