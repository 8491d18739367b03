"""Personal data: caller numbers matched by a keyed hash, and a generic audit log.

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.store.models import UtcDateTime

revision = "0008"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        # HMAC of the caller's number (callcenter.privacy.caller_key): repeat callers are matched
        # on it; ``caller`` keeps only the masked number. Rows from before stay NULL until the
        # purge job hashes them (it has the key; a migration does not).
        batch.add_column(sa.Column("caller_hash", sa.String(64), nullable=True))
    op.create_index("ix_calls_caller_hash", "calls", ["caller_hash"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object", sa.String(200), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])


def downgrade() -> None:
    op.drop_table("audit_log")
    op.drop_index("ix_calls_caller_hash", table_name="calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("caller_hash")
