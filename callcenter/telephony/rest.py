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

    async def update_call(self, call_sid: str, twiml: str) -> None:
        """Replace what a live call is doing with new TwiML (what the IVR says next)."""
        await self.client.calls(call_sid).update_async(twiml=twiml)

    async def send_sms(self, to: str, body: str) -> str:
        message = await self.client.messages.create_async(to=to, from_=self.from_number, body=body)
        return str(message.sid)

    async def close(self) -> None:
        await self._http.close()


class ConferenceControl:
    """Warm-transfer moves on a call's conference, through the REST API (the executor's tools)."""

    def __init__(self, rest: TwilioRest, public_url: str) -> None:
        self.client = rest.client
        self.from_number = rest.from_number
        self.public_url = public_url.rstrip("/")

    async def add_agent(self, conference_sid: str, to: str, label: str) -> str:
        """Ring an agent into the conference; they start it (the caller hears the hold message until then)."""
        participant = await self.client.conferences(conference_sid).participants.create_async(
            from_=self.from_number, to=to, label=label, start_conference_on_enter=True,
            end_conference_on_exit=False, beep="false", timeout=20,
            status_callback=f"{self.public_url}/twilio/agent-leg",
            status_callback_event=["answered", "completed"],
        )
        return str(participant.call_sid)

    async def hold(self, conference_sid: str, participant: str, on_hold: bool) -> None:
        await self.client.conferences(conference_sid).participants(participant).update_async(
            hold=on_hold, **({"hold_url": f"{self.public_url}/twilio/hold-music"} if on_hold else {}))

    async def remove(self, conference_sid: str, participant: str) -> None:
        await self.client.conferences(conference_sid).participants(participant).delete_async()

    async def end(self, conference_sid: str) -> None:
        await self.client.conferences(conference_sid).update_async(status="completed")
