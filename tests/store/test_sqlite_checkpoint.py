"""WAL checkpoints run on a thread of their own (store/sqlite_checkpoint.py): the call writer's
commits never copy the log back into the database file themselves, and the checkpointer does,
so the database file holds what was committed and the log stops growing."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from callcenter.store import Database, upgrade
from callcenter.store.fifo_lock import FifoLock
from callcenter.store.sqlite_checkpoint import CHECKPOINT_COMMITS, Checkpointer

AT = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)


def _rows_in_main_file(path: Path, tmp_path: Path, table: str) -> int:
    """Rows of ``table`` in the database file alone, its write-ahead log left out."""
    alone = tmp_path / "alone.db"
    shutil.copyfile(path, alone)
    with sqlite3.connect(alone) as raw:
        return int(raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


async def test_a_checkpoint_copies_the_log_into_the_file_after_enough_commits(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (n INTEGER)")
    checkpointer = Checkpointer(str(path), FifoLock(), every=5)
    for n in range(4):
        writer.execute("INSERT INTO t VALUES (?)", (n,))
        checkpointer.committed()
    assert checkpointer.done == 0 and _rows_in_main_file(path, tmp_path, "sqlite_master") == 0
    writer.execute("INSERT INTO t VALUES (4)")
    checkpointer.committed()                     # the fifth commit asks for one
    await checkpointer.close()                   # waits for the checkpoint under way
    assert checkpointer.done == 1
    assert _rows_in_main_file(path, tmp_path, "t") == 5
    writer.close()


async def test_call_transactions_leave_checkpoints_to_the_thread(database_url: str, tmp_path: Path) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write-ahead log")
    upgrade(database_url)
    path = Path(make_url(database_url).database or "")
    db = Database(database_url)
    try:
        create = {"flow_id": "caf", "flow_version": 1, "caller": None, "caller_hash": None, "called": None,
                  "status": "in_ivr", "state": {}, "next_seq": 0, "created_at": AT, "updated_at": AT}
        for n in range(CHECKPOINT_COMMITS):
            if n == CHECKPOINT_COMMITS - 1:
                assert _rows_in_main_file(path, tmp_path, "call_log") == 0   # in the log only, so far
            async with db.call_transaction(f"CA-{n}", create=create) as tx:
                tx.append(AT, "event", "digits", {"digits": str(n % 10)})
        # The last commit asked for a checkpoint; far fewer pages than SQLite's own threshold
        # (1000) were written, so only that checkpoint can copy them into the file.
        for _ in range(500):
            if _rows_in_main_file(path, tmp_path, "call_log") == CHECKPOINT_COMMITS:
                break
            await asyncio.sleep(0.01)
        assert _rows_in_main_file(path, tmp_path, "call_log") == CHECKPOINT_COMMITS
    finally:
        await db.close()


async def test_the_log_starts_over_instead_of_growing(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write-ahead log")
    upgrade(database_url)
    wal = Path(str(make_url(database_url).database) + "-wal")
    db = Database(database_url)
    try:
        create = {"flow_id": "caf", "flow_version": 1, "caller": None, "caller_hash": None, "called": None,
                  "status": "in_ivr", "state": {"said": "x" * 2000}, "next_seq": 0, "created_at": AT,
                  "updated_at": AT}
        sizes = []
        for n in range(10 * CHECKPOINT_COMMITS):
            async with db.call_transaction(f"CA-{n % 50}", create=create) as tx:
                tx.append(AT, "event", "digits", {"digits": str(n % 10)})
            if n % 10 == 0:
                await asyncio.sleep(0.001)           # the loop runs other work, as a server's does
            if n % CHECKPOINT_COMMITS == CHECKPOINT_COMMITS - 1:
                sizes.append(wal.stat().st_size)
    finally:
        await db.close()
    # Written again from its start after each checkpoint: the file stays the size a few rounds of
    # commits need (it would have grown by the same amount at every round).
    assert max(sizes[3:]) <= 2 * sizes[1], sizes


def _wal_writer(path: Path) -> sqlite3.Connection:
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (n INTEGER)")
    return writer


async def test_a_quiet_writer_starts_the_log_over_at_every_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    writer = _wal_writer(path)
    checkpointer = Checkpointer(str(path), FifoLock(), every=2, start_over_every=3)
    for n in range(6):
        writer.execute("INSERT INTO t VALUES (?)", (n,))
        checkpointer.committed()
        await checkpointer.close()               # each checkpoint done before the next commit
    assert (checkpointer.done, checkpointer.started_over) == (3, 3)
    writer.close()


async def test_under_load_the_log_starts_over_only_every_few_checkpoints_and_first_in_line(
        tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    wal = Path(str(path) + "-wal")
    writer = _wal_writer(path)
    turn = FifoLock()
    checkpointer = Checkpointer(str(path), turn, every=1, start_over_every=3)
    await turn.acquire()                         # a call event holds the writer's turn...
    started_over_when_served: list[int] = []

    async def event() -> None:                   # ...and another waits for it
        await turn.acquire()
        started_over_when_served.append(checkpointer.started_over)
        turn.release()

    waiting = asyncio.create_task(event())
    for n in range(2):
        writer.execute("INSERT INTO t VALUES (?)", (n,))
        checkpointer.committed()
        await checkpointer.close()
    # Two checkpoints copied the log into the file without waiting for the turn; neither started
    # the log over (that needs the turn, and call events were waiting for it).
    assert (checkpointer.done, checkpointer.started_over) == (2, 0)
    assert _rows_in_main_file(path, tmp_path, "t") == 2
    writer.execute("INSERT INTO t VALUES (2)")
    checkpointer.committed()                     # the third: it now waits for the turn...
    for _ in range(400):
        await asyncio.sleep(0.005)
        if len(turn._waiters) == 2:
            break
    turn.release()                               # ...and takes it before the event queued first
    await checkpointer.close()
    await waiting
    assert (checkpointer.done, checkpointer.started_over) == (3, 1)
    assert started_over_when_served == [1]
    size = wal.stat().st_size
    writer.execute("INSERT INTO t VALUES (3)")   # the log is written again from its start
    assert wal.stat().st_size <= size
    writer.close()
