"""Shared timers: each due job runs once across processes, and a dead process's turn passes on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from callcenter.cluster import Job, Node, Scheduler, claim
from callcenter.store import Database, upgrade
from tests.conftest import FakeClock


@pytest.fixture
async def handles(database_url: str) -> AsyncIterator[tuple[Database, Database]]:
    """Two database handles, as two server processes have (one process on SQLite shares its lock)."""
    await asyncio.to_thread(upgrade, database_url)
    first = Database(database_url)
    second = first if first.is_sqlite else Database(database_url)
    yield first, second
    await first.close()
    if second is not first:
        await second.close()


async def test_a_due_job_is_claimed_by_one_process_per_period(handles: tuple[Database, Database],
                                                              clock: FakeClock) -> None:
    a, b = handles
    won = await asyncio.gather(*(claim(db, "desk.tick", name, clock(), 1.0)
                                 for db, name in ((a, "A"), (b, "B")) * 4))
    assert sum(won) == 1
    assert not await claim(b, "desk.tick", "B", clock(), 1.0)
    clock.advance(1.0)
    won = await asyncio.gather(claim(a, "desk.tick", "A", clock(), 1.0), claim(b, "desk.tick", "B", clock(), 1.0))
    assert sorted(won) == [False, True]


async def test_schedulers_run_each_job_once_and_the_survivor_carries_on(handles: tuple[Database, Database],
                                                                         clock: FakeClock) -> None:
    a, b = handles
    runs: list[str] = []

    def scheduler(db: Database, name: str) -> Scheduler:
        async def tick() -> None:
            runs.append(name)
        return Scheduler(Node(db, name, clock, heartbeat_seconds=5.0), [Job("desk.tick", 1.0, tick),
                                                                       Job("never", 0, tick)])

    first, second = scheduler(a, "A"), scheduler(b, "B")
    for _ in range(5):
        await asyncio.gather(first.run_due(), second.run_due())
        clock.advance(1.0)
    assert len(runs) == 5
    # A dies: B alone runs every period from now on, and sees A's heartbeat grow old.
    assert await second.node.alive("A")
    for _ in range(16):
        await second.run_due()
        clock.advance(1.0)
    assert runs[5:] == ["B"] * 16
    assert not await second.node.alive("A") and await second.node.alive("B")
    assert not await second.node.alive("never-seen")
