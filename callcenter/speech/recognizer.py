"""The recogniser interface the pipeline drives, whatever the engine behind it.

A :class:`SpeechModel` is loaded once and shared by every call; it makes one :class:`Recognizer`
per call (or per grammar). A recogniser is used by one thread at a time, which the pipeline
guarantees, and decodes one utterance after another: ``accept`` audio, then ``finish``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

from callcenter.speech.events import Word


@dataclass(frozen=True)
class Transcript:
    """A finished utterance: its text and words (confidence is their mean, 0 when empty)."""

    text: str
    words: tuple[Word, ...] = ()

    @property
    def confidence(self) -> float:
        if not self.words:
            return 0.0
        return sum(w.confidence for w in self.words) / len(self.words)


class Recognizer(ABC):
    """Decodes one call's speech, one utterance at a time. Not thread-safe."""

    @abstractmethod
    def accept(self, pcm16: bytes) -> str:
        """Decode more audio (16-bit mono at the model's rate); returns the partial text so far."""

    @abstractmethod
    def finish(self) -> Transcript:
        """End the current utterance and return it; the recogniser is then ready for the next."""

    def close(self) -> None:  # noqa: B027 - optional hook, deliberately not abstract
        """Release native resources early (optional: the garbage collector does it too)."""


class SpeechModel(ABC):
    """A loaded acoustic + language model that makes recognisers."""

    #: Sample rate of the audio its recognisers expect.
    sample_rate: int

    @abstractmethod
    def recognizer(self, phrases: Sequence[str] | None = None) -> Recognizer:
        """A new recogniser: free recognition, or restricted to ``phrases`` when the model can."""

    def usable_phrases(self, phrases: Sequence[str]) -> tuple[str, ...]:
        """The phrases a grammar can use (all words known); empty when grammars are unsupported."""
        return tuple(phrases)

    def release(self, recognizer: Recognizer) -> None:
        """A call is done with ``recognizer`` (between utterances): keep it for another, or close it."""
        recognizer.close()

    # -- preparing recognisers before calls (callcenter.speech.warmup) ---------------------------

    def prepare(self, phrases: Sequence[str] | None = None) -> Recognizer | None:
        """A new recogniser to warm up and then ``keep``, never one taken from those kept;
        ``None`` when this model keeps none (nothing to prepare)."""
        return None

    def keep(self, recognizer: Recognizer) -> bool:
        """Keep a prepared recogniser for the next calls; ``False`` (and closed) when full."""
        recognizer.close()
        return False

    def idle_recognizers(self) -> int:
        """Free-speech recognisers kept for the next calls."""
        return 0

    def idle_grammars(self) -> int:
        """Grammar recognisers kept for the next calls (all menus together)."""
        return 0
