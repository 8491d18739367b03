"""Post-call survey answers, one per call (score, redacted comment, what and whom it rates, tier).

Revision ID: 0012_survey
Revises: 0012_appointments
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from callcenter.store.models import UtcDateTime

revision = "0012_survey"
down_revision = "0012_appointments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_responses",
        sa.Column("call_sid", sa.String(64), sa.ForeignKey("calls.call_sid", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("flow_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("comment", sa.Text, nullable=True),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("node", sa.String(64), nullable=False),
        sa.Column("kb_id", sa.String(96), nullable=True),
        sa.Column("agent_id", sa.Integer, nullable=True),
        sa.Column("queue", sa.String(64), nullable=True),
        sa.Column("tier", sa.String(16), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_survey_responses_kb_id", "survey_responses", ["kb_id"])
    op.create_index("ix_survey_responses_agent_id", "survey_responses", ["agent_id"])
    op.create_index("ix_survey_responses_created_at", "survey_responses", ["created_at"])


def downgrade() -> None:
    op.drop_table("survey_responses")
