"""Self-hosted speech in the call: recognition events become engine events, and the call moves on.

With ``CALLCENTER_SPEECH=vosk`` the call's audio streams to us (``/twilio/media``, or the browser
phone); keys still arrive through Twilio's ``<Gather input="dtmf">``. When an utterance ends, its
redacted transcript goes through the same path as a webhook (the dispatcher's ``call_event``), and the new TwiML
is pushed to the live call through the REST API (which also cuts the prompt: barge-in). The agent
screen gets partial and final transcripts through the bus.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from callcenter.bus import EventBus
from callcenter.calls.service import Outcome
from callcenter.calls.service import Renderer as StepRenderer
from callcenter.ivr import Failure, NoInput, SpeechReceived
from callcenter.ivr import commands as cmd
from callcenter.news import CallPartial, CallSpeaking
from callcenter.privacy import redact
from callcenter.speech import (
    FinalTranscript,
    NoSpeech,
    PartialTranscript,
    RecognitionFailed,
    SpeechEngine,
    SpeechEvent,
    SpeechStarted,
)

_LOGGER = logging.getLogger(__name__)

# Pushes the IVR's next answer to a live call: TwiML through Twilio's REST ``calls(sid).update``,
# or JSON messages to a browser phone.
CallUpdater = Callable[[str, str], Awaitable[None]]
Renderer = Callable[[Sequence[cmd.Command], str], str]


class Listener(Protocol):
    """What a recognition source must offer: told what to listen for next."""

    def listen(self, *, turn: int, phrases: Sequence[str] | None = None,
               no_speech_timeout_ms: int | None = None, language: str = "") -> None: ...


@dataclass
class _Live:
    listener: Listener
    updater: CallUpdater
    render: Renderer
    silence: Callable[[cmd.Gather], str]
    gather: cmd.Gather | None = None
    speaking: bool = False

    @property
    def turn(self) -> int:
        return self.gather.turn if self.gather is not None else 0


class Listening:
    """Each call's live audio source and the question it is expected to answer next.

    Built before the dispatcher: the dispatcher tells it each ``Gather`` (it needs nothing else),
    and the bridge, built after the dispatcher, reads it. That breaks the dispatcher -> bridge ->
    dispatcher cycle without setting anything after construction.
    """

    # Questions remembered for streams not started yet; the oldest go first past this many (a
    # call whose stream never comes and whose end we never hear must not stay forever).
    MAX_WAITING = 10_000

    def __init__(self, languages: Sequence[str] = ()) -> None:
        # The flow's other languages our recogniser has a model for; others are Twilio's.
        self.languages = frozenset(languages)
        self._live: dict[str, _Live] = {}
        self._waiting: dict[str, cmd.Gather] = {}

    def attach(self, call_sid: str, live: _Live) -> None:
        self._live[call_sid] = live
        gather = self._waiting.pop(call_sid, None)
        if gather is not None:
            self._apply(live, gather)

    def detach(self, call_sid: str) -> None:
        self._live.pop(call_sid, None)
        self._waiting.pop(call_sid, None)

    def get(self, call_sid: str) -> _Live | None:
        return self._live.get(call_sid)

    def waiting(self) -> int:
        """Calls with a question remembered for a stream that has not started."""
        return len(self._waiting)

    def forget(self, call_sid: str) -> None:
        """The call ended: its stream, if it never came, will not come now."""
        self._waiting.pop(call_sid, None)

    def expect(self, call_sid: str, gather: cmd.Gather) -> None:
        """What the IVR expects now (called by the dispatcher on each Gather)."""
        live = self._live.get(call_sid)
        if live is None:
            # The stream has not started yet (or never will: Twilio's recognition, a refused stream).
            self._waiting.pop(call_sid, None)
            self._waiting[call_sid] = gather
            while len(self._waiting) > self.MAX_WAITING:
                del self._waiting[next(iter(self._waiting))]
            return
        self._apply(live, gather)

    def _apply(self, live: _Live, gather: cmd.Gather) -> None:
        live.gather, live.speaking = gather, False
        if gather.language and gather.language not in self.languages:
            # A language we have no model for: Twilio's <Gather> recognises it. What our
            # recogniser still hears carries the previous turn, so it can neither move the call
            # nor cut this prompt.
            return
        # The language is named only when it is not the first: listeners for one language
        # (the browser phone's, tests') need not know about languages.
        language = {"language": gather.language} if gather.language else {}
        live.listener.listen(turn=gather.turn, phrases=gather.phrases or None,
                             no_speech_timeout_ms=gather.timeout * 1000, **language)


class CallPath(Protocol):
    """Where a call event goes (``callcenter.dispatch.Dispatcher``): stepped, stored, carried out."""

    async def call_event(self, call_sid: str, event: SpeechReceived | NoInput | Failure, *, render: StepRenderer,
                         request_key: str | None, turn: int | None = None, source: str = "twilio") -> Outcome: ...


class SpeechBridge:
    """Routes each live call's recognition events into the call service, and back."""

    def __init__(self, engine: SpeechEngine, calls: CallPath, bus: EventBus, listening: Listening,
                 render: Renderer, silence_twiml: Callable[[cmd.Gather], str]) -> None:
        self.engine = engine
        self.calls = calls
        self.bus = bus
        self.listening = listening
        self.render = render
        self.silence_twiml = silence_twiml

    # -- registration of live audio sources ----------------------------------------------------

    def attach(self, call_sid: str, listener: Listener, updater: CallUpdater, render: Renderer | None = None,
               silence: Callable[[cmd.Gather], str] | None = None) -> None:
        """A stream for ``call_sid`` started; apply the question it is expected to answer.
        ``render``/``silence`` default to TwiML (a Twilio call); the browser phone passes its own."""
        self.listening.attach(call_sid, _Live(listener, updater, render or self.render,
                                              silence or self.silence_twiml))

    def detach(self, call_sid: str) -> None:
        self.listening.detach(call_sid)

    def is_live(self, call_sid: str) -> bool:
        return self.listening.get(call_sid) is not None

    # -- recognition events -------------------------------------------------------------------

    async def pump(self, call_sid: str, events: asyncio.Queue[SpeechEvent | None]) -> None:
        """Handle a call's recognition events in order, until ``None``."""
        while (event := await events.get()) is not None:
            try:
                await self._handle(call_sid, event)
            except Exception:  # noqa: BLE001 - one bad event must not end the call's recognition
                _LOGGER.exception("call %s: speech event %s not handled", call_sid, event.kind)

    async def _handle(self, call_sid: str, event: SpeechEvent) -> None:
        live = self.listening.get(call_sid)
        match event:
            case SpeechStarted() if live is not None and event.turn == live.turn and not live.speaking:
                # Barge-in: the caller talks over the prompt, so the prompt stops and we listen.
                live.speaking = True
                if live.gather is not None:
                    await live.updater(call_sid, live.silence(live.gather))
                await self.bus.publish(CallSpeaking(call_sid))
            case PartialTranscript():
                await self.bus.publish(CallPartial(call_sid, redact(event.text)))
            case FinalTranscript():
                text = redact(event.text)
                await self._step(call_sid, SpeechReceived(text, round(event.confidence, 3)), event.turn)
            case NoSpeech() if live is not None and event.turn == live.turn:
                await self._step(call_sid, NoInput(), event.turn)
            case RecognitionFailed():
                _LOGGER.error("call %s: recognition failed (%s): the caller goes to a person",
                              call_sid, event.reason)
                await self._step(call_sid, Failure(f"speech: {event.reason}"[:200]), None)

    async def _step(self, call_sid: str, event: SpeechReceived | NoInput | Failure, turn: int | None) -> None:
        live = self.listening.get(call_sid)
        render = live.render if live is not None else self.render
        outcome = await self.calls.call_event(call_sid, event, render=lambda c, s: render(c, s.call_sid),
                                              request_key=None, turn=turn, source="speech")
        if outcome.replayed or not outcome.commands or live is None:
            return
        # The call's next TwiML replaces what it is playing now: the prompt stops, the IVR answers.
        await live.updater(call_sid, outcome.response)
