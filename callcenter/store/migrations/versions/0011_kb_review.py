"""The review of a draft version (knowledge-base entries): who approved or rejected it, when, why.

A rejected draft keeps its row with status "rejected" (the status column is free text).

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.store.models import UtcDateTime

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("document_versions") as batch:
        batch.add_column(sa.Column("reviewed_by", sa.String(64), nullable=True))
        batch.add_column(sa.Column("reviewed_at", UtcDateTime, nullable=True))
        batch.add_column(sa.Column("review_comment", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document_versions") as batch:
        batch.drop_column("review_comment")
        batch.drop_column("reviewed_at")
        batch.drop_column("reviewed_by")
