"""The event bus: bounded fan-out, and a slow subscriber is dropped, never awaited."""

from __future__ import annotations

import asyncio

from callcenter.bus import MemoryBus


async def test_subscribers_get_matching_topics() -> None:
    bus = MemoryBus()
    calls = bus.subscribe("call.")
    everything = bus.subscribe()
    await bus.publish("call.updated", {"call_sid": "CA1"})
    await bus.publish("agent.state", {"agent": "a"})
    assert calls.queue.qsize() == 1
    assert everything.queue.qsize() == 2
    message = await calls.queue.get()
    assert message is not None and message.data == {"call_sid": "CA1"}


async def test_slow_subscriber_is_dropped_and_others_continue() -> None:
    bus = MemoryBus()
    slow = bus.subscribe(maxsize=2)
    fast = bus.subscribe(maxsize=100)
    for i in range(5):
        await bus.publish("call.updated", {"i": i})
    assert slow.dropped
    assert bus.subscriber_count == 1
    assert fast.queue.qsize() == 5


async def test_iteration_ends_on_close() -> None:
    bus = MemoryBus()
    sub = bus.subscribe()
    await bus.publish("x", {})
    seen = []

    async def consume() -> None:
        async for message in sub:
            seen.append(message.topic)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)
    sub.close()
    await asyncio.wait_for(task, 1)
    assert seen == ["x"]
