"""Calls, their ordered log, webhook receipts and flow versions.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.store.models import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("call_sid", sa.String(64), primary_key=True),
        sa.Column("flow_id", sa.String(64), nullable=False),
        sa.Column("flow_version", sa.Integer, nullable=False),
        sa.Column("caller", sa.String(40)),
        sa.Column("called", sa.String(40)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("last_response", sa.Text),
        sa.Column("next_seq", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("ended_at", UtcDateTime),
    )
    op.create_index("ix_calls_status", "calls", ["status"])
    op.create_index("ix_calls_created_at", "calls", ["created_at"])
    op.create_table(
        "call_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_sid", sa.String(64), sa.ForeignKey("calls.call_sid", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("entry", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("source", sa.String(32)),
        sa.UniqueConstraint("call_sid", "seq", name="uq_call_log_seq"),
    )
    op.create_table(
        "webhook_receipts",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_webhook_receipts_call_sid", "webhook_receipts", ["call_sid"])
    op.create_table(
        "flow_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("flow_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("flow_id", "version", name="uq_flow_version"),
    )
    op.create_index("ix_flow_versions_sha", "flow_versions", ["flow_id", "sha256"], unique=True)


def downgrade() -> None:
    op.drop_table("flow_versions")
    op.drop_index("ix_webhook_receipts_call_sid", "webhook_receipts")
    op.drop_table("webhook_receipts")
    op.drop_table("call_log")
    op.drop_table("calls")
