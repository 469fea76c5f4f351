"""Summarise a py-spy raw (collapsed) profile: inclusive share of the samples that run a page script,
per function of this project and per top-level Streamlit call.  Prints; asserts nothing.

    .venv/bin/py-spy record -r 200 -f raw -o bench/out/pyspy_rerun.txt -- .venv/bin/python bench/bench_rerun.py --n 40
    .venv/bin/python bench/pyspy_summary.py bench/out/pyspy_rerun.txt

With ``--served`` (a served process recorded with ``--gil --threads``, bench/server_cpu.py ``--pyspy``)
it first splits all samples by where they fall: the page script, the full garbage collection Streamlit
runs after every script run, the rest of the script thread, the event loop (WebSocket, protobuf) and
other threads; the inclusive list then covers every sample, not only script runs.
"""
from __future__ import annotations

import argparse
import collections
import re

FRAME = re.compile(r"(?P<fn>[^ ;]+) \((?P<file>[^:;]+)(?::\d+)?\)")
SCRIPT = "exec_func_with_error_handling"
POST_SCRIPT_GC = "ScriptRunner._on_script_finished (streamlit/runtime/scriptrunner/script_runner.py:"


def where(stack: str) -> str:
    """The part of a served process one sampled stack belongs to."""
    frames = stack.split(";")
    if SCRIPT in stack:
        return "page script (app.py and the page)"
    if frames[-1].startswith(POST_SCRIPT_GC):
        return "full gc.collect(2) after the script run (runner.postScriptGC)"
    if "_run_script_thread" in stack:
        return "script thread, outside the script (runner setup, sending the run's messages)"
    if "MainThread" in frames[0]:
        return "event loop (MainThread: WebSocket, protobuf, tornado/starlette)"
    return "other threads (" + re.sub(r"thread \(\d+\): |_\d+$", "", frames[0]) + ")"


def main(path: str, top: int = 40, served: bool = False) -> None:
    inclusive: collections.Counter = collections.Counter()
    parts: collections.Counter = collections.Counter()
    total = 0
    for line in open(path):
        stack, _, count = line.rstrip().rpartition(" ")
        n = int(count)
        if served:
            parts[where(stack)] += n
        elif SCRIPT not in stack:
            continue                                      # not a script run
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
    if served:
        print(f"{total} samples (threads holding the GIL); share by where they fall")
        for key, n in parts.most_common():
            print(f"{100 * n / total:6.1f}%  {key}")
        print()
    print(f"{total} samples{'' if served else ' inside script runs'}; inclusive share per function (top {top})")
    for key, n in inclusive.most_common(top):
        print(f"{100 * n / total:6.1f}%  {key}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("path")
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--served", action="store_true", help="a served process: split samples by thread and part")
    args = ap.parse_args()
    main(args.path, args.top, args.served)
