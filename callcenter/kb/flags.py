"""Agents' flags on answers of the knowledge base: what a flag may say. Pure."""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any

from callcenter.errors import CallCenterError

# Why an answer is flagged; the labels are what agents and supervisors read.
FLAG_REASONS: dict[str, str] = {
    "wrong": "Réponse fausse",
    "outdated": "Réponse périmée (la règle a changé)",
    "incomplete": "Réponse incomplète ou ambiguë",
    "other": "Autre",
}
MAX_COMMENT = 1000


class FlagError(CallCenterError):
    """A flag that cannot be stored as given: says which field and why."""

    code = "kb_flag"


@dataclass(frozen=True)
class FlagRequest:
    kb_id: str
    reason: str
    comment: str


def flag_request(data: Mapping[str, Any], known_ids: Container[str] | None) -> FlagRequest:
    """Check a flag sent by the agent screen; ``known_ids`` None when the base failed to load."""
    kb_id, reason, comment = data.get("kb_id"), data.get("reason"), data.get("comment", "")
    if not isinstance(kb_id, str) or not kb_id:
        raise FlagError("kb_id: the entry's id is required")
    if known_ids is not None and kb_id not in known_ids:
        raise FlagError(f"kb_id: no entry {kb_id!r} in the knowledge base")
    if reason not in FLAG_REASONS:
        raise FlagError(f"reason: expected one of {', '.join(FLAG_REASONS)}")
    if not isinstance(comment, str):
        raise FlagError("comment: expected text")
    comment = " ".join(comment.split())
    if reason == "other" and not comment:
        raise FlagError("comment: say what is wrong when the reason is 'other'")
    return FlagRequest(kb_id=kb_id, reason=str(reason), comment=comment[:MAX_COMMENT])
