"""Subprocess side of the disk-full test: ``python -m tests.store_disk_full DIR`` (DIR: a small
tmpfs that the test mounts in a private mount namespace).  Saves until the disk is full, then reads
every saved version back: in the same store, in a second store opened beside it (another replica),
and, after both are closed, in a third (a restarted app).  Prints one JSON line."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from core.errors import StoreError
from core.store import open_store


def tables(i: int) -> dict[str, str]:
    return {"outcomes": "study_id,mean\n" + "".join(f"S{i},{i}.{k}{'7' * 40}\n" for k in range(200)),
            "studies": f"study_id\nS{i}\n"}


def _read_all(store, ids) -> int:
    return sum(1 for i, vid in ids if dict(store.get(vid).tables) == tables(i))


def main(folder: str) -> None:
    store = open_store(state_dir=Path(folder))
    ids, refusal = [], None
    for i in range(10_000):
        try:
            ids.append((i, store.save(tables(i), name=f"fill {i}").id))
        except StoreError as exc:
            refusal = str(exc)
            break
    out = {"saved": len(ids), "refusal": refusal, "same_store": _read_all(store, ids)}
    other = open_store(state_dir=Path(folder))
    out["second_store"] = _read_all(other, ids)
    other.close()
    store.close()
    try:
        out["restarted"] = _read_all(open_store(state_dir=Path(folder)), ids)
    except StoreError as exc:
        out["restarted"] = str(exc)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
