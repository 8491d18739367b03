"""SQLite's WAL checkpoints on a thread of their own, never inside a commit on the event loop.

In WAL mode SQLite copies the log back into the database file when it has grown past a
threshold (1000 pages), in whichever commit crosses it, and with ``synchronous=NORMAL`` syncs both
files to disk there. On the call path that commit runs on the event loop (store/sqlite_inline.py):
the loop stopped for the copy and two fsyncs, 8-30 ms on this machine's disk, one commit in about a
hundred (bench/replay.py: commit p50 46 us, p99 8 ms), and every webhook in flight waited.

The call writer's connection has automatic checkpoints turned off; after every
``CHECKPOINT_COMMITS`` of its commits a checkpoint runs on this thread, on a connection of its own
(``sqlite3`` releases the interpreter lock while SQLite works):

1. a passive checkpoint copies the log into the file and syncs both while call transactions go
   on (it never waits for a lock, and holds none a writer needs);
2. then, holding the writer's turn (call events wait for it like for any event, without stopping
   the loop), a second one copies the few pages written meanwhile. SQLite starts the log over
   from its beginning only when every page of it is in the file at a writer's next transaction,
   which a checkpoint racing the writer never achieves: without this pass the log file grew
   without end (3 pages a call event in tests), and its appends to fresh blocks of the file cost
   more than rewriting old ones. Still in that pass, this connection rewrites the file's header
   with its own value (``PRAGMA user_version``, which nothing else uses) so that it is the one
   starting the log over: the first write of a new log syncs the log's header to disk, and that
   fsync then happens here rather than in the next call event's commit on the loop.

The second pass stops every call event for its length (1-2 ms here, most of it the copy and the
syncs of what was written during the first pass), so it is not made at every checkpoint. It is made
at once when nobody is waiting for the writer (a quiet server, the usual case: nobody is kept
waiting); under load, only after ``START_OVER_EVERY`` checkpoints without one, and then at the
head of the writer's queue, not at its tail (session 11: behind a hundred waiting call events the
pass waited ~45 ms, copied what they wrote meanwhile, and held the writer ~6 ms; the writer was
stopped 10 % of the time). Between two, the log grows by at most ``START_OVER_EVERY`` checkpoints'
commits (~13 pages of 4 KiB a call event: ~50 MB), and is rewritten in place from then on.

Other connections (the pool's rare writes, command-line tools) keep SQLite's automatic
checkpoints, which also bound the log should this thread ever fall behind.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from concurrent.futures import ThreadPoolExecutor

from callcenter.store.fifo_lock import FifoLock

_LOGGER = logging.getLogger(__name__)
# About as many pages as SQLite's own threshold: a call event's commit writes 5-10.
CHECKPOINT_COMMITS = 100
# Under load, the log starts over after at most this many checkpoints (see above).
START_OVER_EVERY = 10


class Checkpointer:
    """Checkpoints the SQLite file ``path`` after every ``every`` commits it is told of, one at a
    time, on a thread of its own; the second pass holds ``writer`` (the call writer's turn)."""

    def __init__(self, path: str, writer: FifoLock, every: int = CHECKPOINT_COMMITS,
                 start_over_every: int = START_OVER_EVERY) -> None:
        self.path = path
        self.writer = writer
        self.every = every
        self.start_over_every = start_over_every
        self.done = 0
        self.started_over = 0
        self._since_start_over = 0
        self._commits = 0
        self._executor: ThreadPoolExecutor | None = None
        self._running: asyncio.Task[None] | None = None
        self._connection: sqlite3.Connection | None = None  # used on the thread only

    def committed(self) -> None:
        """One more commit of the writer (called on the event loop)."""
        self._commits += 1
        if self._commits < self.every or (self._running is not None and not self._running.done()):
            return
        self._commits = 0
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-checkpoint")
        self._running = asyncio.get_running_loop().create_task(self._cycle(self._executor))
        self._running.add_done_callback(_reported)

    async def _cycle(self, executor: ThreadPoolExecutor) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(executor, self._checkpoint)
        self._since_start_over += 1
        if self.writer.locked() and self._since_start_over < self.start_over_every:
            self.done += 1
            return
        # Free, it is taken at once; held, this pass goes first: behind the queue it would copy
        # everything the queue writes meanwhile.
        await self.writer.acquire(next_in_line=True)
        try:
            if await loop.run_in_executor(executor, self._checkpoint_and_start_over):
                self._since_start_over = 0
                self.started_over += 1
        finally:
            self.writer.release()
        self.done += 1

    def _checkpoint(self) -> tuple[sqlite3.Connection, bool]:
        """A passive checkpoint; whether it copied the whole log into the file."""
        if self._connection is None:
            self._connection = sqlite3.connect(self.path, timeout=0, check_same_thread=False, isolation_level=None)
        busy, logged, copied = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return self._connection, not busy and logged == copied

    def _checkpoint_and_start_over(self) -> bool:
        """Whether the log will start over at the next write (the header rewritten here)."""
        connection, whole = self._checkpoint()
        if not whole:
            return False  # a reader of another process still uses the log: it cannot start over now
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            connection.execute(f"PRAGMA user_version = {int(version)}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return True

    def _close_connection(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        """Wait for a checkpoint under way, then close the thread's connection and the thread."""
        if self._executor is None:
            return
        executor, self._executor = self._executor, None
        if self._running is not None:
            await asyncio.wait([self._running])
        await asyncio.get_running_loop().run_in_executor(executor, self._close_connection)
        executor.shutdown(wait=True)


def _reported(future: asyncio.Task[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        # The log is then bounded by the other connections' automatic checkpoints; the next
        # one here tries again.
        _LOGGER.warning("SQLite checkpoint failed: %s", future.exception())


__all__ = ["CHECKPOINT_COMMITS", "START_OVER_EVERY", "Checkpointer"]
