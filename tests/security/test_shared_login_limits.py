"""Failed logins counted once across server processes (Redis), and per process without it."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from callcenter.auth.login_counters import MemoryCounter, RedisCounter
from callcenter.config import Settings
from callcenter.web.limits import Limits
from tests.conftest import make_env

REDIS_URL = os.environ.get("CALLCENTER_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="CALLCENTER_REDIS_URL is not set (CI runs it)")


def _limits(tmp_path: Path, database_url: str, flows_dir: Path) -> Limits:
    extra = {"redis_url": REDIS_URL} if REDIS_URL else {}
    settings = Settings.from_env(make_env(tmp_path, database_url, flows_dir, **extra))
    return Limits.from_settings(settings, frozenset({"/login"}))


async def test_without_redis_each_process_counts_in_memory(tmp_path: Path, database_url: str,
                                                           flows_dir: Path) -> None:
    limits = _limits(tmp_path, database_url, flows_dir)
    if REDIS_URL:
        assert isinstance(limits.users, RedisCounter)
        await limits.close()
        return
    assert isinstance(limits.users, MemoryCounter) and limits.redis_client is None
    for _ in range(limits.users.limit):
        await limits.users.hit("alice", 0.0)
    assert await limits.users.blocked("alice", 1.0)
    assert not await limits.users.blocked("alice", 301.0)  # the window is over


@needs_redis
async def test_two_processes_share_the_failures_of_a_name(tmp_path: Path, database_url: str,
                                                          flows_dir: Path) -> None:
    name = f"alice-{os.getpid()}-{id(tmp_path)}"
    a = _limits(tmp_path, database_url, flows_dir)
    b = _limits(tmp_path, database_url, flows_dir)
    try:
        assert isinstance(a.users, RedisCounter)
        for i in range(a.users.limit - 1):
            process = a if i % 2 else b
            await process.users.hit(name, 0.0)
        assert not await a.users.blocked(name, 0.0) and not await b.users.blocked(name, 0.0)
        await b.users.hit(name, 0.0)
        # The fifth failure, half of them on each process: both refuse the name now.
        assert await a.users.blocked(name, 0.0) and await b.users.blocked(name, 0.0)
        await a.users.reset(name)
        assert not await b.users.blocked(name, 0.0)
    finally:
        await a.close()
        await b.close()


@needs_redis
async def test_a_shared_count_expires_with_its_window_and_names_are_not_stored() -> None:
    import redis.asyncio as redis
    client = redis.from_url(REDIS_URL)
    try:
        counter = RedisCounter(client, f"test-{os.getpid()}", limit=2, window=1)
        assert await counter.hit("bob@example", 0.0) == 1
        assert await counter.hit("bob@example", 0.0) == 2
        assert await counter.blocked("bob@example", 0.0)
        keys = [k.decode() for k in await client.keys(f"callcenter:limit:test-{os.getpid()}:*")]
        assert keys and all("bob" not in k for k in keys)
        # The count and its start reset together: the key expires with its window.
        await asyncio.sleep(1.3)
        assert not await counter.blocked("bob@example", 0.0)
        assert await counter.hit("bob@example", 0.0) == 1
    finally:
        await client.aclose()
