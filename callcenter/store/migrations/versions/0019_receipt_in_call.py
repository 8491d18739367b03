"""The receipt of a call's latest TwiML request kept in the call's row.

A retried webhook is answered from its receipt (``webhook_receipts``: the request's key and the
answer given). Twilio asks a call's TwiML requests (its start, a <Gather>'s or <Dial>'s action, the
wait URL) one after the other, the next only once it has read the answer to the last, so a retry
of one can only come before the call's next: the call's row, which every event rewrites anyway,
now holds the key of the request its ``last_response`` answered. A receipt row is written only
for the requests asked whenever (status callbacks, SMS reports) and for an answer that is not the
call's ``last_response``: three webhooks of four wrote a row and an index entry for nothing (2.9
of the 12.5 pages a webhook wrote on SQLite, and a statement; docs/performance.md, part 10).
Receipts already written are still read.

Revision ID: 0019_receipt_in_call
Revises: 0018_waiting_places
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_receipt_in_call"
down_revision = "0018_waiting_places"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("last_request_key", sa.String(128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("last_request_key")
