"""What a pure parse made of each text, kept for the process.

A server reads every flow and knowledge-base file at each start and each reload, and every stored
version it reads back, nearly always unchanged; parsing them (YAML with line marks, the schema, the
checks) costs milliseconds a file. The outcome depends on the key alone and is immutable, so it is
kept by key. Bounded: emptied when full (a few hundred files, not a cache to tune). A parse that
raises keeps nothing: its error is raised again at the next read.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ParsedTexts(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._made: dict[K, V] = {}

    def get(self, key: K, parse: Callable[[], V]) -> V:
        made = self._made.get(key)
        if made is None:
            made = parse()
            if len(self._made) >= self.size:
                self._made.clear()
            self._made[key] = made
        return made


__all__ = ["ParsedTexts"]
