"""Every typed key stored on the aiohttp application, in one place."""

from __future__ import annotations

from aiohttp import web

from callcenter.appointments.book import AppointmentBook
from callcenter.bus import MemoryBus
from callcenter.calls import CallService
from callcenter.calls.cores import Cores
from callcenter.calls.speech_bridge import SpeechBridge
from callcenter.config import Settings
from callcenter.desk.service import Desk
from callcenter.dispatch import Dispatcher
from callcenter.flows.catalog import FlowCatalog
from callcenter.speech import SpeechEngine
from callcenter.store import Database
from callcenter.telephony.twiml import Voice
from callcenter.web.browser_line import BrowserSockets

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
CATALOG = web.AppKey("catalog", FlowCatalog)
BUS = web.AppKey("bus", MemoryBus)
SERVICE = web.AppKey("service", CallService)
VOICE = web.AppKey("voice", Voice)
DESK = web.AppKey("desk", Desk)
# The one way in for every event and agent request: it steps the shells and carries out.
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
CORES = web.AppKey("cores", Cores)
SPEECH = web.AppKey("speech", SpeechBridge)
SPEECH_ENGINE = web.AppKey("speech_engine", SpeechEngine)
# The browser phone calls whose socket this process holds (the browser line reconciles against it).
BROWSER_SOCKETS = web.AppKey("browser_sockets", BrowserSockets)
# The appointment book (agencies, slots, bookings): the IVR's port and the supervisors' page.
APPOINTMENTS = web.AppKey("appointments", AppointmentBook)
