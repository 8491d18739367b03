"""End of utterance and the voice-activity gate, as one pure state machine.

Telephone turn-taking: an utterance starts after ``min_speech_ms`` of speech (a click or a breath
is not a turn) and ends after ``end_silence_ms`` of silence (callers pause inside sentences; much
shorter cuts them, much longer makes the IVR feel slow), or at ``max_utterance_ms``. When the
caller is answering a menu and what was recognised so far is already a complete answer, the owner
says so (:meth:`Segmenter.mark_complete`) and the utterance ends after ``complete_silence_ms``
instead (VoiceXML's ``completetimeout`` against ``incompletetimeout``); speech that resumes, or a
later "not complete", brings the long silence back.

The gate decides which frames reach the recogniser: speech, the ``preroll_ms`` before it (onsets
are quiet and the decoder needs context), and ``hangover_ms`` after it. Longer silences, inside or
between utterances, are never decoded; that is where the CPU goes in a call where the caller is
mostly silent. Frames are opaque payloads with a timestamp and an energy: no clock, no I/O, so the
logic is tested with plain numbers (like Home Assistant's ``VoiceCommandSegmenter``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

P = TypeVar("P")


@dataclass(frozen=True)
class SegmenterConfig:
    """Tuning of the end-of-utterance detector; every duration is in milliseconds."""

    min_speech_ms: int = 100
    end_silence_ms: int = 700
    #: Ends the utterance instead of ``end_silence_ms`` once it is marked as a complete answer.
    complete_silence_ms: int = 250
    max_utterance_ms: int = 15_000
    preroll_ms: int = 240
    hangover_ms: int = 240
    # A frame is speech when louder than both the absolute floor and the line's noise + margin.
    # The noise is the quietest frame of the last ``noise_window_ms`` (minimum statistics): it
    # follows a noisy line within that window, and speech always has quieter frames between
    # syllables, so a long utterance does not raise it.
    speech_floor_db: float = -45.0
    snr_db: float = 12.0
    noise_window_ms: int = 5_000
    initial_noise_db: float = -70.0

    def __post_init__(self) -> None:
        if min(self.min_speech_ms, self.end_silence_ms, self.max_utterance_ms) <= 0:
            raise ValueError("min_speech_ms, end_silence_ms and max_utterance_ms must be positive")
        if self.preroll_ms < 0 or not 0 <= self.hangover_ms < self.end_silence_ms:
            raise ValueError("preroll_ms >= 0 and 0 <= hangover_ms < end_silence_ms")
        if not 0 < self.complete_silence_ms <= self.end_silence_ms:
            raise ValueError("0 < complete_silence_ms <= end_silence_ms")


@dataclass(frozen=True)
class Frame(Generic[P]):
    """A piece of audio: where it starts (stream time), how long it lasts, how loud it is."""

    timestamp_ms: int
    duration_ms: int
    energy_db: float
    payload: P

    @property
    def end_ms(self) -> int:
        return self.timestamp_ms + self.duration_ms


@dataclass(frozen=True)
class UtteranceStarted:
    """An utterance began at ``at_ms`` (its first speech frame). Applies before the step's feed."""

    at_ms: int
    kind: Literal["speech_started"] = "speech_started"


@dataclass(frozen=True)
class UtteranceEnded:
    """The utterance is over; its speech spanned ``started_ms``..``speech_end_ms``.

    ``at_ms`` is when the decision was taken (for a silence: ``speech_end_ms + end_silence_ms``,
    or ``+ complete_silence_ms`` when the utterance was marked complete, rounded up to a frame).
    Applies after the step's feed.
    """

    started_ms: int
    speech_end_ms: int
    at_ms: int
    reason: Literal["silence", "max_length", "stream_end"]
    kind: Literal["utterance_ended"] = "utterance_ended"


@dataclass(frozen=True)
class NoSpeechTimeout:
    """Nothing was said between ``armed_ms`` and the deadline at ``at_ms``."""

    armed_ms: int
    at_ms: int
    kind: Literal["no_speech_timeout"] = "no_speech_timeout"


SegmentEvent = UtteranceStarted | UtteranceEnded | NoSpeechTimeout


@dataclass(frozen=True)
class Step(Generic[P]):
    """What one frame caused: payloads to send to the recogniser now, and at most one event."""

    feed: tuple[P, ...] = ()
    event: SegmentEvent | None = None


State = Literal["silence", "onset", "speech"]


@dataclass
class Segmenter(Generic[P]):
    """Consumes frames in stream order; see the module docstring for the rules."""

    config: SegmenterConfig = field(default_factory=SegmenterConfig)
    state: State = "silence"
    # (until_ms, energy) pairs with increasing energies: the sliding minimum of frame energies.
    _noise: deque[tuple[int, float]] = field(default_factory=deque, init=False, repr=False)
    # Frames not fed (yet): the pre-roll ring in silence, the candidate frames during an onset.
    _held: deque[Frame[P]] = field(default_factory=deque, init=False, repr=False)
    _onset_speech_ms: int = field(default=0, init=False)
    _utterance_start_ms: int = field(default=0, init=False)
    _last_speech_end_ms: int = field(default=0, init=False)
    _clock_ms: int = field(default=0, init=False)
    _deadline: tuple[int, int] | None = field(default=None, init=False)  # (armed_ms, at_ms)
    _complete: bool = field(default=False, init=False)  # the current utterance is a complete answer
    _feed_trailing: bool = field(default=False, init=False)  # feed its silence up to the end decision

    def __post_init__(self) -> None:
        # Seed the window so a caller who speaks at once is not taken for the line's noise.
        self._noise.append((self.config.noise_window_ms, self.config.initial_noise_db))

    @property
    def noise_db(self) -> float:
        return self._noise[0][1]

    @property
    def in_utterance(self) -> bool:
        return self.state == "speech"

    @property
    def clock_ms(self) -> int:
        """End of the last frame processed, in stream time (frames never start before it)."""
        return self._clock_ms

    @property
    def end_silence_ms(self) -> int:
        """The silence that will end the current utterance."""
        return self.config.complete_silence_ms if self._complete else self.config.end_silence_ms

    def feed_trailing_silence(self) -> None:
        """Feed the current utterance's trailing silence until it ends, not just the hangover.

        For an owner that decides completeness from the recogniser: a decoder evaluates audio in
        chunks and needs some audio after a word to report it, so it must keep getting audio
        until the end decision. Pauses inside the utterance are fed too. Cleared when it ends.
        """
        if self.state == "speech":
            self._feed_trailing = True

    def mark_complete(self, heard_until_ms: int, complete: bool = True) -> bool:
        """Say whether the audio up to ``heard_until_ms`` (stream time) makes a complete answer.

        ``True`` ends the current utterance after ``complete_silence_ms`` of silence instead of
        ``end_silence_ms``; ``False`` restores the long silence. Ignored (returns ``False``) outside
        an utterance, and when speech was heard after ``heard_until_ms``: what was recognised is
        then not all that was said. Speech that resumes afterwards clears the mark.
        """
        if self.state != "speech" or heard_until_ms < self._last_speech_end_ms:
            return False
        self._complete = complete
        return True

    def arm_no_speech(self, now_ms: int, timeout_ms: int) -> None:
        """Report ``NoSpeechTimeout`` unless an utterance starts within ``timeout_ms`` of ``now_ms``.

        Does nothing while the caller is already speaking: that utterance answers.
        """
        self._deadline = None if self.state == "speech" else (now_ms, now_ms + timeout_ms)

    def disarm(self) -> None:
        self._deadline = None

    def is_speech(self, energy_db: float) -> bool:
        return energy_db > max(self.config.speech_floor_db, self.noise_db + self.config.snr_db)

    def process(self, frame: Frame[P]) -> Step[P]:
        """Advance by one frame."""
        # Streams may jump forward (lost packets) but never back: time only moves on.
        start = max(frame.timestamp_ms, self._clock_ms)
        if start != frame.timestamp_ms:
            frame = Frame(start, frame.duration_ms, frame.energy_db, frame.payload)
        self._clock_ms = frame.end_ms
        self._track_noise(frame)
        speech = self.is_speech(frame.energy_db)
        if self.state == "silence":
            step = self._in_silence(frame, speech)
        elif self.state == "onset":
            step = self._in_onset(frame, speech)
        else:
            step = self._in_speech(frame, speech)
        if step.event is None and self._deadline is not None and self.state == "silence" \
                and frame.end_ms >= self._deadline[1]:
            armed, _ = self._deadline
            self._deadline = None
            return Step(step.feed, NoSpeechTimeout(armed_ms=armed, at_ms=frame.end_ms))
        return step

    def finish(self, now_ms: int) -> Step[P]:
        """The stream ended: close an utterance in progress (its hangover was already fed)."""
        self._deadline = None
        if self.state != "speech":
            self._reset_to_silence()
            return Step()
        event = UtteranceEnded(self._utterance_start_ms, self._last_speech_end_ms, max(now_ms, self._clock_ms),
                               "stream_end")
        self._reset_to_silence()
        return Step(event=event)

    def _track_noise(self, frame: Frame[P]) -> None:
        window = self._noise
        while window and window[-1][1] >= frame.energy_db:
            window.pop()
        window.append((frame.end_ms + self.config.noise_window_ms, frame.energy_db))
        while window[0][0] <= frame.end_ms:
            window.popleft()

    def _in_silence(self, frame: Frame[P], speech: bool) -> Step[P]:
        if not speech:
            self._hold(frame, self.config.preroll_ms)
            return Step()
        self.state = "onset"
        self._utterance_start_ms = frame.timestamp_ms
        self._onset_speech_ms = 0
        return self._in_onset(frame, speech)

    def _in_onset(self, frame: Frame[P], speech: bool) -> Step[P]:
        self._held.append(frame)
        if speech:
            self._onset_speech_ms += frame.duration_ms
            self._last_speech_end_ms = frame.end_ms
        if self._onset_speech_ms >= self.config.min_speech_ms:
            self.state = "speech"
            self._deadline = None
            self._complete = False
            feed = tuple(f.payload for f in self._held)
            self._held.clear()
            return Step(feed, UtteranceStarted(self._utterance_start_ms))
        if frame.end_ms - self._last_speech_end_ms > self.config.hangover_ms:
            # Too little speech before a gap: a click, not a turn. Its frames become pre-roll.
            self.state = "silence"
            self._trim(self.config.preroll_ms)
        return Step()

    def _in_speech(self, frame: Frame[P], speech: bool) -> Step[P]:
        if speech:
            # Speech resumes after a pause longer than the hangover: give it its pre-roll back
            # (unless the pause was fed as it came).
            held = () if self._feed_trailing else tuple(f.payload for f in self._held)
            feed = held + (frame.payload,)
            self._held.clear()
            self._last_speech_end_ms = frame.end_ms
            self._complete = False  # the answer goes on: what was recognised is not all of it
            if frame.end_ms - self._utterance_start_ms >= self.config.max_utterance_ms:
                return self._end(feed, frame, "max_length")
            return Step(feed)
        silence_ms = frame.end_ms - self._last_speech_end_ms
        if silence_ms >= self.end_silence_ms:
            return self._end((), frame, "silence")
        if silence_ms <= self.config.hangover_ms:
            return Step((frame.payload,))
        self._hold(frame, self.config.preroll_ms)  # pre-roll of what comes next
        return Step((frame.payload,)) if self._feed_trailing else Step()

    def _end(self, feed: tuple[P, ...], frame: Frame[P], reason: Literal["silence", "max_length"]) -> Step[P]:
        # Frames still held are trailing silence: they stay as pre-roll for the next utterance.
        event = UtteranceEnded(self._utterance_start_ms, self._last_speech_end_ms, frame.end_ms, reason)
        self.state = "silence"
        self._complete = self._feed_trailing = False
        return Step(feed, event)

    def _reset_to_silence(self) -> None:
        self.state = "silence"
        self._complete = self._feed_trailing = False
        self._held.clear()

    def _hold(self, frame: Frame[P], keep_ms: int) -> None:
        self._held.append(frame)
        self._trim(keep_ms)

    def _trim(self, keep_ms: int) -> None:
        total = sum(f.duration_ms for f in self._held)
        while self._held and total - self._held[0].duration_ms >= keep_ms:
            total -= self._held.popleft().duration_ms
