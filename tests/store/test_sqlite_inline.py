"""SQLite statements run on the event loop: a lock held by another connection is waited for without
stopping the loop, up to the lock timeout, and the waiting statement then goes through."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from callcenter.store.sqlite_inline import inline_connector


def _file(tmp_path: Path) -> str:
    path = str(tmp_path / "inline.db")
    with sqlite3.connect(path) as setup:
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE t (n INTEGER)")
    return path


class _OtherWork:
    """Work the loop goes on doing while a statement waits; its twentieth turn commits ``holder``'s
    transaction (the lock is released by the loop's own work)."""

    def __init__(self, holder: sqlite3.Connection) -> None:
        self.holder = holder
        self.ticks = 0
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.ticks += 1
            if self.ticks == 20:
                self.holder.execute("COMMIT")
            await asyncio.sleep(0.001)


async def test_a_locked_database_is_waited_for_while_the_loop_runs(tmp_path: Path) -> None:
    path = _file(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")            # another connection holds the write lock
    holder.execute("INSERT INTO t VALUES (1)")
    connection = await inline_connector(path, lock_timeout=30.0)()
    other = _OtherWork(holder)
    cursor = connection.cursor()
    await cursor.execute("INSERT INTO t VALUES (2)")
    await connection.commit()
    other.task.cancel()
    assert other.ticks >= 20                     # the loop ran while the statement waited
    await cursor.execute("SELECT n FROM t ORDER BY n")
    assert await cursor.fetchall() == [(1,), (2,)]
    await connection.close()
    holder.close()


async def test_a_lock_never_released_fails_after_the_lock_timeout(tmp_path: Path) -> None:
    path = _file(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    connection = await inline_connector(path, lock_timeout=0.05)()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await connection.cursor().execute("INSERT INTO t VALUES (3)")
    holder.execute("ROLLBACK")
    await connection.cursor().execute("INSERT INTO t VALUES (3)")   # the transaction goes on after
    await connection.commit()
    await connection.close()
    holder.close()


async def test_other_errors_are_raised_at_once(tmp_path: Path) -> None:
    connection = await inline_connector(_file(tmp_path), lock_timeout=30.0)()
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await connection.cursor().execute("SELECT * FROM missing")
    await connection.close()


async def test_a_call_transaction_waits_for_a_lock_held_elsewhere_while_the_loop_runs(
        database_url: str, tmp_path: Path) -> None:
    # The call path runs its statements without a coroutine each (store/prepared.py,
    # Database.call_transaction) and falls back to the same wait only when SQLite refuses.
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's lock")
    from datetime import UTC, datetime

    from sqlalchemy.engine import make_url

    from callcenter.store import Database, upgrade

    upgrade(database_url)
    at = datetime(2026, 12, 6, 16, 0, tzinfo=UTC)
    create = {"flow_id": "caf", "flow_version": 1, "caller": None, "caller_hash": None, "called": None,
              "status": "in_ivr", "state": {}, "next_seq": 0, "created_at": at, "updated_at": at}
    db = Database(database_url)
    holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    try:
        async with db.call_transaction("CA-first", create=create):
            pass                                 # the store's connections are open, as in a server
        holder.execute("BEGIN IMMEDIATE")        # a command-line tool holds the write lock
        other = _OtherWork(holder)
        async with db.call_transaction("CA-waits", create=create) as tx:
            tx.append(at, "event", "digits", {"digits": "1"})
        other.task.cancel()
        assert other.ticks >= 20                 # the loop ran while the call waited
        assert [entry.kind for entry in await db.call_log("CA-waits")] == ["digits"]
    finally:
        holder.close()
        await db.close()
