"""The aiohttp application factory: wiring only, no decisions.

Start-up order: database (migrations applied), flows (live versions; unknown files imported), then
the shells (desk, call service), the ports, and last the dispatcher that carries out for both:
each piece is built with everything it needs, nothing is set on it afterwards.
A configured flow that fails its checks stops the start with its ``file:line: reason`` faults.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiohttp import web

from callcenter.appointments.book import AppointmentBook
from callcenter.bus import MemoryBus, RedisBus
from callcenter.calls import CallService, utc_now
from callcenter.calls.cores import Cores, kb_embedder
from callcenter.calls.service import Clock
from callcenter.calls.speech_bridge import Listening, SpeechBridge
from callcenter.cluster import Job, Node, Scheduler, new_node_id
from callcenter.config import Settings, SettingsError
from callcenter.desk.ports import CallControl
from callcenter.desk.service import Desk, HandleTime
from callcenter.dispatch import Dispatcher, Ports
from callcenter.flows.catalog import FlowCatalog
from callcenter.hours import spoken_week
from callcenter.ivr.engine import menu_phrase_sets
from callcenter.kb.catalog import KbCatalog
from callcenter.privacy.retention import Retention, purge_periodically
from callcenter.routing import RoutingPolicy
from callcenter.speech import SpeechEngine, resolve_model
from callcenter.speech.chunking import with_chunk
from callcenter.speech.settings import SpeechSettings, speech_settings
from callcenter.store import Database, upgrade
from callcenter.telephony import callbacks as callback_calls
from callcenter.telephony import media, sockets, webhooks
from callcenter.telephony.conference import CHANNEL as TWILIO
from callcenter.telephony.deps import TELEPHONY, Telephony
from callcenter.telephony.rest import TwilioCallControl, TwilioRest
from callcenter.telephony.twiml import Voice
from callcenter.telephony.twiml import listening as listening_twiml
from callcenter.telephony.twiml import render as render_twiml
from callcenter.versions import VersionStore
from callcenter.web import (
    admin,
    api,
    appointment_pages,
    audit_page,
    auth,
    flow_pages,
    headers,
    health,
    heap,
    kb_flags,
    kb_page,
    kb_versions_page,
    keys,
    limits,
    loop_probe,
    pages,
    phone,
)
from callcenter.web.browser_line import CHANNEL as BROWSER
from callcenter.web.browser_line import BrowserLine, BrowserSockets
from callcenter.web.error_pages import error_pages_middleware
from callcenter.web.report_pages import setup_routes as setup_report_routes
from callcenter.web.satisfaction_page import setup_routes as setup_satisfaction_routes
from callcenter.web.templates import UI_DIR

_LOGGER = logging.getLogger(__name__)


def init_app(settings: Settings, *, clock: Clock = utc_now,
             speech_engine: SpeechEngine | None = None) -> web.Application:
    """Build the application for ``settings``; resources open when it starts.

    ``speech_engine`` replaces the model named by the settings (tests use recognisers of their own).
    """
    app = web.Application(middlewares=[limits.rate_limit_middleware, webhooks.signature_middleware,
                                       error_pages_middleware, auth.auth_middleware])
    app[keys.SETTINGS] = settings
    app[limits.LIMITS] = limits.Limits.from_settings(settings, auth.PUBLIC_PATHS,
                                                     clock=lambda: clock().timestamp())
    app.on_cleanup.append(lambda app: app[limits.LIMITS].close())
    app[keys.VOICE] = Voice(language=settings.language, voice=settings.voice,
                            base_url=settings.public_url or "", voices=dict(settings.voices))
    app.cleanup_ctx.append(_passwords)
    app.cleanup_ctx.append(_bus)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_purge_factory(clock))
    app.cleanup_ctx.append(_flows)
    app.cleanup_ctx.append(_cores)
    # Speech first: whether it runs shapes the dispatcher built next.
    app.cleanup_ctx.append(_speech_factory(speech_engine))
    app.cleanup_ctx.append(_service_factory(clock))
    app.cleanup_ctx.append(_telephony)
    if settings.gc_freeze:
        heap.setup(app, settings.gc_young)   # after the cleanup contexts: their start-up runs first
    sockets.setup(app)
    loop_probe.setup(app)
    webhooks.setup_routes(app)
    callback_calls.setup_routes(app)
    media.setup_routes(app)
    health.setup_routes(app)
    auth.setup_routes(app)
    kb_flags.setup_routes(app)        # before the API's /api/calls/{call_sid}/{action}
    api.setup_routes(app)
    admin.setup_routes(app)
    pages.setup_routes(app)
    kb_page.setup_routes(app)
    kb_versions_page.setup_routes(app)
    phone.setup_routes(app)
    audit_page.setup_routes(app)
    appointment_pages.setup_routes(app)
    flow_pages.setup_routes(app)
    setup_report_routes(app)
    setup_satisfaction_routes(app)
    app.router.add_static("/static/", UI_DIR / "static")
    headers.setup(app)
    if settings.public_url is None:
        _LOGGER.warning("CALLCENTER_PUBLIC_URL is not set: Twilio signatures are checked against %s, "
                        "never the request's Host header; set it to the URL Twilio calls",
                        settings.callback_base)
    return app


async def _passwords(app: web.Application) -> AsyncIterator[None]:
    # The dummy hash checked for unknown users is made before the first login, off the loop.
    await asyncio.to_thread(app[limits.LIMITS].passwords.warm_up)
    yield


async def _bus(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    if settings.redis_url is None:
        app[keys.BUS] = MemoryBus()
        yield
        return
    bus = RedisBus(settings.redis_url)
    await bus.start()
    app[keys.BUS] = bus
    yield
    await bus.close()


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    await asyncio.to_thread(upgrade, settings.database_url)
    db = Database(settings.database_url, lock_timeout=settings.db_lock_timeout,
                  statement_timeout=settings.db_statement_timeout)
    app[keys.DATABASE] = db
    yield
    await db.close()


def _purge_factory(clock: Clock) -> Callable[[web.Application], AsyncIterator[None]]:
    async def _purge(app: web.Application) -> AsyncIterator[None]:
        """What is past its retention is purged in the background (docs/operations.md)."""
        settings = app[keys.SETTINGS]
        if settings.purge_interval_hours <= 0:
            yield
            return
        retention = Retention(settings.retention_calls_days, settings.retention_analyses_days,
                              settings.retention_receipts_days)
        task = asyncio.create_task(purge_periodically(app[keys.DATABASE], retention, settings.caller_hash_key,
                                                      clock, settings.purge_interval_hours * 3600))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return _purge


async def _flows(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    catalog = FlowCatalog(settings.flows_dir, VersionStore(app[keys.DATABASE]))
    problems = await catalog.reload()
    if catalog.current(settings.flow) is None:
        detail = "\n".join(str(p) for p in problems) or f"no file {settings.flow}.yaml"
        raise SettingsError(f"flow {settings.flow!r} cannot be loaded from {settings.flows_dir}:\n"
                            f"{detail}")
    app[keys.CATALOG] = catalog
    task = asyncio.create_task(_watch_flows(catalog, settings.flow_reload_seconds))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _cores(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    kb = KbCatalog(settings.kb_dir, VersionStore(app[keys.DATABASE]),
                   await asyncio.to_thread(kb_embedder, settings.kb_search.semantic_model))
    try:
        await kb.reload()
    except Exception:  # noqa: BLE001 - no knowledge base means questions go to a person, not no calls
        _LOGGER.exception("knowledge base not loaded: questions go to a person")
    if kb.index is None:
        _LOGGER.error("running without a knowledge base: questions go to a person")
    cores = Cores(kb, settings.triage_rules, settings.hours_file, settings.semantic_model)
    await asyncio.to_thread(cores.load)
    app[keys.CORES] = cores
    tasks = [asyncio.create_task(_watch_cores(cores, settings.flow_reload_seconds)),
             asyncio.create_task(_watch_kb(kb, settings.kb_reload_seconds))]
    yield
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _watch_kb(kb: KbCatalog, every: float) -> None:
    """Follow the live entry versions (one small query): an approved or rolled-back entry answers
    new questions within ``every`` seconds, in every process; the files are read again now and then
    to report drafts and import new entries."""
    if every <= 0:
        return
    polls = 0
    while True:
        await asyncio.sleep(every)
        polls += 1
        try:
            if polls % 15 == 0:
                await kb.import_files()
            await kb.refresh()
        except Exception:  # noqa: BLE001 - the watcher must outlive any one bad reload
            _LOGGER.exception("knowledge reload failed; the running index stays")


async def _watch_cores(cores: Cores, every: float) -> None:
    """Reload the triage rules or the opening hours when their files change."""
    if every <= 0:
        return
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(cores.reload_changed)
        except Exception:  # noqa: BLE001
            _LOGGER.exception("knowledge or triage reload failed; versions in force unchanged")


async def _watch_flows(catalog: FlowCatalog, every: float) -> None:
    """Follow the live flow versions (one small query), and check the files when they change: a
    published or rolled-back version answers new calls within ``every`` seconds, in every process."""
    if every <= 0:
        return
    while True:
        await asyncio.sleep(every)
        try:
            if catalog.changed():
                await catalog.reload()
            else:
                await catalog.refresh()
        except Exception:  # noqa: BLE001 - the watcher must outlive any one bad reload
            _LOGGER.exception("flow reload failed; running flows unchanged")


def _service_factory(clock: Clock) -> Callable[[web.Application], AsyncIterator[None]]:
    async def _service(app: web.Application) -> AsyncIterator[None]:
        settings = app[keys.SETTINGS]
        rest = None
        db = app[keys.DATABASE]
        node = Node(db, new_node_id(), clock)
        sockets = BrowserSockets(node.name)
        app[keys.BROWSER_SOCKETS] = sockets
        lines: dict[str, CallControl] = {BROWSER: BrowserLine(sockets, node.alive)}
        calls_back = None
        if settings.twilio_phone_number:
            rest = TwilioRest(settings.twilio_account_sid, settings.twilio_auth_token,
                              settings.twilio_api_url, settings.twilio_phone_number,
                              sms_status_url=f"{settings.callback_base}/twilio/sms-status")
            lines[TWILIO] = TwilioCallControl(rest, settings.callback_base)
            calls_back = callback_calls.TwilioCallbacks(rest, app[keys.DATABASE], settings.callback_base,
                                                        settings.secret_key, _week_of(app[keys.CORES]))
        try:
            policy = RoutingPolicy(offer_timeout=settings.offer_timeout,
                                   relax_to_skill_after=settings.relax_skill_after,
                                   relax_to_anyone_after=settings.relax_anyone_after)
        except ValueError as exc:
            raise SettingsError(f"routing settings: {exc}") from None
        desk = Desk(app[keys.DATABASE], policy, clock, settings.wrapup_seconds,
                    handle_time=HandleTime(settings.handle_time_calls, settings.handle_time_hours * 3600),
                    callback_retries=settings.callback_retries,
                    callback_retry_seconds=settings.callback_retry_minutes * 60)
        app[keys.DESK] = desk
        engine = app.get(keys.SPEECH_ENGINE)
        listening = Listening(tuple(engine.models)) if engine is not None else None
        book = AppointmentBook(db, settings.caller_hash_key, clock)
        app[keys.APPOINTMENTS] = book
        # The shells read the desk (who is on duty, the wait, who served the caller) and store steps;
        # the dispatcher, built last with every port, carries out what either decides.
        service = CallService(app[keys.DATABASE], app[keys.CATALOG], settings.flow, clock=clock,
                              cores=app[keys.CORES], estimate_wait=desk.estimate, count_on_duty=desk.on_duty,
                              caller_hash_key=settings.caller_hash_key, served_by=desk.served_by,
                              look_at_hand_over=desk.hand_over_look)
        app[keys.SERVICE] = service
        dispatcher = Dispatcher(service, desk, Ports(app[keys.BUS], lines, sms=rest, live_calls=rest,
                                                     listening=listening, appointments=book, callbacks=calls_back))
        app[keys.DISPATCHER] = dispatcher
        if engine is not None and listening is not None:
            voice = app[keys.VOICE]
            app[keys.SPEECH] = SpeechBridge(engine, dispatcher, app[keys.BUS], listening,
                                            render=lambda c, sid: render_twiml(c, voice, sid),
                                            silence_twiml=listening_twiml)
        # Time as an input, once across the cluster: offer timeouts and wrap-up ends (the desk's
        # tick), and open entries whose line is over (reconciliation).
        jobs = [Job("desk.tick", settings.tick_seconds, dispatcher.tick),
                Job("desk.callbacks", settings.callback_check_seconds, dispatcher.callbacks_due)]
        if settings.reconcile_after > 0:
            jobs.append(Job("desk.reconcile", settings.reconcile_seconds,
                            lambda: dispatcher.reconcile(settings.reconcile_after)))
        # Runs even with no job due here: its heartbeat tells other processes this one (and the
        # browser phone calls it holds) is alive.
        timers = asyncio.create_task(Scheduler(node, jobs).run_forever())
        yield
        timers.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await timers
        if rest is not None:
            await rest.close()

    return _service


def _week_of(cores: Cores) -> Callable[[str], str | None]:
    """A queue's usual opening hours in words, from the hours in force when asked."""
    def week(queue: str) -> str | None:
        hours = cores.hours.hours_of(queue) if cores.hours is not None else None
        return spoken_week(hours) if hours is not None else None
    return week


def _speech_factory(given: SpeechEngine | None) -> Callable[[web.Application], AsyncIterator[None]]:
    async def _speech(app: web.Application) -> AsyncIterator[None]:
        async for _ in _speech_context(app, given):
            yield

    return _speech


def _chunked(model: Path, speech: SpeechSettings) -> Path:
    """The model decoded in ``speech.chunk_frames`` chunks; the model as it is if that cannot be
    made (a read-only models folder): slower menu answers, never no speech."""
    try:
        return with_chunk(model, speech.chunk_frames, speech.models_dir / ".tuned")
    except OSError as exc:
        _LOGGER.warning("speech model %s used with its own chunk size (%s)", model.name, exc)
        return model


async def _speech_context(app: web.Application, given: SpeechEngine | None) -> AsyncIterator[None]:
    """Self-hosted speech when asked for and a model is there; otherwise keys and Twilio's speech."""
    settings = app[keys.SETTINGS]
    if settings.speech != "vosk":
        yield
        return
    speech = speech_settings(settings)
    engine = given
    if engine is not None:
        pass
    elif speech.vosk_model is None:
        _LOGGER.warning("CALLCENTER_SPEECH=vosk but no CALLCENTER_VOSK_MODEL: running with keys and "
                        "Twilio's speech recognition (see `callcenter models list`)")
    else:
        try:
            path = _chunked(resolve_model(speech.vosk_model, speech.models_dir), speech)
            others = {lang: _chunked(resolve_model(spec, speech.models_dir), speech)
                      for lang, spec in speech.vosk_models.items()}
            engine = await asyncio.to_thread(SpeechEngine.from_model_path, path, workers=speech.workers,
                                             max_streams=speech.max_streams, warm=speech.warm,
                                             config=speech.transcriber_config(), others=others,
                                             decode_nice=speech.decode_nice)
        except Exception as exc:  # noqa: BLE001 - no model must not mean no calls
            _LOGGER.error("speech model unavailable (%s): running with keys and Twilio's speech", exc)
    if engine is None:
        yield
        return
    app[keys.VOICE] = dataclasses.replace(app[keys.VOICE], speech="vosk", own_languages=tuple(engine.models))
    app[keys.SPEECH_ENGINE] = engine
    _LOGGER.info("self-hosted speech on: model %s, %d streams at once, %d recognisers prepared in the background",
                 speech.vosk_model or "given by the caller", engine.slots.capacity, engine.warm.target)
    # Warm from the first call: recognisers (and the menus' grammars) prepared in the background,
    # below every call's work; keypad calls are served meanwhile.
    flow = app[keys.CATALOG].current(settings.flow)
    engine.start_warm_up(menu_phrase_sets(flow) if flow is not None else ())
    yield
    await engine.stop_warm_up()
    await asyncio.to_thread(engine.close)


async def _telephony(app: web.Application) -> AsyncIterator[None]:
    """The Twilio handlers' dependencies, once the service, the desk, the dispatcher and speech are up."""
    app[TELEPHONY] = Telephony(app[keys.SETTINGS], app[keys.SERVICE], app[keys.DESK], app[keys.DISPATCHER],
                               app[keys.VOICE], app.get(keys.SPEECH))
    yield

