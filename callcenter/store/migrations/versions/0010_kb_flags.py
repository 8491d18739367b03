"""Agents' flags on knowledge-base answers given in calls (wrong, outdated, incomplete).

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.store.models import UtcDateTime

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kb_flags",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("kb_id", sa.String(96), nullable=False),
        sa.Column("agent_id", sa.Integer, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
    )
    op.create_index("ix_kb_flags_call_sid", "kb_flags", ["call_sid"])
    op.create_index("ix_kb_flags_kb_id", "kb_flags", ["kb_id"])


def downgrade() -> None:
    op.drop_table("kb_flags")
