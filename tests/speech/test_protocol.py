"""Media Streams parsing and the per-stream ordering rules."""

from __future__ import annotations

import json

import pytest

from callcenter.speech.errors import MalformedMessage, StreamProtocolError, UnsupportedStream
from callcenter.speech.protocol import (
    Connected,
    Dtmf,
    Mark,
    Media,
    Start,
    Stop,
    StreamTracker,
    clear_message,
    mark_message,
    media_message,
    parse_message,
)
from tests.speech import twilio_messages as tw


def test_every_event_parses_into_its_type() -> None:
    assert parse_message(tw.connected()) == Connected("Call", "1.0.0")
    start = parse_message(tw.start("tok"))
    assert isinstance(start, Start)
    assert (start.stream_sid, start.call_sid, start.account_sid) == (tw.STREAM, tw.CALL, tw.ACCOUNT)
    assert start.custom_parameters == {"caller": "anonymous", "token": "tok"}
    assert (start.encoding, start.sample_rate, start.channels, start.tracks) == ("audio/x-mulaw", 8000, 1,
                                                                                  ("inbound",))
    media = parse_message(tw.media(b"\x01\x02\xff", seq=3, chunk=2, timestamp_ms=40))
    assert isinstance(media, Media)
    assert (media.payload, media.chunk, media.timestamp_ms, media.sequence_number) == (b"\x01\x02\xff", 2, 40, 3)
    assert parse_message(tw.dtmf("#", seq=4)) == Dtmf(tw.STREAM, "inbound_track", "#", 4)
    assert parse_message(tw.mark("prompt-3", seq=5)) == Mark(tw.STREAM, "prompt-3", 5)
    assert parse_message(tw.stop(seq=6)) == Stop(tw.STREAM, tw.ACCOUNT, tw.CALL, 6)
    assert parse_message(tw.connected().encode()) == Connected("Call", "1.0.0")  # bytes frames too


@pytest.mark.parametrize(("data", "reason"), [
    ("{not json", "not a JSON message"),
    (b"\xff\xfe", "not a JSON message"),
    ("[1, 2]", "expected a JSON object"),
    ('{"streamSid": "MZ1"}', "missing field 'event'"),
    ('{"event": "hangup"}', "unknown event 'hangup'"),
    ('{"event": "media", "streamSid": "MZ1"}', "missing field 'media'"),
    ('{"event": "media", "streamSid": "MZ1", "media": {"timestamp": "0"}}', "missing field 'payload'"),
    ('{"event": "media", "streamSid": "MZ1", "media": {"payload": "!!!!", "timestamp": "0"}}', "not valid base64"),
    ('{"event": "media", "streamSid": "MZ1", "media": {"payload": "AAA", "timestamp": "0"}}', "not valid base64"),
    ('{"event": "media", "streamSid": "MZ1", "media": {"payload": "AA==", "timestamp": "-5"}}', "decimal number"),
    ('{"event": "media", "media": {"payload": "AA==", "timestamp": "0"}}', "missing field 'streamSid'"),
    ('{"event": "start", "streamSid": "MZ1", "start": {"streamSid": "MZ1"}}', "missing field 'mediaFormat'"),
    ('{"event": "dtmf", "streamSid": "MZ1", "dtmf": {"digit": "x"}}', "not a keypad key"),
    ('{"event": "mark", "streamSid": "MZ1", "mark": {}}', "missing field 'name'"),
    ('{"event": "media", "streamSid": "MZ1", "sequenceNumber": "two", "media": {"payload": "", "timestamp": "0"}}',
     "decimal number"),
])
def test_malformed_messages_say_what_is_wrong(data: str | bytes, reason: str) -> None:
    with pytest.raises(MalformedMessage) as caught:
        parse_message(data)
    assert reason in caught.value.message
    assert caught.value.close_code == 1007


def test_customparameters_must_be_strings() -> None:
    message = json.loads(tw.start("tok"))
    message["start"]["customParameters"] = {"token": 5}
    with pytest.raises(MalformedMessage, match="customParameters"):
        parse_message(json.dumps(message))


def test_a_whole_stream_in_order_is_accepted() -> None:
    tracker = StreamTracker()
    tracker.read(tw.connected())
    tracker.read(tw.start("tok", seq=1))
    tracker.read(tw.media(b"\xff" * 160, seq=2, chunk=1, timestamp_ms=0))
    tracker.read(tw.dtmf("5", seq=3))
    tracker.read(tw.mark("m", seq=6))  # gaps happen: counted, not fatal
    tracker.read(tw.stop(seq=7))
    assert tracker.phase == "stopped"
    assert tracker.sequence_gaps == 2


def test_start_without_connected_is_accepted() -> None:
    tracker = StreamTracker()
    tracker.read(tw.start("tok"))
    assert tracker.phase == "started"


@pytest.mark.parametrize(("before", "message", "reason"), [
    ([], tw.media(b"\xff", seq=2, chunk=1, timestamp_ms=0), "media before start"),
    ([tw.connected()], tw.dtmf("1", seq=2), "dtmf before start"),
    ([tw.connected()], tw.stop(seq=2), "stop before start"),
    ([tw.connected(), tw.start("t")], tw.start("t", seq=2), "second start"),
    ([tw.connected(), tw.start("t")], tw.connected(), "connected after the stream began"),
    ([tw.start("t"), tw.stop(seq=2)], tw.media(b"\xff", seq=3, chunk=1, timestamp_ms=0), "media after stop"),
    ([tw.start("t", seq=5)], tw.media(b"\xff", seq=5, chunk=1, timestamp_ms=0), "sequence number 5 after 5"),
    ([tw.start("t")], tw.media(b"\xff", seq=2, chunk=1, timestamp_ms=0, stream="MZother"), "another stream"),
])
def test_out_of_order_messages_are_refused(before: list[str], message: str, reason: str) -> None:
    tracker = StreamTracker()
    for earlier in before:
        tracker.read(earlier)
    with pytest.raises(StreamProtocolError) as caught:
        tracker.read(message)
    assert reason in caught.value.message
    assert caught.value.close_code == 1002


def test_other_codecs_are_refused_as_unsupported() -> None:
    with pytest.raises(UnsupportedStream) as caught:
        StreamTracker().read(tw.start("t", encoding="audio/l16", rate=16000))
    assert caught.value.close_code == 1003


def test_replies_for_bidirectional_streams() -> None:
    assert json.loads(media_message(tw.STREAM, b"\xff\x7f")) == {
        "event": "media", "streamSid": tw.STREAM, "media": {"payload": "/38="}}
    assert json.loads(mark_message(tw.STREAM, "prompt-1")) == {
        "event": "mark", "streamSid": tw.STREAM, "mark": {"name": "prompt-1"}}
    assert json.loads(clear_message(tw.STREAM)) == {"event": "clear", "streamSid": tw.STREAM}
