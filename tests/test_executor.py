"""Side effects go through the executor: SMS through Twilio's REST API (a faithful local fake)."""

from __future__ import annotations

from typing import Any

from callcenter.calls import Executor
from callcenter.ivr import CallState
from callcenter.ivr import commands as cmd
from callcenter.telephony.rest import TwilioRest
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.fakes.twilio_api import FakeTwilioApi

STATE = CallState(call_sid="CA" + "0" * 32, flow_id="main", flow_version=1)


async def test_sms_is_sent_through_the_rest_api(aiohttp_server: Any) -> None:
    fake = FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN)
    server = await aiohttp_server(fake.app())
    rest = TwilioRest(ACCOUNT_SID, AUTH_TOKEN, str(server.make_url("")), "+33900000000")
    try:
        await Executor(rest).run(STATE.call_sid, [cmd.Say("x"), cmd.SendSms("+33611111111", "Bonjour")],
                                 STATE)
    finally:
        await rest.close()
    assert [(m["to"], m["from"], m["body"]) for m in fake.messages] == [
        ("+33611111111", "+33900000000", "Bonjour")]


async def test_failing_sms_never_raises(aiohttp_server: Any, caplog: Any) -> None:
    fake = FakeTwilioApi(ACCOUNT_SID, "another-token")
    server = await aiohttp_server(fake.app())
    rest = TwilioRest(ACCOUNT_SID, AUTH_TOKEN, str(server.make_url("")), "+33900000000")
    try:
        await Executor(rest).run(STATE.call_sid, [cmd.SendSms("+33611111111", "Bonjour")], STATE)
    finally:
        await rest.close()
    assert fake.messages == []
    assert "SMS could not be sent" in caplog.text
    assert "+33611111111" not in caplog.text


async def test_sms_without_a_sender_number_is_logged(caplog: Any) -> None:
    await Executor(None).run(STATE.call_sid, [cmd.SendSms("+33611111111", "Bonjour")], STATE)
    assert "no sender number" in caplog.text


class RecordingListener:
    """A recognition source that only remembers what it was told to listen for."""

    def __init__(self) -> None:
        self.turns: list[int] = []
        self.languages: list[str] = []

    def listen(self, *, turn: int, phrases: Any = None, no_speech_timeout_ms: int | None = None,
               language: str = "") -> None:
        self.turns.append(turn)
        self.languages.append(language)


async def test_each_question_reaches_the_listening_given_at_construction() -> None:
    from callcenter.calls.speech_bridge import Listening, _Live
    listening = Listening()
    executor = Executor(None, listening=listening)
    await executor.run(STATE.call_sid, [cmd.Gather("menu", 3, "Tapez 1", ("speech",), 5)], STATE)
    listener = RecordingListener()

    async def update(_sid: str, _twiml: str) -> None:
        return None

    # The stream starts after the question was asked: it is told at once.
    listening.attach(STATE.call_sid, _Live(listener, update, lambda c, s: "", lambda g: ""))
    await executor.run(STATE.call_sid, [cmd.Gather("menu", 4, "Tapez 2", ("speech",), 5)], STATE)
    assert listener.turns == [3, 4]


async def test_a_question_in_another_language_is_left_to_twilios_recognition() -> None:
    from callcenter.calls.speech_bridge import Listening, _Live
    listening = Listening()
    listener = RecordingListener()

    async def update(_sid: str, _twiml: str) -> None:
        return None

    live = _Live(listener, update, lambda c, s: "", lambda g: "")
    listening.attach(STATE.call_sid, live)
    executor = Executor(None, listening=listening)
    await executor.run(STATE.call_sid, [cmd.Gather("menu", 3, "Tapez 1", ("speech",), 5)], STATE)
    # The caller chose English: our (French) recogniser is not asked to listen, and the call's
    # current turn moves on, so what it still hears for turn 3 can neither answer nor barge in.
    await executor.run(STATE.call_sid, [cmd.Gather("menu", 4, "Press 1", ("speech",), 5, language="en")], STATE)
    assert listener.turns == [3]
    assert live.turn == 4


async def test_a_question_in_a_language_with_a_model_of_its_own_reaches_our_recogniser() -> None:
    from callcenter.calls.speech_bridge import Listening, _Live
    listening = Listening(languages=("en",))
    listener = RecordingListener()

    async def update(_sid: str, _twiml: str) -> None:
        return None

    listening.attach(STATE.call_sid, _Live(listener, update, lambda c, s: "", lambda g: ""))
    executor = Executor(None, listening=listening)
    await executor.run(STATE.call_sid, [cmd.Gather("menu", 3, "Tapez 1", ("speech",), 5)], STATE)
    await executor.run(STATE.call_sid, [cmd.Gather("menu", 4, "Press 1", ("speech",), 5, language="en")], STATE)
    assert list(zip(listener.turns, listener.languages, strict=True)) == [(3, ""), (4, "en")]
