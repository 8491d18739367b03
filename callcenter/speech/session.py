"""One Twilio Media Stream from first message to last: what the ``/twilio/media`` endpoint drives.

``receive`` takes each WebSocket text frame: it is parsed and checked for order
(:class:`StreamTracker`); on ``start`` the stream token is checked against the call, and
recognition begins; inbound audio goes to the call's :class:`Transcriber` (outbound audio, our own
prompts on a ``both_tracks`` stream, never does). Recognition events reach ``on_event`` on the
event loop. Any error raised by ``receive`` means: close the socket with the error's
``close_code``, then ``aclose`` the session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from callcenter.speech.errors import StreamTokenError
from callcenter.speech.protocol import Media, Start, Stop, StreamMessage, StreamTracker
from callcenter.speech.stream_token import TOKEN_PARAMETER, check_stream_token
from callcenter.speech.transcriber import EventCallback, Transcriber, TranscriberStats

if TYPE_CHECKING:
    from callcenter.speech.engine import SpeechEngine

INBOUND = "inbound"


class StreamSession:
    """Protocol, authentication and recognition of one Media Stream."""

    def __init__(self, engine: SpeechEngine, *, secret: str, on_event: EventCallback,
                 account_sid: str | None = None) -> None:
        self._engine = engine
        self._secret = secret
        self._on_event = on_event
        self._account_sid = account_sid
        self._tracker = StreamTracker()
        self._transcriber: Transcriber | None = None
        self._listen: tuple[int, tuple[str, ...] | None, int | None, str] = (0, None, None, "")

    @property
    def start(self) -> Start | None:
        """The ``start`` message, once received and authenticated."""
        return self._tracker.start if self._transcriber is not None else None

    @property
    def call_sid(self) -> str | None:
        return self.start.call_sid if self.start else None

    @property
    def custom_parameters(self) -> Mapping[str, str]:
        return self.start.custom_parameters if self.start else {}

    @property
    def transcriber(self) -> Transcriber | None:
        return self._transcriber

    def receive(self, data: str | bytes, now: float) -> StreamMessage:
        """Handle one text frame; ``now`` (Unix seconds) is only used to check the token's expiry.

        Returns the parsed message (``Dtmf`` and ``Mark`` are for the caller to act on). Raises
        ``StreamProtocolError`` (malformed, out of order, unsupported) or ``StreamTokenError``.
        """
        message = self._tracker.read(data)
        if isinstance(message, Media):
            if message.track == INBOUND and self._transcriber is not None:
                self._transcriber.push_ulaw(message.payload, message.timestamp_ms)
        elif isinstance(message, Start):
            self._authenticate(message, now)
            self._transcriber = self._engine.transcriber(self._on_event)
            turn, phrases, timeout, language = self._listen
            self._transcriber.listen(turn=turn, phrases=phrases, no_speech_timeout_ms=timeout, language=language)
        elif isinstance(message, Stop) and self._transcriber is not None:
            self._transcriber.end_of_stream()
        return message

    def listen(self, *, turn: int, phrases: Sequence[str] | None = None,
               no_speech_timeout_ms: int | None = None, language: str = "") -> None:
        """What the IVR expects next: see :meth:`Transcriber.listen`. Before ``start``, it is
        remembered and applied when the stream starts."""
        if self._transcriber is None:
            self._listen = (turn, tuple(phrases) if phrases else None, no_speech_timeout_ms, language)
        else:
            self._transcriber.listen(turn=turn, phrases=phrases, no_speech_timeout_ms=no_speech_timeout_ms,
                                     language=language)

    def stats(self) -> TranscriberStats | None:
        return self._transcriber.stats() if self._transcriber else None

    async def aclose(self, *, flush: bool = True) -> None:
        """End recognition (the socket closed, normally or not); with ``flush``, report the last
        utterance's transcript first."""
        if self._transcriber is not None:
            await self._transcriber.aclose(flush=flush)

    def _authenticate(self, start: Start, now: float) -> None:
        try:
            if self._account_sid is not None and start.account_sid != self._account_sid:
                raise StreamTokenError("stream from another Twilio account")
            check_stream_token(self._secret, start.custom_parameters.get(TOKEN_PARAMETER), start.call_sid, now)
        except StreamTokenError:
            # Nothing after a refused start may be processed: the stream counts as stopped.
            self._tracker.phase = "stopped"
            raise
