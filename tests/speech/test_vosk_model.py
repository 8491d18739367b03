"""The real recogniser: the Korean Vosk model from PyPI hearing espeak-ng speech sent as Twilio does."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from callcenter.speech.engine import SpeechEngine
from callcenter.speech.events import FinalTranscript, SpeechEvent
from callcenter.speech.stream_token import make_stream_token
from callcenter.speech.vosk_engine import VoskModel, _native_model
from tests.speech import twilio_messages as tw
from tests.speech.conftest import silence, utterance

MENU = ["네", "아니요", "여보세요", "하나", "둘", "셋"]


def test_the_model_is_described_from_its_files(korean_model: VoskModel) -> None:
    assert korean_model.sample_rate == 16000
    assert korean_model.grammar_capable
    # Words outside the vocabulary would break a grammar: such phrases are left out.
    assert korean_model.usable_phrases(["여보세요", "xqzzy", "  네  ", "하나 xqzzy"]) == ("여보세요", "네")


def test_free_recognisers_are_reused_across_calls(korean_model: VoskModel) -> None:
    # Their graph cache makes a warm recogniser several times cheaper than a new one.
    first = korean_model.recognizer(None)
    korean_model.release(first)
    assert korean_model.recognizer(None) is first
    menu = korean_model.recognizer(MENU)
    before = korean_model.idle_recognizers()
    korean_model.release(menu)
    assert korean_model.idle_recognizers() == before  # grammar recognisers are cheap: not kept


def test_a_kept_recogniser_is_retired_after_its_calls(korean_model: VoskModel) -> None:
    # Its graph cache grows a little with each call: kept forever, memory would too.
    max_calls = korean_model.max_calls
    korean_model.max_calls = 3
    try:
        first = korean_model.recognizer(None)
        for _ in range(2):
            korean_model.release(first)
            assert korean_model.recognizer(None) is first
        korean_model.release(first)          # its third call: retired, not kept
        assert korean_model.recognizer(None) is not first
    finally:
        korean_model.max_calls = max_calls


def test_a_grammar_with_korean_phrases_is_understood(korean_model: VoskModel) -> None:
    # Written with ensure_ascii=False: Vosk does not decode \\uXXXX escapes.
    recognizer = korean_model.recognizer(MENU)
    recognizer.accept(_pcm16k(utterance("yeoboseyo")))
    result = recognizer.finish()
    assert result.text == "여보세요"
    assert result.confidence > 0.5
    recognizer.accept(_pcm16k(utterance("hana")))  # the same recogniser goes on to the next utterance
    assert recognizer.finish().text == "하나"
    assert json.dumps(MENU, ensure_ascii=False).count("\\u") == 0


async def test_a_streamed_call_is_transcribed(korean_model: VoskModel) -> None:
    engine = SpeechEngine(korean_model, workers=2)
    events: list[SpeechEvent] = []
    session = engine.stream_session(secret="k", on_event=events.append, account_sid=tw.ACCOUNT)
    now = time.time()
    session.receive(tw.connected(), now)
    session.receive(tw.start(make_stream_token("k", tw.CALL, now), seq=1), now)
    session.listen(turn=1, phrases=MENU, no_speech_timeout_ms=5000)
    audio = silence(500) + utterance("yeoboseyo") + silence(1200) + utterance("aniyo") + silence(1200)
    frames = tw.media_frames(audio, first_seq=2)
    for frame in frames:
        session.receive(frame, now)
    session.receive(tw.stop(seq=2 + len(frames)), now)
    await session.aclose()
    engine.close()
    finals = [e for e in events if isinstance(e, FinalTranscript)]
    assert [f.text for f in finals] == ["여보세요", "아니요"]
    assert all(f.grammar and f.turn == 1 and f.reason == "silence" for f in finals)
    assert all(f.confidence > 0.5 and f.words for f in finals)
    assert [e.kind for e in events].count("speech_started") == 2


async def test_free_speech_is_recognised_without_a_grammar(korean_model: VoskModel) -> None:
    engine = SpeechEngine(korean_model, workers=1)
    events: list[SpeechEvent] = []
    transcriber = engine.transcriber(events.append)
    audio = silence(400) + utterance("ne") + silence(1000) + utterance("aniyo") + silence(1000)
    for index, offset in enumerate(range(0, len(audio), 160)):
        transcriber.push_ulaw(audio[offset:offset + 160], index * 20)
    await transcriber.aclose()
    engine.close()
    finals = [e for e in events if isinstance(e, FinalTranscript)]
    assert len(finals) == 2 and not any(f.grammar for f in finals)
    # espeak-ng's Korean squeezed into the phone band is hard for a small model without a
    # grammar: "네" comes back whole, "아니요" as its ending "요", both with word confidences.
    assert finals[0].text == "네"
    assert "요" in finals[1].text.split()
    assert all(0 < f.confidence <= 1 for f in finals)


def _pcm16k(ulaw: bytes) -> bytes:
    from callcenter.speech.audio import Upsampler, ulaw_to_pcm16

    return Upsampler().process(ulaw_to_pcm16(silence(300) + ulaw + silence(500))).tobytes()


async def test_a_menu_answer_ends_sooner_than_free_speech(korean_model: VoskModel) -> None:
    # Fed as a live call whose decoder keeps up: each 20 ms frame is decoded before the next one
    # arrives, and each final is timed by the stream time when it reaches us.
    engine = SpeechEngine(korean_model, workers=1)
    arrivals: list[tuple[FinalTranscript, int]] = []

    def on_event(event: SpeechEvent) -> None:
        if isinstance(event, FinalTranscript):
            arrivals.append((event, transcriber.stream_time_ms))

    transcriber = engine.transcriber(on_event)
    clock = 0

    async def live(audio: bytes) -> None:
        nonlocal clock
        for offset in range(0, len(audio), 160):
            transcriber.push_ulaw(audio[offset:offset + 160], clock)
            clock += 20
            await transcriber.wait_idle()

    transcriber.listen(turn=1, phrases=MENU)
    await live(silence(400) + utterance("hana") + silence(1200))
    transcriber.listen(turn=2)  # free speech
    await live(utterance("ne") + silence(1200))
    await transcriber.aclose()
    engine.close()
    (menu, menu_at), (free, free_at) = arrivals
    assert (menu.text, menu.grammar, free.grammar) == ("하나", True, False)
    assert menu_at - menu.speech_end_ms < 400  # complete_silence_ms (250) and a frame or two
    assert free_at - free.speech_end_ms >= 700  # end_silence_ms: the caller may go on


def test_engines_on_one_folder_share_the_loaded_model(korean_model: VoskModel) -> None:
    # Loading takes seconds and a few hundred MB: a second engine in the process takes the same one.
    again = VoskModel(korean_model.path)
    assert again._model is korean_model._model
    assert again.recognizer(None) is not None


def test_a_model_pulled_again_into_its_folder_is_loaded_anew(tmp_path: Path) -> None:
    class Loader:  # the one call of the vosk module this makes: counted, on a folder of files
        def __init__(self) -> None:
            self.loaded: list[str] = []

        def SetLogLevel(self, level: int) -> None:  # noqa: N802 - vosk's name
            pass

        def Model(self, model_path: str) -> object:  # noqa: N802 - vosk's name
            self.loaded.append(model_path)
            return object()

    original = tmp_path / "original"
    final = original / "am" / "final.mdl"
    final.parent.mkdir(parents=True)
    final.write_bytes(b"model")
    (original / "conf").mkdir()
    (original / "conf" / "model.conf").write_text("--min-active=200\n")
    vosk = Loader()
    first = _native_model(vosk, original)
    assert _native_model(vosk, original) is first and len(vosk.loaded) == 1
    # Another folder of links to the same parts with the same configuration: the same model.
    links = tmp_path / "links"
    links.mkdir()
    (links / "am").symlink_to(original / "am")
    (links / "conf").mkdir()
    (links / "conf" / "model.conf").write_text("--min-active=200\n")
    assert _native_model(vosk, links) is first and len(vosk.loaded) == 1
    # Its configuration changed (a chunk size): loaded anew.
    (links / "conf" / "model.conf").write_text("--min-active=200\n--frames-per-chunk=12\n")
    assert _native_model(vosk, links) is not first and len(vosk.loaded) == 2
    # The model pulled again: loaded anew.
    stat = final.stat()
    os.utime(final, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert _native_model(vosk, original) is not first and len(vosk.loaded) == 3
