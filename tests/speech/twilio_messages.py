"""Media Streams messages shaped exactly as Twilio sends them (field names, strings for numbers)."""

from __future__ import annotations

import base64
import json
from typing import Any

ACCOUNT = "AC" + "b2" * 16
CALL = "CA" + "c3" * 16
STREAM = "MZ" + "d4" * 16


def connected() -> str:
    return json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})


def start(token: str | None = None, *, seq: int = 1, call: str = CALL, account: str = ACCOUNT,
          encoding: str = "audio/x-mulaw", rate: int = 8000, tracks: tuple[str, ...] = ("inbound",)) -> str:
    params: dict[str, Any] = {"caller": "anonymous"}
    if token is not None:
        params["token"] = token
    return json.dumps({
        "event": "start", "sequenceNumber": str(seq), "streamSid": STREAM,
        "start": {"accountSid": account, "streamSid": STREAM, "callSid": call, "tracks": list(tracks),
                  "mediaFormat": {"encoding": encoding, "sampleRate": rate, "channels": 1},
                  "customParameters": params},
    })


def media(payload: bytes, *, seq: int, chunk: int, timestamp_ms: int, track: str = "inbound",
          stream: str = STREAM) -> str:
    return json.dumps({
        "event": "media", "sequenceNumber": str(seq), "streamSid": stream,
        "media": {"track": track, "chunk": str(chunk), "timestamp": str(timestamp_ms),
                  "payload": base64.b64encode(payload).decode("ascii")},
    })


def dtmf(digit: str, *, seq: int) -> str:
    return json.dumps({"event": "dtmf", "streamSid": STREAM, "sequenceNumber": str(seq),
                       "dtmf": {"track": "inbound_track", "digit": digit}})


def mark(name: str, *, seq: int) -> str:
    return json.dumps({"event": "mark", "sequenceNumber": str(seq), "streamSid": STREAM, "mark": {"name": name}})


def stop(*, seq: int) -> str:
    return json.dumps({"event": "stop", "sequenceNumber": str(seq), "streamSid": STREAM,
                       "stop": {"accountSid": ACCOUNT, "callSid": CALL}})


def media_frames(audio: bytes, *, first_seq: int, start_ms: int = 0) -> list[str]:
    """``audio`` (mu-law) cut into Twilio's 20 ms frames with increasing numbers and timestamps."""
    frames = []
    for index, offset in enumerate(range(0, len(audio), 160)):
        frames.append(media(audio[offset:offset + 160], seq=first_seq + index, chunk=index + 1,
                            timestamp_ms=start_ms + index * 20))
    return frames
