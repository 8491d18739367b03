"""Who may touch the desk at once, within one server process: steps side by side, passes alone.

A desk step changes one caller's entry in that call's own transaction, under the call's lock
(``Database.call_transaction``), so steps of different calls need not wait for each other. A
routing pass observes the whole queue and roster and steps entries from that observation, and a
presence change must not fall in the middle of one: those run alone. Steps used to take one
process-wide lock as well, and held it while waiting for their turn at the database, so under
load each waited for every step queued before it, each behind the whole writer queue (the p99 of
docs/performance.md). A pass waiting for its turn goes before steps arriving after it, so a stream
of steps never starves the passes.

An IVR step that hands the caller over (or hangs up) stores the desk's step in its own call
transaction. It holds SQLite's one writer (on PostgreSQL, the call's row) by then, which a
routing pass waits for while it is alone: waiting for a step's turn there would deadlock. So it
claims a turn without waiting (``try_step``): free, it is its; a pass running or waiting, it is
refused and the desk's step goes after the commit, through ``step`` as before.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class DeskTurns:
    """A shared (steps) / exclusive (passes, presence) lock for one process's desk."""

    def __init__(self) -> None:
        self._changed = asyncio.Condition()
        self._steps = 0
        self._alone = False
        self._waiting_alone = 0

    @asynccontextmanager
    async def step(self) -> AsyncIterator[None]:
        if not self.try_step():
            # A pass runs or waits: after it (the condition's lock only then; free, the turn is
            # taken as ``try_step`` takes it).
            async with self._changed:
                await self._changed.wait_for(lambda: not self._alone and not self._waiting_alone)
                self._steps += 1
        try:
            yield
        finally:
            await self.end_step()

    def try_step(self) -> bool:
        """A step's turn taken now if no pass runs or waits (never waits: see the module's
        docstring); ``True``: taken, to be given back with ``end_step``."""
        if self._alone or self._waiting_alone:
            return False
        # No await between the check and the count: nothing else runs on the loop meanwhile.
        self._steps += 1
        return True

    async def end_step(self) -> None:
        # Only a pass waits for the steps to end (``alone``; steps wait for passes, never for
        # steps): with none waiting there is nobody to wake, and the count needs no lock (nothing
        # else runs on the loop between its read and its write). A pass about to wait counts
        # itself in ``_waiting_alone`` under the lock, then reads the count: never missed.
        self._steps -= 1
        if self._waiting_alone:
            async with self._changed:
                self._changed.notify_all()

    @asynccontextmanager
    async def alone(self) -> AsyncIterator[None]:
        async with self._changed:
            self._waiting_alone += 1
            try:
                await self._changed.wait_for(lambda: not self._alone and self._steps == 0)
            finally:
                self._waiting_alone -= 1
            self._alone = True
        try:
            yield
        finally:
            async with self._changed:
                self._alone = False
                self._changed.notify_all()
