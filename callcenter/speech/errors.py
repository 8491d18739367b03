"""Errors of the speech package: each carries a ``code``, and stream errors a WebSocket close code."""

from __future__ import annotations

from callcenter.errors import CallCenterError


class SpeechError(CallCenterError):
    """Base of every speech error."""

    code = "speech"


class StreamProtocolError(SpeechError):
    """A Media Streams message is malformed or arrives out of order; the stream must be closed.

    ``close_code`` is the WebSocket close code the endpoint should send (1002: protocol error,
    1007: invalid payload data, 1003: unsupported data).
    """

    code = "stream_protocol"
    close_code = 1002


class MalformedMessage(StreamProtocolError):
    """The message is not valid JSON, misses a field, or carries bad base64."""

    code = "stream_malformed"
    close_code = 1007


class UnsupportedStream(StreamProtocolError):
    """The stream is well formed but not something we can decode (another codec or rate)."""

    code = "stream_unsupported"
    close_code = 1003


class StreamTokenError(SpeechError):
    """The stream token on ``start`` is missing, malformed, expired, or not for this call."""

    code = "stream_token"
    close_code = 1008


class ModelError(SpeechError):
    """A speech model cannot be found, loaded, or downloaded."""

    code = "speech_model"


class RecognizerError(SpeechError):
    """The recogniser failed while decoding (for Vosk: "Failed to process waveform")."""

    code = "recognizer"
