"""Timers claimed once across the cluster, and the processes' heartbeats, in the database.

A timer is a ``scheduled_jobs`` row with a due time. A process claims it by moving the due time on
in one ``UPDATE ... WHERE due_at <= now``: on PostgreSQL the row lock makes a second claimant wait
and then find the row no longer due, so exactly one process wins each period; a process that dies
simply stops claiming and the others go on. On SQLite there is one process and its writer lock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from callcenter.store import Database
from callcenter.store.models import ClusterNode, ScheduledJob


def _insert(db: Database):  # type: ignore[no-untyped-def]
    return sqlite_insert if db.is_sqlite else pg_insert


async def claim(db: Database, name: str, node: str, now: datetime, every: float) -> bool:
    """``True`` when this process runs job ``name`` now (it was due); it is then due ``every`` later."""
    due = now + timedelta(seconds=every)
    async with db.single_writer(), db.sessions() as session, session.begin():
        moved = await session.scalar(
            update(ScheduledJob).where(ScheduledJob.name == name, ScheduledJob.due_at <= now)
            .values(due_at=due, owner=node, ran_at=now).returning(ScheduledJob.name))
        if moved is not None:
            return True
        created = await session.scalar(
            _insert(db)(ScheduledJob).values(name=name, due_at=due, owner=node, ran_at=now)
            .on_conflict_do_nothing().returning(ScheduledJob.name))
        return created is not None


async def heartbeat(db: Database, node: str, started: datetime, now: datetime) -> None:
    """This process is alive at ``now``."""
    insert = _insert(db)(ClusterNode).values(node_id=node, started_at=started, seen_at=now)
    async with db.single_writer(), db.sessions() as session, session.begin():
        await session.execute(insert.on_conflict_do_update(index_elements=["node_id"], set_={"seen_at": now}))


async def node_alive(db: Database, node: str, since: datetime) -> bool:
    """Whether process ``node`` gave a heartbeat at ``since`` or later."""
    async with db.sessions() as session:
        row = await session.get(ClusterNode, node)
    return row is not None and row.seen_at >= since
