"""Every server process runs one scheduler: it claims the shared timers that are due and runs them.

Each job runs once per period across the cluster, on whichever process claims it first; the
process that dies mid-period leaves the next period to the survivors. Time is read from the clock
given at construction and handed to the jobs' cores as an input, never read by them.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from callcenter.cluster.jobs import claim, heartbeat, node_alive
from callcenter.store import Database

_LOGGER = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def new_node_id() -> str:
    """A name for this process, unique across restarts (host, pid, a random part)."""
    return f"{socket.gethostname()[:32]}-{os.getpid()}-{secrets.token_hex(3)}"


@dataclass(frozen=True)
class Job:
    """``run`` is called about every ``every`` seconds, by one process of the cluster at a time."""

    name: str
    every: float
    run: Callable[[], Awaitable[object]]


class Node:
    """This server process in the cluster: its name, its heartbeat, and whether another one lives."""

    def __init__(self, db: Database, name: str, clock: Clock, heartbeat_seconds: float = 5.0) -> None:
        self.db = db
        self.name = name
        self.clock = clock
        self.heartbeat_seconds = heartbeat_seconds
        self.started = clock()
        self._last_beat: datetime | None = None

    async def beat(self) -> None:
        """Say this process is alive, at most every ``heartbeat_seconds``."""
        now = self.clock()
        if self._last_beat is None or (now - self._last_beat).total_seconds() >= self.heartbeat_seconds:
            await heartbeat(self.db, self.name, self.started, now)
            self._last_beat = now

    async def alive(self, node: str) -> bool:
        """Whether server process ``node`` is alive: this one, or one whose heartbeat is recent."""
        if node == self.name:
            return True
        since = self.clock() - timedelta(seconds=3 * self.heartbeat_seconds)
        return await node_alive(self.db, node, since)


class Scheduler:
    """Claims due jobs and runs them; beats this process's heartbeat on each round."""

    def __init__(self, node: Node, jobs: Sequence[Job]) -> None:
        self.node = node
        self.jobs = tuple(j for j in jobs if j.every > 0)

    @property
    def poll_seconds(self) -> float:
        """How often due jobs are looked for: the shortest period, at most the heartbeat's."""
        return min([self.node.heartbeat_seconds, *(j.every for j in self.jobs)])

    async def run_due(self) -> list[str]:
        """One round: the heartbeat when due, then every job this process claimed; their names."""
        await self.node.beat()
        ran = []
        for job in self.jobs:
            if not await claim(self.node.db, job.name, self.node.name, self.node.clock(), job.every):
                continue
            ran.append(job.name)
            try:
                await job.run()
            except Exception:  # noqa: BLE001 - one failed run must not stop the next (nor other jobs)
                _LOGGER.exception("scheduled job %s failed", job.name)
        return ran

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_due()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the timers
                _LOGGER.exception("scheduler round failed")
            await asyncio.sleep(self.poll_seconds)
