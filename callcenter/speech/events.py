"""What the speech pipeline reports about a call: the output vocabulary of a transcriber.

Frozen dataclasses tagged by ``kind``, delivered on the event loop in the order they happen.
Times ending in ``_ms`` are stream time (Twilio's media timestamps), not wall-clock time.
Transcripts are personal data: log their ``kind`` and timings, never their ``text``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Word:
    """One recognised word with its confidence (0-1) and its times within the utterance audio."""

    word: str
    confidence: float
    start_s: float
    end_s: float


@dataclass(frozen=True)
class SpeechStarted:
    """The caller started speaking (barge-in: stop the prompt now)."""

    turn: int
    at_ms: int
    kind: Literal["speech_started"] = "speech_started"


@dataclass(frozen=True)
class PartialTranscript:
    """The decoder's current guess for the utterance in progress; it may still change."""

    turn: int
    text: str
    kind: Literal["partial"] = "partial"


@dataclass(frozen=True)
class FinalTranscript:
    """The text of a finished utterance.

    ``confidence`` is the mean of the word confidences (0 when nothing was recognised).
    ``reason`` says why the utterance ended; ``dropped_ms`` is audio of this utterance that was
    discarded because decoding fell behind (see ``docs/speech.md``), 0 normally.
    ``grammar`` tells whether a phrase list restricted the recognition.
    """

    turn: int
    text: str
    confidence: float
    words: tuple[Word, ...]
    started_ms: int
    speech_end_ms: int
    ended_ms: int
    reason: Literal["silence", "max_length", "stream_end"]
    grammar: bool = False
    dropped_ms: int = 0
    kind: Literal["final"] = "final"


@dataclass(frozen=True)
class NoSpeech:
    """The caller said nothing within the timeout given to ``listen``."""

    turn: int
    waited_ms: int
    kind: Literal["no_speech"] = "no_speech"


@dataclass(frozen=True)
class AudioDropped:
    """Decoding fell behind and the oldest queued audio of this call was discarded."""

    dropped_ms: int
    backlog_ms: int
    kind: Literal["audio_dropped"] = "audio_dropped"


@dataclass(frozen=True)
class RecognitionFailed:
    """The recogniser failed; this call gets no more transcripts (fall back to keys or a person)."""

    reason: str
    kind: Literal["recognition_failed"] = "recognition_failed"


SpeechEvent = SpeechStarted | PartialTranscript | FinalTranscript | NoSpeech | AudioDropped | RecognitionFailed
