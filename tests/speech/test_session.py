"""A Media Stream session end to end (protocol, token, recognition) with a scripted recogniser."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest

from callcenter.speech.audio import pcm16_to_ulaw
from callcenter.speech.engine import SpeechEngine
from callcenter.speech.errors import MalformedMessage, StreamProtocolError, StreamTokenError
from callcenter.speech.events import FinalTranscript, SpeechEvent
from callcenter.speech.protocol import Dtmf, Mark, Start, Stop
from callcenter.speech.session import StreamSession
from callcenter.speech.stream_token import make_stream_token
from tests.speech import twilio_messages as tw
from tests.speech.fakes import ScriptedModel

SECRET = "session-test-secret"
NOW = 1_760_000_000.0


def speech_ulaw(ms: int) -> bytes:
    t = np.arange(ms * 8) / 8000
    return pcm16_to_ulaw((8000 * np.sin(2 * np.pi * 300 * t)).astype(np.int16))


def silence_ulaw(ms: int) -> bytes:
    return b"\xff" * (ms * 8)


@pytest.fixture
def engine() -> Iterator[SpeechEngine]:
    speech = SpeechEngine(ScriptedModel(), workers=2)
    yield speech
    speech.close()


class Stream:
    def __init__(self, engine: SpeechEngine, account_sid: str | None = tw.ACCOUNT) -> None:
        self.events: list[SpeechEvent] = []
        self.session: StreamSession = engine.stream_session(secret=SECRET, on_event=self.events.append,
                                                            account_sid=account_sid)
        self.seq = 1

    def send(self, data: str) -> object:
        return self.session.receive(data, NOW)

    def open(self, token: str | None = None) -> None:
        self.send(tw.connected())
        self.send(tw.start(make_stream_token(SECRET, tw.CALL, NOW) if token is None else token, seq=self.seq))

    def audio(self, audio: bytes, *, start_ms: int = 0, track: str = "inbound") -> None:
        for index, offset in enumerate(range(0, len(audio), 160)):
            self.seq += 1
            self.send(tw.media(audio[offset:offset + 160], seq=self.seq, chunk=index + 1,
                               timestamp_ms=start_ms + index * 20, track=track))

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq


async def test_a_call_streams_speech_and_gets_transcripts(engine: SpeechEngine) -> None:
    stream = Stream(engine)
    stream.session.listen(turn=7, phrases=["oui", "non"])  # before start: kept for when it starts
    stream.open()
    assert stream.session.call_sid == tw.CALL
    assert stream.session.custom_parameters["caller"] == "anonymous"
    stream.audio(silence_ulaw(300) + speech_ulaw(600) + silence_ulaw(1000))
    assert isinstance(stream.send(tw.dtmf("4", seq=stream.next_seq())), Dtmf)
    assert isinstance(stream.send(tw.mark("prompt-1", seq=stream.next_seq())), Mark)
    assert isinstance(stream.send(tw.stop(seq=stream.next_seq())), Stop)
    await stream.session.aclose()
    finals = [e for e in stream.events if isinstance(e, FinalTranscript)]
    assert [(f.turn, f.text, f.grammar, f.reason) for f in finals] == [(7, "oui", True, "silence")]
    assert stream.events[0].kind == "speech_started"
    stats = stream.session.stats()
    assert stats is not None and stats.received_ms == 1900


async def test_our_own_prompts_on_the_outbound_track_are_not_recognised(engine: SpeechEngine) -> None:
    stream = Stream(engine)
    stream.open()
    stream.audio(speech_ulaw(800) + silence_ulaw(1000), track="outbound")
    await stream.session.aclose()
    assert stream.events == []


async def test_a_disconnect_without_stop_still_flushes_the_last_words(engine: SpeechEngine) -> None:
    stream = Stream(engine)
    stream.open()
    stream.audio(speech_ulaw(700))
    await stream.session.aclose()
    assert [e.reason for e in stream.events if isinstance(e, FinalTranscript)] == ["stream_end"]


@pytest.mark.parametrize("token", ["", "123.abc", make_stream_token(SECRET, "CA" + "9" * 32, NOW),
                                   make_stream_token(SECRET, tw.CALL, NOW - 600, ttl=60),
                                   make_stream_token("other-secret", tw.CALL, NOW)])
async def test_a_bad_token_refuses_the_stream_and_everything_after(engine: SpeechEngine, token: str) -> None:
    stream = Stream(engine)
    stream.send(tw.connected())
    with pytest.raises(StreamTokenError):
        stream.send(tw.start(token))
    assert stream.session.start is None and stream.session.transcriber is None
    with pytest.raises(StreamProtocolError, match="after stop"):
        stream.send(tw.media(speech_ulaw(20), seq=2, chunk=1, timestamp_ms=0))
    await stream.session.aclose()


async def test_a_missing_token_is_refused(engine: SpeechEngine) -> None:
    stream = Stream(engine)
    with pytest.raises(StreamTokenError, match="missing"):
        stream.send(tw.start(None))


async def test_a_stream_from_another_account_is_refused(engine: SpeechEngine) -> None:
    stream = Stream(engine)
    with pytest.raises(StreamTokenError, match="another Twilio account"):
        stream.send(tw.start(make_stream_token(SECRET, tw.CALL, NOW), account="AC" + "0" * 32))


async def test_protocol_errors_surface_from_receive(engine: SpeechEngine) -> None:
    stream = Stream(engine)
    with pytest.raises(StreamProtocolError, match="media before start"):
        stream.send(tw.media(b"\xff", seq=1, chunk=1, timestamp_ms=0))
    stream.open()
    with pytest.raises(MalformedMessage, match="base64"):
        stream.send(json.dumps({"event": "media", "streamSid": tw.STREAM,
                                "media": {"payload": "@@", "timestamp": "0"}}))
    with pytest.raises(MalformedMessage, match="unknown event"):
        stream.send(json.dumps({"event": "transcript", "streamSid": tw.STREAM}))
    assert isinstance(stream.session.start, Start)
    await stream.session.aclose()
