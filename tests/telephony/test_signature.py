"""The signature check gives the ``twilio`` library's answer, with one HMAC for a genuine request."""

from __future__ import annotations

import hmac

import pytest
from multidict import MultiDict, MultiDictProxy
from twilio.request_validator import RequestValidator

from callcenter.telephony.signature import is_valid

TOKEN = "signature-test-token-0123456789ab"
FORM = MultiDictProxy(MultiDict([("CallSid", "CA" + "1" * 32), ("Digits", "2"), ("Digits", "1"), ("Digits", "2"),
                                 ("SpeechResult", "l'été à Paris"), ("Empty", "")]))
URLS = ["https://calls.example.fr/twilio/gather?turn=2&asr=twilio",
        "https://calls.example.fr:443/twilio/voice",
        "https://calls.example.fr:8443/twilio/voice",
        "http://127.0.0.1:8080/twilio/status",
        "http://example.fr/twilio/status?",
        "wss://calls.example.fr/twilio/stream?token=a%2Fb"]


def _signed_forms(url: str) -> list[str]:
    """The URL as given, with and without its port, and one no check should take."""
    host = url.split("/")[2]
    bare = host.split(":")[0]
    default = ":443" if url.startswith(("https", "wss")) else ":80"
    return [url, url.replace(host, bare, 1), url.replace(host, bare + default, 1),
            url.replace(host, bare + ":1234", 1), url + "&x=1"]


@pytest.mark.parametrize("url", URLS)
def test_same_answer_as_the_library(url: str) -> None:
    library = RequestValidator(TOKEN)
    for signed_as in _signed_forms(url):
        for params in (FORM, MultiDictProxy(MultiDict()), {"CallSid": "CA1", "Digits": "12"}):
            signature = library.compute_signature(signed_as, params)
            for given in (signature, signature[:-2] + "x=", "", None, "é" * len(signature)):
                expected = bool(given) and library.validate(url, params, given)
                assert is_valid(TOKEN, url, params, given) is expected, (url, signed_as, given)


def test_a_genuine_request_costs_one_hmac(monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[bytes] = []
    original = hmac.digest

    def counted(key: bytes, msg: bytes, digest: str) -> bytes:
        computed.append(msg)
        return original(key, msg, digest)

    monkeypatch.setattr(hmac, "digest", counted)
    library = RequestValidator(TOKEN)
    for url in ("https://calls.example.fr/twilio/voice", "http://127.0.0.1:8080/twilio/voice"):
        computed.clear()
        assert is_valid(TOKEN, url, FORM, library.compute_signature(url, FORM))
        assert len(computed) == 1 and computed[0].startswith(url.encode())
    computed.clear()
    assert not is_valid(TOKEN, "https://calls.example.fr/twilio/voice", FORM, "forged")
    assert [m.split(b"/twilio/")[0] for m in computed] == [b"https://calls.example.fr",
                                                           b"https://calls.example.fr:443"]

