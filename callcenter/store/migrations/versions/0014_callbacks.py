"""Callbacks that are really placed: the queue entry's callback state, and the callback record.

``queue_entries`` gains when the callback was asked for and is due, its tries, the call ringing
the caller back and how far it got, and the address of the agent who took it. ``callbacks`` keeps
the number to call back (the only place it is kept whole, like ``calls.caller`` it is erased with
the call), the slot chosen, and the final SMS's sid and delivery status.

Revision ID: 0014_callbacks
Revises: 0012_survey
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.store.models import UtcDateTime

revision = "0014_callbacks"
down_revision = "0012_survey"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("queue_entries") as batch:
        batch.add_column(sa.Column("callback_at", UtcDateTime, nullable=True))
        batch.add_column(sa.Column("callback_due", UtcDateTime, nullable=True))
        batch.add_column(sa.Column("callback_tries", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("callback_leg", sa.String(64), nullable=True))
        batch.add_column(sa.Column("callback_stage", sa.String(16), nullable=True))
        batch.add_column(sa.Column("agent_address", sa.String(255), nullable=True))
    op.create_table(
        "callbacks",
        sa.Column("call_sid", sa.String(64), primary_key=True),
        sa.Column("number", sa.String(32), nullable=True),
        sa.Column("slot", sa.String(40), nullable=True),
        sa.Column("requested_at", UtcDateTime, nullable=True),
        sa.Column("legs", sa.JSON, nullable=False),
        sa.Column("sms_sid", sa.String(64), nullable=True),
        sa.Column("sms_status", sa.String(24), nullable=True),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("callbacks")
    with op.batch_alter_table("queue_entries") as batch:
        for name in ("agent_address", "callback_stage", "callback_leg", "callback_tries", "callback_due",
                     "callback_at"):
            batch.drop_column(name)
