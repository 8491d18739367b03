"""Rate limits at the edge: failed logins per user name and per address, requests to the public
pages per address, and refused Twilio signatures per address (docs/operations.md).

Signed Twilio webhooks are never limited: Twilio calls from many addresses, a busy centre sends
many webhooks, and a limit there would hang up on callers; every one is checked for its signature
before any work. What is limited there is refusals: an address sending badly signed requests is
answered 429 once it sent too many, without a log line each.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from callcenter.auth.limits import WindowLimiter
from callcenter.auth.login_counters import LoginCounter, MemoryCounter, RedisCounter
from callcenter.auth.verify import PasswordChecker
from callcenter.config import Settings

_LOGGER = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Public paths that are never limited: files of the pages, and Twilio (see above).
UNLIMITED_PREFIXES = ("/static/",)
TWILIO_PREFIX = "/twilio/"
# Badly signed requests an address may send per minute before it is answered 429.
MAX_REFUSED_PER_MINUTE = 30


@dataclass(frozen=True)
class Limits:
    """Every counter of one server process, each bounded in memory."""

    users: LoginCounter        # failed logins per user name (shared through Redis when configured)
    addresses: LoginCounter    # failed logins per address (idem)
    public: WindowLimiter      # requests to public pages per address
    refused: WindowLimiter     # refused Twilio signatures per address
    passwords: PasswordChecker
    trusted_proxies: frozenset[str]
    public_paths: frozenset[str]
    # Seconds, from the server's clock (time is an input: tests move it).
    clock: Callable[[], float] = time.time
    # The Redis connection of the shared counters, closed with the app (None: counts in memory).
    redis_client: Any = None

    async def close(self) -> None:
        if self.redis_client is not None:
            await self.redis_client.aclose()

    @classmethod
    def from_settings(cls, settings: Settings, public_paths: frozenset[str],
                      clock: Callable[[], float] = time.time) -> Limits:
        lockout = settings.login_lockout_seconds
        users: LoginCounter
        addresses: LoginCounter
        client = None
        if settings.redis_url:
            # Several processes: a user name gets its attempts once, not once per process.
            import redis.asyncio as redis  # imported here so the memory-only install never needs it
            client = redis.from_url(settings.redis_url)
            users = RedisCounter(client, "login-user", settings.login_max_failures, lockout)
            addresses = RedisCounter(client, "login-address", settings.address_max_failures, lockout)
        else:
            users = MemoryCounter(settings.login_max_failures, lockout)
            addresses = MemoryCounter(settings.address_max_failures, lockout)
        return cls(users=users, addresses=addresses, redis_client=client,
                   public=WindowLimiter(settings.public_rate_per_minute, 60.0),
                   refused=WindowLimiter(MAX_REFUSED_PER_MINUTE, 60.0),
                   passwords=PasswordChecker(),
                   trusted_proxies=frozenset(settings.trusted_proxies), public_paths=public_paths,
                   clock=clock)


LIMITS = web.AppKey("limits", Limits)


def client_address(request: web.Request) -> str:
    """The client's address: the peer, or behind a trusted proxy the address it says it got the
    request from (the right-most X-Forwarded-For entry that is not itself a trusted proxy)."""
    peer = request.remote or "?"
    trusted = request.app[LIMITS].trusted_proxies
    if peer not in trusted:
        return peer
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return peer


def too_many(retry_after: float) -> web.HTTPTooManyRequests:
    return web.HTTPTooManyRequests(text="Trop de requêtes. Réessayez dans quelques minutes.",
                                   headers={"Retry-After": str(max(1, round(retry_after)))})


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if path.startswith(UNLIMITED_PREFIXES):
        return await handler(request)
    limits = request.app[LIMITS]
    address = client_address(request)
    now = limits.clock()
    if path.startswith(TWILIO_PREFIX):
        if limits.refused.blocked(address, now):
            raise too_many(limits.refused.retry_after(address, now))
        try:
            return await handler(request)
        except web.HTTPForbidden:
            limits.refused.hit(address, now)
            raise
    if path in limits.public_paths:
        if limits.public.blocked(address, now):
            raise too_many(limits.public.retry_after(address, now))
        if limits.public.hit(address, now) == limits.public.limit:
            # Logged once per window, not once per refused request.
            _LOGGER.warning("public pages: one address reached %d requests a minute; refused until the "
                            "minute is over", limits.public.limit)
    return await handler(request)

