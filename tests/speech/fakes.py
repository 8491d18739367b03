"""Recognisers for engine-level tests: real subclasses of the speech interfaces, no Vosk.

``ScriptedModel`` makes recognisers that "recognise" the amount of audio they were given, so tests
can check exactly what the gate let through; an optional gate blocks decoding until a test opens
it (a recogniser slower than the stream), or ``permits`` let it decode one piece per permit. A
script of partial results, by the amount of audio of the utterance decoded, stands for what a
grammar recogniser would hear.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from callcenter.speech.events import Word
from callcenter.speech.recognizer import Recognizer, SpeechModel, Transcript


class ScriptedRecognizer(Recognizer):
    """Counts the 16-bit samples it decodes; the transcript names the phrase list or the length."""

    def __init__(self, model: ScriptedModel, phrases: tuple[str, ...] | None) -> None:
        self.model = model
        self.phrases = phrases
        self.samples = 0
        self.utterances: list[int] = []

    def accept(self, pcm16: bytes) -> str:
        self.model.enter(self)
        try:
            if self.model.gate is not None:
                self.model.gate.wait(timeout=10)
            if self.model.permits is not None:
                self.model.permits.acquire(timeout=10)
            if self.model.fail_on_accept:
                raise RuntimeError("scripted failure")
            self.samples += len(pcm16) // 2
            if self.model.script:
                return self._scripted()
            return f"heard {self.samples}"
        finally:
            self.model.leave(self)

    def finish(self) -> Transcript:
        self.model.enter(self)
        self.model.leave(self)
        text = self._scripted()
        samples, self.samples = self.samples, 0
        self.utterances.append(samples)
        ms = samples * 1000 // self.model.sample_rate
        word = text if self.model.script else self.phrases[0] if self.phrases else f"{ms}ms"
        return Transcript(word, (Word(word, 0.75, 0.0, ms / 1000), Word("ok", 0.25, 0.0, 0.0)))

    def _scripted(self) -> str:
        decoded_ms = self.samples * 1000 // self.model.sample_rate
        return next((text for from_ms, text in reversed(self.model.script) if decoded_ms >= from_ms), "")


class ScriptedModel(SpeechModel):
    """Knows every word except those in ``unknown``; grammars supported unless told otherwise.

    ``script``: ``(from_ms, text)`` pairs in increasing order; once ``from_ms`` of an utterance's
    audio is decoded, the partial result (and the final transcript) is ``text``.
    """

    def __init__(self, sample_rate: int = 16000, *, grammar: bool = True, unknown: Sequence[str] = (),
                 gate: threading.Event | None = None, permits: threading.Semaphore | None = None,
                 script: Sequence[tuple[int, str]] = ()) -> None:
        self.sample_rate = sample_rate
        self.permits = permits
        self.script = tuple(script)
        self.grammar = grammar
        self.unknown = set(unknown)
        self.gate = gate
        self.fail_on_accept = False
        self.made: list[ScriptedRecognizer] = []
        self.released: list[Recognizer] = []
        self._busy: set[int] = set()
        self._lock = threading.Lock()
        self.concurrent_use = False

    def enter(self, recognizer: ScriptedRecognizer) -> None:
        # A recogniser must never be used by two threads at once: record it if it happens.
        with self._lock:
            if id(recognizer) in self._busy:
                self.concurrent_use = True
            self._busy.add(id(recognizer))

    def leave(self, recognizer: ScriptedRecognizer) -> None:
        with self._lock:
            self._busy.discard(id(recognizer))

    def release(self, recognizer: Recognizer) -> None:
        self.released.append(recognizer)

    def usable_phrases(self, phrases: Sequence[str]) -> tuple[str, ...]:
        if not self.grammar:
            return ()
        return tuple(p for p in phrases if not set(p.split()) & self.unknown)

    def recognizer(self, phrases: Sequence[str] | None = None) -> Recognizer:
        usable = self.usable_phrases(phrases) if phrases else ()
        made = ScriptedRecognizer(self, usable or None)
        self.made.append(made)
        return made
