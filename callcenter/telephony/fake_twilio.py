"""A faithful local stand-in for the parts of Twilio's cloud the server uses, with no account.

REST (2010-04-01, form-encoded requests, JSON answers, HTTP basic auth with SID and token):
Messages (create), Calls (create, list, fetch, update; placed calls and their callee in
``fake_calls.py``), Conferences (list, fetch, update) and their
Participants (create, list, fetch, update for hold, delete). Conference status callbacks
(``participant-join``, ``participant-leave``, ``participant-hold``, ``conference-start``,
``conference-end``) are posted to the callback URLs, signed with the auth token as Twilio signs them.

Twilio's voice side (a caller's leg running TwiML) is played by the call simulator or the tests;
they tell the fake when a caller's ``<Dial><Conference>`` runs, through ``/_fake/`` control routes,
and read what a leg experiences from there too. Nothing here is used in production.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import aiohttp
from aiohttp import web

from callcenter.telephony.fake_calls import FakeOutboundCalls
from callcenter.telephony.signature import sign

_LOGGER = logging.getLogger(__name__)
API = "/2010-04-01/Accounts/{account}"


def _now() -> str:
    return format_datetime(datetime.now(UTC))


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class FakeParticipant:
    call_sid: str
    label: str | None
    start_conference_on_enter: bool = True
    end_conference_on_exit: bool = False
    hold: bool = False
    muted: bool = False
    status: str = "connected"
    # What the participant hears while held (Twilio's HoldUrl); None: Twilio's own music.
    hold_url: str | None = None


@dataclass
class FakeConference:
    sid: str
    friendly_name: str
    status_callback: str | None
    events: frozenset[str]
    status: str = "init"
    participants: dict[str, FakeParticipant] = field(default_factory=dict)


@dataclass
class FakeCall:
    sid: str
    to: str
    from_: str
    status: str = "in-progress"
    conference: str | None = None
    status_callback: str | None = None
    heard: list[str] = field(default_factory=list)


class FakeTwilio:
    """In-memory Twilio: calls, conferences, participants and messages, with signed callbacks."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.calls: dict[str, FakeCall] = {}
        self.conferences: dict[str, FakeConference] = {}
        self.messages: list[dict[str, Any]] = []
        # Numbers that answered STOP: Twilio refuses to text them (error 21610).
        self.unsubscribed: set[str] = set()
        # Numbers whose handset cannot be reached: accepted, then reported undelivered (30003).
        self.unreachable: set[str] = set()
        self.callbacks: list[tuple[str, dict[str, str]]] = []
        self._session: aiohttp.ClientSession | None = None
        # Twilio sends callbacks asynchronously, in order; so does the fake (and a server that
        # calls the REST API from inside a callback handler cannot deadlock against it).
        self._outbox: asyncio.Queue[tuple[str, dict[str, str]]] = asyncio.Queue()
        self._sender: asyncio.Task[None] | None = None
        # Calls placed through Calls.json, and the callee the tests play (fake_calls.py).
        self.outbound = FakeOutboundCalls(self)
        # Sockets of ``/_fake/updates``: each TwiML pushed to a live call, as it arrives.
        self._watchers: set[web.WebSocketResponse] = set()

    # -- callbacks -----------------------------------------------------------------------------

    async def _post(self, url: str | None, params: dict[str, str]) -> None:
        if not url:
            return
        self.callbacks.append((url, params))
        self._outbox.put_nowait((url, params))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send_all())

    async def _send_all(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        while True:
            url, params = await self._outbox.get()
            headers = {"X-Twilio-Signature": sign(self.auth_token, url, params)}
            try:
                async with self._session.post(url, data=params, headers=headers) as resp:
                    await resp.read()
                    if resp.status >= 400:
                        _LOGGER.warning("callback %s answered %d", url, resp.status)
            except aiohttp.ClientError as exc:
                _LOGGER.warning("callback %s failed: %s", url, exc)
            finally:
                self._outbox.task_done()

    async def drain(self) -> None:
        """Wait until every callback sent so far has been answered (and those it caused)."""
        while True:
            await self._outbox.join()
            await asyncio.sleep(0.01)
            if self._outbox.empty() and self._outbox._unfinished_tasks == 0:  # type: ignore[attr-defined]
                return

    async def _conference_event(self, conf: FakeConference, event: str, call_sid: str | None = None,
                                **extra: str) -> None:
        short = event.split("-", 1)[1]
        if (short if short != "unhold" else "hold") not in conf.events:
            return
        params = {"AccountSid": self.account_sid, "ConferenceSid": conf.sid,
                  "FriendlyName": conf.friendly_name, "StatusCallbackEvent": event,
                  "Timestamp": _now(), "SequenceNumber": str(len(self.callbacks))}
        if call_sid is not None:
            params["CallSid"] = call_sid
            participant = conf.participants.get(call_sid)
            if participant is not None:
                params["Hold"] = str(participant.hold).lower()
                params["Muted"] = str(participant.muted).lower()
                if participant.label:
                    params["ParticipantLabel"] = participant.label
        params.update(extra)
        await self._post(conf.status_callback, params)

    async def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
        if self._session is not None:
            await self._session.close()

    # -- conference model ----------------------------------------------------------------------

    def _conference_by_name(self, name: str) -> FakeConference | None:
        return next((c for c in self.conferences.values()
                     if c.friendly_name == name and c.status != "completed"), None)

    def _conference(self, sid_or_name: str) -> FakeConference:
        conf = self.conferences.get(sid_or_name) or self._conference_by_name(sid_or_name)
        if conf is None:
            raise web.HTTPNotFound(text='{"code": 20404, "message": "The requested resource was not found", '
                                        '"status": 404}', content_type="application/json")
        return conf

    async def join(self, friendly_name: str, call_sid: str, *, label: str | None, status_callback: str | None,
                   events: frozenset[str], start_conference_on_enter: bool, end_conference_on_exit: bool,
                   caller: str = "", called: str = "") -> FakeConference:
        """A leg enters a conference (the effect of ``<Dial><Conference>`` or a participant create)."""
        conf = self._conference_by_name(friendly_name)
        if conf is None:
            conf = FakeConference(_sid("CF"), friendly_name, status_callback, events)
            self.conferences[conf.sid] = conf
        call = self.calls.setdefault(call_sid, FakeCall(call_sid, called, caller))
        call.conference = conf.sid
        conf.participants[call_sid] = FakeParticipant(call_sid, label, start_conference_on_enter,
                                                      end_conference_on_exit)
        await self._conference_event(conf, "participant-join", call_sid)
        if conf.status == "init" and start_conference_on_enter:
            conf.status = "in-progress"
            await self._conference_event(conf, "conference-start")
        return conf

    async def leave(self, conf: FakeConference, call_sid: str, reason: str) -> None:
        participant = conf.participants.pop(call_sid, None)
        if participant is None:
            return
        call = self.calls.get(call_sid)
        if call is not None:
            call.conference = None
        await self._conference_event(conf, "participant-leave", call_sid, ReasonParticipantLeft=reason,
                                     **({"ParticipantLabel": participant.label} if participant.label else {}))
        if participant.end_conference_on_exit or not conf.participants:
            await self.end(conf, "participant-with-end-conference-on-exit-left"
                           if participant.end_conference_on_exit else "last-participant-left")

    async def end(self, conf: FakeConference, reason: str) -> None:
        if conf.status == "completed":
            return
        for sid in list(conf.participants):
            participant = conf.participants.pop(sid)
            call = self.calls.get(sid)
            if call is not None:
                call.conference = None
            await self._conference_event(
                conf, "participant-leave", sid,
                ReasonParticipantLeft="conference_ended_via_api" if reason == "api" else "participant_left",
                **({"ParticipantLabel": participant.label} if participant.label else {}))
        conf.status = "completed"
        await self._conference_event(conf, "conference-end", ReasonConferenceEnded=reason)

    async def hangup(self, call_sid: str) -> None:
        """A leg hangs up (caller or agent)."""
        call = self.calls.get(call_sid)
        if call is None:
            return
        call.status = "completed"
        if call.conference is not None:
            await self.leave(self.conferences[call.conference], call_sid, "participant_hung_up")
        if call_sid in self.outbound.outbound:
            await self.outbound.ended(call)
            return
        await self._post(call.status_callback, {"AccountSid": self.account_sid, "CallSid": call_sid,
                                                "CallStatus": "completed", "From": call.from_, "To": call.to})

    # -- REST resources --------------------------------------------------------------------------

    def _participant_json(self, conf: FakeConference, p: FakeParticipant) -> dict[str, Any]:
        return {
            "account_sid": self.account_sid, "call_sid": p.call_sid, "conference_sid": conf.sid,
            "label": p.label, "hold": p.hold, "muted": p.muted, "coaching": False,
            "call_sid_to_coach": None, "status": p.status,
            "start_conference_on_enter": p.start_conference_on_enter,
            "end_conference_on_exit": p.end_conference_on_exit,
            "date_created": _now(), "date_updated": _now(), "queue_time": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Conferences/{conf.sid}/Participants/"
                   f"{p.call_sid}.json",
        }

    def _conference_json(self, conf: FakeConference) -> dict[str, Any]:
        return {
            "account_sid": self.account_sid, "sid": conf.sid, "friendly_name": conf.friendly_name,
            "status": conf.status, "region": "ie1", "api_version": "2010-04-01",
            "date_created": _now(), "date_updated": _now(), "reason_conference_ended": None,
            "call_sid_ending_conference": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Conferences/{conf.sid}.json",
            "subresource_uris": {"participants": f"/2010-04-01/Accounts/{self.account_sid}/Conferences/"
                                                  f"{conf.sid}/Participants.json"},
        }

    def _call_json(self, call: FakeCall) -> dict[str, Any]:
        return {"sid": call.sid, "account_sid": self.account_sid, "to": call.to, "from": call.from_,
                "status": call.status, "direction": "outbound-api", "api_version": "2010-04-01",
                "date_created": _now(), "date_updated": _now(), "parent_call_sid": None,
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{call.sid}.json"}

    def _find_participant(self, conf: FakeConference, key: str) -> FakeParticipant:
        participant = conf.participants.get(key) or next(
            (p for p in conf.participants.values() if p.label == key), None)
        if participant is None:
            raise web.HTTPNotFound(text='{"code": 20404, "status": 404}', content_type="application/json")
        return participant

    def _check_auth(self, request: web.Request) -> None:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            raise web.HTTPUnauthorized(text='{"code": 20003, "message": "Authenticate", "status": 401}',
                                       content_type="application/json")
        if request.match_info["account"] != self.account_sid:
            raise web.HTTPNotFound(text='{"code": 20404, "status": 404}', content_type="application/json")

    @staticmethod
    def _bool(value: Any, default: bool) -> bool:
        return default if value is None else str(value).lower() == "true"

    async def create_message(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        form = await request.post()
        if not form.get("To") or not (form.get("From") or form.get("MessagingServiceSid")):
            return web.json_response({"code": 21604, "message": "A 'To' phone number is required.",
                                      "status": 400}, status=400)
        if form["To"] in self.unsubscribed:
            return web.json_response({"code": 21610, "message": "Attempt to send to unsubscribed recipient",
                                      "more_info": "https://www.twilio.com/docs/errors/21610",
                                      "status": 400}, status=400)
        sid = _sid("SM")
        message = {
            "sid": sid, "account_sid": self.account_sid, "to": form["To"], "from": form.get("From"),
            "body": form.get("Body", ""), "status": "queued", "direction": "outbound-api",
            "num_segments": "1", "num_media": "0", "api_version": "2010-04-01", "date_created": _now(),
            "date_updated": _now(), "date_sent": None, "price": None, "price_unit": "EUR",
            "error_code": None, "error_message": None, "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        self.messages.append(message)
        callback = str(form.get("StatusCallback") or "") or None
        if callback:
            # Twilio reports each change of the message's status to its StatusCallback.
            base = {"AccountSid": self.account_sid, "MessageSid": sid, "SmsSid": sid, "To": str(form["To"]),
                    "From": str(form.get("From", "")), "ApiVersion": "2010-04-01"}
            final = ({"MessageStatus": "undelivered", "SmsStatus": "undelivered", "ErrorCode": "30003"}
                     if form["To"] in self.unreachable else
                     {"MessageStatus": "delivered", "SmsStatus": "delivered"})
            await self._post(callback, {**base, "MessageStatus": "sent", "SmsStatus": "sent"})
            await self._post(callback, {**base, **final})
        return web.json_response(message, status=201)

    async def list_conferences(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        name, status = request.query.get("FriendlyName"), request.query.get("Status")
        found = [self._conference_json(c) for c in self.conferences.values()
                 if (name is None or c.friendly_name == name) and (status is None or c.status == status)]
        return web.json_response({"conferences": found, "page": 0, "page_size": 50, "start": 0, "end": 0,
                                  "first_page_uri": request.path, "next_page_uri": None,
                                  "previous_page_uri": None, "uri": request.path_qs})

    async def fetch_conference(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        return web.json_response(self._conference_json(self._conference(request.match_info["conf"])))

    async def update_conference(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        conf = self._conference(request.match_info["conf"])
        form = await request.post()
        if form.get("Status") == "completed":
            await self.end(conf, "api")
        return web.json_response(self._conference_json(conf))

    async def create_participant(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        conf = self._conference(request.match_info["conf"])
        form = await request.post()
        to, from_ = str(form.get("To", "")), str(form.get("From", ""))
        if not to or not from_:
            return web.json_response({"code": 21604, "message": "'To' and 'From' are required",
                                      "status": 400}, status=400)
        if conf.status == "completed":
            return web.json_response({"code": 20404, "message": "Conference ended", "status": 404}, status=404)
        call = FakeCall(_sid("CA"), to, from_, status_callback=str(form.get("StatusCallback") or "") or None)
        self.calls[call.sid] = call
        await self.join(conf.friendly_name, call.sid, label=str(form.get("Label") or "") or None,
                        status_callback=conf.status_callback, events=conf.events,
                        start_conference_on_enter=self._bool(form.get("StartConferenceOnEnter"), True),
                        end_conference_on_exit=self._bool(form.get("EndConferenceOnExit"), False))
        return web.json_response(self._participant_json(conf, conf.participants[call.sid]), status=201)

    async def list_participants(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        conf = self._conference(request.match_info["conf"])
        items = [self._participant_json(conf, p) for p in conf.participants.values()]
        return web.json_response({"participants": items, "page": 0, "page_size": 50, "start": 0, "end": 0,
                                  "first_page_uri": request.path, "next_page_uri": None,
                                  "previous_page_uri": None, "uri": request.path_qs})

    async def fetch_participant(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        conf = self._conference(request.match_info["conf"])
        return web.json_response(self._participant_json(conf, self._find_participant(conf, request.match_info["p"])))

    async def update_participant(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        conf = self._conference(request.match_info["conf"])
        participant = self._find_participant(conf, request.match_info["p"])
        form = await request.post()
        if form.get("HoldUrl") is not None:
            participant.hold_url = str(form.get("HoldUrl"))
        if form.get("Hold") is not None:
            participant.hold = self._bool(form.get("Hold"), participant.hold)
            await self._conference_event(conf, "participant-hold" if participant.hold else "participant-unhold",
                                         participant.call_sid)
        if form.get("Muted") is not None:
            participant.muted = self._bool(form.get("Muted"), participant.muted)
        return web.json_response(self._participant_json(conf, participant))

    async def delete_participant(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        conf = self._conference(request.match_info["conf"])
        participant = self._find_participant(conf, request.match_info["p"])
        await self.leave(conf, participant.call_sid, "participant_removed_via_api")
        call = self.calls.get(participant.call_sid)
        if call is not None and call.to.startswith(("client:", "+", "sip:")) and call.status != "completed":
            call.status = "completed"
        return web.Response(status=204)

    async def fetch_call(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        call = self.calls.get(request.match_info["call"])
        if call is None:
            raise web.HTTPNotFound(text='{"code": 20404, "status": 404}', content_type="application/json")
        return web.json_response(self._call_json(call))

    async def update_call(self, request: web.Request) -> web.Response:
        self._check_auth(request)
        call = self.calls.get(request.match_info["call"])
        if call is None:
            raise web.HTTPNotFound(text='{"code": 20404, "status": 404}', content_type="application/json")
        form = await request.post()
        if form.get("Status") == "completed":
            await self.hangup(call.sid)
        if form.get("Twiml"):
            call.heard.append(str(form["Twiml"]))
            await self._tell_watchers({"call_sid": call.sid, "twiml": str(form["Twiml"])})
        return web.json_response(self._call_json(call))

    async def _tell_watchers(self, message: dict[str, str]) -> None:
        for ws in list(self._watchers):
            if ws.closed:
                self._watchers.discard(ws)
                continue
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_json(message)

    # -- control routes for the voice side -----------------------------------------------------

    async def control_join(self, request: web.Request) -> web.Response:
        data = await request.json()
        conf = await self.join(
            data["name"], data["call_sid"], label=data.get("label"),
            status_callback=data.get("status_callback"),
            events=frozenset(str(data.get("events", "start end join leave hold")).split()),
            start_conference_on_enter=bool(data.get("start_conference_on_enter", True)),
            end_conference_on_exit=bool(data.get("end_conference_on_exit", False)),
            caller=data.get("from", ""), called=data.get("to", ""))
        return web.json_response({"conference_sid": conf.sid})

    async def control_call(self, request: web.Request) -> web.Response:
        """A caller's leg is live at Twilio (it dialled in: Twilio then posts the voice webhook),
        so the REST API can update it."""
        data = await request.json()
        call = FakeCall(str(data["call_sid"]), str(data.get("to", "")), str(data.get("from", "")))
        self.calls[call.sid] = call
        return web.json_response({"call_sid": call.sid}, status=201)

    async def control_updates(self, request: web.Request) -> web.WebSocketResponse:
        """Every TwiML the server pushes to a live call (``calls(sid).update``), as a JSON text
        message ``{"call_sid", "twiml"}``: what the caller hears next, for load tests."""
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        self._watchers.add(ws)
        try:
            async for _ in ws:
                pass
        finally:
            self._watchers.discard(ws)
        return ws

    async def control_hangup(self, request: web.Request) -> web.Response:
        await self.hangup(request.match_info["call"])
        return web.json_response({"ok": True})

    async def control_state(self, request: web.Request) -> web.Response:
        call = self.calls.get(request.match_info["call"])
        if call is None:
            raise web.HTTPNotFound()
        conf = self.conferences.get(call.conference or "")
        others = [] if conf is None else [
            {"call_sid": p.call_sid, "label": p.label, "hold": p.hold} for p in conf.participants.values()
            if p.call_sid != call.sid]
        me = None if conf is None else conf.participants.get(call.sid)
        return web.json_response({"status": call.status, "conference": conf.friendly_name if conf else None,
                                  "conference_status": conf.status if conf else None,
                                  "on_hold": bool(me and me.hold), "with": others})

    def app(self) -> web.Application:
        app = web.Application()
        r = app.router
        r.add_post(API + "/Messages.json", self.create_message)
        r.add_get(API + "/Conferences.json", self.list_conferences)
        r.add_get(API + "/Conferences/{conf}.json", self.fetch_conference)
        r.add_post(API + "/Conferences/{conf}.json", self.update_conference)
        r.add_post(API + "/Conferences/{conf}/Participants.json", self.create_participant)
        r.add_get(API + "/Conferences/{conf}/Participants.json", self.list_participants)
        r.add_get(API + "/Conferences/{conf}/Participants/{p}.json", self.fetch_participant)
        r.add_post(API + "/Conferences/{conf}/Participants/{p}.json", self.update_participant)
        r.add_delete(API + "/Conferences/{conf}/Participants/{p}.json", self.delete_participant)
        self.outbound.routes(app, API)
        r.add_get(API + "/Calls/{call}.json", self.fetch_call)
        r.add_post(API + "/Calls/{call}.json", self.update_call)
        r.add_post("/_fake/conferences/join", self.control_join)
        r.add_post("/_fake/calls", self.control_call)
        r.add_get("/_fake/updates", self.control_updates)
        r.add_post("/_fake/calls/{call}/hangup", self.control_hangup)
        r.add_get("/_fake/calls/{call}", self.control_state)

        async def _close(_app: web.Application) -> None:
            with contextlib.suppress(Exception):
                await self.close()

        app.on_cleanup.append(_close)
        return app
