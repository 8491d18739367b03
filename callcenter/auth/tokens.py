"""Signed, expiring tokens (session cookies) and CSRF tokens, with the server's secret key.

Pure: the time is an argument. HMAC-SHA256 over a compact JSON payload; comparison in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: str, body: str) -> str:
    return _b64(hmac.new(secret.encode(), f"{purpose}|{body}".encode(), hashlib.sha256).digest())


def sign_payload(secret: str, purpose: str, payload: dict[str, Any], now: float, ttl: float) -> str:
    """A token carrying ``payload`` for ``purpose``, valid ``ttl`` seconds from ``now``."""
    body = _b64(json.dumps({**payload, "exp": int(now + ttl)}, separators=(",", ":")).encode())
    return f"{body}.{_mac(secret, purpose, body)}"


def read_signed(secret: str, purpose: str, token: str | None, now: float) -> dict[str, Any] | None:
    """The payload of a valid, unexpired token for ``purpose``; ``None`` otherwise."""
    if not token or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    if not hmac.compare_digest(mac, _mac(secret, purpose, body)):
        return None
    try:
        payload = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int) or payload["exp"] < now:
        return None
    return payload


def new_nonce() -> str:
    return secrets.token_urlsafe(18)


def csrf_token(secret: str, nonce: str) -> str:
    """The CSRF token of a session (or of a login form), derived from its nonce."""
    return _mac(secret, "csrf", nonce)
