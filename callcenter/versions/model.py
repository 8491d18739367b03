"""A version of a document, as plain data, and the diff between two contents."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from callcenter.errors import CallCenterError

Status = Literal["draft", "published", "rejected"]
DRAFT: Status = "draft"
PUBLISHED: Status = "published"
# A draft a reviewer turned down: kept, with the reviewer and the reason, never published.
REJECTED: Status = "rejected"


class VersionError(CallCenterError):
    """A publish, rollback or lookup that cannot be done, with the reason in words."""

    code = "version"


class AlreadyLive(VersionError):
    """What was to be published or rolled back to is what is live already: nothing to do."""


class SelfReview(VersionError):
    """The author of a draft tried to review it: a second person must."""


@dataclass(frozen=True)
class Version:
    """One immutable version of the document ``kind``/``name``."""

    kind: str
    name: str
    version: int
    status: Status
    content: str
    sha256: str
    by: str
    at: datetime
    comment: str
    diff: str
    diff_from: int | None = None
    live: bool = False
    # Who approved or rejected a draft, when and why (None while it waits for review).
    reviewed_by: str | None = None
    reviewed_at: datetime | None = None
    review_comment: str = ""

    def summary(self) -> dict[str, object]:
        """The listing form (``callcenter flows versions --json``)."""
        return {"version": self.version, "live": self.live, "published_at": self.at.isoformat(),
                "by": self.by, "comment": self.comment}


def content_sha256(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def unified_diff(before: str, after: str, name: str, old: int, new: int) -> str:
    """The unified diff from version ``old`` to version ``new`` ("" when there was none before)."""
    if old == 0:
        return ""
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        f"{name} v{old}", f"{name} v{new}"))
