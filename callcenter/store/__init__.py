"""Storage: SQLAlchemy models, the per-call transaction, Alembic migrations."""

from __future__ import annotations

from callcenter.store.database import CallTx, Database, DatabaseBusy
from callcenter.store.migrate import downgrade, upgrade
from callcenter.store.models import Call, CallLogEntry, WebhookReceipt

__all__ = ["Call", "CallLogEntry", "CallTx", "Database", "DatabaseBusy", "WebhookReceipt",
           "downgrade", "upgrade"]
