"""Storage: SQLAlchemy models, the per-call transaction, Alembic migrations."""

from __future__ import annotations

from callcenter.store.database import CallTx, Database
from callcenter.store.migrate import downgrade, upgrade
from callcenter.store.models import Call, CallLogEntry, FlowVersion, WebhookReceipt

__all__ = ["Call", "CallLogEntry", "CallTx", "Database", "FlowVersion", "WebhookReceipt",
           "downgrade", "upgrade"]
