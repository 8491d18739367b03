"""The Redis-backed bus: what one server process publishes, every process's subscribers get."""

from __future__ import annotations

import asyncio
import os

import pytest

from callcenter.bus import RedisBus
from callcenter.desk.model import AgentStateChanged, CallEnded, CallUpdated
from tests.test_bus import EVERY_NEWS

REDIS_URL = os.environ.get("CALLCENTER_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _reachable() -> bool:
    import redis.asyncio as redis
    client = redis.from_url(REDIS_URL)
    try:
        return bool(await client.ping())
    except OSError:
        return False
    except Exception:  # noqa: BLE001 - redis wraps connection errors in its own types
        return False
    finally:
        await client.aclose()


@pytest.fixture
async def buses() -> list[RedisBus]:
    if not await _reachable():
        if os.environ.get("CALLCENTER_REDIS_URL"):
            pytest.fail(f"CALLCENTER_REDIS_URL={REDIS_URL} is set but Redis is unreachable")
        pytest.skip("no Redis on 127.0.0.1:6379")
    pair = [RedisBus(REDIS_URL), RedisBus(REDIS_URL)]
    for bus in pair:
        await bus.start()
    yield pair
    for bus in pair:
        await bus.close()


async def test_message_reaches_subscribers_of_every_process(buses: list[RedisBus]) -> None:
    first, second = buses
    here, there = first.subscribe("call."), second.subscribe("call.")
    await asyncio.sleep(0.05)   # let both listeners attach
    await first.publish(CallUpdated("CA1", status="in_ivr"))
    got_here = await asyncio.wait_for(here.queue.get(), 2)
    got_there = await asyncio.wait_for(there.queue.get(), 2)
    assert got_here is not None and got_there is not None
    assert got_here.topic == got_there.topic == "call.updated"
    assert got_there.data == {"call_sid": "CA1", "status": "in_ivr"}
    assert got_there.news == CallUpdated("CA1", status="in_ivr")


async def test_every_news_type_round_trips_between_processes(buses: list[RedisBus]) -> None:
    first, second = buses
    there = second.subscribe(maxsize=100)
    await asyncio.sleep(0.05)
    for news in EVERY_NEWS:
        await first.publish(news)
    got = [await asyncio.wait_for(there.queue.get(), 2) for _ in EVERY_NEWS]
    assert [m.news for m in got if m is not None] == EVERY_NEWS


async def test_a_payload_no_news_type_reads_still_reaches_screens(buses: list[RedisBus]) -> None:
    """A process of another version may publish a topic this one does not know (a rolling upgrade)."""
    first, second = buses
    there = second.subscribe("call.")
    await asyncio.sleep(0.05)
    await first._redis.publish(RedisBus.CHANNEL_PREFIX + "call.future", '{"call_sid": "CA9"}')
    message = await asyncio.wait_for(there.queue.get(), 2)
    assert message is not None and message.news is None and message.data == {"call_sid": "CA9"}


async def test_topics_are_filtered(buses: list[RedisBus]) -> None:
    first, second = buses
    calls = second.subscribe("call.")
    await asyncio.sleep(0.05)
    await first.publish(AgentStateChanged(1, "available"))
    await first.publish(CallEnded("CA2"))
    message = await asyncio.wait_for(calls.queue.get(), 2)
    assert message is not None and message.topic == "call.ended"
