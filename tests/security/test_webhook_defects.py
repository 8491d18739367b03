"""Defects of the Twilio adapter found by the security review (issue 14), one test each."""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from callcenter.config import Settings
from callcenter.telephony.signature import sign
from callcenter.web import keys
from callcenter.web.app import init_app
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, TwilioCall, make_env


@pytest.mark.parametrize(("path", "extra"), [
    ("/twilio/gather?turn=%C2%B2", {"Digits": "1"}),
    ("/twilio/queue-result?tries=%C2%B2", {"QueueResult": "leave", "QueueTime": "²"}),
    ("/twilio/fallback-hold?tries=%C2%B2", {"QueueTime": "²"}),
    ("/twilio/dial-result", {"DialCallStatus": "completed", "DialCallDuration": "²"}),
    ("/twilio/hold", {"QueuePosition": "²"}),
    ("/twilio/queue-result", {"QueueResult": "hangup", "QueueTime": "¹²"}),
])
async def test_unicode_digits_in_a_signed_webhook_never_give_a_500(new_call: Any, path: str,
                                                                    extra: dict[str, str]) -> None:
    # "²".isdigit() is true but int("²") raises: a signed webhook must get a 4xx or an answer.
    call: TwilioCall = new_call()
    await call.start()
    resp = await call.post(path, call.params(**extra))
    assert resp.status < 500, await resp.text()


async def test_a_replayed_start_with_a_new_idempotency_token_repeats_the_first_answer(new_call: Any) -> None:
    call: TwilioCall = new_call()
    first = await call.post("/twilio/voice", call.params(CallStatus="ringing"),
                            headers={"I-Twilio-Idempotency-Token": "tok-first"})
    answer = await first.text()
    again = await call.post("/twilio/voice", call.params(CallStatus="ringing"),
                            headers={"I-Twilio-Idempotency-Token": "tok-second"})
    assert again.status == 200
    replayed = await again.text()
    # Never an empty <Response/>: for Twilio that hangs up on the caller.
    assert [el.tag for el in ET.fromstring(replayed)] == [el.tag for el in ET.fromstring(answer)]
    assert replayed == answer


async def test_a_replayed_answer_with_a_new_token_does_not_hang_up(new_call: Any) -> None:
    call: TwilioCall = new_call()
    await call.start()
    params = call.params(Digits="1")
    first = await call.post("/twilio/gather?turn=1", params, headers={"I-Twilio-Idempotency-Token": "a"})
    again = await call.post("/twilio/gather?turn=1", params, headers={"I-Twilio-Idempotency-Token": "b"})
    assert again.status == 200
    assert await again.text() == await first.text()


async def test_a_long_sip_from_is_recorded(new_call: Any, client: Any) -> None:
    # PostgreSQL refused a 61-character SIP address in a 40-character column: the caller got the
    # failure path instead of the menu.
    caller = "sip:" + "a" * 40 + "@pbx.mairie-exemple.fr"
    assert len(caller) > 60
    call: TwilioCall = new_call(caller=caller)
    twiml = await call.start()
    assert "objet de votre appel" in twiml
    stored = await client.app[keys.DATABASE].get_call(call.call_sid)
    # Recorded, with the person's part of the address masked (docs/operations.md, personal data).
    assert stored is not None and stored.caller == "sip:a•••@pbx.mairie-exemple.fr"


async def test_without_public_url_the_host_header_does_not_choose_the_signed_url(
        aiohttp_client: Any, tmp_path: Path, database_url: str, flows_dir: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    from tests.centre import free_port
    port = free_port()
    settings = Settings.from_env(make_env(tmp_path, database_url, flows_dir, port=str(port)))
    with caplog.at_level(logging.WARNING):
        client = await aiohttp_client(init_app(settings), server_kwargs={"port": port})
    assert any("CALLCENTER_PUBLIC_URL" in r.getMessage() for r in caplog.records)
    call = TwilioCall(client, "CA" + "ab" * 16)
    params = call.params(CallStatus="ringing")
    # Signed for another host, and that host sent in the Host header: refused.
    forged = "http://evil.example/twilio/voice"
    resp = await client.post("/twilio/voice", data=params, headers={
        "Host": "evil.example", "X-Twilio-Signature": sign(AUTH_TOKEN, forged, params)})
    assert resp.status == 403
    # Signed for the configured host and port: accepted.
    resp = await client.post("/twilio/voice", data=params, headers={
        "X-Twilio-Signature": sign(AUTH_TOKEN, f"http://127.0.0.1:{port}/twilio/voice", params)})
    assert resp.status == 200
    assert ACCOUNT_SID in params["AccountSid"]
