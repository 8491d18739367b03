"""Queue entries, routing decisions and agents' notes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.store.models import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "queue_entries",
        sa.Column("call_sid", sa.String(64), primary_key=True),
        sa.Column("queue", sa.String(64), nullable=False),
        sa.Column("skill", sa.String(64)),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("enqueued_at", UtcDateTime, nullable=False),
        sa.Column("offered_to", sa.Integer),
        sa.Column("offered_at", UtcDateTime),
        sa.Column("declined_by", sa.JSON, nullable=False),
        sa.Column("conference_sid", sa.String(64)),
        sa.Column("agent_id", sa.Integer),
        sa.Column("agent_call_sid", sa.String(64)),
        sa.Column("transfer_to", sa.Integer),
        sa.Column("transfer_call_sid", sa.String(64)),
        sa.Column("connected_at", UtcDateTime),
        sa.Column("ended_at", UtcDateTime),
    )
    op.create_index("ix_queue_entries_queue", "queue_entries", ["queue"])
    op.create_index("ix_queue_entries_status", "queue_entries", ["status"])
    op.create_table(
        "routing_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("agent_id", sa.Integer),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_routing_decisions_call_sid", "routing_decisions", ["call_sid"])
    op.create_table(
        "call_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("author_id", sa.Integer, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("wrapup_code", sa.String(48)),
    )
    op.create_index("ix_call_notes_call_sid", "call_notes", ["call_sid"])


def downgrade() -> None:
    op.drop_table("call_notes")
    op.drop_table("routing_decisions")
    op.drop_table("queue_entries")
