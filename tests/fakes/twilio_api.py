"""A faithful fake of the part of Twilio's REST API (2010-04-01) the server calls.

It checks HTTP basic auth with the account SID and auth token, takes form-encoded bodies, and
answers with the JSON shapes Twilio documents, so the real ``twilio`` client can talk to it.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web

API = "/2010-04-01/Accounts/{account}"


@dataclass
class FakeTwilioApi:
    account_sid: str
    auth_token: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(API + "/Messages.json", self.create_message)
        return app

    def _check_auth(self, request: web.Request) -> None:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            raise web.HTTPUnauthorized(text='{"code": 20003, "message": "Authenticate", "status": 401}',
                                       content_type="application/json")
        if request.match_info["account"] != self.account_sid:
            raise web.HTTPNotFound(text='{"code": 20404, "status": 404}', content_type="application/json")

    async def create_message(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        form = await request.post()
        if not form.get("To") or not (form.get("From") or form.get("MessagingServiceSid")):
            return web.json_response({"code": 21604, "message": "A 'To' phone number is required.",
                                      "status": 400}, status=400)
        sid = "SM" + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC))
        message = {
            "sid": sid, "account_sid": self.account_sid, "to": form["To"], "from": form.get("From"),
            "body": form.get("Body", ""), "status": "queued", "direction": "outbound-api",
            "num_segments": "1", "num_media": "0", "api_version": "2010-04-01",
            "date_created": now, "date_updated": now, "date_sent": None, "price": None,
            "price_unit": "EUR", "error_code": None, "error_message": None,
            "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
        }
        self.messages.append(message)
        return web.json_response(message, status=201)
