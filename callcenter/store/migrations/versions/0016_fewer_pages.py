"""Fewer b-trees written at each call event (docs/performance.md, part 9a).

- ``webhook_receipts`` is keyed by ``(call_sid, key)``, and ``ix_webhook_receipts_call_sid`` goes:
  the purge of a call deletes its receipts by the key's first column, and the call's transaction
  reads its request's receipt by both. On SQLite that is two b-trees written at each event (the
  rows, the key's index) instead of three. A request's key is looked up within its call only (a
  key was unique across calls before; it always named one call: Twilio's idempotency token, or a
  hash of the request, its CallSid included).
- ``ix_calls_status`` goes: no query selects calls by status, and a step that changes the status
  wrote one of its pages.

SQLite cannot change a table's key in place: the receipts (two days of them) are copied into a new
table, once, before the server takes calls. PostgreSQL changes the key in place.

Revision ID: 0016_fewer_pages
Revises: 0015_caller_language
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.store.models import UtcDateTime

revision = "0016_fewer_pages"
down_revision = "0015_caller_language"
branch_labels = None
depends_on = None

_COLUMNS = "call_sid, key, response, created_at"


def _receipts_keyed(*key: str) -> None:
    """SQLite: the receipts copied into a table keyed by ``key``, in the order they came."""
    op.create_table(
        "webhook_receipts_new",
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.PrimaryKeyConstraint(*key),
    )
    op.execute(f"INSERT INTO webhook_receipts_new ({_COLUMNS}) SELECT {_COLUMNS} FROM webhook_receipts "
               "ORDER BY rowid")
    op.drop_table("webhook_receipts")
    op.rename_table("webhook_receipts_new", "webhook_receipts")


def upgrade() -> None:
    op.drop_index("ix_calls_status", table_name="calls")
    op.drop_index("ix_webhook_receipts_call_sid", table_name="webhook_receipts")
    if op.get_bind().dialect.name == "sqlite":
        _receipts_keyed("call_sid", "key")
    else:
        op.drop_constraint("webhook_receipts_pkey", "webhook_receipts", type_="primary")
        op.create_primary_key("webhook_receipts_pkey", "webhook_receipts", ["call_sid", "key"])


def downgrade() -> None:
    # A key was unique across calls before: where two calls have the same, one receipt is kept.
    op.execute("DELETE FROM webhook_receipts WHERE call_sid > (SELECT min(r.call_sid) FROM webhook_receipts AS r "
               "WHERE r.key = webhook_receipts.key)")
    if op.get_bind().dialect.name == "sqlite":
        _receipts_keyed("key")
    else:
        op.drop_constraint("webhook_receipts_pkey", "webhook_receipts", type_="primary")
        op.create_primary_key("webhook_receipts_pkey", "webhook_receipts", ["key"])
    op.create_index("ix_webhook_receipts_call_sid", "webhook_receipts", ["call_sid"])
    op.create_index("ix_calls_status", "calls", ["status"])
