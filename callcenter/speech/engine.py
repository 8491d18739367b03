"""The speech engine of a server: one shared model and one decoding pool, sessions per call."""

from __future__ import annotations

import os
from pathlib import Path

from callcenter.speech.pool import DecodePool
from callcenter.speech.recognizer import SpeechModel
from callcenter.speech.session import StreamSession
from callcenter.speech.transcriber import EventCallback, Transcriber, TranscriberConfig


class SpeechEngine:
    """Owns what calls share. Build it once at start (loading a model takes seconds), close at exit."""

    def __init__(self, model: SpeechModel, *, workers: int | None = None,
                 config: TranscriberConfig | None = None) -> None:
        self.model = model
        self.config = config or TranscriberConfig()
        self.pool = DecodePool(workers or os.cpu_count() or 1)

    @classmethod
    def from_model_path(cls, path: Path | str, *, workers: int | None = None,
                        config: TranscriberConfig | None = None) -> SpeechEngine:
        """Load a Vosk model folder (blocking: run it in an executor from async code)."""
        from callcenter.speech.vosk_engine import VoskModel

        return cls(VoskModel(path), workers=workers, config=config)

    def transcriber(self, on_event: EventCallback) -> Transcriber:
        """Recognition for audio from any source (the browser phone, tests); inside the event loop."""
        return Transcriber(self.model, self.pool, on_event, self.config)

    def stream_session(self, *, secret: str, on_event: EventCallback,
                       account_sid: str | None = None) -> StreamSession:
        """A Twilio Media Stream session; see :class:`StreamSession`."""
        return StreamSession(self, secret=secret, on_event=on_event, account_sid=account_sid)

    def close(self) -> None:
        """Stop the decoding threads (after the jobs already queued)."""
        self.pool.shutdown()
