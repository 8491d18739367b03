"""The fake Twilio's outbound calls: ``Calls.json`` create and list, their status callbacks, and a
callee the tests (or a person at the terminal) make answer, press a key, stay silent, be busy or
not answer.

As Twilio documents it: a call created through the REST API starts ``queued``; its
``StatusCallback`` receives the events asked for in ``StatusCallbackEvent`` (``initiated`` with
CallStatus ``queued``, ``ringing``, ``answered`` with ``in-progress``) and always ``completed``
with the final CallStatus (``completed``, ``busy``, ``no-answer``, ``failed``), form-encoded and
signed with the auth token. Once answered, Twilio fetches the call's ``Url`` (signed too) and runs
its TwiML: ``<Say>`` is heard, ``<Gather>`` waits for the callee's key (no key: its action without
``Digits`` when ``actionOnEmptyResult``), ``<Dial><Conference>`` joins the conference, ``<Hangup>``
ends the call. Nothing here is used in production.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import aiohttp
from aiohttp import web

from callcenter.telephony.signature import sign

if TYPE_CHECKING:
    from callcenter.telephony.fake_twilio import FakeCall, FakeTwilio

FINAL = {"busy": "busy", "no-answer": "no-answer", "fail": "failed"}


@dataclass
class Outbound:
    """What the fake knows of a call it placed beyond the call itself."""

    url: str
    events: frozenset[str]
    sequence: int = 0
    # The <Gather> waiting for the callee: its absolute action and whether silence is posted.
    gather: dict[str, Any] | None = None
    said: list[str] = field(default_factory=list)


class FakeOutboundCalls:
    def __init__(self, twilio: FakeTwilio) -> None:
        self.twilio = twilio
        self.outbound: dict[str, Outbound] = {}
        # Numbers whose next call plays a scripted callee ("busy", "no-answer", "fail", "silent",
        # "press:1"): for `callcenter fake-twilio` runs with nobody at the terminal.
        self.scripts: dict[str, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # -- status callbacks ---------------------------------------------------------------------------

    async def _status(self, call: FakeCall, event: str, status: str) -> None:
        out = self.outbound.get(call.sid)
        if out is None or call.status_callback is None:
            return
        if event != "completed" and event not in out.events:
            return
        out.sequence += 1
        params = {"AccountSid": self.twilio.account_sid, "CallSid": call.sid, "CallStatus": status,
                  "From": call.from_, "To": call.to, "Caller": call.from_, "Called": call.to,
                  "Direction": "outbound-api", "ApiVersion": "2010-04-01",
                  "CallbackSource": "call-progress-events", "SequenceNumber": str(out.sequence - 1),
                  "Timestamp": _now()}
        if event == "completed":
            params["CallDuration"] = "0"
        await self.twilio._post(call.status_callback, params)

    async def ended(self, call: FakeCall) -> None:
        """A placed call was hung up (by either side): its ``completed`` callback, once."""
        await self._status(call, "completed", call.status)

    # -- REST -----------------------------------------------------------------------------------------

    async def create(self, request: web.Request) -> web.Response:
        from callcenter.telephony.fake_twilio import FakeCall, _sid
        self.twilio._check_auth(request)
        form = await request.post()
        to, from_, url = str(form.get("To", "")), str(form.get("From", "")), str(form.get("Url", ""))
        if not to:
            return web.json_response({"code": 21201, "message": "No 'To' number is specified", "status": 400},
                                     status=400)
        if not from_:
            return web.json_response({"code": 21213, "message": "No 'From' number is specified", "status": 400},
                                     status=400)
        if not url:
            return web.json_response({"code": 21205, "message": "Url parameter is required", "status": 400},
                                     status=400)
        call = FakeCall(_sid("CA"), to, from_, status="queued",
                        status_callback=str(form.get("StatusCallback") or "") or None)
        self.twilio.calls[call.sid] = call
        events = frozenset(str(e) for e in form.getall("StatusCallbackEvent", []))
        self.outbound[call.sid] = Outbound(url, events)
        await self._status(call, "initiated", "queued")
        call.status = "ringing"
        await self._status(call, "ringing", "ringing")
        body = self.twilio._call_json(call)
        script = self.scripts.pop(to, None)
        if script is not None:
            self._tasks.add(asyncio.get_running_loop().create_task(self._scripted(call, script)))
        return web.json_response({**body, "status": "queued"}, status=201)

    async def _scripted(self, call: FakeCall, script: str) -> None:
        if script in FINAL:
            await self.act(call, script)
            return
        await self.act(call, "answer")
        await self.act(call, "silent" if script == "silent" else "press", script.partition(":")[2] or "1")

    async def list_calls(self, request: web.Request) -> web.Response:
        self.twilio._check_auth(request)
        q = request.query
        found = [self.twilio._call_json(c) for c in self.twilio.calls.values()
                 if (not q.get("To") or c.to == q["To"]) and (not q.get("From") or c.from_ == q["From"])
                 and (not q.get("Status") or c.status == q["Status"])]
        return web.json_response({"calls": found, "page": 0, "page_size": 50, "start": 0, "end": len(found),
                                  "first_page_uri": request.path, "next_page_uri": None,
                                  "previous_page_uri": None, "uri": request.path_qs})

    # -- the callee -------------------------------------------------------------------------------------

    async def act(self, call: FakeCall, action: str, digits: str = "") -> list[str]:
        """The callee does ``action``; what they heard as a result (the ``<Say>`` texts)."""
        out = self.outbound.get(call.sid)
        if out is None:
            raise web.HTTPNotFound(text="not a call placed through Calls.json")
        before = len(out.said)
        match action:
            case "busy" | "no-answer" | "fail":
                if call.status not in ("queued", "ringing"):
                    raise web.HTTPConflict(text=f"call is {call.status}")
                call.status = FINAL[action]
                await self.ended(call)
            case "answer":
                if call.status not in ("queued", "ringing"):
                    raise web.HTTPConflict(text=f"call is {call.status}")
                call.status = "in-progress"
                await self._status(call, "answered", "in-progress")
                await self._fetch(call, out, out.url, {})
            case "press" | "silent":
                if out.gather is None:
                    raise web.HTTPConflict(text="nothing is waiting for a key")
                gather, out.gather = out.gather, None
                if action == "press":
                    await self._fetch(call, out, gather["action"], {"Digits": digits[: gather["num_digits"]]})
                elif gather["on_empty"]:
                    await self._fetch(call, out, gather["action"], {})
                elif gather["next"]:
                    await self._fetch(call, out, gather["next"], {})
            case _:
                raise web.HTTPBadRequest(text=f"unknown action {action!r}")
        return out.said[before:]

    async def _fetch(self, call: FakeCall, out: Outbound, url: str, extra: dict[str, str]) -> None:
        params = {"AccountSid": self.twilio.account_sid, "CallSid": call.sid, "CallStatus": call.status,
                  "From": call.from_, "To": call.to, "Direction": "outbound-api", "ApiVersion": "2010-04-01",
                  **extra}
        headers = {"X-Twilio-Signature": sign(self.twilio.auth_token, url, params)}
        async with aiohttp.ClientSession() as session, session.post(url, data=params, headers=headers) as resp:
            body = await resp.text()
            if resp.status != 200:
                raise web.HTTPBadGateway(text=f"{url} answered {resp.status}")
        call.heard.append(body)
        await self._play(call, out, url, body)

    async def _play(self, call: FakeCall, out: Outbound, base: str, twiml: str) -> None:
        verbs = list(ET.fromstring(twiml))
        for index, verb in enumerate(verbs):
            match verb.tag:
                case "Say":
                    out.said.append(verb.text or "")
                case "Gather":
                    out.said += [s.text or "" for s in verb.iter("Say")]
                    later = next((v for v in verbs[index + 1:] if v.tag == "Redirect"), None)
                    out.gather = {"action": urljoin(base, verb.get("action", base)),
                                  "num_digits": int(verb.get("numDigits", "20")),
                                  "on_empty": verb.get("actionOnEmptyResult", "false") == "true",
                                  "next": urljoin(base, later.text or "") if later is not None else None}
                    return
                case "Dial":
                    conference = verb.find("Conference")
                    if conference is not None:
                        await self._join(call, base, conference)
                    return
                case "Hangup":
                    call.status = "completed"
                    await self.ended(call)
                    return
                case "Redirect":
                    await self._fetch(call, out, urljoin(base, verb.text or ""), {})
                    return

    async def _join(self, call: FakeCall, base: str, conference: ET.Element) -> None:
        callback = conference.get("statusCallback")
        await self.twilio.join(
            conference.text or "", call.sid, label=conference.get("participantLabel"),
            status_callback=urljoin(base, callback) if callback else None,
            events=frozenset(conference.get("statusCallbackEvent", "").split()),
            start_conference_on_enter=conference.get("startConferenceOnEnter", "true") == "true",
            end_conference_on_exit=conference.get("endConferenceOnExit", "false") == "true",
            caller=call.from_, called=call.to)

    async def control(self, request: web.Request) -> web.Response:
        """``POST /_fake/calls/{call}/callee`` with ``{"action": "answer" | "press" | "silent" |
        "busy" | "no-answer" | "fail", "digits": "1"}``."""
        call = self.twilio.calls.get(request.match_info["call"])
        if call is None:
            raise web.HTTPNotFound(text="no such call")
        data = await request.json()
        said = await self.act(call, str(data.get("action", "")), str(data.get("digits", "")))
        return web.json_response({"status": call.status, "heard": said})

    async def script(self, request: web.Request) -> web.Response:
        """``POST /_fake/callees`` with ``{"number": "+336…", "script": "press:1"}``: the next call to
        that number plays it by itself (``busy``, ``no-answer``, ``fail``, ``silent``, ``press:<key>``)."""
        data = await request.json()
        self.scripts[str(data["number"])] = str(data["script"])
        return web.json_response({"ok": True})

    def routes(self, app: web.Application, api: str) -> None:
        app.router.add_post(api + "/Calls.json", self.create)
        app.router.add_get(api + "/Calls.json", self.list_calls)
        app.router.add_post("/_fake/calls/{call}/callee", self.control)
        app.router.add_post("/_fake/callees", self.script)


def _now() -> str:
    from callcenter.telephony.fake_twilio import _now as now
    return now()
