"""One call's recognition with a scripted recogniser: events, grammars, timeouts, back-pressure."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import numpy as np
import pytest

from callcenter.speech.events import (
    AudioDropped,
    FinalTranscript,
    NoSpeech,
    PartialTranscript,
    RecognitionFailed,
    SpeechEvent,
    SpeechStarted,
)
from callcenter.speech.pool import DecodePool
from callcenter.speech.segmenter import SegmenterConfig
from callcenter.speech.transcriber import Transcriber, TranscriberConfig
from tests.speech.fakes import ScriptedModel

FRAME = 160  # 20 ms at 8 kHz


def tone(ms: int) -> np.ndarray:
    t = np.arange(ms * 8) / 8000
    return (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


def quiet(ms: int) -> np.ndarray:
    return np.zeros(ms * 8, dtype=np.int16)


class Call:
    """A transcriber fed 20 ms frames in stream time, as fast as the test goes."""

    def __init__(self, model: ScriptedModel, pool: DecodePool, config: TranscriberConfig | None = None,
                 models: dict[str, ScriptedModel] | None = None) -> None:
        self.events: list[SpeechEvent] = []
        self.transcriber = Transcriber(model, pool, self.events.append, config, models=models)
        self.clock = 0
        self.max_backlog_ms = 0

    def play(self, *pieces: np.ndarray) -> None:
        audio = np.concatenate(pieces)
        for offset in range(0, audio.size, FRAME):
            self.transcriber.push_pcm(audio[offset:offset + FRAME], self.clock)
            self.clock += 20
            self.max_backlog_ms = max(self.max_backlog_ms, self.transcriber.stats().backlog_ms)

    async def live(self, *pieces: np.ndarray) -> None:
        """Like ``play``, with a decoder that keeps up: each frame is decoded before the next."""
        audio = np.concatenate(pieces)
        for offset in range(0, audio.size, FRAME):
            self.transcriber.push_pcm(audio[offset:offset + FRAME], self.clock)
            self.clock += 20
            await asyncio.wait_for(self.transcriber.wait_idle(), 5)

    def finals(self) -> list[FinalTranscript]:
        return [e for e in self.events if isinstance(e, FinalTranscript)]


@pytest.fixture
def pool() -> Iterator[DecodePool]:
    decode_pool = DecodePool(2)
    yield decode_pool
    decode_pool.shutdown()


async def test_an_utterance_gives_started_partials_and_a_final(pool: DecodePool) -> None:
    model = ScriptedModel()
    call = Call(model, pool)
    call.play(quiet(500), tone(500), quiet(1000))
    await call.transcriber.aclose()
    kinds = [e.kind for e in call.events]
    assert kinds[0] == "speech_started" and kinds[-1] == "final"
    assert set(kinds[1:-1]) == {"partial"}
    assert call.events[0] == SpeechStarted(turn=0, at_ms=500)
    final = call.finals()[0]
    # What was decoded: 240 ms pre-roll + 500 ms speech + 240 ms hangover, upsampled to 16 kHz.
    assert final.text == "980ms"
    assert (final.started_ms, final.speech_end_ms, final.ended_ms, final.reason) == (500, 1000, 1700, "silence")
    assert final.confidence == 0.5
    assert (final.grammar, final.dropped_ms, final.turn) == (False, 0, 0)
    stats = call.transcriber.stats()
    assert (stats.received_ms, stats.fed_ms, stats.decoded_ms, stats.utterances) == (2000, 980, 980, 1)


async def test_menus_use_a_grammar_and_events_carry_the_turn(pool: DecodePool) -> None:
    model = ScriptedModel(unknown=["zzz"])
    call = Call(model, pool)
    call.transcriber.listen(turn=3, phrases=["oui", "non"])
    call.play(tone(400), quiet(800))
    call.transcriber.listen(turn=4, phrases=["zzz"])  # nothing usable: free speech
    call.play(tone(400), quiet(800))
    call.transcriber.listen(turn=5)
    call.play(tone(200), quiet(800))
    await call.transcriber.aclose()
    finals = call.finals()
    assert [(f.turn, f.text, f.grammar) for f in finals] == [(3, "oui", True), (4, "880ms", False),
                                                            (5, "680ms", False)]
    assert {e.turn for e in call.events if isinstance(e, PartialTranscript)} == {3, 4, 5}
    # One free recogniser for the whole call, one grammar recogniser for the menu; both are
    # handed back to the model at the end, for the next call.
    assert [r.phrases for r in model.made] == [None, ("oui", "non")]
    assert model.released == model.made


async def test_a_turn_set_mid_utterance_applies_to_the_next_one(pool: DecodePool) -> None:
    call = Call(ScriptedModel(), pool)
    call.play(tone(300))
    call.transcriber.listen(turn=9, phrases=["oui"])
    call.play(tone(200), quiet(800), tone(300), quiet(800))
    await call.transcriber.aclose()
    assert [(f.turn, f.grammar) for f in call.finals()] == [(0, False), (9, True)]


async def test_silence_after_listen_reports_no_speech(pool: DecodePool) -> None:
    call = Call(ScriptedModel(), pool)
    call.play(quiet(300))
    call.transcriber.listen(turn=2, no_speech_timeout_ms=1000)
    call.play(quiet(1500))
    await call.transcriber.aclose()
    assert call.events == [NoSpeech(turn=2, waited_ms=1000)]


async def test_hanging_up_mid_sentence_still_gives_its_transcript(pool: DecodePool) -> None:
    call = Call(ScriptedModel(), pool)
    call.play(tone(600))
    await call.transcriber.aclose()
    assert [f.reason for f in call.finals()] == ["stream_end"]


async def test_a_stream_faster_than_real_time_keeps_memory_bounded(pool: DecodePool) -> None:
    gate = threading.Event()  # the recogniser is stuck until the whole stream has arrived
    model = ScriptedModel(gate=gate)
    call = Call(model, pool, TranscriberConfig(max_backlog_ms=1000))
    for _ in range(10):  # 10 utterances of 1.5 s, pushed at once: 24 s of audio in no time
        call.play(tone(1500), quiet(900))
    call.play(tone(400), quiet(900))  # a last short one: 880 ms to decode, within the bound
    assert call.max_backlog_ms <= 1000
    dropped_events = [e for e in call.events if isinstance(e, AudioDropped)]
    assert len(dropped_events) == 1  # reported when the overload starts, not per frame
    gate.set()
    await call.transcriber.aclose()
    stats = call.transcriber.stats()
    finals = call.finals()
    assert len(finals) == 11  # every utterance still ends with a final transcript
    assert stats.dropped_ms > 10_000
    assert sum(f.dropped_ms for f in finals) == stats.dropped_ms
    assert stats.decoded_ms + stats.dropped_ms == stats.fed_ms
    assert finals[-1].dropped_ms == 0  # the newest audio is what was kept
    assert not model.concurrent_use


async def test_many_calls_share_the_pool_without_sharing_a_recogniser(pool: DecodePool) -> None:
    model = ScriptedModel()
    calls = [Call(model, pool, TranscriberConfig(job_ms=40)) for _ in range(4)]
    for _ in range(3):
        for call in calls:
            call.play(tone(400), quiet(800))
        await asyncio.sleep(0)
    await asyncio.gather(*(call.transcriber.aclose() for call in calls))
    # The first utterance of a call has no pre-roll (it starts the stream): 400 + 240 ms.
    assert all([f.text for f in call.finals()] == ["640ms", "880ms", "880ms"] for call in calls)
    assert not model.concurrent_use


async def test_a_failing_recogniser_becomes_an_event(pool: DecodePool) -> None:
    model = ScriptedModel()
    model.fail_on_accept = True
    call = Call(model, pool)
    call.play(tone(400), quiet(800), tone(400), quiet(800))
    await call.transcriber.aclose()
    failures = [e for e in call.events if isinstance(e, RecognitionFailed)]
    assert [f.reason for f in failures] == ["scripted failure"]
    assert call.finals() == []


async def test_a_failing_event_handler_does_not_stop_recognition(pool: DecodePool) -> None:
    seen: list[SpeechEvent] = []

    def handler(event: SpeechEvent) -> None:
        seen.append(event)
        if isinstance(event, SpeechStarted):
            raise RuntimeError("bug in the consumer")

    transcriber = Transcriber(ScriptedModel(), pool, handler)
    audio = np.concatenate([tone(400), quiet(800)])
    for index, offset in enumerate(range(0, audio.size, FRAME)):
        transcriber.push_pcm(audio[offset:offset + FRAME], index * 20)
    await transcriber.aclose()
    assert seen[-1].kind == "final"


async def test_closing_without_flush_drops_queued_work(pool: DecodePool) -> None:
    gate = threading.Event()
    model = ScriptedModel(gate=gate)
    call = Call(model, pool)
    call.play(tone(400), quiet(800))
    closing = asyncio.ensure_future(call.transcriber.aclose(flush=False))
    gate.set()
    await closing
    assert call.finals() == []
    assert model.released == []  # possibly still in a decode job: never reused
    assert model.released == []  # a failed recogniser is not handed to another call


async def test_partials_can_be_turned_off(pool: DecodePool) -> None:
    call = Call(ScriptedModel(), pool, TranscriberConfig(partials=False, segmenter=SegmenterConfig()))
    call.play(tone(400), quiet(800))
    await call.transcriber.aclose()
    assert [e.kind for e in call.events] == ["speech_started", "final"]


# -- menu answers end sooner once they are complete ------------------------------------------------

SAYS_OUI = [(0, ""), (200, "oui")]  # what the grammar recogniser hears, by ms of audio decoded


async def _answer(pool: DecodePool, phrases: list[str] | None, script: list[tuple[int, str]],
                  *pieces: np.ndarray) -> FinalTranscript:
    call = Call(ScriptedModel(script=script), pool)
    call.transcriber.listen(turn=1, phrases=phrases)
    await call.live(quiet(500), *pieces) if pieces else await call.live(quiet(500), tone(400), quiet(1000))
    await call.transcriber.aclose()
    [final] = call.finals()
    return final


async def test_a_complete_menu_answer_ends_after_the_short_silence(pool: DecodePool) -> None:
    final = await _answer(pool, ["oui", "non"], SAYS_OUI)
    # Speech 500..900; the partial "oui" covers it once the last speech frame is decoded, so the
    # utterance ends at the first frame with 250 ms of silence (default complete_silence_ms).
    assert (final.text, final.grammar, final.speech_end_ms, final.ended_ms) == ("oui", True, 900, 1160)


async def test_case_and_spaces_do_not_matter(pool: DecodePool) -> None:
    final = await _answer(pool, ["  OUI ", "Non"], SAYS_OUI)
    assert final.ended_ms - final.speech_end_ms == 260


async def test_a_phrase_that_begins_a_longer_one_waits_the_long_silence(pool: DecodePool) -> None:
    short = await _answer(pool, ["caf", "caf famille"], [(0, "caf")])
    assert short.ended_ms - short.speech_end_ms == 700  # "caf ... famille" may follow
    longer = await _answer(pool, ["caf", "caf famille"], [(0, "caf"), (400, "caf famille")])
    assert longer.ended_ms - longer.speech_end_ms == 260


async def test_free_speech_and_answers_outside_the_menu_wait_the_long_silence(pool: DecodePool) -> None:
    free = await _answer(pool, None, SAYS_OUI)
    assert (free.grammar, free.ended_ms - free.speech_end_ms) == (False, 700)
    other = await _answer(pool, ["non"], SAYS_OUI)
    assert (other.grammar, other.ended_ms - other.speech_end_ms) == (True, 700)
    no_grammar = Call(ScriptedModel(grammar=False, script=SAYS_OUI), pool)
    no_grammar.transcriber.listen(turn=1, phrases=["oui"])  # the model cannot restrict: free speech
    await no_grammar.live(tone(400), quiet(1000))
    await no_grammar.transcriber.aclose()
    assert [f.ended_ms - f.speech_end_ms for f in no_grammar.finals()] == [700]


async def test_a_caller_who_goes_on_after_a_phrase_is_not_cut_off(pool: DecodePool) -> None:
    # "oui" is complete after 400 ms of speech, the caller pauses 200 ms and says more; the
    # recogniser then hears something that is no phrase, and the long silence applies again.
    final = await _answer(pool, ["oui", "non"], [(0, ""), (200, "oui"), (800, "oui [unk]")],
                          tone(400), quiet(200), tone(400), quiet(1000))
    assert (final.speech_end_ms, final.ended_ms) == (1500, 2200)


async def test_a_partial_decoded_before_the_end_of_speech_is_not_used(pool: DecodePool) -> None:
    # The decoder is behind: "oui", decoded from the first 200 ms, reaches the loop while the
    # caller has already said more and paused 300 ms. It must not end the utterance.
    permits = threading.Semaphore(0)
    model = ScriptedModel(script=[(0, "oui"), (300, "oui merci")], permits=permits)
    call = Call(model, pool)
    call.transcriber.listen(turn=1, phrases=["oui"])
    call.play(tone(600))  # 0..600, nothing decoded yet
    permits.release()  # one decoder call: the first 200 ms
    for _ in range(500):
        if call.transcriber.stats().decoded_ms:
            break
        await asyncio.sleep(0.01)
    assert call.transcriber.stats().decoded_ms == 200
    assert call.events[-1] == PartialTranscript(1, "oui")
    call.play(quiet(300))  # silence 600..900: longer than complete_silence_ms
    for _ in range(100):
        permits.release()
    await call.live(quiet(1000))
    await call.transcriber.aclose()
    assert [(f.text, f.ended_ms) for f in call.finals()] == [("oui merci", 1300)]


async def test_another_languages_model_decodes_once_the_caller_chose_it(pool: DecodePool) -> None:
    french = ScriptedModel(script=[(0, "oui")])
    english = ScriptedModel(8000, script=[(0, "yes")])
    call = Call(french, pool, models={"en": english})
    transcriber = call.transcriber
    call.play(tone(300), quiet(800))
    transcriber.listen(turn=2, language="en")
    call.play(tone(300), quiet(800))
    transcriber.listen(turn=3, language="de")   # no model of its own: the first language's
    call.play(tone(300), quiet(800))
    await transcriber.aclose()
    assert [(f.turn, f.text) for f in call.finals()] == [(0, "oui"), (2, "yes"), (3, "oui")]
    # The English model is fed at its own rate (8 kHz: no upsampling) and got 300 ms + pre-roll
    # and hangover; each model's recognisers go back to it when the language changes and at the end.
    assert english.made[0].utterances == [780 * 8]
    assert french.released == french.made and english.released == english.made
    assert not french.concurrent_use and not english.concurrent_use
