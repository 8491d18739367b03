"""Security headers on every answer the server gives (pages, API, static files, errors).

The pages load scripts and styles from ``/static/`` only, so the Content Security Policy needs no
``'unsafe-inline'``: an injected ``<script>`` or ``onclick=`` does not run. ``frame-ancestors`` and
``X-Frame-Options`` stop another site from framing a page (clickjacking of « Accepter »).
"""

from __future__ import annotations

from aiohttp import web

# connect-src 'self' covers the page's own ws:/wss: origin (the browser phone); media-src and
# worker-src for the microphone's audio worklet.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "media-src 'self' blob:",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Same-origin pages keep the referrer (nothing needs it elsewhere); other sites never see a
    # path such as /api/calls/CA....
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "microphone=(self), camera=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


async def add_security_headers(_request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare``: runs for every response, exceptions and static files included."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


def setup(app: web.Application) -> None:
    app.on_response_prepare.append(add_security_headers)
