"""The speech engine of a server: one shared model and one decoding pool, sessions per call."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from callcenter.speech.pool import DEFAULT_NICE, DecodePool
from callcenter.speech.recognizer import SpeechModel
from callcenter.speech.session import StreamSession
from callcenter.speech.slots import StreamSlots
from callcenter.speech.transcriber import EventCallback, Transcriber, TranscriberConfig
from callcenter.speech.warmup import WarmUpStatus, warm_up

# A decoding thread serves about this many callers talking at once with every answer as quick as
# promised (issue 16: 6 streams on 2 threads from a cold start, median of 3 series; docs/speech.md).
STREAMS_PER_WORKER = 3


class SpeechEngine:
    """Owns what calls share. Build it once at start (loading a model takes seconds), close at exit."""

    def __init__(self, model: SpeechModel, *, workers: int | None = None,
                 config: TranscriberConfig | None = None, max_streams: int | None = None,
                 models: Mapping[str, SpeechModel] | None = None, warm: int | None = None,
                 decode_nice: int = DEFAULT_NICE) -> None:
        self.model = model
        # The models of a flow's other languages (CALLCENTER_VOSK_MODELS), by language code.
        self.models = dict(models or {})
        self.config = config or TranscriberConfig()
        # Decoding below the event loop's OS priority if asked (pool.py: measured not to help).
        self.pool = DecodePool(workers or os.cpu_count() or 1, nice=decode_nice)
        # Streams recognised at once (Media Streams and browser phones); beyond, keys and Twilio.
        self.slots = StreamSlots(max_streams or STREAMS_PER_WORKER * self.pool.workers)
        # Recognisers prepared at start-up (``start_warm_up``): by default one per stream place.
        self.warm = WarmUpStatus(self.slots.capacity if warm is None else warm)
        self._warming: asyncio.Task[None] | None = None

    @classmethod
    def from_model_path(cls, path: Path | str, *, workers: int | None = None,
                        config: TranscriberConfig | None = None, max_streams: int | None = None,
                        others: Mapping[str, Path] | None = None, warm: int | None = None,
                        decode_nice: int = DEFAULT_NICE) -> SpeechEngine:
        """Load a Vosk model folder, and ``others`` by language (blocking: run it in an executor
        from async code)."""
        from callcenter.speech.vosk_engine import DEFAULT_MAX_IDLE, VoskModel

        cap = max_streams or STREAMS_PER_WORKER * (workers or os.cpu_count() or 1)
        # Keep as many warm recognisers between calls as are prepared: a burst after a quiet
        # spell finds them all warm.
        model = VoskModel(path, max_idle=max(DEFAULT_MAX_IDLE, cap if warm is None else warm))
        models: dict[str, SpeechModel] = {lang: VoskModel(p) for lang, p in (others or {}).items()}
        return cls(model, workers=workers, config=config, max_streams=max_streams, models=models, warm=warm,
                   decode_nice=decode_nice)

    def start_warm_up(self, phrase_sets: Sequence[Sequence[str]] = ()) -> asyncio.Task[None]:
        """Prepare recognisers in the background (inside the running loop); see ``warmup``."""
        if self._warming is None:
            self._warming = asyncio.get_running_loop().create_task(
                warm_up(self.model, self.pool, self.warm, phrase_sets), name="speech-warm-up")
        return self._warming

    async def stop_warm_up(self) -> None:
        if self._warming is not None and not self._warming.done():
            self._warming.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._warming

    def transcriber(self, on_event: EventCallback) -> Transcriber:
        """Recognition for audio from any source (the browser phone, tests); inside the event loop."""
        return Transcriber(self.model, self.pool, on_event, self.config, models=self.models)

    def stream_session(self, *, secret: str, on_event: EventCallback,
                       account_sid: str | None = None) -> StreamSession:
        """A Twilio Media Stream session; see :class:`StreamSession`."""
        return StreamSession(self, secret=secret, on_event=on_event, account_sid=account_sid)

    def close(self) -> None:
        """Stop the decoding threads: jobs still queued are dropped (the calls are over), the ones
        running finish (a Vosk call cannot be interrupted, and takes well under a second)."""
        self.pool.shutdown(cancel_pending=True)
