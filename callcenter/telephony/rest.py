"""Twilio's REST API through the official client, pointed at ``CALLCENTER_TWILIO_API_URL``."""

from __future__ import annotations

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client


class TwilioRest:
    """The calls our server makes to Twilio (SMS today; call control with routing)."""

    def __init__(self, account_sid: str, auth_token: str, api_url: str, from_number: str) -> None:
        self._http = AsyncTwilioHttpClient()
        self.client = Client(account_sid, auth_token, http_client=self._http)
        # Every v2010 resource hangs off the "api" domain; a local fake can stand in for it.
        self.client.api.base_url = api_url.rstrip("/")
        self.from_number = from_number

    async def send_sms(self, to: str, body: str) -> str:
        message = await self.client.messages.create_async(to=to, from_=self.from_number, body=body)
        return str(message.sid)

    async def close(self) -> None:
        await self._http.close()
