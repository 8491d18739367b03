"""The IVR's side effects through the dispatcher's ports: SMS through Twilio's REST API (a faithful
local fake), each question to the self-hosted recogniser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.bus import MemoryBus
from callcenter.calls import CallService
from callcenter.calls.speech_bridge import Listening, _Live
from callcenter.desk.service import Desk
from callcenter.dispatch import Dispatcher, Ports
from callcenter.dispatch.ivr_commands import send_sms, send_sms_now
from callcenter.flows.catalog import FlowCatalog
from callcenter.ivr import CallState, SmsResult
from callcenter.ivr import commands as cmd
from callcenter.routing import RoutingPolicy
from callcenter.store import Database
from callcenter.telephony.rest import TwilioRest
from callcenter.versions import VersionStore
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, FakeClock
from tests.fakes.twilio_api import FakeTwilioApi

STATE = CallState(call_sid="CA" + "0" * 32, flow_id="main", flow_version=1)


async def test_sms_is_sent_through_the_rest_api(aiohttp_server: Any) -> None:
    fake = FakeTwilioApi(ACCOUNT_SID, AUTH_TOKEN)
    server = await aiohttp_server(fake.app())
    rest = TwilioRest(ACCOUNT_SID, AUTH_TOKEN, str(server.make_url("")), "+33900000000")
    try:
        await send_sms(rest, STATE.call_sid, cmd.SendSms("+33611111111", "Bonjour"))
        waited = await send_sms_now(rest, STATE.call_sid, cmd.SendSms("+33622222222", "Votre lien"))
    finally:
        await rest.close()
    assert [(m["to"], m["from"], m["body"]) for m in fake.messages] == [
        ("+33611111111", "+33900000000", "Bonjour"), ("+33622222222", "+33900000000", "Votre lien")]
    assert waited.accepted and waited.sid == fake.messages[1]["sid"]


async def test_failing_sms_never_raises(aiohttp_server: Any, caplog: Any) -> None:
    fake = FakeTwilioApi(ACCOUNT_SID, "another-token")
    server = await aiohttp_server(fake.app())
    rest = TwilioRest(ACCOUNT_SID, AUTH_TOKEN, str(server.make_url("")), "+33900000000")
    try:
        await send_sms(rest, STATE.call_sid, cmd.SendSms("+33611111111", "Bonjour"))
        waited = await send_sms_now(rest, STATE.call_sid, cmd.SendSms("+33611111111", "Bonjour"))
    finally:
        await rest.close()
    assert fake.messages == []
    assert not waited.accepted and waited.error is not None and "TwilioRestException" in waited.error
    assert "SMS could not be sent" in caplog.text
    assert "+33611111111" not in caplog.text


async def test_sms_without_a_sender_number_is_logged(caplog: Any) -> None:
    await send_sms(None, STATE.call_sid, cmd.SendSms("+33611111111", "Bonjour"))
    assert "no sender number" in caplog.text
    assert await send_sms_now(None, STATE.call_sid, cmd.SendSms("+33611111111", "Bonjour")) == SmsResult(
        accepted=False, error="no sender configured")


class RecordingListener:
    """A recognition source that only remembers what it was told to listen for."""

    def __init__(self) -> None:
        self.turns: list[int] = []
        self.languages: list[str] = []

    def listen(self, *, turn: int, phrases: Any = None, no_speech_timeout_ms: int | None = None,
               language: str = "") -> None:
        self.turns.append(turn)
        self.languages.append(language)


async def _update(_sid: str, _twiml: str) -> None:
    return None


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.close()


def dispatcher(db: Database, flows_dir: Path, listening: Listening) -> Dispatcher:
    """A dispatcher as the server builds it, with nothing but the recogniser to tell."""
    clock = FakeClock()
    return Dispatcher(CallService(db, FlowCatalog(flows_dir, VersionStore(db)), "main", clock),
                      Desk(db, RoutingPolicy(), clock), Ports(MemoryBus(), listening=listening))


async def test_each_question_reaches_the_listening_given_at_construction(database: Database,
                                                                          flows_dir: Path) -> None:
    listening = Listening()
    ours = dispatcher(database, flows_dir, listening)
    await ours.carry_out_ivr(STATE.call_sid, [cmd.Gather("menu", 3, "Tapez 1", ("speech",), 5)])
    listener = RecordingListener()
    # The stream starts after the question was asked: it is told at once.
    listening.attach(STATE.call_sid, _Live(listener, _update, lambda c, s: "", lambda g: ""))
    await ours.carry_out_ivr(STATE.call_sid, [cmd.Gather("menu", 4, "Tapez 2", ("speech",), 5)])
    assert listener.turns == [3, 4]


async def test_a_question_in_another_language_is_left_to_twilios_recognition(database: Database,
                                                                             flows_dir: Path) -> None:
    listening = Listening()
    listener = RecordingListener()
    live = _Live(listener, _update, lambda c, s: "", lambda g: "")
    listening.attach(STATE.call_sid, live)
    ours = dispatcher(database, flows_dir, listening)
    await ours.carry_out_ivr(STATE.call_sid, [cmd.Gather("menu", 3, "Tapez 1", ("speech",), 5)])
    # The caller chose English: our (French) recogniser is not asked to listen, and the call's
    # current turn moves on, so what it still hears for turn 3 can neither answer nor barge in.
    await ours.carry_out_ivr(STATE.call_sid, [cmd.Gather("menu", 4, "Press 1", ("speech",), 5, language="en")])
    assert listener.turns == [3]
    assert live.turn == 4


async def test_a_question_in_a_language_with_a_model_of_its_own_reaches_our_recogniser(database: Database,
                                                                                       flows_dir: Path) -> None:
    listening = Listening(languages=("en",))
    listener = RecordingListener()
    listening.attach(STATE.call_sid, _Live(listener, _update, lambda c, s: "", lambda g: ""))
    ours = dispatcher(database, flows_dir, listening)
    await ours.carry_out_ivr(STATE.call_sid, [cmd.Gather("menu", 3, "Tapez 1", ("speech",), 5)])
    await ours.carry_out_ivr(STATE.call_sid, [cmd.Gather("menu", 4, "Press 1", ("speech",), 5, language="en")])
    assert list(zip(listener.turns, listener.languages, strict=True)) == [(3, ""), (4, "en")]
