"""The open queue entries indexed with their places, so that a wait estimate reads the index alone.

At every hand-over the caller is told their place among everyone waiting (``routing.position_among``),
which reads each waiting or offered caller's tier, priority and arrival time. Through the index on
``status`` alone each of those rows was then read from the table, a page apart: on SQLite, whose
reader starts from an empty page cache after every commit, that was most of a hand-over's reading
(bench/load.py, session 11: 6-7 % of the server's time). This index holds the same columns after
``status``: the read is a range of one or two index pages. It replaces the index on ``status``
(every query by status uses its first column), so a change of status still writes one index
entry; a change of tier or priority, rare, writes one too now.

Revision ID: 0018_waiting_places
Revises: 0017_board_index
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0018_waiting_places"
down_revision = "0017_board_index"
branch_labels = None
depends_on = None

COLUMNS = ["status", "tier", "priority", "enqueued_at", "call_sid"]


def upgrade() -> None:
    op.create_index("ix_queue_entries_waiting", "queue_entries", COLUMNS)
    op.drop_index("ix_queue_entries_status", table_name="queue_entries")


def downgrade() -> None:
    op.create_index("ix_queue_entries_status", "queue_entries", ["status"])
    op.drop_index("ix_queue_entries_waiting", table_name="queue_entries")
