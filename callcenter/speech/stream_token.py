"""Short-lived tokens that bind a Media Stream to its call.

Stream URLs carry no query string, so the token travels as a TwiML ``<Parameter>`` and comes back
in ``start.customParameters``. It is ``<expiry>.<signature>``: the expiry in whole Unix seconds,
and an HMAC-SHA256 over the call SID and that expiry, keyed from the server's secret key. The call
SID is not inside the token, so a token minted for one call fails for any other. Pure: the current
time is an argument.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from callcenter.speech.errors import StreamTokenError

TOKEN_PARAMETER = "token"
DEFAULT_TTL_SECONDS = 120.0
# A token is minted when the TwiML that opens the stream is answered, and Twilio connects within
# seconds; a longer-lived token only widens the window for replay.
MAX_TTL_SECONDS = 3600.0
_PURPOSE = b"callcenter.speech.stream-token.v1"


def _key(secret: str) -> bytes:
    # Derive a key for this one purpose, so the raw secret is never used for two things.
    return hmac.new(secret.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()


def _signature(secret: str, call_sid: str, expires: int) -> str:
    digest = hmac.new(_key(secret), f"{call_sid}\n{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def make_stream_token(secret: str, call_sid: str, now: float, ttl: float = DEFAULT_TTL_SECONDS) -> str:
    """A token valid for ``call_sid`` until ``now + ttl`` (seconds)."""
    if not secret:
        raise ValueError("an empty secret cannot sign stream tokens")
    if not 0 < ttl <= MAX_TTL_SECONDS:
        raise ValueError(f"ttl must be in (0, {MAX_TTL_SECONDS:g}] seconds")
    expires = int(now + ttl)
    return f"{expires}.{_signature(secret, call_sid, expires)}"


def check_stream_token(secret: str, token: str | None, call_sid: str, now: float) -> None:
    """Raise ``StreamTokenError`` unless ``token`` was made for ``call_sid`` and is still valid."""
    if not token:
        raise StreamTokenError("stream token missing")
    expires_text, dot, signature = token.partition(".")
    if not dot or not expires_text.isascii() or not expires_text.isdigit() or not signature:
        raise StreamTokenError("stream token malformed")
    expires = int(expires_text)
    # The signature is checked before the expiry, so a forged token never learns which check failed.
    if not hmac.compare_digest(signature.encode("ascii", "replace"),
                               _signature(secret, call_sid, expires).encode("ascii")):
        raise StreamTokenError("stream token does not match this call")
    if now >= expires:
        raise StreamTokenError("stream token expired")
    if expires - now > MAX_TTL_SECONDS:
        raise StreamTokenError("stream token lives too long")
