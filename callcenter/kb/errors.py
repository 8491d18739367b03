"""Faults found in knowledge-base files, and the error raised when content cannot be loaded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from callcenter.errors import CallCenterError


@dataclass(frozen=True, order=True)
class Fault:
    """One problem at one place: printed as ``file:line: reason`` like a compiler would."""

    path: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


class KnowledgeBaseError(CallCenterError):
    """The knowledge base cannot be loaded; ``faults`` says where and why."""

    code = "knowledge_base"

    def __init__(self, faults: Iterable[Fault]) -> None:
        self.faults = tuple(sorted(faults))
        lines = [str(f) for f in self.faults]
        super().__init__("invalid knowledge base:\n" + "\n".join(lines) if lines
                         else "invalid knowledge base")
