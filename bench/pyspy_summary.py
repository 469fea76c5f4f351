"""Summarise a py-spy raw (collapsed) profile: inclusive share of the samples that run a page script,
per function of this project and per top-level Streamlit call.  Prints; asserts nothing.

    .venv/bin/py-spy record -r 200 -f raw -o bench/out/pyspy_rerun.txt -- .venv/bin/python bench/bench_rerun.py --n 40
    .venv/bin/python bench/pyspy_summary.py bench/out/pyspy_rerun.txt
"""
from __future__ import annotations

import collections
import re
import sys

FRAME = re.compile(r"(?P<fn>[^ ;]+) \((?P<file>[^:;]+)(?::\d+)?\)")


def main(path: str, top: int = 40) -> None:
    inclusive: collections.Counter = collections.Counter()
    total = 0
    for line in open(path):
        stack, _, count = line.rstrip().rpartition(" ")
        if "exec_func_with_error_handling" not in stack:
            continue                                      # not a script run
        n = int(count)
        total += n
        seen = set()
        for frame in stack.split(";"):
            m = FRAME.search(frame)
            if not m:
                continue
            f = m["file"]
            short = re.sub(r".*/site-packages/", "", f).replace("/work/main/", "")
            if short.startswith(("ui/", "core/", "pages/", "app.py")) or (
                    short.startswith("streamlit/") and not short.startswith("streamlit/runtime/scriptrunner")) \
                    or short.startswith(("plotly/", "pandas/", "pyarrow/", "_plotly_utils/")):
                key = f"{short}:{m['fn']}"
                if key not in seen:
                    seen.add(key)
                    inclusive[key] += n
    print(f"{total} samples inside script runs; inclusive share per function (top {top})")
    for key, n in inclusive.most_common(top):
        print(f"{100 * n / total:6.1f}%  {key}")


if __name__ == "__main__":
    main(sys.argv[1])
