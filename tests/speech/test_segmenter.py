"""End of utterance and the voice-activity gate, driven by plain numbers (no audio, no clock)."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from callcenter.speech.segmenter import (
    Frame,
    NoSpeechTimeout,
    Segmenter,
    SegmenterConfig,
    UtteranceEnded,
    UtteranceStarted,
)

LOUD, QUIET = -20.0, -100.0
CONFIG = SegmenterConfig(min_speech_ms=100, end_silence_ms=700, max_utterance_ms=3000, preroll_ms=60,
                         hangover_ms=100)


class Run:
    """Feeds 20 ms frames numbered by their start time; records what was fed and the events."""

    def __init__(self, config: SegmenterConfig = CONFIG) -> None:
        self.segmenter: Segmenter[int] = Segmenter(config)
        self.clock = 0
        self.fed: list[int] = []
        self.events: list[object] = []

    def frames(self, energies: Iterable[float]) -> None:
        for energy in energies:
            step = self.segmenter.process(Frame(self.clock, 20, energy, self.clock))
            self.fed.extend(step.feed)
            if step.event is not None:
                self.events.append(step.event)
            self.clock += 20

    def speech(self, ms: int, energy: float = LOUD) -> None:
        self.frames([energy] * (ms // 20))

    def silence(self, ms: int, energy: float = QUIET) -> None:
        self.frames([energy] * (ms // 20))


def test_an_utterance_starts_after_min_speech_and_ends_after_end_silence() -> None:
    run = Run()
    run.silence(200)
    run.speech(500)  # 200..700
    run.silence(1000)
    assert run.events == [UtteranceStarted(200), UtteranceEnded(200, 700, 1400, "silence")]


def test_the_gate_feeds_preroll_speech_and_hangover_only() -> None:
    run = Run()
    run.silence(200)
    run.speech(500)
    run.silence(1000)
    # 60 ms of pre-roll (140, 160, 180), speech 200..680, 100 ms of hangover (700..780).
    assert run.fed == list(range(140, 800, 20))


def test_a_click_is_not_an_utterance() -> None:
    run = Run()
    run.silence(200)
    run.speech(60)  # shorter than min_speech_ms, then a gap longer than the hangover
    run.silence(1000)
    assert run.events == []
    assert run.fed == []


def test_pauses_shorter_than_end_silence_stay_in_the_utterance_and_are_not_decoded() -> None:
    run = Run()
    run.speech(300)  # 0..300
    run.silence(500)  # 300..800: a pause inside the sentence
    run.speech(300)  # 800..1100
    run.silence(1000)
    assert run.events == [UtteranceStarted(0), UtteranceEnded(0, 1100, 1800, "silence")]
    # The pause is decoded only as hangover (300..380) and pre-roll of the resumption (740..780).
    pause = [t for t in run.fed if 300 <= t < 800]
    assert pause == [300, 320, 340, 360, 380, 740, 760, 780]


def test_max_utterance_length_ends_a_monologue_and_the_next_one_starts() -> None:
    run = Run()
    run.speech(4000)
    ended = [e for e in run.events if isinstance(e, UtteranceEnded)]
    assert ended[0] == UtteranceEnded(0, 3000, 3000, "max_length")
    assert isinstance(run.events[2], UtteranceStarted)
    # Nothing lost between the two utterances: the onset frames of the second are fed too.
    assert run.fed == list(range(0, 4000, 20))


def test_no_speech_timeout_fires_once_at_the_deadline() -> None:
    run = Run()
    run.silence(100)
    run.segmenter.arm_no_speech(now_ms=100, timeout_ms=500)
    run.silence(1000)
    assert run.events == [NoSpeechTimeout(armed_ms=100, at_ms=600)]


def test_speech_before_the_deadline_cancels_the_timeout() -> None:
    run = Run()
    run.segmenter.arm_no_speech(now_ms=0, timeout_ms=500)
    run.silence(300)
    run.speech(300)
    run.silence(2000)
    assert [type(e) for e in run.events] == [UtteranceStarted, UtteranceEnded]


def test_a_timeout_armed_while_the_caller_speaks_does_nothing() -> None:
    run = Run()
    run.speech(300)
    run.segmenter.arm_no_speech(now_ms=300, timeout_ms=100)
    run.silence(1000)
    assert [type(e) for e in run.events] == [UtteranceStarted, UtteranceEnded]


def test_a_click_at_the_deadline_does_not_cancel_the_timeout() -> None:
    run = Run()
    run.segmenter.arm_no_speech(now_ms=0, timeout_ms=200)
    run.silence(160)
    run.speech(40)  # an onset under way at the deadline: wait for it to resolve
    run.silence(400)
    assert run.events == [NoSpeechTimeout(armed_ms=0, at_ms=320)]  # when the onset is given up


def test_disarm() -> None:
    run = Run()
    run.segmenter.arm_no_speech(now_ms=0, timeout_ms=100)
    run.segmenter.disarm()
    run.silence(500)
    assert run.events == []


def test_stream_end_closes_an_utterance_in_progress() -> None:
    run = Run()
    run.speech(300)
    step = run.segmenter.finish(now_ms=run.clock)
    assert step.event == UtteranceEnded(0, 300, 300, "stream_end")
    assert run.segmenter.finish(now_ms=400).event is None


def test_a_noisy_line_is_learnt_as_noise() -> None:
    run = Run(SegmenterConfig(noise_window_ms=1000, snr_db=10, preroll_ms=60, hangover_ms=100))
    run.silence(6000, energy=-38.0)  # hiss above the absolute floor: speech at first
    assert run.events[:1] == [UtteranceStarted(0)]
    events_so_far = len(run.events)
    run.silence(2000, energy=-38.0)  # once learnt, the hiss no longer makes utterances
    assert len(run.events) == events_so_far
    assert run.segmenter.noise_db == pytest.approx(-38.0)
    run.speech(400, energy=-15.0)
    run.silence(1000, energy=-38.0)
    assert [type(e) for e in run.events[events_so_far:]] == [UtteranceStarted, UtteranceEnded]


def test_speech_right_at_the_start_is_heard() -> None:
    run = Run(SegmenterConfig())
    run.speech(500, energy=-30.0)
    assert run.events == [UtteranceStarted(0)]


def test_timestamps_never_go_back() -> None:
    segmenter: Segmenter[str] = Segmenter(CONFIG)
    for t in range(0, 300, 20):
        segmenter.process(Frame(t, 20, LOUD, "a"))
    step = segmenter.process(Frame(0, 20, QUIET, "late"))  # a stale timestamp counts as "now"
    assert step.feed == ("late",)
    assert segmenter.finish(0).event == UtteranceEnded(0, 300, 320, "stream_end")


def test_config_is_checked() -> None:
    with pytest.raises(ValueError):
        SegmenterConfig(hangover_ms=800, end_silence_ms=700)
    with pytest.raises(ValueError):
        SegmenterConfig(min_speech_ms=0)


# -- a complete answer ends sooner (VoiceXML's completetimeout) ----------------------------------

SHORT = SegmenterConfig(min_speech_ms=100, end_silence_ms=700, complete_silence_ms=200, max_utterance_ms=3000,
                        preroll_ms=60, hangover_ms=100)


def test_a_complete_answer_ends_after_the_short_silence() -> None:
    run = Run(SHORT)
    run.silence(200)
    run.speech(500)  # 200..700
    run.silence(100)
    assert run.segmenter.mark_complete(heard_until_ms=780)  # decoded up to 780, past the speech
    assert run.segmenter.end_silence_ms == 200
    run.silence(1000)
    assert run.events == [UtteranceStarted(200), UtteranceEnded(200, 700, 900, "silence")]
    assert run.segmenter.end_silence_ms == 700  # for the next utterance: the long silence again


def test_a_mark_after_the_short_silence_ends_the_utterance_at_the_next_frame() -> None:
    run = Run(SHORT)
    run.speech(500)  # 0..500
    run.silence(400)  # 900: past 200 ms, the recogniser was late
    assert run.segmenter.mark_complete(heard_until_ms=500)
    run.silence(100)
    assert run.events[1:] == [UtteranceEnded(0, 500, 920, "silence")]


def test_a_partial_that_stops_before_the_last_speech_is_ignored() -> None:
    run = Run(SHORT)
    run.speech(500)  # 0..500
    run.silence(100)
    assert not run.segmenter.mark_complete(heard_until_ms=400)  # speech was heard after it
    run.silence(1000)
    assert run.events[1:] == [UtteranceEnded(0, 500, 1200, "silence")]


def test_speech_that_resumes_clears_the_mark() -> None:
    run = Run(SHORT)
    run.speech(300)  # 0..300
    run.silence(100)
    assert run.segmenter.mark_complete(heard_until_ms=400)
    run.speech(200)  # 400..600: "yes... but"
    run.silence(1000)
    assert run.events[1:] == [UtteranceEnded(0, 600, 1300, "silence")]


def test_not_complete_restores_the_long_silence() -> None:
    run = Run(SHORT)
    run.speech(300)
    run.silence(100)
    assert run.segmenter.mark_complete(heard_until_ms=400)
    assert run.segmenter.mark_complete(heard_until_ms=400, complete=False)  # the partial changed
    run.silence(1000)
    assert run.events[1:] == [UtteranceEnded(0, 300, 1000, "silence")]


def test_a_mark_outside_an_utterance_is_ignored_and_never_carries_over() -> None:
    run = Run(SHORT)
    assert not run.segmenter.mark_complete(heard_until_ms=0)  # before any speech
    run.speech(300)
    run.silence(100)
    run.segmenter.mark_complete(heard_until_ms=400)
    run.silence(200)  # ends at 500
    assert not run.segmenter.mark_complete(heard_until_ms=10_000)  # between utterances
    run.speech(40)  # an onset is not an utterance yet
    assert not run.segmenter.mark_complete(heard_until_ms=10_000)
    run.speech(260)  # 600..900
    run.silence(1000)
    assert [e for e in run.events if isinstance(e, UtteranceEnded)] == [
        UtteranceEnded(0, 300, 500, "silence"), UtteranceEnded(600, 900, 1600, "silence")]


def test_the_complete_silence_is_checked() -> None:
    assert SegmenterConfig().complete_silence_ms == 250
    with pytest.raises(ValueError):
        SegmenterConfig(complete_silence_ms=800)
    with pytest.raises(ValueError):
        SegmenterConfig(complete_silence_ms=0)


def test_trailing_silence_can_be_fed_until_the_end_decision() -> None:
    # A recogniser that decides completeness needs audio after the last word: feed it all.
    run = Run(SHORT)
    run.silence(100)
    run.speech(300)  # 100..400
    run.segmenter.feed_trailing_silence()
    run.silence(300)  # a pause, fed as it comes
    run.speech(200)  # 700..900: no pre-roll fed twice
    run.silence(1000)
    assert run.events[1:] == [UtteranceEnded(100, 900, 1600, "silence")]
    assert run.fed == list(range(40, 1580, 20))
    run.speech(200)  # the next utterance gets its pre-roll, and only the hangover
    run.silence(1000)
    assert run.fed[run.fed.index(1560) + 1:] == list(range(1840, 2200, 20))  # 60 + 200 + 100 ms
