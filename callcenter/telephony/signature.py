"""Twilio request signatures (``X-Twilio-Signature``): which URL to check, and the check itself."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web
from twilio.request_validator import RequestValidator


def signed_url(request: web.Request, base_url: str) -> str:
    """The URL Twilio signed: our configured base URL (``CALLCENTER_PUBLIC_URL``, else
    ``http://CALLCENTER_HOST:PORT``) + path + query. Never the request's Host header: whoever
    sends the request chooses that one, and with it the URL the signature is checked against.

    ``raw_path`` keeps the query string exactly as sent; re-encoding it would break the HMAC.
    """
    url = base_url.rstrip("/") + request.raw_path
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
