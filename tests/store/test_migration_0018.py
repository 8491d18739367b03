"""0018: the open queue entries indexed with their places, so a wait estimate reads the index alone."""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.desk import queue_store
from callcenter.store import downgrade, upgrade
from callcenter.store.urls import sync_url


def _indexes(engine: sa.Engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {i["name"]: list(i["column_names"]) for i in sa.inspect(conn).get_indexes("queue_entries")}


def _plan(engine: sa.Engine, statement: sa.Select) -> str:  # type: ignore[type-arg]
    compiled = statement.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        return " ".join(str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}"))


def test_the_waiting_places_are_read_from_the_index_alone(database_url: str) -> None:
    upgrade(database_url)
    engine = sa.create_engine(sync_url(database_url))
    try:
        indexes = _indexes(engine)
        assert indexes["ix_queue_entries_waiting"] == ["status", "tier", "priority", "enqueued_at", "call_sid"]
        assert "ix_queue_entries_status" not in indexes
        if engine.dialect.name == "sqlite":
            # What a hand-over reads of every waiting caller (Desk.hand_over_look), as SQLite plans it.
            assert "USING COVERING INDEX ix_queue_entries_waiting" in _plan(engine, queue_store._WAITING_PLACES)
            # The other reads by status still find their rows by the index's first column.
            assert "USING INDEX ix_queue_entries_waiting" in _plan(engine, queue_store._WAITING_CALLS)
        downgrade(database_url, "0017_board_index")
        indexes = _indexes(engine)
        assert indexes["ix_queue_entries_status"] == ["status"]
        assert "ix_queue_entries_waiting" not in indexes
        upgrade(database_url)
        assert "ix_queue_entries_waiting" in _indexes(engine)
    finally:
        engine.dispose()
