"""Base error of the project; each domain subclasses it with its own ``code``."""

from __future__ import annotations


class CallCenterError(Exception):
    """An error with a short machine-readable ``code`` and a human message."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
