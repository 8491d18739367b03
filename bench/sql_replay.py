#!/usr/bin/env python3
"""SQLite's own work for a bench's call events, alone: the statements bench/wal_frames.py traced
(``--trace DIR``) run again, each on a connection of its own like the server's, against a copy of
the file as it was before them, with the CPU time of each kind of statement (COMMIT: the WAL's
frames written):

    .venv/bin/python bench/wal_frames.py --trace /tmp/t
    .venv/bin/python bench/sql_replay.py /tmp/t [--rounds 5] [--by-kind 10]

The statements carry their values in their text (SQLite's trace expands them): each is parsed
again here, a cost the server's prepared statements do not pay, the same for both schemas (under
callgrind the parser is most of SQLite's instructions, and the WAL's writes, the kernel's, are not
counted: CPU time says more).
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|\bNULL\b")


def kind(sql: str) -> str:
    """A statement's text without its values, cut short: what its time is counted under."""
    return _LITERALS.sub("?", " ".join(sql.split()))[:60]


def run(folder: Path, statements: list[tuple[int, str]],
        by_kind: collections.Counter[str] | None = None) -> tuple[float, int]:
    """Run ``statements`` on a fresh copy of the traced file; its CPU seconds and failed statements
    (with ``by_kind``, each statement's CPU time is added there under its kind)."""
    work = Path(tempfile.mkdtemp(prefix="cc-sql-replay-"))
    try:
        path = work / "db.sqlite"
        shutil.copy(folder / "start.db", path)
        connections: dict[int, sqlite3.Connection] = {}
        failed = 0
        began = time.thread_time()
        for number, sql in statements:
            conn = connections.get(number)
            if conn is None:
                conn = connections[number] = sqlite3.connect(path, isolation_level=None)
                for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "wal_autocheckpoint=0"):
                    conn.execute(f"PRAGMA {pragma}")
            start = time.thread_time() if by_kind is not None else 0.0
            try:
                conn.execute(sql).fetchall()
            except sqlite3.Error:
                failed += 1
            if by_kind is not None:
                by_kind[kind(sql)] += time.thread_time() - start
        cpu = time.thread_time() - began
        for conn in connections.values():
            conn.close()
        return cpu, failed
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--by-kind", type=int, default=0, metavar="N",
                        help="print the N kinds of statement taking the most time (last round)")
    args = parser.parse_args()
    traced = json.loads((args.folder / "trace.json").read_text(encoding="utf-8"))
    webhooks, statements = traced["webhooks"], [tuple(s) for s in traced["statements"]]
    times = []
    by_kind: collections.Counter[str] = collections.Counter()
    for _ in range(args.rounds):
        by_kind.clear()
        cpu, failed = run(args.folder, statements, by_kind if args.by_kind else None)  # type: ignore[arg-type]
        times.append(cpu)
    print(f"{len(statements)} statements for {webhooks} webhooks ({failed} failed): "
          f"best {1e6 * min(times) / webhooks:.1f} us a webhook, rounds "
          + ", ".join(f"{1e6 * t / webhooks:.1f}" for t in times))
    for text, seconds in by_kind.most_common(args.by_kind):
        print(f"  {1e6 * seconds / webhooks:7.1f} us  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
