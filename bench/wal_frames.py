#!/usr/bin/env python3
"""The pages a call event writes on SQLite, counted: bench/load.py's calls replayed against the
application run in this process (bench/replay.py's harness), then the WAL's frames read back and
each frame's page named by the b-tree it belongs to (SQLite's ``dbstat``).

    .venv/bin/python bench/wal_frames.py [--prefill 1000] [--calls 200] [--concurrency 100]

``--prefill`` calls are played first, checkpoints running as in production, so that the measured
calls write into tables and indexes of some size (a fresh file's b-trees are one page deep). Then
the checkpoints are stopped, the log is emptied (``wal_checkpoint(TRUNCATE)``), the measured calls
are played and every frame the log then holds is counted: in WAL mode each commit appends one
frame for each page it changed, so frames per commit are pages written per transaction (a page
written by two transactions is two frames). Figures do not depend on the machine's load.
"""

from __future__ import annotations

import argparse
import collections
import json
import logging
import shutil
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402
import replay  # noqa: E402

from callcenter.config import Settings  # noqa: E402
from callcenter.store import database, sqlite_checkpoint, sqlite_inline  # noqa: E402


class Trace:
    """Every statement the server's SQLite connections start while ``on``, with its connection's
    number, in the order they ran (the server runs them on one thread): bench/sql_replay.py runs
    them again, values included, against the file as it was before them."""

    def __init__(self) -> None:
        self.on = False
        self.statements: list[tuple[int, str]] = []
        self._count = 0

    def connect(self, *args: object, **kwargs: object) -> sqlite3.Connection:
        connection = sqlite3.connect(*args, **kwargs)  # type: ignore[arg-type]
        number = self._count
        self._count += 1

        def traced(sql: str) -> None:
            if self.on and not sql.startswith("--"):  # "--": a trigger's statements
                self.statements.append((number, sql))
        connection.set_trace_callback(traced)
        return connection


def wal_frames(wal: bytes) -> tuple[int, list[tuple[int, bool]]]:
    """The page size and, for each valid frame of ``wal``, its page number and whether it ends a
    commit (frames after the last commit, or of an older log generation, are not counted)."""
    if len(wal) < 32:
        return 4096, []
    magic, _version, page_size, _seq, salt1, salt2 = struct.unpack(">IIIIII", wal[:24])
    assert magic in (0x377F0682, 0x377F0683), "not a WAL file"
    frames: list[tuple[int, bool]] = []
    offset = 32
    while offset + 24 + page_size <= len(wal):
        page, commit, s1, s2 = struct.unpack(">IIII", wal[offset:offset + 16])
        if (s1, s2) != (salt1, salt2):
            break  # a frame left from an earlier generation of the log
        frames.append((page, commit != 0))
        offset += 24 + page_size
    while frames and not frames[-1][1]:
        frames.pop()  # an uncommitted tail
    return page_size, frames


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prefill", type=int, default=1000, help="calls played before the measured ones")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--keep", help="copy the database there at the end")
    parser.add_argument("--page-types", action="store_true", help="count leaf, interior and overflow pages apart")
    parser.add_argument("--trace", help="a folder: the file before the measured calls and their statements, "
                                        "for bench/sql_replay.py")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    work = Path(tempfile.mkdtemp(prefix="cc-wal-"))
    # Only the checkpointer's thread copies the log back (the call writer's connection already
    # has no automatic checkpoint; the pool's connections had theirs, every 1000 pages).
    pragmas = database._sqlite_pragmas

    def no_autocheckpoint(connection: sqlite3.Connection) -> None:
        pragmas(connection)
        connection.execute("PRAGMA wal_autocheckpoint=0")

    database._sqlite_pragmas = no_autocheckpoint
    trace = Trace()
    if args.trace:
        sqlite_inline.sqlite3 = type(sys)("sqlite3_traced")  # type: ignore[assignment]
        sqlite_inline.sqlite3.__dict__.update(sqlite3.__dict__)
        sqlite_inline.sqlite3.connect = trace.connect  # type: ignore[attr-defined]
    fake_port, port = load.free_port(), load.free_port()
    fake = subprocess.Popen([load.CLI, "fake-twilio", "--port", str(fake_port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        env = load.our_env(work, None, f"http://127.0.0.1:{fake_port}")
        env["CALLCENTER_PORT"] = str(port)
        path = work / "callcenter.db"
        server = replay.ServerThread(Settings.from_env(env))
        server.start()
        if not server.ready.wait(120):
            raise SystemExit("server not ready")
        base = f"http://127.0.0.1:{port}"
        while not load.warm(json.loads(urllib.request.urlopen(base + "/healthz", timeout=30).read())):
            time.sleep(0.2)
        if args.prefill:
            replay.client(base, args.prefill, args.concurrency)
        # No checkpoint from now on: every page the measured calls write stays in the log.
        committed = sqlite_checkpoint.Checkpointer.committed
        sqlite_checkpoint.Checkpointer.committed = lambda self: None  # type: ignore[method-assign]
        time.sleep(1.0)  # a checkpoint under way ends
        with sqlite3.connect(path, isolation_level=None) as conn:
            conn.execute("PRAGMA wal_autocheckpoint=0")
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            assert not busy, "the log could not be emptied"
            if args.trace:
                Path(args.trace).mkdir(parents=True, exist_ok=True)
                # The log is empty: the file holds every page, as the server's b-trees left them.
                shutil.copy(path, Path(args.trace) / "start.db")
                trace.on = True
            result = replay.client(base, args.calls, args.concurrency)
            trace.on = False
            time.sleep(0.5)
            page_size, frames = wal_frames((work / "callcenter.db-wal").read_bytes())
            names = {page: f"{name} ({kind})" if args.page_types else name
                     for page, name, kind in conn.execute("SELECT pageno, name, pagetype FROM dbstat")}
            freelist = conn.execute("PRAGMA freelist_count").fetchone()[0]
        sqlite_checkpoint.Checkpointer.committed = committed  # type: ignore[method-assign]
        if args.keep:
            shutil.copy(path, args.keep)
        server.stop()
    finally:
        fake.terminate()
        fake.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    webhooks = len(result.latencies)
    if args.trace:
        with open(Path(args.trace) / "trace.json", "w", encoding="utf-8") as out:
            json.dump({"webhooks": webhooks, "statements": trace.statements}, out)
    commits = sum(1 for _, end in frames if end)
    by_tree = collections.Counter(names.get(page, "(other: freelist or schema)") for page, _ in frames)
    print(f"{args.calls} calls x 4 webhooks at concurrency {args.concurrency} after {args.prefill} calls: "
          f"{webhooks} webhooks, {result.errors} errors, {result.apologies} apologies; page size {page_size}, "
          f"free pages {freelist}")
    print(f"  {len(frames)} WAL frames in {commits} commits: {len(frames) / max(1, commits):.2f} a commit, "
          f"{len(frames) / max(1, webhooks):.2f} a webhook")
    for name, count in by_tree.most_common():
        print(f"  {count / max(1, webhooks):6.2f}  {name}")
    return 1 if result.errors or result.apologies else 0


if __name__ == "__main__":
    sys.exit(main())
