"""Twilio Media Streams messages: parsing into typed messages, per-stream ordering, replies.

Pure: text in, frozen dataclasses out, :class:`~callcenter.speech.errors.StreamProtocolError`
subclasses for anything malformed or out of order. :class:`StreamTracker` is the small state
machine of one stream (``connected`` -> ``start`` -> ``media``/``dtmf``/``mark``... -> ``stop``).
The builders at the end produce what a bidirectional stream may send back.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from callcenter.speech.errors import MalformedMessage, StreamProtocolError, UnsupportedStream

SUPPORTED_ENCODING = "audio/x-mulaw"
SUPPORTED_RATE = 8000


@dataclass(frozen=True)
class Connected:
    """First message of every stream: the protocol name and version."""

    protocol: str
    version: str
    kind: Literal["connected"] = "connected"


@dataclass(frozen=True)
class Start:
    """The stream's metadata; ``custom_parameters`` are the TwiML ``<Parameter>`` values."""

    stream_sid: str
    account_sid: str
    call_sid: str
    tracks: tuple[str, ...]
    custom_parameters: Mapping[str, str]
    encoding: str
    sample_rate: int
    channels: int
    sequence_number: int | None = None
    kind: Literal["start"] = "start"


@dataclass(frozen=True)
class Media:
    """One chunk of audio: raw mu-law bytes, ``timestamp_ms`` since the stream started."""

    stream_sid: str
    track: str
    chunk: int
    timestamp_ms: int
    payload: bytes = field(repr=False)
    sequence_number: int | None = None
    kind: Literal["media"] = "media"


@dataclass(frozen=True)
class Dtmf:
    """A key the caller pressed (bidirectional streams only)."""

    stream_sid: str
    track: str
    digit: str
    sequence_number: int | None = None
    kind: Literal["dtmf"] = "dtmf"


@dataclass(frozen=True)
class Mark:
    """A mark we sent, echoed once the audio queued before it has played (or was cleared)."""

    stream_sid: str
    name: str
    sequence_number: int | None = None
    kind: Literal["mark"] = "mark"


@dataclass(frozen=True)
class Stop:
    """The stream ended (hang-up, ``<Stop><Stream>``); the socket closes after it."""

    stream_sid: str
    account_sid: str
    call_sid: str
    sequence_number: int | None = None
    kind: Literal["stop"] = "stop"


StreamMessage = Connected | Start | Media | Dtmf | Mark | Stop
DIGITS = frozenset("0123456789*#ABCD")


def _field(obj: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in obj or obj[key] is None:
        raise MalformedMessage(f"{where}: missing field {key!r}")
    return obj[key]


def _text(obj: Mapping[str, Any], key: str, where: str) -> str:
    value = _field(obj, key, where)
    if not isinstance(value, str) or not value:
        raise MalformedMessage(f"{where}.{key}: expected a non-empty string")
    return value


def _object(obj: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = _field(obj, key, where)
    if not isinstance(value, dict):
        raise MalformedMessage(f"{where}.{key}: expected an object")
    return value


def _number(obj: Mapping[str, Any], key: str, where: str) -> int:
    # Twilio sends counters as decimal strings ("sequenceNumber": "3"); accept plain ints too.
    value = _field(obj, key, where)
    if isinstance(value, bool):
        raise MalformedMessage(f"{where}.{key}: expected a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        raise MalformedMessage(f"{where}.{key}: expected a decimal number, got {value!r}")
    if number < 0:
        raise MalformedMessage(f"{where}.{key}: negative")
    return number


def _sequence(message: Mapping[str, Any]) -> int | None:
    return _number(message, "sequenceNumber", "message") if "sequenceNumber" in message else None


def _parse_start(message: Mapping[str, Any]) -> Start:
    body = _object(message, "start", "start")
    tracks = body.get("tracks", ["inbound"])
    if not isinstance(tracks, list) or not all(isinstance(t, str) for t in tracks):
        raise MalformedMessage("start.tracks: expected a list of strings")
    params = body.get("customParameters") or {}
    if not isinstance(params, dict) or not all(isinstance(v, str) for v in params.values()):
        raise MalformedMessage("start.customParameters: expected an object of strings")
    media_format = _object(body, "mediaFormat", "start")
    return Start(
        stream_sid=_text(body, "streamSid", "start"),
        account_sid=_text(body, "accountSid", "start"),
        call_sid=_text(body, "callSid", "start"),
        tracks=tuple(tracks),
        custom_parameters=dict(params),
        encoding=_text(media_format, "encoding", "start.mediaFormat"),
        sample_rate=_number(media_format, "sampleRate", "start.mediaFormat"),
        channels=_number(media_format, "channels", "start.mediaFormat"),
        sequence_number=_sequence(message),
    )


def _parse_media(message: Mapping[str, Any]) -> Media:
    body = _object(message, "media", "media")
    raw = _field(body, "payload", "media")
    if not isinstance(raw, str):
        raise MalformedMessage("media.payload: expected a base64 string")
    try:
        payload = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise MalformedMessage("media.payload: not valid base64") from None
    return Media(
        stream_sid=_text(message, "streamSid", "media"),
        track=str(body.get("track", "inbound")),
        chunk=_number(body, "chunk", "media") if "chunk" in body else 0,
        timestamp_ms=_number(body, "timestamp", "media"),
        payload=payload,
        sequence_number=_sequence(message),
    )


def _parse_dtmf(message: Mapping[str, Any]) -> Dtmf:
    body = _object(message, "dtmf", "dtmf")
    digit = _text(body, "digit", "dtmf")
    if digit not in DIGITS:
        raise MalformedMessage(f"dtmf.digit: {digit!r} is not a keypad key")
    return Dtmf(stream_sid=_text(message, "streamSid", "dtmf"), track=str(body.get("track", "inbound_track")),
                digit=digit, sequence_number=_sequence(message))


def _parse_mark(message: Mapping[str, Any]) -> Mark:
    body = _object(message, "mark", "mark")
    return Mark(stream_sid=_text(message, "streamSid", "mark"), name=_text(body, "name", "mark"),
                sequence_number=_sequence(message))


def _parse_stop(message: Mapping[str, Any]) -> Stop:
    body = message.get("stop") or {}
    if not isinstance(body, dict):
        raise MalformedMessage("stop.stop: expected an object")
    return Stop(stream_sid=_text(message, "streamSid", "stop"), account_sid=str(body.get("accountSid", "")),
                call_sid=str(body.get("callSid", "")), sequence_number=_sequence(message))


def _parse_connected(message: Mapping[str, Any]) -> Connected:
    return Connected(protocol=str(message.get("protocol", "")), version=str(message.get("version", "")))


_PARSERS: dict[str, Callable[[Mapping[str, Any]], StreamMessage]] = {
    "connected": _parse_connected,
    "start": _parse_start,
    "media": _parse_media,
    "dtmf": _parse_dtmf,
    "mark": _parse_mark,
    "stop": _parse_stop,
}


def parse_message(data: str | bytes) -> StreamMessage:
    """Parse one WebSocket text frame of a Media Stream; raises ``MalformedMessage``."""
    try:
        message = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise MalformedMessage("not a JSON message") from None
    if not isinstance(message, dict):
        raise MalformedMessage("expected a JSON object")
    event = message.get("event")
    if not isinstance(event, str):
        raise MalformedMessage("missing field 'event'")
    parser = _PARSERS.get(event)
    if parser is None:
        raise MalformedMessage(f"unknown event {event[:40]!r}")
    return parser(message)


Phase = Literal["new", "connected", "started", "stopped"]


@dataclass
class StreamTracker:
    """Ordering rules of one stream, checked message by message.

    ``connected`` may only come first (Twilio always sends it; a stream that begins with ``start``
    is accepted). ``start`` comes exactly once, before any ``media``, ``dtmf``, ``mark`` or
    ``stop``; nothing follows ``stop``; every message names the stream that ``start`` opened;
    sequence numbers strictly increase (TCP keeps order, so a step back is a real fault; a gap is
    only counted).
    """

    phase: Phase = "new"
    start: Start | None = None
    last_sequence: int | None = None
    sequence_gaps: int = 0

    def read(self, data: str | bytes) -> StreamMessage:
        """Parse ``data`` and check it against the stream's state."""
        return self.accept(parse_message(data))

    def accept(self, message: StreamMessage) -> StreamMessage:
        """Check an already parsed message; advances the phase or raises ``StreamProtocolError``."""
        if self.phase == "stopped":
            raise StreamProtocolError(f"{message.kind} after stop")
        if isinstance(message, Connected):
            if self.phase != "new":
                raise StreamProtocolError("connected after the stream began")
            self.phase = "connected"
            return message
        if isinstance(message, Start):
            if self.phase == "started":
                raise StreamProtocolError("second start on one stream")
            if message.encoding != SUPPORTED_ENCODING or message.sample_rate != SUPPORTED_RATE \
                    or message.channels != 1:
                raise UnsupportedStream(f"unsupported media format {message.encoding} "
                                        f"{message.sample_rate} Hz x{message.channels}")
            self._check_sequence(message.sequence_number)
            self.start, self.phase = message, "started"
            return message
        if self.start is None:
            raise StreamProtocolError(f"{message.kind} before start")
        if message.stream_sid != self.start.stream_sid:
            raise StreamProtocolError(f"{message.kind} for another stream")
        self._check_sequence(message.sequence_number)
        if isinstance(message, Stop):
            self.phase = "stopped"
        return message

    def _check_sequence(self, number: int | None) -> None:
        if number is None:
            return
        if self.last_sequence is not None:
            if number <= self.last_sequence:
                raise StreamProtocolError(f"sequence number {number} after {self.last_sequence}")
            self.sequence_gaps += number - self.last_sequence - 1
        self.last_sequence = number


def media_message(stream_sid: str, payload: bytes) -> str:
    """Audio for the caller on a bidirectional stream: mu-law 8 kHz, best in 20-100 ms pieces."""
    return json.dumps({"event": "media", "streamSid": stream_sid,
                       "media": {"payload": base64.b64encode(payload).decode("ascii")}})


def mark_message(stream_sid: str, name: str) -> str:
    """A mark Twilio echoes back once the audio sent before it has played."""
    return json.dumps({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})


def clear_message(stream_sid: str) -> str:
    """Empties Twilio's playback buffer (barge-in: the caller speaks over a prompt)."""
    return json.dumps({"event": "clear", "streamSid": stream_sid})
