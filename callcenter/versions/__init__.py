"""Versioned documents: immutable versions with who, when, why and the diff to the previous one,
and one "live" pointer per document that a publish or a rollback moves (docs/flows.md).

Generic over a ``kind``: flows, and knowledge-base entries, whose drafts a second person reviews
(approved: published and live; rejected: kept with the reason).
"""

from __future__ import annotations

from callcenter.versions.model import DRAFT, PUBLISHED, REJECTED, SelfReview, Version, VersionError
from callcenter.versions.store import VersionStore

__all__ = ["DRAFT", "PUBLISHED", "REJECTED", "SelfReview", "Version", "VersionError", "VersionStore"]
