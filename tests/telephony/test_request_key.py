"""A webhook's request key (the same for a request and its retries), hashed in one piece: the same
key as one hash update per field, as it was computed before (stored receipts keep their keys)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import pytest
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict, MultiDict

from callcenter.telephony.webhooks import request_key


def _per_field(method: str, raw_path: str, form: Mapping[str, str]) -> str:
    digest = hashlib.sha256(method.encode() + b" " + raw_path.encode())
    for name, value in sorted((k, str(v)) for k, v in form.items()):
        digest.update(b"\0" + name.encode() + b"=" + value.encode())
    return "sha:" + digest.hexdigest()


FORMS = [
    MultiDict(),
    MultiDict({"CallSid": "CA" + "a" * 32, "Digits": "1", "From": "+33612345678"}),
    MultiDict([("SpeechResult", "j'ai perdu ma carte Vitale, ça m'énerve ☹"), ("Confidence", "0.82"),
               ("Digits", ""), ("Caller", "+33612345678"), ("Digits", "0")]),   # a repeated name
    MultiDict([("b", "=\0&"), ("a", "é"), ("a", "à")]),
]


@pytest.mark.parametrize("form", FORMS, ids=range(len(FORMS)))
@pytest.mark.parametrize("path", ["/twilio/voice", "/twilio/gather?turn=3&asr=twilio", "/twilio/hold?call=CA%2F1"])
def test_the_key_is_the_per_field_hash(form: MultiDict[str], path: str) -> None:
    request = make_mocked_request("POST", path)
    assert request_key(request, form) == _per_field("POST", request.raw_path, form)


def test_twilios_idempotency_token_is_the_key_when_sent() -> None:
    token = CIMultiDict({"I-Twilio-Idempotency-Token": "t" * 200})
    request = make_mocked_request("POST", "/twilio/status", headers=token)
    assert request_key(request, FORMS[1]) == "tok:" + "t" * 120
