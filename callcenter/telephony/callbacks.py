"""Calls back to callers through Twilio's REST API, and the webhooks of those calls.

``TwilioCallbacks`` is the desk's :class:`~callcenter.desk.ports.CallbackLine` on Twilio: it rings
the number kept in the callback record (``Calls`` create with ``Url`` and ``StatusCallback`` of
ours, carrying the caller's call and a token only this server can make), and sends the last SMS.

The webhooks (signature-checked like every ``/twilio/`` path) translate only:
``/twilio/callback/answer`` (the caller picked up: who calls and why, then ``<Gather numDigits=1>``),
``/twilio/callback/key`` (a key: join the conference; none: a machine or nobody, not answered) and
``/twilio/callback/status`` (busy, no answer, failed: not answered), as desk events.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from callcenter.hours import spoken_moment
from callcenter.ivr import callback_text as text
from callcenter.store import Database
from callcenter.store.models import CallbackRecord, QueueEntry
from callcenter.telephony import twiml
from callcenter.telephony.deps import TELEPHONY
from callcenter.telephony.rest import FINAL_STATUSES, TwilioRest
from callcenter.telephony.webhooks import FORM

_LOGGER = logging.getLogger(__name__)
# The zone callers are told times in (« vous nous avez appelés aujourd'hui à 10 heures »).
ZONE = ZoneInfo("Europe/Paris")
EVENTS = ["initiated", "ringing", "answered", "completed"]
RING_SECONDS = 30
KEY_SECONDS = 8


def callback_token(secret: str, call_sid: str) -> str:
    """Binds a callback URL to the call it rings for (only this server can make it)."""
    return hmac.new(secret.encode(), f"callback:{call_sid}".encode(), hashlib.sha256).hexdigest()[:32]


class NoNumber(Exception):
    """No number kept for this callback (a hidden number, a browser-phone caller)."""


class TwilioCallbacks:
    def __init__(self, rest: TwilioRest, db: Database, public_url: str, secret: str,
                 week_of: Callable[[str], str | None] = lambda _queue: None) -> None:
        self.rest = rest
        self.db = db
        self.public_url = public_url.rstrip("/")
        self.secret = secret
        # The queue's opening hours in words, for the SMS (None: not said).
        self.week_of = week_of

    async def _record(self, call_sid: str) -> tuple[CallbackRecord | None, QueueEntry | None]:
        async with self.db.sessions() as session:
            return await session.get(CallbackRecord, call_sid), await session.get(QueueEntry, call_sid)

    async def dial(self, call_sid: str, attempt: int) -> str:
        record, _ = await self._record(call_sid)
        if record is None or not record.number:
            raise NoNumber(call_sid)
        query = urlencode({"call": call_sid, "attempt": attempt, "t": callback_token(self.secret, call_sid)})
        call = await self.rest.client.calls.create_async(
            to=record.number, from_=self.rest.from_number, url=f"{self.public_url}/twilio/callback/answer?{query}",
            method="POST", status_callback=f"{self.public_url}/twilio/callback/status?{query}",
            status_callback_event=EVENTS, status_callback_method="POST", timeout=RING_SECONDS)
        sid = str(call.sid)
        async with self.db.single_writer(), self.db.sessions() as session, session.begin():
            row = await session.get(CallbackRecord, call_sid)
            if row is not None:
                row.legs = {"legs": [*row.legs.get("legs", []), sid]}
        _LOGGER.info("call %s: callback attempt %d placed (%s)", call_sid, attempt, sid)
        return sid

    async def give_up(self, call_sid: str) -> None:
        record, entry = await self._record(call_sid)
        if record is None or not record.number:
            raise NoNumber(call_sid)
        week = self.week_of(entry.queue) if entry is not None else None
        tries = entry.callback_tries if entry is not None else 1
        sid = await self.rest.send_sms(record.number, text.sms_text(self.rest.from_number, tries, week), call_sid)
        async with self.db.single_writer(), self.db.sessions() as session, session.begin():
            row = await session.get(CallbackRecord, call_sid)
            if row is not None:
                row.sms_sid, row.sms_status = sid, "accepted"
        _LOGGER.info("call %s: last callback SMS %s accepted", call_sid, sid)


# -- webhooks -------------------------------------------------------------------------------------------


def _xml(body: str) -> web.Response:
    return web.Response(text=body, content_type="text/xml", charset="utf-8")


def _callback_of(request: web.Request) -> str:
    """The caller's call this webhook is about, once its token is right (else 403)."""
    call = request.query.get("call", "")
    token = request.query.get("t", "")
    secret = request.app[TELEPHONY].settings.secret_key
    if not call.startswith("CA") or not hmac.compare_digest(token, callback_token(secret, call)):
        raise web.HTTPForbidden(text="unknown callback")
    return call


def _leg(request: web.Request) -> str:
    leg = str(request[FORM].get("CallSid", ""))
    if not leg.startswith("CA"):
        raise web.HTTPBadRequest(text="CallSid is required")
    return leg


def _query(request: web.Request) -> str:
    return urlencode({k: request.query[k] for k in ("call", "attempt", "t") if k in request.query})


def _safe(request: web.Request, call: str) -> web.Response:
    """Something inside failed while the caller is on the line: an apology and a person, by the
    path that needs no database (the fallback number, else Twilio's queue)."""
    _LOGGER.exception("call %s: callback webhook failed, caller sent to the fallback", call)
    deps = request.app[TELEPHONY]
    settings = deps.settings
    return _xml(twiml.fallback(twiml.APOLOGY, settings.fallback_queue, deps.voice, settings.fallback_number))


async def answer(request: web.Request) -> web.Response:
    """The caller picked up: who is calling and why, then one key to be put through."""
    call, leg = _callback_of(request), _leg(request)
    try:
        return await _answer(request, call, leg)
    except Exception:  # noqa: BLE001 - the caller is on the line: never dead air
        return _safe(request, call)


async def _answer(request: web.Request, call: str, leg: str) -> web.Response:
    deps = request.app[TELEPHONY]
    entry = await deps.desk.entry(call)
    if entry is None or entry.status != "connected" or entry.callback_stage != "dialling" or \
            entry.callback_leg not in (None, leg):
        return _xml(twiml.say_and_hang_up(text.STALE, deps.voice))
    asked = datetime.fromtimestamp(entry.callback_at or entry.enqueued_at, ZONE)
    greeting = text.GREETING.format(when=spoken_moment(asked, deps.service.clock()))
    action = f"/twilio/callback/key?{_query(request)}"
    return _xml(twiml.callback_offer(greeting, text.GREETING_AGAIN, action, KEY_SECONDS, deps.voice))


async def key(request: web.Request) -> web.Response:
    """A key: the caller joins their conference (the agent is rung once they are in). No key: not
    answered (an answering machine, or nobody listening); tried again later."""
    call, leg = _callback_of(request), _leg(request)
    try:
        return await _key(request, call, leg)
    except Exception:  # noqa: BLE001 - the caller is on the line: never dead air
        return _safe(request, call)


async def _key(request: web.Request, call: str, leg: str) -> web.Response:
    deps = request.app[TELEPHONY]
    digits = str(request[FORM].get("Digits", ""))
    if not digits:
        await deps.dispatcher.callback_missed(call, leg, "no_key")
        return _xml(twiml.say_and_hang_up(text.NO_KEY, deps.voice))
    entry = await deps.dispatcher.callback_answered(call, leg)
    if entry.callback_stage != "keyed" or entry.callback_leg != leg:
        return _xml(twiml.say_and_hang_up(text.STALE, deps.voice))
    return _xml(twiml.callback_join(call, text.JOINING, f"/twilio/callback/done?{_query(request)}", deps.voice))


async def status(request: web.Request) -> web.Response:
    """The call back's progress; a final status before the key counts as not answered."""
    call, leg = _callback_of(request), _leg(request)
    state = str(request[FORM].get("CallStatus", ""))
    if not state:
        raise web.HTTPBadRequest(text="CallStatus is required")
    if state in FINAL_STATUSES:
        try:
            await request.app[TELEPHONY].dispatcher.callback_missed(call, leg, state)
        except Exception:  # noqa: BLE001 - ask Twilio to retry rather than lose the outcome
            _LOGGER.exception("call %s: callback status %s not recorded", call, state)
            return web.Response(status=503, text="try again")
    return web.Response(status=204)


async def done(request: web.Request) -> web.Response:
    """The caller's conference is over (the action of their ``<Dial>``): nothing more to say."""
    _callback_of(request)
    return _xml(twiml.hangup())


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/twilio/callback/answer", answer)
    app.router.add_post("/twilio/callback/key", key)
    app.router.add_post("/twilio/callback/status", status)
    app.router.add_post("/twilio/callback/done", done)
