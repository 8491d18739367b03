"""Counting attempts per key (a user name, an address) in a fixed time window, in bounded memory.

Pure: the time is an argument. A key's window opens at its first hit and closes ``window``
seconds later; the next hit after that opens a new window with a count of one (the count and
the start are reset together). At most ``max_keys`` keys are remembered: past that, the key hit
least recently is forgotten first, so a flood of made-up user names costs a fixed amount of
memory (and can only forget the oldest counts, never lock anyone in).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

# Longer keys are cut: a user name is at most 64 characters, an IPv6 address 45.
MAX_KEY = 64


@dataclass
class _Window:
    count: int
    start: float


class WindowLimiter:
    """At most ``limit`` hits per key within ``window`` seconds."""

    def __init__(self, limit: int, window: float, max_keys: int = 10_000) -> None:
        if limit < 1 or window <= 0 or max_keys < 1:
            raise ValueError("limit and max_keys must be at least 1, window positive")
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._keys: OrderedDict[str, _Window] = OrderedDict()

    def __len__(self) -> int:
        return len(self._keys)

    def keys(self) -> list[str]:
        return list(self._keys)

    def _live(self, key: str, now: float) -> _Window | None:
        found = self._keys.get(key[:MAX_KEY])
        if found is not None and now - found.start >= self.window:
            del self._keys[key[:MAX_KEY]]
            return None
        return found

    def count(self, key: str, now: float) -> int:
        found = self._live(key, now)
        return 0 if found is None else found.count

    def blocked(self, key: str, now: float) -> bool:
        """Whether ``key`` used up its hits for the current window."""
        return self.count(key, now) >= self.limit

    def retry_after(self, key: str, now: float) -> float:
        """Seconds until ``key`` may try again (0 if it may now)."""
        found = self._live(key, now)
        if found is None or found.count < self.limit:
            return 0.0
        return max(0.0, found.start + self.window - now)

    def hit(self, key: str, now: float) -> int:
        """Count one attempt; returns the count in the current window."""
        key = key[:MAX_KEY]
        found = self._live(key, now)
        if found is None:
            found = self._keys[key] = _Window(0, now)
        found.count += 1
        self._keys.move_to_end(key)
        while len(self._keys) > self.max_keys:
            self._keys.popitem(last=False)
        return found.count

    def reset(self, key: str) -> None:
        self._keys.pop(key[:MAX_KEY], None)
