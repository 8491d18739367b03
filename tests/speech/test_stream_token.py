"""Stream tokens: bound to one call, short-lived, tamper-evident."""

from __future__ import annotations

import pytest

from callcenter.speech.errors import StreamTokenError
from callcenter.speech.stream_token import MAX_TTL_SECONDS, check_stream_token, make_stream_token

SECRET = "s3cret-key-for-tests"
CALL = "CA" + "1" * 32
NOW = 1_760_000_000.0


def test_a_fresh_token_passes_for_its_call() -> None:
    token = make_stream_token(SECRET, CALL, NOW, ttl=60)
    check_stream_token(SECRET, token, CALL, NOW)
    check_stream_token(SECRET, token, CALL, NOW + 59)


def refused(token: str | None, *, call: str = CALL, now: float = NOW, secret: str = SECRET) -> str:
    with pytest.raises(StreamTokenError) as caught:
        check_stream_token(secret, token, call, now)
    assert caught.value.close_code == 1008
    return caught.value.message


def test_a_token_for_another_call_is_refused() -> None:
    token = make_stream_token(SECRET, CALL, NOW)
    assert "does not match" in refused(token, call="CA" + "2" * 32)


def test_an_expired_token_is_refused() -> None:
    token = make_stream_token(SECRET, CALL, NOW, ttl=60)
    assert "expired" in refused(token, now=NOW + 60)


def test_tampering_is_detected() -> None:
    token = make_stream_token(SECRET, CALL, NOW, ttl=60)
    expires, _, signature = token.partition(".")
    later = f"{int(expires) + 3600}.{signature}"
    assert "does not match" in refused(later)
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    assert "does not match" in refused(f"{expires}.{flipped}")
    assert "does not match" in refused(token, secret="another-secret")


@pytest.mark.parametrize("token", [None, "", "abc", "12345", "12345.", ".sig", "-5.sig", "１２.sig"])
def test_missing_or_malformed_tokens_are_refused(token: str | None) -> None:
    message = refused(token)
    assert "missing" in message or "malformed" in message


def test_lifetimes_are_bounded() -> None:
    with pytest.raises(ValueError):
        make_stream_token(SECRET, CALL, NOW, ttl=0)
    with pytest.raises(ValueError):
        make_stream_token(SECRET, CALL, NOW, ttl=MAX_TTL_SECONDS + 1)
    with pytest.raises(ValueError):
        make_stream_token("", CALL, NOW)
    # Even a correctly signed token may not claim to live longer than the maximum.
    long_lived = make_stream_token(SECRET, CALL, NOW + 2 * MAX_TTL_SECONDS, ttl=60)
    assert "lives too long" in refused(long_lived)
