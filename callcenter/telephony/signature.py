"""Twilio request signatures (``X-Twilio-Signature``): which URL to check, and the check itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from twilio.request_validator import RequestValidator


def signed_url(request: web.Request, public_url: str | None) -> str:
    """The URL Twilio signed: the public base URL + path + query behind a proxy, else our own URL.

    ``raw_path`` keeps the query string exactly as sent; re-encoding it would break the HMAC.
    """
    url = public_url.rstrip("/") + request.raw_path if public_url else str(request.url)
    if request.headers.get("Upgrade", "").lower() == "websocket":
        # Twilio signs a Media Stream's upgrade with the wss:// URL it connects to.
        url = "ws" + url.removeprefix("http")
    return url


def is_valid(auth_token: str, url: str, params: Any, signature: str | None) -> bool:
    """Check ``signature``; ``params`` may be a multidict (repeated keys are all signed)."""
    if not signature:
        return False
    return bool(RequestValidator(auth_token).validate(url, params, signature))


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The signature Twilio would send for ``url`` and ``params`` (used by the call simulator)."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))
