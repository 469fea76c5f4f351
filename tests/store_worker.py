"""Subprocess side of the store tests (a second replica, a process killed mid-save).

``python -m tests.store_worker open-and-save TARGET START_AT``: wait until the wall clock reaches
START_AT (so several workers start together), open the store (migrating it), save one version and
print its id.  ``python -m tests.store_worker save-loop TARGET [FIRST]``: save numbered versions forever,
printing ``<index> <id>`` after each commit.  TARGET is a postgresql:// URL or a state folder.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from core.store import open_store


def numbered_tables(i: int) -> dict[str, str]:
    """Synthetic tables whose content says which save made them (checked after a kill)."""
    return {"outcomes": "study_id,mean\n" + "".join(f"S{i},{i}.{k}\n" for k in range(50)),
            "studies": f"study_id,note\nS{i},save number {i}\n"}


def _open(target: str):
    return open_store(target) if target.startswith("postgresql://") else open_store(state_dir=Path(target))


def main(argv: list[str]) -> None:
    command, target = argv[0], argv[1]
    if command == "open-and-save":
        time.sleep(max(0.0, float(argv[2]) - time.time()))
        store = _open(target)
        print(store.save(numbered_tables(0), name="from a worker").id, flush=True)
    elif command == "save-loop":
        store = _open(target)
        i = int(argv[2]) if len(argv) > 2 else 0
        while True:
            version = store.save(numbered_tables(i), name=f"loop {i}")
            print(i, version.id, flush=True)
            i += 1
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
