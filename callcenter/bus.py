"""The one event bus: everything a live screen shows is a message published here.

Each subscriber owns a bounded queue. Publishing never waits for a subscriber: a subscriber whose
queue is full is dropped (a slow browser must never stall a call). In-process by default; a Redis
pub/sub backend slots in behind the same interface when several server processes run.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from callcenter.news import News, UnknownNews, from_payload, to_payload

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """A bus message: a dotted ``topic`` (``call.updated``), the typed ``news`` published and its
    JSON payload ``data`` (what screens are sent). ``news`` is ``None`` only for a payload from
    another process that no news type of this version reads (then ``data`` alone is delivered)."""

    topic: str
    data: dict[str, Any] = field(default_factory=dict)
    news: News | None = None


class Subscription:
    """An async iterator of the messages whose topic starts with ``prefix``."""

    def __init__(self, bus: MemoryBus, prefix: str, maxsize: int) -> None:
        self._bus = bus
        self.prefix = prefix
        self.queue: asyncio.Queue[Message | None] = asyncio.Queue(maxsize)
        self.dropped = False

    def offer(self, message: Message) -> bool:
        """Queue ``message`` without waiting; ``False`` when the subscriber is too slow."""
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            return False
        return True

    def close(self) -> None:
        self._bus.unsubscribe(self)
        try:
            self.queue.put_nowait(None)
        except asyncio.QueueFull:
            pass

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Message]:
        while True:
            message = await self.queue.get()
            if message is None:
                return
            yield message


class EventBus(Protocol):
    async def publish(self, news: News) -> None: ...

    def subscribe(self, prefix: str = "", maxsize: int = 256) -> Subscription: ...


class MemoryBus:
    """In-process bus with bounded fan-out."""

    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    async def publish(self, news: News) -> None:
        # The payload is made for the subscribers that take the topic: none (no screen open, the
        # usual case on a call's path) costs nothing.
        topic = news.kind
        if any(topic.startswith(sub.prefix) for sub in self._subscriptions):
            self.deliver(Message(topic, to_payload(news), news))

    def deliver(self, message: Message) -> None:
        for sub in list(self._subscriptions):
            if message.topic.startswith(sub.prefix) and not sub.offer(message):
                _LOGGER.warning("bus subscriber on %r too slow, dropped", sub.prefix)
                sub.dropped = True
                sub.close()

    def subscribe(self, prefix: str = "", maxsize: int = 256) -> Subscription:
        sub = Subscription(self, prefix, maxsize)
        self._subscriptions.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subscriptions.discard(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscriptions)


class RedisBus(MemoryBus):
    """Fan-out across server processes through Redis pub/sub.

    Publishing goes to Redis only; every process (this one included) receives it back from its
    listener and hands it to its own subscribers, so all processes see the same order.
    """

    CHANNEL_PREFIX = "callcenter:"

    def __init__(self, url: str) -> None:
        super().__init__()
        import redis.asyncio as redis  # imported here so the memory-only install never needs it

        self._redis = redis.from_url(url)
        self._pubsub = self._redis.pubsub()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._pubsub.psubscribe(self.CHANNEL_PREFIX + "*")
        self._task = asyncio.create_task(self._listen())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self._redis.aclose()

    async def publish(self, news: News) -> None:
        await self._redis.publish(self.CHANNEL_PREFIX + news.kind, json.dumps(to_payload(news), ensure_ascii=False))

    async def _listen(self) -> None:
        async for raw in self._pubsub.listen():
            if raw.get("type") != "pmessage":
                continue
            channel = raw["channel"].decode() if isinstance(raw["channel"], bytes) else raw["channel"]
            try:
                data = json.loads(raw["data"])
            except (TypeError, ValueError):
                _LOGGER.warning("bus: undecodable message on %s", channel)
                continue
            topic = channel.removeprefix(self.CHANNEL_PREFIX)
            try:
                news: News | None = from_payload(topic, data)
            except UnknownNews as exc:
                # Another version's news (a rolling upgrade): its payload still reaches screens.
                _LOGGER.warning("bus: %s", exc)
                news = None
            self.deliver(Message(topic, data, news))
