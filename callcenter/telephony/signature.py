"""Twilio request signatures (``X-Twilio-Signature``): which URL to check, and the check itself."""

from __future__ import annotations

import base64
import functools
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from aiohttp import web
from twilio.request_validator import RequestValidator, add_port, remove_port


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


@functools.lru_cache(maxsize=256)
def _with_and_without_port(url: str) -> tuple[str, str]:
    """The two forms of ``url`` Twilio may have signed, the one it was given in first. Cached: a
    call's webhooks go to a few URLs (the query holds the turn, never the call)."""
    parsed = urlparse(url)
    if parsed.port:
        return add_port(parsed), remove_port(parsed)
    return remove_port(parsed), add_port(parsed)


def is_valid(auth_token: str, url: str, params: Any, signature: str | None) -> bool:
    """Check ``signature``; ``params`` may be a multidict (repeated keys are all signed).

    The same answer as the ``twilio`` library's ``RequestValidator.validate`` for form
    parameters: the URL is accepted with its port or without it (Twilio signs either form).
    ``validate`` always computes both HMACs, each through the library's ``compute_signature``
    (forty Python calls a request); here the form the URL was configured in comes first and the
    other is computed only when it does not match, so a genuine request costs one HMAC, in one
    call of the standard library's ``hmac.digest``.
    """
    if not signature:
        return False
    token = auth_token.encode("utf-8")
    given = signature.encode("utf-8")
    signed = _signed_params(params)
    for candidate in _with_and_without_port(url):
        # compare_digest: in constant time, as the library's own comparison
        computed = base64.b64encode(hmac.digest(token, (candidate + signed).encode("utf-8"), "sha1"))
        if hmac.compare_digest(computed, given):
            return True
    return False


def _signed_params(params: Any) -> str:
    """What the ``twilio`` library's ``compute_signature`` appends to the URL before its HMAC-SHA1:
    each distinct name in order, followed by each of its distinct values in order, with no
    separator. The distinct (name, value) pairs sorted are that order (tests/telephony/
    test_signature.py compares with the library, repeated names and values included)."""
    if not params:
        return ""
    return "".join([name + value for name, value in sorted(set(params.items()))])


def sign(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """The signature Twilio would send for ``url`` and ``params`` (used by the call simulator)."""
    return str(RequestValidator(auth_token).compute_signature(url, dict(params)))
