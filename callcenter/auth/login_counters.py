"""Failed-login counters that every server process shares.

With one process the in-memory :class:`~callcenter.auth.limits.WindowLimiter` is enough. With
several processes behind a proxy, each would count on its own and a user name would get as many
attempts as there are processes; with Redis configured the counts live there instead: one key per
user name or address (hashed: no name or address is written to Redis), incremented atomically, and
expiring with its window, so Redis memory is bounded by the attempts of the last window.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any, Protocol

from callcenter.auth.limits import MAX_KEY, WindowLimiter


class LoginCounter(Protocol):
    limit: int

    async def blocked(self, key: str, now: float) -> bool: ...

    async def hit(self, key: str, now: float) -> int: ...

    async def reset(self, key: str) -> None: ...


class MemoryCounter:
    """One process's counts, in bounded memory."""

    def __init__(self, limit: int, window: float, max_keys: int = 10_000) -> None:
        self.window_limiter = WindowLimiter(limit, window, max_keys)
        self.limit = limit

    async def blocked(self, key: str, now: float) -> bool:
        return self.window_limiter.blocked(key, now)

    async def hit(self, key: str, now: float) -> int:
        return self.window_limiter.hit(key, now)

    async def reset(self, key: str) -> None:
        self.window_limiter.reset(key)


class RedisCounter:
    """Counts shared by every process through Redis: ``INCR``, and ``EXPIRE NX`` so a key's window
    starts at its first failure and the count and its start reset together when it expires."""

    def __init__(self, client: Any, name: str, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1, window positive")
        self._redis = client
        self._prefix = f"callcenter:limit:{name}:"
        self.limit = limit
        self.window = max(1, math.ceil(window))

    def _key(self, key: str) -> str:
        return self._prefix + hashlib.sha256(key[:MAX_KEY].encode()).hexdigest()[:32]

    async def blocked(self, key: str, now: float) -> bool:
        return int(await self._redis.get(self._key(key)) or 0) >= self.limit

    async def hit(self, key: str, now: float) -> int:
        k = self._key(key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(k)
            pipe.expire(k, self.window, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def reset(self, key: str) -> None:
        await self._redis.delete(self._key(key))
