"""Server-side login sessions (revocable), and caller/called columns wide enough for SIP addresses.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.store.models import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("revoked_at", UtcDateTime),
        sa.Column("revoked_reason", sa.String(32)),
    )
    # A SIP From such as sip:long.name@pbx.example.fr is longer than a phone number: PostgreSQL
    # refused 61 characters in 40 and the caller got the failure path.
    with op.batch_alter_table("calls") as batch:
        batch.alter_column("caller", type_=sa.String(255), existing_type=sa.String(40))
        batch.alter_column("called", type_=sa.String(255), existing_type=sa.String(40))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.alter_column("caller", type_=sa.String(40), existing_type=sa.String(255))
        batch.alter_column("called", type_=sa.String(40), existing_type=sa.String(255))
    op.drop_table("user_sessions")
