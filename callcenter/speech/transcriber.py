"""One call's recognition: telephone audio in, speech events out, decoding off the event loop.

On the event loop, each 20 ms frame goes through the pure :class:`Segmenter` (voice-activity gate
and end of utterance); the frames it lets through are queued in the call's bounded
:class:`DecodeBacklog`. A worker task takes them in order and runs the recogniser on the shared
:class:`DecodePool`, so a slow recogniser never blocks the loop and never grows memory beyond the
backlog's bound. Events go to ``on_event`` on the loop, in order.

End of a menu answer: when an utterance is recognised with a grammar (``listen(phrases=...)``),
every partial result decoded from audio that reaches the end of the speech heard so far tells the
segmenter whether the utterance is already a complete phrase (one no longer phrase starts with);
if it is, the utterance ends after ``complete_silence_ms`` instead of ``end_silence_ms``. The
worker decodes a call's audio in stream order and checks, on the loop, against the segmenter's
state at that moment, so a partial that does not cover speech heard since is never used.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from callcenter.speech.audio import TELEPHONE_RATE, Int16Array, Upsampler, energy_dbfs, ulaw_to_pcm16
from callcenter.speech.backlog import Audio, Begin, DecodeBacklog, Finish, Item
from callcenter.speech.events import (
    AudioDropped,
    FinalTranscript,
    NoSpeech,
    PartialTranscript,
    RecognitionFailed,
    SpeechEvent,
    SpeechStarted,
)
from callcenter.speech.pool import BULK, SETUP, URGENT, DecodePool
from callcenter.speech.recognizer import Recognizer, SpeechModel, Transcript
from callcenter.speech.segmenter import (
    Frame,
    NoSpeechTimeout,
    Segmenter,
    SegmenterConfig,
    Step,
    UtteranceEnded,
    UtteranceStarted,
)

_LOGGER = logging.getLogger(__name__)
EventCallback = Callable[[SpeechEvent], None]


def normalize_phrase(text: str) -> str:
    """Case and spacing do not matter when a partial result is compared with a phrase."""
    return " ".join(text.casefold().split())


def complete_phrases(phrases: Sequence[str]) -> frozenset[str]:
    """The phrases after which the caller has certainly finished: those that do not begin a
    longer phrase of the same grammar ("caf" is not one when "caf famille" is a phrase too)."""
    normal = {normalize_phrase(p) for p in phrases} - {""}
    return frozenset(p for p in normal if not any(q.startswith(p + " ") for q in normal))


class _Chunk(NamedTuple):
    """What the segmenter carries for the transcriber: samples and where they end (stream time)."""

    samples: Int16Array
    end_ms: int


@dataclass(frozen=True)
class _Utterance:
    """Fixed when an utterance starts: its turn, whether a grammar decodes it, its complete phrases."""

    turn: int
    grammar: bool = False
    complete: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TranscriberConfig:
    """Per-call tuning; see ``docs/speech.md``."""

    segmenter: SegmenterConfig = field(default_factory=SegmenterConfig)
    #: Decoding may lag this much audio behind before the oldest queued audio is dropped.
    max_backlog_ms: int = 8_000
    #: Audio merged into one decoder call (Vosk works best with 100-200 ms pieces).
    job_ms: int = 200
    #: Report partial transcripts (each costs a lattice traceback).
    partials: bool = True


@dataclass(frozen=True)
class TranscriberStats:
    """Counters of one call, for logs and the benchmark (times in ms of audio unless said)."""

    received_ms: int
    fed_ms: int
    decoded_ms: int
    dropped_ms: int
    backlog_ms: int
    utterances: int
    #: Longest wall-clock wait, in seconds, between audio being queued and being decoded.
    max_lag_s: float


class Transcriber:
    """Recognition for one call. Create it inside a running event loop; ``aclose`` it at the end."""

    def __init__(self, model: SpeechModel, pool: DecodePool, on_event: EventCallback,
                 config: TranscriberConfig | None = None, models: Mapping[str, SpeechModel] | None = None) -> None:
        self.config = config or TranscriberConfig()
        self._model = model
        # Models of other languages than the first (``listen(language=...)``); "" is ``model``.
        self._models: dict[str, SpeechModel] = {**(models or {}), "": model}
        self._language = ""
        self._pool = pool
        self._on_event = on_event
        self._segmenter: Segmenter[_Chunk] = Segmenter(self.config.segmenter)
        self._backlog = DecodeBacklog(self.config.max_backlog_ms)
        self._upsampler = Upsampler(TELEPHONE_RATE, model.sample_rate)
        self._wakeup = asyncio.Event()
        self._idle = asyncio.Event()  # set while the worker waits with nothing queued
        self._closing = False
        self._failed = False
        self._overloaded = False
        # What the next utterance is decoded with, set by ``listen``.
        self._turn = 0
        self._phrases: tuple[str, ...] | None = None
        self._next_language = ""
        self._next = _Utterance(0)
        # Per utterance, fixed when it starts.
        self._utterance = 0
        self._utterances: dict[int, _Utterance] = {}
        self._end_ms = 0
        # Recognisers, used only from the decode worker (one pool thread at a time).
        self._free: Recognizer | None = None
        self._grammar: tuple[tuple[str, ...], Recognizer] | None = None
        self._current: Recognizer | None = None
        self._last_partial = ""
        self._received_ms = self._fed_ms = self._decoded_ms = 0
        self._max_lag_s = 0.0
        self._task = asyncio.get_running_loop().create_task(self._work(), name="speech-transcriber")

    # -- control, from the event loop ----------------------------------------------------------

    @property
    def turn(self) -> int:
        return self._turn

    @property
    def stream_time_ms(self) -> int:
        """End of the last audio received, in stream time."""
        return self._end_ms

    def listen(self, *, turn: int, phrases: Sequence[str] | None = None,
               no_speech_timeout_ms: int | None = None, language: str = "") -> None:
        """Set how the next utterances are recognised, and arm the no-speech timer.

        ``phrases``: the answers a menu expects (a grammar, when the model supports one), or
        ``None`` for free speech. The turn and phrases apply to utterances that *start* from now
        on; an utterance already under way keeps those it started with. ``no_speech_timeout_ms``
        counts in stream time from the last audio received. ``language``: whose model decodes
        them ("" or a language without a model of its own: the first language's).
        """
        self._turn = turn
        self._phrases = tuple(phrases) if phrases else None
        self._next_language = language if language in self._models else ""
        model = self._models[self._next_language]
        usable = model.usable_phrases(self._phrases) if self._phrases else ()
        self._next = _Utterance(turn, bool(usable), complete_phrases(usable))
        if no_speech_timeout_ms is None:
            self._segmenter.disarm()
        else:
            self._segmenter.arm_no_speech(self._end_ms, no_speech_timeout_ms)

    def push_ulaw(self, payload: bytes, timestamp_ms: int) -> None:
        """Add a chunk of 8 kHz mu-law audio (a Twilio media payload)."""
        self.push_pcm(ulaw_to_pcm16(payload), timestamp_ms)

    def push_pcm(self, samples: Int16Array, timestamp_ms: int) -> None:
        """Add a chunk of 8 kHz 16-bit audio starting at ``timestamp_ms`` (stream time)."""
        if self._closing or samples.size == 0:
            return
        duration = samples.size * 1000 // TELEPHONE_RATE
        self._received_ms += duration
        # The segmenter moves a stale timestamp up to "now"; the chunk records the same end.
        start = max(timestamp_ms, self._segmenter.clock_ms)
        frame = Frame(start, duration, energy_dbfs(samples), _Chunk(samples, start + duration))
        step = self._segmenter.process(frame)
        self._end_ms = max(self._end_ms, timestamp_ms + duration)
        self._apply(step)

    def end_of_stream(self) -> None:
        """The audio is over (``stop`` or a closed socket): finish an utterance in progress."""
        if not self._closing:
            self._apply(self._segmenter.finish(self._end_ms))
        self._closing = True
        self._wakeup.set()

    async def aclose(self, *, flush: bool = True) -> None:
        """Stop; with ``flush``, decode what is queued and report its transcripts first."""
        self.end_of_stream()
        if flush:
            await self._task
            # Every utterance was finished, so the recognisers are idle: hand them back.
            if not self._failed:
                for recognizer in (self._free, self._grammar[1] if self._grammar else None):
                    if recognizer is not None:
                        self._model.release(recognizer)
        else:
            # A decode job may still be running on a pool thread: let these go with the garbage.
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._free = self._grammar = self._current = None

    async def wait_idle(self) -> None:
        """Wait until everything received so far is decoded and its events are out (tests and
        benchmarks that feed audio faster than real time, with a decoder that keeps up)."""
        await self._idle.wait()

    def stats(self) -> TranscriberStats:
        return TranscriberStats(self._received_ms, self._fed_ms, self._decoded_ms, self._backlog.dropped_ms,
                                self._backlog.backlog_ms, self._utterance, self._max_lag_s)

    # -- segmenter output ------------------------------------------------------------------------

    def _apply(self, step: Step[_Chunk]) -> None:
        event = step.event
        if isinstance(event, UtteranceStarted):
            self._utterance += 1
            self._utterances[self._utterance] = self._next
            if self._next.complete:
                # Decide from the recogniser: it must hear the silence after the last word.
                self._segmenter.feed_trailing_silence()
            self._queue(Begin(self._utterance, self._turn, self._phrases, self._next_language))
            self._emit(SpeechStarted(self._turn, event.at_ms))
        now = time.monotonic()
        for chunk in step.feed:
            duration = chunk.samples.size * 1000 // TELEPHONE_RATE
            self._fed_ms += duration
            self._queue(Audio(self._utterance, chunk.samples, duration, now, chunk.end_ms))
        if isinstance(event, UtteranceEnded):
            self._queue(Finish(self._utterance, event))
        elif isinstance(event, NoSpeechTimeout):
            self._emit(NoSpeech(self._turn, event.at_ms - event.armed_ms))

    def _queue(self, item: Item) -> None:
        dropped = self._backlog.push(item)
        if dropped and not self._overloaded:
            self._overloaded = True
            _LOGGER.warning("speech decoding behind by %d ms: dropping the oldest audio", self._backlog.backlog_ms)
            self._emit(AudioDropped(dropped, self._backlog.backlog_ms))
        elif self._overloaded and self._backlog.backlog_ms <= self._backlog.max_backlog_ms // 2:
            self._overloaded = False
        self._idle.clear()
        self._wakeup.set()

    def _emit(self, event: SpeechEvent) -> None:
        try:
            self._on_event(event)
        except Exception:
            # The consumer's bug must not stop recognition for the rest of the call.
            _LOGGER.exception("speech event handler failed on %s", event.kind)

    # -- decode worker -----------------------------------------------------------------------------

    async def _work(self) -> None:
        # Make the free recogniser ahead of the first utterance: creating one takes ~0.1 s, which
        # would otherwise delay the first transcript.
        try:
            self._free = await self._pool.run(lambda: self._model.recognizer(None), SETUP)
        except Exception as exc:
            self._failed = True
            _LOGGER.error("speech recogniser could not be created: %s", exc)
            self._emit(RecognitionFailed(str(exc)))
        while True:
            item = self._backlog.take(self.config.job_ms)
            if item is None:
                self._idle.set()
                if self._closing:
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            if self._failed:
                continue
            try:
                await self._do(item)
            except Exception as exc:
                self._failed = True
                _LOGGER.error("speech recognition failed: %s", exc)
                self._emit(RecognitionFailed(str(exc)))

    async def _do(self, item: Item) -> None:
        if isinstance(item, Begin):
            self._last_partial = ""
            self._current = await self._pool.run(lambda: self._select(item.phrases, item.language), SETUP)
        elif isinstance(item, Audio):
            await self._decode(item)
        else:
            await self._finish(item)

    async def _decode(self, item: Audio) -> None:
        recognizer = self._current
        if recognizer is None:  # pragma: no cover - a Begin always precedes an utterance's audio
            return
        upsampler = self._upsampler
        partial = await self._pool.run(lambda: recognizer.accept(upsampler.process(item.samples).tobytes()), BULK)
        self._decoded_ms += item.duration_ms
        self._max_lag_s = max(self._max_lag_s, time.monotonic() - item.queued_at)
        utterance = self._utterances.get(item.utterance, _Utterance(self._turn))
        if utterance.complete and item.utterance == self._utterance:
            # Back on the loop: the segmenter has seen every frame received so far, and ignores
            # this unless the audio just decoded reaches its last speech. Checked after every
            # piece, changed or not: the same text may only now cover the end of speech.
            self._segmenter.mark_complete(item.end_ms, normalize_phrase(partial) in utterance.complete)
        if self.config.partials and partial and partial != self._last_partial:
            self._last_partial = partial
            self._emit(PartialTranscript(utterance.turn, partial))

    async def _finish(self, item: Finish) -> None:
        recognizer = self._current
        transcript = (await self._pool.run(recognizer.finish, URGENT)) if recognizer else Transcript("")
        utterance = self._utterances.pop(item.utterance, _Utterance(self._turn))
        ended = item.ended
        self._emit(FinalTranscript(
            turn=utterance.turn, text=transcript.text, confidence=round(transcript.confidence, 3),
            words=transcript.words, started_ms=ended.started_ms, speech_end_ms=ended.speech_end_ms,
            ended_ms=ended.at_ms, reason=ended.reason, grammar=utterance.grammar,
            dropped_ms=self._backlog.dropped_for(item.utterance)))

    def _select(self, phrases: tuple[str, ...] | None, language: str = "") -> Recognizer:
        # Runs on a pool thread. The free recogniser is kept for the whole call (creating one
        # costs ~0.1 s); a grammar recogniser is cheap and kept while the menu stays the same.
        if language != self._language:
            # The caller changed language: the previous utterance is finished (its Finish came
            # before this Begin), so its model's recognisers are idle and go back to it.
            for recognizer in (self._free, self._grammar[1] if self._grammar else None):
                if recognizer is not None:
                    self._model.release(recognizer)
            self._language, self._model = language, self._models[language]
            self._free = self._grammar = None
            self._upsampler = Upsampler(TELEPHONE_RATE, self._model.sample_rate)
        if phrases and self._model.usable_phrases(phrases):
            if self._grammar is None or self._grammar[0] != phrases:
                self._grammar = (phrases, self._model.recognizer(phrases))
            return self._grammar[1]
        if self._free is None:
            self._free = self._model.recognizer(None)
        return self._free
