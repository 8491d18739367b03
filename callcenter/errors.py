"""Base error of the project; each domain subclasses it with its own ``code``."""

from __future__ import annotations

from dataclasses import dataclass


class CallCenterError(Exception):
    """An error with a short machine-readable ``code`` and a human message."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FileFault:
    """One fault of a data file (flow, triage rules, opening hours), printed as
    ``file:line: reason`` like a compiler would, so every refusal reads the same."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"
