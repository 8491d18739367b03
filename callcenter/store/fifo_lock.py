"""A first-come first-served lock whose wait can be bounded, and costs nothing when it is free.

SQLite's one writer is taken by every call event (``Database.call_transaction``). Most of the
time nobody holds it: the event runs its statements on the loop without letting go of it. An
``asyncio.Lock`` taken under ``asyncio.timeout`` cost a timer scheduled and cancelled for each
event even then. Here a free lock is taken at once, and only a wait is bounded.

The lock passes directly from its holder to the first waiter (never free in between), so a
newcomer cannot overtake callers already waiting, and a waiter whose bound is reached leaves the
queue without disturbing the others.
"""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType


class FifoLock:
    def __init__(self) -> None:
        self._held = False
        self._waiters: deque[asyncio.Future[None]] = deque()
        # The loop of the first wait, kept: on Python 3.11 each ``get_running_loop`` (and an
        # ``asyncio.timeout``'s three of them) is a getpid() system call, and under load every
        # call event waits here. A lock serves one loop (the server's), as asyncio's own do.
        self._loop: asyncio.AbstractEventLoop | None = None

    def locked(self) -> bool:
        return self._held

    async def acquire(self, at_most: float | None = None, *, next_in_line: bool = False) -> None:
        """Take the lock, waiting at most ``at_most`` seconds (then ``TimeoutError``) if it is held.
        (Not ``asyncio.timeout`` around the call: its timer would be armed for a free lock too.)
        ``next_in_line``: wait at the head of the queue, not its tail, for a short piece of work
        whose cost grows with its wait (a checkpoint's second pass copies what was written while
        it waited)."""
        if not self._held:
            self._held = True
            return
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        if next_in_line:
            self._waiters.appendleft(waiter)
        else:
            self._waiters.append(waiter)
        timer = None if at_most is None else loop.call_later(at_most, _give_up, waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.release()  # handed over just as the wait ended: pass it on
            else:
                try:
                    self._waiters.remove(waiter)
                except ValueError:
                    pass
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # held on its behalf from now on
                return
        self._held = False

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.release()


def _give_up(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


__all__ = ["FifoLock"]
