"""Who may touch the desk at once, within one server process: steps side by side, passes alone.

A desk step changes one caller's entry in that call's own transaction, under the call's lock
(``Database.call_transaction``), so steps of different calls need not wait for each other. A
routing pass observes the whole queue and roster and steps entries from that observation, and a
presence change must not fall in the middle of one: those run alone. Steps used to take one
process-wide lock as well, and held it while waiting for their turn at the database, so under
load each waited for every step queued before it, each behind the whole writer queue (the p99 of
docs/performance.md). A pass waiting for its turn goes before steps arriving after it, so a stream
of steps never starves the passes.
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
        async with self._changed:
            await self._changed.wait_for(lambda: not self._alone and not self._waiting_alone)
            self._steps += 1
        try:
            yield
        finally:
            async with self._changed:
                self._steps -= 1
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
