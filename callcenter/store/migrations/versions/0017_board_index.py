"""The queue entries indexed by when they were queued, not by queue.

No query selects queue entries by queue (the routing pass reads the open ones by status, every
other reader by call); the supervisors' board reads today's entries by ``enqueued_at``, which had
no index: a scan of every entry kept (weeks of them) at each load of the board. Neither column
changes once an entry is made, so a call still writes one index entry for it, as before.

Revision ID: 0017_board_index
Revises: 0016_fewer_pages
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0017_board_index"
down_revision = "0016_fewer_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_queue_entries_queue", table_name="queue_entries")
    op.create_index("ix_queue_entries_enqueued_at", "queue_entries", ["enqueued_at"])


def downgrade() -> None:
    op.drop_index("ix_queue_entries_enqueued_at", table_name="queue_entries")
    op.create_index("ix_queue_entries_queue", "queue_entries", ["queue"])
