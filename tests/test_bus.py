"""The event bus: typed news, bounded fan-out, and a slow subscriber is dropped, never awaited."""

from __future__ import annotations

import asyncio

import pytest

from callcenter.bus import MemoryBus
from callcenter.desk.model import AgentStateChanged, CallUpdated, OfferMade, QueueChanged
from callcenter.news import TOPICS, CallPartial, CallSpeaking, News, UnknownNews, from_payload, to_payload

# One of each news type, with every kind of field set (tuples, booleans, numbers, text).
EVERY_NEWS: list[News] = [
    CallUpdated("CA1", status="in_ivr", node="menu", event="digits", commands=("say", "gather")),
    CallUpdated("CA1", on_hold=True), CallUpdated("CA1", note=True), CallUpdated("CA1", kb_flag="am.carte"),
    CallPartial("CA1", "je voudrais"), CallSpeaking("CA1"), QueueChanged("CA2", "waiting", "caf", "urgent"),
    OfferMade(3, "CA2", "urgent, attente 4 s", True), AgentStateChanged(3, "available"),
]


def test_every_topic_has_one_news_type_and_each_round_trips_through_its_payload() -> None:
    assert {type(n) for n in EVERY_NEWS} <= set(TOPICS.values())
    for news in EVERY_NEWS:
        payload = to_payload(news)
        assert None not in payload.values()        # unset fields are left out, as screens expect
        assert from_payload(news.kind, payload) == news


def test_payloads_keep_the_screens_format() -> None:
    update = CallUpdated("CA1", status="in_ivr", node="menu", event="digits", commands=("say", "gather"))
    assert to_payload(update) == {"call_sid": "CA1", "status": "in_ivr", "node": "menu", "event": "digits",
                                  "commands": ["say", "gather"]}


def test_unknown_topics_and_fields_are_refused() -> None:
    with pytest.raises(UnknownNews):
        from_payload("call.nonsense", {"call_sid": "CA1"})
    with pytest.raises(UnknownNews):
        from_payload("call.partial", {"call_sid": "CA1", "colour": "red"})


async def test_subscribers_get_matching_topics_with_the_news_itself() -> None:
    bus = MemoryBus()
    calls = bus.subscribe("call.")
    everything = bus.subscribe()
    await bus.publish(CallUpdated("CA1"))
    await bus.publish(AgentStateChanged(1, "available"))
    assert calls.queue.qsize() == 1
    assert everything.queue.qsize() == 2
    message = await calls.queue.get()
    assert message is not None and message.data == {"call_sid": "CA1"}
    assert message.news == CallUpdated("CA1") and message.topic == "call.updated"


async def test_every_news_round_trips_through_the_memory_bus() -> None:
    bus = MemoryBus()
    sub = bus.subscribe(maxsize=100)
    for news in EVERY_NEWS:
        await bus.publish(news)
    got = [sub.queue.get_nowait() for _ in EVERY_NEWS]
    assert [m.news for m in got if m is not None] == EVERY_NEWS
    assert [m.data for m in got if m is not None] == [to_payload(n) for n in EVERY_NEWS]


async def test_slow_subscriber_is_dropped_and_others_continue() -> None:
    bus = MemoryBus()
    slow = bus.subscribe(maxsize=2)
    fast = bus.subscribe(maxsize=100)
    for i in range(5):
        await bus.publish(CallUpdated(f"CA{i}"))
    assert slow.dropped
    assert bus.subscriber_count == 1
    assert fast.queue.qsize() == 5


async def test_iteration_ends_on_close() -> None:
    bus = MemoryBus()
    sub = bus.subscribe()
    await bus.publish(CallSpeaking("CA1"))
    seen = []

    async def consume() -> None:
        async for message in sub:
            seen.append(message.topic)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0)
    sub.close()
    await asyncio.wait_for(task, 1)
    assert seen == ["call.speaking"]
