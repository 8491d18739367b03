"""Agents' confirmations and corrections of the triage.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.store.models import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "triage_feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("agent_id", sa.Integer, nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("confirmed", sa.Boolean, nullable=False),
        sa.Column("original", sa.JSON, nullable=False),
        sa.Column("fragile", sa.Boolean, nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
    )
    op.create_index("ix_triage_feedback_call_sid", "triage_feedback", ["call_sid"])


def downgrade() -> None:
    op.drop_table("triage_feedback")
