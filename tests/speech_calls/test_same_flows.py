"""The scripted calls of the Twilio-speech tests, played again with self-hosted speech.

Speech goes as audio on a Media Stream; a recogniser (a real subclass of the speech interface)
"recognises" the words the script says, in order, once the pipeline has found an utterance in the
audio. Everything else is the real thing: voice-activity gate, end of utterance, the bridge, the
engine, REST updates to the live call (the fake Twilio), keys through Twilio's <Gather>."""

from __future__ import annotations

import asyncio
import collections
import math
import threading
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from callcenter.simulator import CallerAction, load_script
from callcenter.speech import SpeechEngine, pcm16_to_ulaw
from callcenter.speech.events import Word
from callcenter.speech.recognizer import Recognizer, SpeechModel, Transcript
from callcenter.telephony.fake_twilio import FakeCall
from tests.centre import Centre, make_centre
from tests.conftest import FakeClock
from tests.speech.conftest import silence
from tests.speech_calls.test_media_stream import open_stream, send_audio

CALLS = Path(__file__).parent.parent / "fixtures" / "calls"


class ScriptedWordsRecognizer(Recognizer):
    def __init__(self, model: ScriptedWordsModel) -> None:
        self.model = model

    def accept(self, pcm16: bytes) -> str:
        return ""

    def finish(self) -> Transcript:
        with self.model.lock:
            text = self.model.words.popleft() if self.model.words else ""
        return Transcript(text, tuple(Word(w, 0.9, 0.0, 0.2) for w in text.split()))


class ScriptedWordsModel(SpeechModel):
    """Each utterance the pipeline finds is "recognised" as the next scripted sentence."""

    sample_rate = 16000

    def __init__(self) -> None:
        self.words: collections.deque[str] = collections.deque()
        self.lock = threading.Lock()

    def recognizer(self, phrases: Sequence[str] | None = None) -> Recognizer:
        return ScriptedWordsRecognizer(self)


def tone(ms: int) -> bytes:
    """A loud 440 Hz tone: speech, as far as a voice-activity gate is concerned."""
    import numpy as np
    t = np.arange(ms * 8) / 8000
    pcm = (8000 * np.sin(2 * math.pi * 440 * t)).astype(np.int16)
    return pcm16_to_ulaw(pcm)


def says(twiml: str) -> str:
    return " ".join(el.text or "" for el in ET.fromstring(twiml).iter("Say"))


class StreamedCaller:
    """Plays a call script with speech as audio, keys through Twilio, like the terminal simulator."""

    def __init__(self, centre: Centre, model: ScriptedWordsModel) -> None:
        self.centre, self.model = centre, model
        self.call = centre.caller()
        centre.fake.calls[self.call.call_sid] = FakeCall(self.call.call_sid, self.call.called, self.call.caller)
        self.heard: list[str] = []
        self.document = ""
        self.stream_ms = 0
        self.seq = 2
        self.done = False

    def pushed(self) -> list[str]:
        return self.centre.fake.calls[self.call.call_sid].heard

    async def take(self, document: str) -> None:
        self.document = document
        self.heard.append(says(document))
        root = ET.fromstring(document)
        dial = root.find("Dial")
        if dial is not None:
            conference = dial.find("Conference")
            assert conference is not None
            hold = await self.call.post(urlsplit(conference.get("waitUrl") or "").path + "?"
                                        + urlsplit(conference.get("waitUrl") or "").query, self.call.params())
            self.heard.append(says(await hold.text()))
            self.done = True
        if root.find("Hangup") is not None:
            self.done = True

    def turn(self) -> int:
        gather = ET.fromstring(self.document).find("Gather")
        assert gather is not None, self.document
        return int((gather.get("action") or "").rsplit("=", 1)[1])

    async def audio(self, payload: bytes) -> None:
        self.seq = await send_audio(self.ws, payload, start_ms=self.stream_ms, seq=self.seq)
        self.stream_ms += len(payload) // 8

    async def await_push(self, before: int) -> None:
        for _ in range(400):
            fresh = [d for d in self.pushed()[before:] if "<Say" in d or "<Dial" in d or "<Hangup" in d]
            if fresh:
                await self.take(fresh[-1])
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"nothing pushed to the call; heard so far: {self.heard}")

    async def act(self, action: CallerAction) -> None:
        before = len(self.pushed())
        match action.kind:
            case "expect":
                recent = " ".join(self.heard[-2:]).lower()
                assert action.value.lower() in recent, f"line {action.line}: {action.value!r} not in {recent!r}"
            case "say":
                self.model.words.append(action.value)
                await self.audio(tone(600) + silence(1200))
                await self.await_push(before)
            case "silence":
                await self.audio(silence(7000))
                await self.await_push(before)
            case "press":
                digits = action.value.rstrip("#")
                await self.take(await self.call.gather(self.turn(), Digits=digits))

    async def run(self, actions: list[CallerAction]) -> list[str]:
        await self.take(await self.call.start())
        self.ws = await open_stream(self.centre, self.call)
        try:
            for action in actions:
                if self.done and action.kind != "expect":
                    continue  # the caller is waiting for a person: nothing left to answer
                await self.act(action)
        finally:
            await self.ws.close()
        return self.heard


@pytest.mark.parametrize("script", sorted(CALLS.glob("*.txt")), ids=lambda p: p.stem)
async def test_scripted_calls_with_self_hosted_speech(script: Path, tmp_path: Path, database_url: str,
                                                     flows_dir: Path, aiohttp_server: Any, aiohttp_client: Any,
                                                     clock: FakeClock) -> None:
    model = ScriptedWordsModel()
    engine = SpeechEngine(model, workers=1)
    centre = await make_centre(tmp_path, database_url, flows_dir, aiohttp_server, aiohttp_client, clock,
                               speech_engine=engine, speech="vosk")
    heard = await StreamedCaller(centre, model).run(load_script(script))
    assert heard and not model.words, "every scripted sentence was recognised and used"
