"""Twilio Programmable Voice webhooks under ``/twilio/``: translate, hand to the dispatcher, answer.

Every request is signature-checked first (see :func:`signature_middleware`). A malformed form gets
400; anything failing inside during a call gets the caller an apology and a person, never a 500.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from sqlalchemy.exc import SQLAlchemyError

from callcenter.calls import CallService, UnknownCall
from callcenter.config import Settings
from callcenter.ivr import CallEnded, Event, Failure, SmsStatus, Waiting
from callcenter.speech.stream_token import DEFAULT_TTL_SECONDS as STREAM_TOKEN_TTL
from callcenter.speech.stream_token import make_stream_token
from callcenter.store import DatabaseBusy
from callcenter.telephony import forms, twiml
from callcenter.telephony.conference import agent_leg_event, conference_event
from callcenter.telephony.deps import TELEPHONY
from callcenter.telephony.signature import is_valid, signed_url

_LOGGER = logging.getLogger(__name__)
FORM = web.RequestKey("twilio_form", MultiDictProxy)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _xml(body: str) -> web.Response:
    return web.Response(text=body, content_type="text/xml", charset="utf-8")


def _form(request: web.Request) -> MultiDictProxy[str]:
    form: MultiDictProxy[str] = request[FORM]
    return form


def request_key(request: web.Request, form: Mapping[str, str]) -> str:
    """The same for a request and its retries: Twilio's idempotency token, else a content hash."""
    token = request.headers.get("I-Twilio-Idempotency-Token")
    if token:
        return "tok:" + token[:120]
    # The method and path, then "\0name=value" for each field in order, hashed in one piece (the
    # same bytes as one update per field: a call's webhooks carry a dozen fields).
    pairs = sorted([(k, str(v)) for k, v in form.items()])
    fields = "".join(["\0" + name + "=" + value for name, value in pairs])
    return "sha:" + hashlib.sha256((request.method + " " + request.raw_path + fields).encode()).hexdigest()


@web.middleware
async def signature_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse any ``/twilio/`` request whose ``X-Twilio-Signature`` does not match."""
    if not request.path.startswith("/twilio/"):
        return await handler(request)
    settings: Settings = request.app[TELEPHONY].settings
    if request.method == "POST":
        try:
            form = await request.post()
        except Exception:  # noqa: BLE001 - any undecodable body is the client's fault
            raise web.HTTPBadRequest(text="malformed form body") from None
    else:
        form = MultiDictProxy(MultiDict())  # Twilio signs a GET's URL alone
    signature = request.headers.get("X-Twilio-Signature")
    url = signed_url(request, settings.callback_base)
    if not is_valid(settings.twilio_auth_token, url, form, signature):
        _LOGGER.warning("refused %s %s: %s Twilio signature", request.method, request.path,
                        "missing" if not signature else "invalid")
        raise web.HTTPForbidden(text="invalid Twilio signature")
    account = form.get("AccountSid")
    if account is not None and account != settings.twilio_account_sid:
        _LOGGER.warning("refused %s: request for another Twilio account", request.path)
        raise web.HTTPForbidden(text="unknown account")
    request[FORM] = form
    return await handler(request)


# The mark on the <Gather> actions of a call that recognises speech through Twilio although the
# server runs its own recogniser (no stream place was free when it called).
TWILIO_SPEECH = "&asr=twilio"


def twilio_speech(voice: twiml.Voice) -> twiml.Voice:
    return dataclasses.replace(voice, speech="twilio", action_query=TWILIO_SPEECH)


def _voice(request: web.Request) -> twiml.Voice:
    voice: twiml.Voice = request.app[TELEPHONY].voice
    if voice.speech != "twilio" and request.query.get("asr") == "twilio":
        return twilio_speech(voice)
    return voice


async def _run(request: web.Request, sid: str, event: Event, turn: int | None = None,
               stream: twiml.StreamStart | None = None, voice: twiml.Voice | None = None) -> web.Response:
    dispatcher = request.app[TELEPHONY].dispatcher
    voice = voice or _voice(request)
    try:
        # The call's TwiML requests (its start, a <Gather>'s or <Dial>'s action): Twilio asks the
        # next only once it has read this one's answer, so a retry is always of the call's latest.
        outcome = await dispatcher.call_event(sid, event,
                                              render=lambda c, s: twiml.render(c, voice, s.call_sid, stream),
                                              request_key=request_key(request, _form(request)), turn=turn,
                                              in_order=True)
        return _xml(outcome.response)
    except Exception as exc:  # noqa: BLE001 - the caller must never hear dead air
        if isinstance(exc, UnknownCall):
            _LOGGER.warning("call %s: unknown call, sending the caller to a person", sid)
        else:
            _LOGGER.exception("call %s: failed on %s, sending the caller to a person", sid, event.kind)
        # The database failing: asking it again for the engine's path would only wait once more.
        return await _safe_path(request, sid, f"{type(exc).__name__} on {event.kind}",
                                engine=not _database_fault(exc))


def _database_fault(exc: BaseException) -> bool:
    return isinstance(exc, SQLAlchemyError | DatabaseBusy | TimeoutError | OSError)


async def _safe_path(request: web.Request, sid: str, reason: str, *, engine: bool = True,
                     tries: int = 0) -> web.Response:
    """Apology and a person, through the engine if it still works, else straight from here."""
    service: CallService = request.app[TELEPHONY].service
    voice: twiml.Voice = request.app[TELEPHONY].voice
    settings: Settings = request.app[TELEPHONY].settings
    try:
        if engine:
            outcome = await request.app[TELEPHONY].dispatcher.call_event(
                sid, Failure(reason[:200]), render=lambda c, s: twiml.render(c, voice, s.call_sid), request_key=None)
            if outcome.commands:
                return _xml(outcome.response)
    except Exception:  # noqa: BLE001
        _LOGGER.warning("call %s: engine unavailable, static fallback", sid)
    flow = service.catalog.current(settings.flow)
    text = flow.settings.apology if flow else twiml.APOLOGY
    return _xml(twiml.fallback(text, settings.fallback_queue, voice, settings.fallback_number, tries))


# A caller who left the fallback queue and failed again waits this much longer before the next
# try, each time; after the last try they stay for agents taking calls from Twilio's queue.
RETRY_AFTER_SECONDS = 120
MAX_TRIES = 5


def _tries(request: web.Request) -> int:
    raw = request.query.get("tries", "0")
    value = forms.number(raw)
    return 0 if value is None else min(value, MAX_TRIES)


async def voice(request: web.Request) -> web.Response:
    """A new incoming call."""
    form = _form(request)
    try:
        sid = forms.call_sid(form)
    except forms.MalformedRequest as exc:
        raise web.HTTPBadRequest(text=exc.message) from None
    stream, voice = None, None
    bridge = request.app[TELEPHONY].speech
    if bridge is not None:
        settings: Settings = request.app[TELEPHONY].settings
        now = time.time()
        if bridge.engine.slots.promise(sid, now, now + STREAM_TOKEN_TTL):
            url = "ws" + settings.callback_base.removeprefix("http") + "/twilio/media"
            stream = twiml.StreamStart(url, make_stream_token(settings.secret_key, sid, now, STREAM_TOKEN_TTL))
        else:
            # Every stream place of this process is taken: this caller gets Twilio's recognition.
            _LOGGER.warning("call %s: %d audio streams already, this call uses Twilio's speech recognition",
                            sid, bridge.engine.slots.capacity)
            voice = twilio_speech(request.app[TELEPHONY].voice)
    return await _run(request, sid, forms.call_started(form), stream=stream, voice=voice)


async def gather(request: web.Request) -> web.Response:
    """The answer to a ``<Gather>``: keys, speech, or nothing (timeout)."""
    form = _form(request)
    try:
        sid = forms.call_sid(form)
        turn = forms.turn(request.query)
        event = forms.gather_event(form)
    except forms.MalformedRequest as exc:
        raise web.HTTPBadRequest(text=exc.message) from None
    return await _run(request, sid, event, turn)


def _event_webhook(parse: Callable[[Mapping[str, str]], Event], doc: str) -> Handler:
    """A webhook whose form maps to one engine event for the call it names."""
    async def handler(request: web.Request) -> web.Response:
        form = _form(request)
        try:
            sid = forms.call_sid(form)
            event = parse(form)
        except forms.MalformedRequest as exc:
            raise web.HTTPBadRequest(text=exc.message) from None
        return await _run(request, sid, event)
    handler.__doc__ = doc
    return handler


async def queue_result(request: web.Request) -> web.Response:
    """The caller left Twilio's fallback queue: sent out by its wait URL (the database is back),
    they are handed to a person the normal way; any other end is the engine's to record."""
    form = _form(request)
    try:
        sid = forms.call_sid(form)
        event = forms.queue_event(form)
    except forms.MalformedRequest as exc:
        raise web.HTTPBadRequest(text=exc.message) from None
    if event.result != "leave":
        return await _run(request, sid, event)
    service: CallService = request.app[TELEPHONY].service
    try:
        if await service.db.get_call(sid) is None:
            # The call began while the database failed: recorded now, so the desk can take it.
            await request.app[TELEPHONY].dispatcher.call_event(sid, forms.call_started(form),
                                                                render=lambda _c, _s: "", request_key=None)
    except Exception:  # noqa: BLE001 - the safe path below still answers
        _LOGGER.exception("call %s: not recorded on leaving the fallback queue", sid)
    # Should the hand-over fail again, the caller is queued again with one more try counted.
    return await _safe_path(request, sid, "back from the fallback queue", tries=_tries(request) + 1)


class _WriteCheck:
    """Whether the database takes writes, asked at most every few seconds for all waiting callers."""

    EVERY = 3.0

    def __init__(self) -> None:
        self.at = float("-inf")
        self.ok = False
        self.lock = asyncio.Lock()

    async def writable(self, app: web.Application) -> bool:
        async with self.lock:
            if time.monotonic() - self.at >= self.EVERY:
                try:
                    await app[TELEPHONY].service.db.check_write()
                    self.ok = True
                except Exception as exc:  # noqa: BLE001 - a failing database is the answer here
                    _LOGGER.warning("fallback queue: database still unavailable (%s)", type(exc).__name__)
                    self.ok = False
                self.at = time.monotonic()
            return self.ok


WRITE_CHECK = web.AppKey("fallback_write_check", _WriteCheck)


async def fallback_hold(request: web.Request) -> web.Response:
    """Wait URL of Twilio's fallback queue (replayed by Twilio): hold while the database fails;
    once it takes writes again, <Leave> sends the caller on to :func:`queue_result`. A caller
    whose hand-over already failed after leaving waits longer each time before the next try, so a
    fault the write check cannot see does not send them round in a loop."""
    tries = _tries(request)
    waited = forms.number(_form(request).get("QueueTime", "0")) or 0
    due = tries < MAX_TRIES and waited >= tries * RETRY_AFTER_SECONDS
    if due and await request.app[WRITE_CHECK].writable(request.app):
        return _xml(twiml.leave())
    return _xml(twiml.hold(None, request.app[TELEPHONY].voice))


async def fallback_dial(request: web.Request) -> web.Response:
    """The fallback number's call is over: done if someone answered, else Twilio's queue."""
    form = _form(request)
    if form.get("DialCallStatus") in ("completed", "answered"):
        return _xml(twiml.hangup())
    deps = request.app[TELEPHONY]
    return _xml(twiml.fallback_queue(deps.settings.fallback_queue, deps.voice))


dial_result = _event_webhook(forms.dial_event, "The caller's <Dial><Conference> is over.")


async def hold(request: web.Request) -> web.Response:
    """The wait URL of a queue: position and a reassuring message, replayed by Twilio.

    The wait is logged on the call; if that fails the caller still hears the hold message.
    """
    form = _form(request)
    position, wait, nobody = forms.queue_position(form), None, False
    waiting_sid = request.query.get("call", "")
    if forms.CALL_SID.match(waiting_sid):
        try:
            status = await request.app[TELEPHONY].desk.status_of(waiting_sid)
        except Exception:  # noqa: BLE001 - the hold message must play whatever happens
            _LOGGER.exception("call %s: queue status unavailable", waiting_sid)
            status = None
        if status is not None:
            position, wait, nobody = status.position, status.estimated_wait_seconds, status.on_duty == 0
    voice = request.app[TELEPHONY].voice
    language = request.query.get("lang", "")
    answer = twiml.hold(position, voice, wait, nobody_on_duty=nobody,
                        language=language if language in voice.voices else "")
    sid = form.get("CallSid", "")
    if not forms.CALL_SID.match(sid):
        return _xml(answer)
    dispatcher = request.app[TELEPHONY].dispatcher
    try:
        # The wait URL's TwiML, asked again only once the last has played: in order as well.
        await dispatcher.call_event(sid, Waiting(position), render=lambda _c, _s: answer,
                                    request_key=request_key(request, form), in_order=True)
    except UnknownCall:
        _LOGGER.info("hold for unknown call %s", sid)
    except Exception:  # noqa: BLE001 - a waiting caller must keep waiting, whatever fails
        _LOGGER.exception("call %s: wait not recorded", sid)
    return _xml(answer)


async def sms_status(request: web.Request) -> web.Response:
    """SMS delivery reports: kept in the log of the call the SMS was sent from (``?call=``)."""
    form = _form(request)
    call = request.query.get("call", "")
    sid, state = str(form.get("MessageSid", "")), str(form.get("MessageStatus", ""))
    if not (call.startswith("CA") and sid and state):
        raise web.HTTPBadRequest(text="MessageSid, MessageStatus and ?call= are required")
    event = SmsStatus(sid=sid, status=state, error_code=str(form["ErrorCode"]) if form.get("ErrorCode") else None)
    dispatcher = request.app[TELEPHONY].dispatcher
    try:
        await dispatcher.call_event(call, event, render=lambda _c, _s: "", request_key=request_key(request, form))
    except UnknownCall:
        _LOGGER.info("SMS status for unknown call %s", call)
    except Exception:  # noqa: BLE001 - Twilio retries a failed callback
        _LOGGER.exception("call %s: SMS status not recorded", call)
        return web.Response(status=503, text="try again")
    return web.Response(status=204)


async def status(request: web.Request) -> web.Response:
    """Call status callbacks; a final status ends the call in the engine."""
    form = _form(request)
    try:
        sid = forms.call_sid(form)
        event = forms.status_event(form)
    except forms.MalformedRequest as exc:
        raise web.HTTPBadRequest(text=exc.message) from None
    dispatcher = request.app[TELEPHONY].dispatcher
    try:
        # A final status ends the call in the engine; the dispatcher then lets the desk go of it.
        await dispatcher.call_event(sid, event, render=lambda _c, _s: "", request_key=request_key(request, form))
    except UnknownCall:
        _LOGGER.info("status callback for unknown call %s", sid)
    except Exception:  # noqa: BLE001 - ask Twilio to retry rather than lose the end of the call
        _LOGGER.exception("call %s: status callback not recorded", sid)
        return web.Response(status=503, text="try again")
    return web.Response(status=204)


async def fallback(request: web.Request) -> web.Response:
    """Twilio's Fallback URL: our primary answer failed or timed out on Twilio's side."""
    form = _form(request)
    try:
        sid = forms.call_sid(form)
    except forms.MalformedRequest as exc:
        raise web.HTTPBadRequest(text=exc.message) from None
    code = form.get("ErrorCode", "unknown")
    _LOGGER.error("call %s: Twilio fell back (error %s)", sid, code[:16])
    return await _safe_path(request, sid, f"twilio fallback {code[:16]}")


async def conference(request: web.Request) -> web.Response:
    """Conference status callbacks: who joined and left the caller's conference."""
    form = _form(request)
    if not form.get("StatusCallbackEvent") or not form.get("ConferenceSid"):
        raise web.HTTPBadRequest(text="StatusCallbackEvent and ConferenceSid are required")
    try:
        found = conference_event({k: str(v) for k, v in form.items()})
        if found is not None:
            await request.app[TELEPHONY].dispatcher.desk_event(*found)
    except Exception:  # noqa: BLE001 - ask Twilio to retry rather than lose a join or leave
        _LOGGER.exception("conference event %s not handled", form.get("StatusCallbackEvent"))
        return web.Response(status=503, text="try again")
    return web.Response(status=204)


async def agent_leg(request: web.Request) -> web.Response:
    """Status of an agent's leg rung by the REST API: unanswered means the next agent."""
    form = _form(request)
    try:
        sid = forms.call_sid(form)
        status = forms.status_event(form)
    except forms.MalformedRequest as exc:
        raise web.HTTPBadRequest(text=exc.message) from None
    if isinstance(status, CallEnded) and status.status != "completed":
        found = agent_leg_event({k: str(v) for k, v in request.query.items()}, status.status)
        if found is not None:
            await request.app[TELEPHONY].dispatcher.desk_event(*found)
        else:   # a leg rung before its callback URL named the call and the agent
            await request.app[TELEPHONY].dispatcher.agent_leg_failed(sid, status.status)
    return web.Response(status=204)


async def hold_music(request: web.Request) -> web.Response:
    voice = request.app[TELEPHONY].voice
    language = request.query.get("lang", "")
    return _xml(twiml.hold_music(voice, language if language in voice.voices else ""))


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/twilio/voice", voice)
    app.router.add_post("/twilio/gather", gather)
    app.router.add_post("/twilio/status", status)
    app.router.add_post("/twilio/sms-status", sms_status)
    app.router.add_post("/twilio/queue-result", queue_result)
    app.router.add_route("*", "/twilio/hold", hold)
    app.router.add_post("/twilio/fallback", fallback)
    app[WRITE_CHECK] = _WriteCheck()
    app.router.add_route("*", "/twilio/fallback-hold", fallback_hold)
    app.router.add_post("/twilio/fallback-dial", fallback_dial)
    app.router.add_post("/twilio/dial-result", dial_result)
    app.router.add_post("/twilio/conference", conference)
    app.router.add_post("/twilio/agent-leg", agent_leg)
    app.router.add_route("*", "/twilio/hold-music", hold_music)
