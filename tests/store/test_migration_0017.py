"""0017: the queue entries indexed by when they were queued (the board's day), not by queue."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from callcenter.store import downgrade, upgrade
from callcenter.store.models import QueueEntry
from callcenter.store.urls import sync_url


def _indexes(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return {i["name"] for i in sa.inspect(conn).get_indexes("queue_entries")}


def test_the_boards_day_is_read_by_an_index_and_the_queue_index_is_gone(database_url: str) -> None:
    upgrade(database_url)
    engine = sa.create_engine(sync_url(database_url))
    try:
        assert "ix_queue_entries_enqueued_at" in _indexes(engine)
        assert "ix_queue_entries_queue" not in _indexes(engine)
        if engine.dialect.name == "sqlite":
            # The statement the board runs (web/pages.py: today's waits), as SQLite plans it.
            statement = sa.select(QueueEntry).where(QueueEntry.enqueued_at >= datetime(2026, 12, 6, tzinfo=UTC))
            compiled = statement.compile(engine, compile_kwargs={"literal_binds": False})
            with engine.connect() as conn:
                plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {compiled}", tuple(compiled.params.values())))
            assert "USING INDEX ix_queue_entries_enqueued_at" in plan, plan
        downgrade(database_url, "0016_fewer_pages")
        assert "ix_queue_entries_queue" in _indexes(engine)
        assert "ix_queue_entries_enqueued_at" not in _indexes(engine)
        upgrade(database_url)
        assert "ix_queue_entries_enqueued_at" in _indexes(engine)
    finally:
        engine.dispose()
