"""Versioned documents: immutable versions with who, when, why and the diff to the previous one,
and one "live" pointer per document that a publish or a rollback moves (docs/flows.md).

Generic over a ``kind``: flows use it now; knowledge-base entries are meant to follow the same
draft -> published path.
"""

from __future__ import annotations

from callcenter.versions.model import DRAFT, PUBLISHED, Version, VersionError
from callcenter.versions.store import VersionStore

__all__ = ["DRAFT", "PUBLISHED", "Version", "VersionError", "VersionStore"]
