"""The per-call decode queue: merging, and dropping the oldest audio past its bound."""

from __future__ import annotations

import numpy as np
import pytest

from callcenter.speech.backlog import Audio, Begin, DecodeBacklog, Finish, Item
from callcenter.speech.segmenter import UtteranceEnded


def drain(backlog: DecodeBacklog, max_ms: int) -> list[Item]:
    items = []
    while (item := backlog.take(max_ms)) is not None:
        items.append(item)
    return items


def audio(utterance: int, ms: int = 20, value: int = 0) -> Audio:
    return Audio(utterance, np.full(ms * 8, value, dtype=np.int16), ms, 0.0)


def test_consecutive_audio_of_one_utterance_is_merged_up_to_the_job_size() -> None:
    backlog = DecodeBacklog(10_000)
    backlog.push(Begin(1, 0, None))
    for value in range(15):
        backlog.push(audio(1, value=value))
    assert isinstance(backlog.take(200), Begin)
    first = backlog.take(200)
    assert isinstance(first, Audio) and first.duration_ms == 200
    assert first.samples.tolist() == [v for v in range(10) for _ in range(160)]
    rest = backlog.take(200)
    assert isinstance(rest, Audio) and rest.duration_ms == 100
    assert backlog.take(200) is None
    assert backlog.backlog_ms == 0


def test_merging_stops_at_control_items_and_utterance_boundaries() -> None:
    backlog = DecodeBacklog(10_000)
    ended = UtteranceEnded(0, 20, 720, "silence")
    for item in (audio(1), audio(1), Finish(1, ended), Begin(2, 0, None), audio(2)):
        backlog.push(item)
    kinds = [(type(item).__name__, getattr(item, "duration_ms", None)) for item in drain(backlog, 1000)]
    assert kinds == [("Audio", 40), ("Finish", None), ("Begin", None), ("Audio", 20)]


def test_past_the_bound_the_oldest_audio_is_dropped_and_accounted_per_utterance() -> None:
    backlog = DecodeBacklog(100)
    backlog.push(Begin(1, 0, None))
    dropped = [backlog.push(audio(1, value=v)) for v in range(5)]
    backlog.push(Finish(1, UtteranceEnded(0, 100, 800, "silence")))
    backlog.push(Begin(2, 0, None))
    dropped += [backlog.push(audio(2, value=10 + v)) for v in range(3)]
    assert dropped == [0, 0, 0, 0, 0, 20, 20, 20]
    assert backlog.backlog_ms == 100
    assert (backlog.dropped_ms, backlog.dropped_for(1), backlog.dropped_for(2)) == (60, 60, 0)
    assert backlog.dropped_for(1) == 0  # reported once
    # Control items survive: both utterances still begin and finish.
    items = drain(backlog, 20)
    assert [type(i).__name__ for i in items] == ["Begin", "Audio", "Audio", "Finish", "Begin", "Audio", "Audio",
                                                 "Audio"]
    assert [int(i.samples[0]) for i in items if isinstance(i, Audio)] == [3, 4, 10, 11, 12]


def test_bound_must_be_positive() -> None:
    with pytest.raises(ValueError):
        DecodeBacklog(0)
