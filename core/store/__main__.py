"""The operator's commands (:mod:`core.store.operator`), on the store the settings name
(``MSCDM_DATABASE_URL``, else SQLite in ``MSCDM_STATE_DIR``)::

    python -m core.store backup DEST            # a SQLite file; never overwrites DEST
    python -m core.store restore SRC            # adds the versions of SRC the store lacks
    python -m core.store redact ID --reason TEXT

Each prints what it did and logs it; a refusal prints one sentence and exits with status 1.
"""
from __future__ import annotations

import argparse
import logging
import sys

from core.errors import StoreError
from core.store import open_store
from core.store.model import ID_PATTERN
from core.store.operator import backup, redact, restore


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core.store", description="Operator tools for the saved datasets.")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("backup", help="write a backup (a SQLite file) to DEST").add_argument("dest")
    sub.add_parser("restore", help="add every version of the backup SRC that the store lacks").add_argument("src")
    red = sub.add_parser("redact", help="remove a version's content, keeping its id and chain")
    red.add_argument("id")
    red.add_argument("--reason", required=True, help="why (shown to whoever opens the version)")
    return p


def _ids_as_positionals(argv: list[str]) -> list[str]:
    """Let an id or a reason start with '-' (ids made before new_id ruled that out may): the reason is
    joined to its option (``--reason=TEXT``) and a dashed id moves behind ``--``, where argparse reads
    them as values, not as unknown options."""
    if "--" in argv:
        return argv
    joined, i = [], 0
    while i < len(argv):
        if argv[i] == "--reason" and i + 1 < len(argv):
            joined.append(f"--reason={argv[i + 1]}")
            i += 2
        else:
            joined.append(argv[i])
            i += 1
    dashed = [a for a in joined if a.startswith("-") and ID_PATTERN.fullmatch(a)]
    return [a for a in joined if a not in dashed] + (["--", *dashed] if dashed else [])


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(_ids_as_positionals(argv))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        store = open_store()
        if args.command == "backup":
            done = backup(store, args.dest)
            print(f"Backed up {done.added} version(s) to {args.dest}.")
        elif args.command == "restore":
            done = restore(store, args.src)
            print(f"Restored {done.added} version(s); {done.present} were already there"
                  + (f"; {len(done.damaged)} damaged one(s) skipped: {', '.join(done.damaged)}." if done.damaged
                     else "."))
        else:
            later = redact(store, args.id, args.reason)
            print(f"Redacted {args.id}." + (f" {len(later)} later version(s) descend from it and hold copies of "
                                             f"its tables; redact them too if needed: {', '.join(later)}"
                                             if later else ""))
    except StoreError as exc:
        print(f"Refused: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
