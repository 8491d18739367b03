"""Migrations apply and roll back on the configured backend (SQLite, or PostgreSQL in CI)."""

from __future__ import annotations

import sqlalchemy as sa

from callcenter.store import downgrade, upgrade
from callcenter.store.urls import async_url, sync_url


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    upgrade(database_url)
    engine = sa.create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        assert {"calls", "call_log", "webhook_receipts", "document_versions", "document_live",
                "audit_log"} <= tables
        assert "flow_versions" not in tables  # became document versions in 0009
        downgrade(database_url)
        with engine.connect() as conn:
            assert "calls" not in set(sa.inspect(conn).get_table_names())
        upgrade(database_url)
        upgrade(database_url)   # already at head: nothing to do, no error
    finally:
        engine.dispose()


def test_driver_mapping() -> None:
    assert async_url("sqlite:////tmp/x.db") == "sqlite+aiosqlite:////tmp/x.db"
    assert sync_url("postgresql://root@127.0.0.1/test") == "postgresql+psycopg://root@127.0.0.1/test"
    assert async_url("postgres://u:p@h/d") == "postgresql+psycopg://u:p@h/d"
