"""The bounded queue between one call's audio and its recogniser.

Pure bookkeeping, no threads: the transcriber pushes, its decode worker takes. The bound is on
audio time: when the recogniser falls behind by more than ``max_backlog_ms`` (an overloaded
machine, or a client sending faster than real time), the *oldest* queued audio is dropped so that
memory stays bounded and what is decoded stays close to the present; control items (an utterance
beginning or ending) are never dropped, so every utterance still gets its final transcript, which
reports how much of it was lost. Pushing never blocks: the WebSocket reader must keep reading.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from callcenter.speech.audio import Int16Array
from callcenter.speech.segmenter import UtteranceEnded


@dataclass(frozen=True)
class Begin:
    """Utterance ``utterance`` starts: pick the recogniser for ``phrases`` (``None``: free speech)."""

    utterance: int
    turn: int
    phrases: tuple[str, ...] | None
    # The language's model to decode it with ("": the call's first language).
    language: str = ""


@dataclass(frozen=True)
class Audio:
    """Telephone-rate samples of one utterance; ``queued_at`` is a monotonic time, for lag stats.

    ``end_ms``: where the samples end in stream time (what a partial decoded from them covers).
    """

    utterance: int
    samples: Int16Array = field(repr=False)
    duration_ms: int
    queued_at: float
    end_ms: int = 0


@dataclass(frozen=True)
class Finish:
    """Utterance ``utterance`` is over: decode what is left and report it."""

    utterance: int
    ended: UtteranceEnded


Item = Begin | Audio | Finish


class DecodeBacklog:
    """FIFO of decode work for one call, bounded by the audio time it holds."""

    def __init__(self, max_backlog_ms: int) -> None:
        if max_backlog_ms <= 0:
            raise ValueError("max_backlog_ms must be positive")
        self.max_backlog_ms = max_backlog_ms
        self._items: deque[Item] = deque()
        self.backlog_ms = 0
        self.dropped_ms = 0
        self._dropped_by_utterance: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._items)

    def push(self, item: Item) -> int:
        """Queue ``item``; returns the audio time (ms) dropped to stay within the bound."""
        self._items.append(item)
        if not isinstance(item, Audio):
            return 0
        self.backlog_ms += item.duration_ms
        dropped = 0
        while self.backlog_ms > self.max_backlog_ms:
            dropped += self._drop_oldest_audio()
        return dropped

    def take(self, max_ms: int) -> Item | None:
        """The next piece of work: a control item, or consecutive audio of one utterance merged up
        to ``max_ms`` (fewer, larger decoder calls cost less and catch up faster)."""
        if not self._items:
            return None
        first = self._items.popleft()
        if not isinstance(first, Audio):
            return first
        parts, duration = [first], first.duration_ms
        while self._items and duration < max_ms:
            nxt = self._items[0]
            if not isinstance(nxt, Audio) or nxt.utterance != first.utterance:
                break
            self._items.popleft()
            parts.append(nxt)
            duration += nxt.duration_ms
        self.backlog_ms -= duration
        if len(parts) == 1:
            return first
        samples = np.concatenate([p.samples for p in parts])
        return Audio(first.utterance, samples, duration, first.queued_at, parts[-1].end_ms)

    def dropped_for(self, utterance: int) -> int:
        """Audio (ms) of ``utterance`` dropped so far; forgotten once asked."""
        return self._dropped_by_utterance.pop(utterance, 0)

    def _drop_oldest_audio(self) -> int:
        for index, item in enumerate(self._items):
            if isinstance(item, Audio):
                del self._items[index]
                self.backlog_ms -= item.duration_ms
                self.dropped_ms += item.duration_ms
                self._dropped_by_utterance[item.utterance] = (
                    self._dropped_by_utterance.get(item.utterance, 0) + item.duration_ms)
                return item.duration_ms
        raise AssertionError("backlog_ms counts audio that is not queued")  # pragma: no cover
