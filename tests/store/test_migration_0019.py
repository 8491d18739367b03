"""0019: the receipt of a call's latest TwiML request kept in the call's row."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from callcenter.store import downgrade, upgrade
from callcenter.store.urls import sync_url


def _columns(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return {c["name"] for c in sa.inspect(conn).get_columns("calls")}


def test_the_calls_row_gains_the_key_and_keeps_its_calls(database_url: str) -> None:
    upgrade(database_url)
    engine = sa.create_engine(sync_url(database_url))
    try:
        downgrade(database_url, "0018_waiting_places")
        assert "last_request_key" not in _columns(engine)
        at = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO calls (call_sid, flow_id, flow_version, status, state, last_response, next_seq,"
                " created_at, updated_at) VALUES ('CA-m', 'caf', 1, 'in_ivr', '{}', '<Response/>', 3, :at, :at)"),
                {"at": at})
        upgrade(database_url)
        assert "last_request_key" in _columns(engine)
        with engine.connect() as conn:
            row = conn.execute(sa.text("SELECT last_response, next_seq, last_request_key FROM calls")).one()
        assert tuple(row) == ("<Response/>", 3, None)
        downgrade(database_url, "0018_waiting_places")
        assert "last_request_key" not in _columns(engine)
        upgrade(database_url)
    finally:
        engine.dispose()
