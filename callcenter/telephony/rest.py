"""Twilio's REST API through the official client, pointed at ``CALLCENTER_TWILIO_API_URL``."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from callcenter.desk.model import AddAgentLeg, DeskEvent, EndConference, Hold, LegStarted, RemoveLeg
from callcenter.desk.ports import CallCommand
from callcenter.telephony.conference import agent_label

_LOGGER = logging.getLogger(__name__)
# A call in one of these statuses is over for good (Twilio's call resource, "status").
FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


class TwilioRest:
    """The calls our server makes to Twilio (SMS today; call control with routing)."""

    def __init__(self, account_sid: str, auth_token: str, api_url: str, from_number: str,
                 sms_status_url: str | None = None) -> None:
        self._http = AsyncTwilioHttpClient()
        self.client = Client(account_sid, auth_token, http_client=self._http)
        # Every v2010 resource hangs off the "api" domain; a local fake can stand in for it.
        self.client.api.base_url = api_url.rstrip("/")
        self.from_number = from_number
        # Where Twilio reports each SMS's delivery (sent, delivered, undelivered), per call.
        self.sms_status_url = sms_status_url

    async def update_call(self, call_sid: str, twiml: str) -> None:
        """Replace what a live call is doing with new TwiML (what the IVR says next)."""
        await self.client.calls(call_sid).update_async(twiml=twiml)

    async def send_sms(self, to: str, body: str, call_sid: str | None = None) -> str:
        """Ask Twilio to send an SMS; returns its sid once accepted (raises if refused)."""
        callback = None
        if self.sms_status_url and call_sid:
            callback = f"{self.sms_status_url}?{urlencode({'call': call_sid})}"
        if callback is None:
            message = await self.client.messages.create_async(to=to, from_=self.from_number, body=body)
        else:
            message = await self.client.messages.create_async(to=to, from_=self.from_number, body=body,
                                                              status_callback=callback)
        return str(message.sid)

    async def close(self) -> None:
        await self._http.close()


class TwilioCallControl:
    """The desk's call-control port on Twilio: a caller's conference moved through the REST API."""

    def __init__(self, rest: TwilioRest, public_url: str) -> None:
        self.client = rest.client
        self.from_number = rest.from_number
        self.public_url = public_url.rstrip("/")

    async def carry_out(self, call_sid: str, command: CallCommand) -> list[DeskEvent]:
        match command:
            case AddAgentLeg():
                return [LegStarted(command.agent_id, await self._add_agent(call_sid, command))]
            case Hold():
                await self.client.conferences(command.conference).participants(command.leg).update_async(
                    hold=command.on_hold,
                    **({"hold_url": f"{self.public_url}/twilio/hold-music"
                                    + (f"?lang={quote(command.language)}" if command.language else "")}
                       if command.on_hold else {}))
            case RemoveLeg():
                await self.client.conferences(command.conference).participants(command.leg).delete_async()
            case EndConference():
                await self.client.conferences(command.conference).update_async(status="completed")
        # The joins and leaves these cause come back through the conference's status callbacks.
        return []

    async def line_over(self, call_sid: str, conference: str | None) -> str | None:
        """The caller's call as Twilio knows it (``calls(sid).fetch()``): its status once final."""
        try:
            call = await self.client.calls(call_sid).fetch_async()
        except TwilioRestException as exc:
            if exc.status != 404:
                raise
            # Not a call of this account (a simulated one, another account's): never ended on a guess.
            _LOGGER.warning("call %s: unknown to Twilio, left as it is", call_sid)
            return None
        status = str(call.status)
        return status if status in FINAL_STATUSES else None

    async def _add_agent(self, call_sid: str, command: AddAgentLeg) -> str:
        """Ring an agent into the conference; they start it (the caller hears the hold message until then).
        The leg's status callback names the call and the agent, so an unanswered leg needs no lookup."""
        query = urlencode({"call": call_sid, "agent": agent_label(command.agent_id)})
        participant = await self.client.conferences(command.conference).participants.create_async(
            from_=self.from_number, to=command.address, label=agent_label(command.agent_id),
            start_conference_on_enter=True, end_conference_on_exit=False, beep="false", timeout=20,
            status_callback=f"{self.public_url}/twilio/agent-leg?{query}",
            status_callback_event=["answered", "completed"],
        )
        return str(participant.call_sid)
