"""A bounded pool of decoding threads shared by every call, with urgent work first.

Vosk releases the GIL inside its C calls, so threads decode in parallel. Each call has at most one
job in the pool at a time (its worker awaits the result before submitting the next), which keeps
every recogniser on one thread at a time and the pool's queue no longer than the number of calls.
Jobs run by priority, then in submission order: ending an utterance is short and someone is
waiting for its transcript, so it goes before bulk audio of other calls.

The threads can run at a lower OS scheduling priority than the rest of the process (``nice``,
Linux only: there each thread has its own priority), so that the event loop thread, which must
wake within milliseconds, would win a core they keep busy. Off by default: measured, it did not
help (``DEFAULT_NICE``).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import queue
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_LOGGER = logging.getLogger(__name__)

#: How much nicer than the rest of the process the decoding threads run by default: not at all.
#: Niced by 10, they did not make the event loop more punctual (docs/speech.md, session 6): they
#: also hold the GIL between Vosk calls, and a niced thread holding it keeps the loop waiting.
DEFAULT_NICE = 0

URGENT = 0  # finishing an utterance: the caller is waiting for the answer
SETUP = 1  # creating a recogniser at an utterance's start
BULK = 2  # decoding audio
WARM = 3  # preparing recognisers ahead of calls: only when no call has work waiting
_STOP = 9  # the shutdown sentinels, after every real job

_Job = tuple[int, int, Callable[[], Any] | None, "Future[Any] | None"]


class DecodePool:
    """``workers`` daemon threads pulling from one priority queue, each ``nice`` steps nicer than
    the thread that made the pool (0: as nice as it)."""

    def __init__(self, workers: int, nice: int = 0) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        if not 0 <= nice <= 19:
            raise ValueError("nice must be from 0 to 19")
        self.workers = workers
        self.nice = nice
        self._refused = threading.Event()      # the OS said no once: logged once, not per thread
        self._jobs: queue.PriorityQueue[_Job] = queue.PriorityQueue()
        self._order = itertools.count()
        self._closed = False
        self._threads = [threading.Thread(target=self._work, name=f"speech-decode-{i}", daemon=True)
                         for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[[], T], priority: int = BULK) -> Future[T]:
        """Run ``fn`` on a decoding thread; the future holds its result or exception."""
        if self._closed:
            raise RuntimeError("decode pool is shut down")
        future: Future[T] = Future()
        self._jobs.put((priority, next(self._order), fn, future))
        return future

    async def run(self, fn: Callable[[], T], priority: int = BULK) -> T:
        """Await ``fn`` run on a decoding thread."""
        return await asyncio.wrap_future(self.submit(fn, priority))

    def pending(self) -> int:
        """Jobs waiting for a thread."""
        return self._jobs.qsize()

    def shutdown(self, wait: bool = True, cancel_pending: bool = False) -> None:
        """Stop the threads once the queued jobs are done; with ``cancel_pending``, the jobs not
        started yet are cancelled instead (their awaiting coroutines see ``CancelledError``)."""
        if self._closed:
            return
        self._closed = True
        if cancel_pending:
            while True:
                try:
                    _, _, _, future = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if future is not None:
                    future.cancel()
        for _ in self._threads:
            # Sentinels sort after every real job, so queued work finishes first.
            self._jobs.put((_STOP, next(self._order), None, None))
        if wait:
            for thread in self._threads:
                thread.join()

    def _lower_priority(self) -> None:
        """Make this thread ``nice`` steps nicer, where the OS lets a thread do that alone."""
        if not self.nice:
            return
        if not sys.platform.startswith("linux"):
            # Elsewhere a thread id is no process id: setpriority would miss, or hit another process.
            if not self._refused.is_set():
                self._refused.set()
                _LOGGER.info("decoding threads keep the process's priority: per-thread priority needs Linux")
            return
        tid = threading.get_native_id()
        try:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + self.nice))
        except OSError as exc:      # a sandbox that forbids it: decode at the process's priority
            if not self._refused.is_set():
                self._refused.set()
                _LOGGER.warning("decoding threads keep the process's priority: %s", exc)

    def _work(self) -> None:
        self._lower_priority()
        while True:
            _, _, fn, future = self._jobs.get()
            if fn is None or future is None:
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn()
            except BaseException as exc:  # delivered to the awaiting coroutine, not lost
                future.set_exception(exc)
            else:
                future.set_result(result)
