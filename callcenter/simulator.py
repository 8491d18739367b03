"""A terminal phone: drives a running server through its real webhooks, signed as Twilio signs them.

It plays Twilio's part faithfully enough to test flows without a Twilio account: it posts the
same form fields, follows ``<Gather>``, ``<Redirect>``, ``<Enqueue>`` and ``<Hangup>``, and sends
the final status callback. What the caller would hear is printed; the tester types words (sent as
``SpeechResult``) or keys (sent as ``Digits``), or a script does.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp

from callcenter.errors import CallCenterError
from callcenter.telephony.signature import sign

DEFAULT_CONFIDENCE = 0.92


class SimulatorError(CallCenterError):
    code = "simulator"


class ExpectationFailed(CallCenterError):
    code = "expectation"


@dataclass(frozen=True)
class CallerAction:
    """One move of the caller: ``say`` words, ``press`` keys, stay silent, or hang up."""

    kind: str  # "say" | "press" | "silence" | "hangup" | "expect"
    value: str = ""
    confidence: float = DEFAULT_CONFIDENCE
    line: int = 0


def parse_script(text: str, name: str = "script") -> list[CallerAction]:
    """Read a call script: one ``say|press|silence|hangup|expect`` line per step, ``#`` comments."""
    actions = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        match word:
            case "say":
                confidence = DEFAULT_CONFIDENCE
                if rest.startswith("@"):
                    level, _, rest = rest[1:].partition(" ")
                    try:
                        confidence = float(level)
                    except ValueError:
                        raise SimulatorError(f"{name}:{number}: bad confidence {level!r}") from None
                if not rest:
                    raise SimulatorError(f"{name}:{number}: 'say' needs words")
                actions.append(CallerAction("say", rest.strip(), confidence, number))
            case "press":
                if not rest or any(c not in "0123456789*#" for c in rest):
                    raise SimulatorError(f"{name}:{number}: 'press' needs keys 0-9 * #")
                actions.append(CallerAction("press", rest, line=number))
            case "silence" | "hangup":
                actions.append(CallerAction(word, line=number))
            case "expect":
                if not rest:
                    raise SimulatorError(f"{name}:{number}: 'expect' needs a text")
                actions.append(CallerAction("expect", rest, line=number))
            case _:
                raise SimulatorError(f"{name}:{number}: unknown step {word!r} "
                                     "(say, press, silence, hangup, expect)")
    return actions


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def interactive_action(line: str) -> CallerAction:
    """Typed input: keys if only 0-9 * #, nothing for silence, ``/quit`` to hang up, else speech."""
    line = line.strip()
    if not line:
        return CallerAction("silence")
    if line in ("/quit", "/hangup", "/q"):
        return CallerAction("hangup")
    if all(c in "0123456789*#" for c in line):
        return CallerAction("press", line)
    return CallerAction("say", line)


@dataclass
class CallResult:
    call_sid: str
    heard: list[str] = field(default_factory=list)
    outcome: str = ""


class PhoneSimulator:
    """One simulated call against ``base_url``, signed with ``auth_token``."""

    def __init__(self, base_url: str, auth_token: str, account_sid: str, *, caller: str,
                 called: str = "+33900000000", signed_base: str | None = None,
                 out: Callable[[str], None] = print, fake_twilio: str | None = None,
                 wait_seconds: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.signed_base = (signed_base or base_url).rstrip("/")
        self.auth_token = auth_token
        self.account_sid = account_sid
        self.caller = caller
        self.called = called
        self.out = out
        self.call_sid = "CA" + secrets.token_hex(16)
        # A `callcenter fake-twilio` server, to play conferences (warm transfer) like Twilio does.
        self.fake_twilio = fake_twilio.rstrip("/") if fake_twilio else None
        self.wait_seconds = wait_seconds
        self._heard_since_input: list[str] = []
        self._streaming = False  # the server opened a <Start><Stream>: it recognises speech itself
        self._status_sent = False
        # While in a conference a thread reads the caller's moves (for /quit); what it read and was
        # not a hang-up is played after the conference, in order.
        self._pending: list[CallerAction] = []
        self._watcher: threading.Thread | None = None
        self._in_conference = False

    def _params(self, status: str, extra: dict[str, str] | None = None) -> dict[str, str]:
        params = {"CallSid": self.call_sid, "AccountSid": self.account_sid, "From": self.caller,
                  "To": self.called, "CallStatus": status, "Direction": "inbound",
                  "ApiVersion": "2010-04-01", "Caller": self.caller, "Called": self.called}
        params.update(extra or {})
        return params

    async def _post(self, session: aiohttp.ClientSession, path: str, params: dict[str, str]) -> str:
        parts = urlsplit(path)
        local = parts.path + (f"?{parts.query}" if parts.query else "")
        signature = sign(self.auth_token, self.signed_base + local, params)
        async with session.post(self.base_url + local, data=params,
                                headers={"X-Twilio-Signature": signature}) as resp:
            body = await resp.text()
            if resp.status == 204:
                return ""
            if resp.status != 200:
                raise SimulatorError(f"POST {parts.path} answered {resp.status}: {body[:200]}")
            if not resp.headers.get("Content-Type", "").startswith(("text/xml", "application/xml")):
                raise SimulatorError(f"POST {parts.path} answered {resp.content_type}, not XML")
            return body

    def _hear(self, text: str, result: CallResult) -> None:
        text = " ".join(text.split())
        result.heard.append(text)
        self._heard_since_input.append(text)
        self.out(f"  IVR  > {text}")

    def _check(self, action: CallerAction) -> None:
        heard = _fold(" ".join(self._heard_since_input))
        if _fold(action.value) not in heard:
            raise ExpectationFailed(f"line {action.line}: expected to hear {action.value!r}, heard: "
                                    f"{' '.join(self._heard_since_input)!r}")
        self.out(f"  ok   : heard {action.value!r}")

    async def run(self, actions: Iterator[CallerAction]) -> CallResult:
        """Place the call; ``actions`` gives the caller's moves whenever the IVR listens."""
        result = CallResult(self.call_sid)
        async with aiohttp.ClientSession() as session:
            self.out(f"Appel {self.call_sid} de {self.caller}")
            try:
                document = await self._post(session, "/twilio/voice", self._params("ringing"))
                current = "/twilio/voice"
                while document:
                    document, current, outcome = await self._play(session, document, current, actions,
                                                                  result)
                    if outcome and not result.outcome:
                        result.outcome = outcome
            except (CallCenterError, aiohttp.ClientError, asyncio.CancelledError, KeyboardInterrupt):
                # A failed expectation or a broken answer still hangs up, as a real caller's phone
                # would: the server must not keep a call open (and a caller waiting) for nobody.
                with contextlib.suppress(Exception):
                    await self._hang_up(session)
                raise
            await self._hang_up(session)
            self.out(f"Fin de l'appel ({result.outcome or 'raccroché'})")
        return result

    async def _hang_up(self, session: aiohttp.ClientSession) -> None:
        if self._status_sent:
            return
        self._status_sent = True
        if self.fake_twilio is not None:
            # In a conference the line belongs to Twilio: hang up there, which tells the server.
            with contextlib.suppress(aiohttp.ClientError):
                async with session.post(f"{self.fake_twilio}/_fake/calls/{self.call_sid}/hangup"):
                    pass
        await self._post(session, "/twilio/status", self._params("completed", {"CallDuration": "60"}))

    async def _play(self, session: aiohttp.ClientSession, document: str, current: str,
                    actions: Iterator[CallerAction], result: CallResult) -> tuple[str, str, str]:
        """Run one TwiML document; return the next document (or "") and the outcome so far."""
        try:
            root = ET.fromstring(document)
        except ET.ParseError as exc:
            raise SimulatorError(f"invalid TwiML from the server: {exc}") from None
        for verb in root:
            match verb.tag:
                case "Say":
                    self._hear(verb.text or "", result)
                case "Pause":
                    pass
                case "Start":
                    if not self._streaming:
                        self._streaming = True
                        self.out("  note : ce serveur reconnaît la parole lui-même (CALLCENTER_SPEECH=vosk) ; "
                                 "ce téléphone n'envoie pas de son. Tapez des chiffres, ou appelez depuis "
                                 f"le téléphone web : {self.base_url}/phone")
                case "Gather":
                    for child in verb:
                        if child.tag == "Say":
                            self._hear(child.text or "", result)
                    action = self._next_action(actions)
                    while action is not None and action.kind == "say" and self._streaming:
                        self.out("  note : parole non transmise dans ce mode ; tapez des chiffres "
                                 f"ou utilisez {self.base_url}/phone")
                        action = self._next_action(actions)
                    if action is None or action.kind == "hangup":
                        return "", current, "l'appelant a raccroché"
                    answer = self._answer(action, verb)
                    if not answer and verb.get("actionOnEmptyResult") == "false":
                        continue  # as Twilio does: nothing typed or said, the next verb plays
                    target = urljoin(current, verb.get("action") or current)
                    params = self._params("in-progress", answer)
                    return await self._post(session, target, params), target, ""
                case "Redirect":
                    target = urljoin(current, (verb.text or current).strip())
                    return await self._post(session, target, self._params("in-progress")), target, ""
                case "Enqueue":
                    return await self._enqueue(session, verb, current, result)
                case "Dial":
                    return await self._dial(session, verb, current, actions, result)
                case "Hangup":
                    return "", current, "l'IVR a raccroché"
                case other:
                    raise SimulatorError(f"the simulator does not play <{other}>")
        return "", current, "fin du document TwiML"

    def _move(self, actions: Iterator[CallerAction]) -> CallerAction | None:
        # Not a generator: closing one would close ``actions`` with it (``yield from`` does).
        if self._watcher is not None:
            self._watcher.join()  # it stops at the first move read after the conference
            self._watcher = None
        if self._pending:
            return self._pending.pop(0)
        return next(actions, None)

    def _next_action(self, actions: Iterator[CallerAction]) -> CallerAction | None:
        while (action := self._move(actions)) is not None:
            if action.kind == "expect":
                self._check(action)
                continue
            self._heard_since_input = []
            label = {"say": f"dit « {action.value} »", "press": f"tape {action.value}",
                     "silence": "(silence)", "hangup": "(raccroche)"}[action.kind]
            self.out(f"  vous > {label}")
            return action
        return None

    @staticmethod
    def _answer(action: CallerAction, gather: ET.Element) -> dict[str, str]:
        modes = (gather.get("input") or "dtmf").split()
        if action.kind == "press" and "dtmf" in modes:
            finish = gather.get("finishOnKey", "#")
            return {"Digits": action.value.rstrip(finish) if finish else action.value}
        if action.kind == "say" and "speech" in modes:
            return {"SpeechResult": action.value, "Confidence": f"{action.confidence:.2f}"}
        return {}  # silence, or input the gather does not listen to

    async def _dial(self, session: aiohttp.ClientSession, verb: ET.Element, current: str,
                    actions: Iterator[CallerAction], result: CallResult) -> tuple[str, str, str]:
        conference = verb.find("Conference")
        if conference is None:
            raise SimulatorError("the simulator only plays <Dial><Conference>")
        name = (conference.text or "").strip()
        self.out("  ---- transfert vers un conseiller ----")
        wait_url = conference.get("waitUrl")
        if wait_url:
            hold = await self._post(session, urljoin(current, wait_url), self._params("in-progress"))
            for say in ET.fromstring(hold).iter("Say"):
                self._hear(say.text or "", result)
        if self.fake_twilio is None:
            outcome, status = "transféré, l'appelant raccroche en attente", "canceled"
        else:
            self._in_conference = True
            try:
                outcome = await _conference_wait(self, session, name, conference, current, actions)
            finally:
                self._in_conference = False
            if self._status_sent:
                return "", current, outcome  # the caller hung up: Twilio asks no dial action
            status = "completed"
        target = urljoin(current, verb.get("action") or current)
        document = await self._post(session, target, self._params("completed", {
            "DialCallStatus": status, "DialCallDuration": "0"}))
        return document, target, outcome

    async def _enqueue(self, session: aiohttp.ClientSession, verb: ET.Element, current: str,
                       result: CallResult) -> tuple[str, str, str]:
        queue = (verb.text or "").strip()
        self.out(f"  ---- transfert vers la file « {queue} » ----")
        wait_url = verb.get("waitUrl")
        if wait_url:
            target = urljoin(current, wait_url)
            hold = await self._post(session, target, self._params("in-progress", {
                "QueuePosition": "1", "QueueSid": "QU" + "0" * 32, "QueueTime": "0",
                "AvgQueueTime": "0", "CurrentQueueSize": "1"}))
            for say in ET.fromstring(hold).iter("Say"):
                self._hear(say.text or "", result)
        outcome = f"transféré vers {queue}"
        action = verb.get("action")
        if action:
            target = urljoin(current, action)
            document = await self._post(session, target, self._params("completed", {
                "QueueResult": "hangup", "QueueSid": "QU" + "0" * 32, "QueueTime": "5"}))
            return document, target, outcome
        return "", current, outcome


async def _conference_wait(sim: PhoneSimulator, session: aiohttp.ClientSession, name: str,
                           conference: ET.Element, current: str, actions: Iterator[CallerAction]) -> str:
    """Join the fake Twilio's conference and follow it until it ends; the outcome in words."""
    assert sim.fake_twilio is not None
    callback = urljoin(sim.signed_base + urlsplit(current).path, conference.get("statusCallback") or "")
    async with session.post(sim.fake_twilio + "/_fake/conferences/join", json={
            "name": name, "call_sid": sim.call_sid, "label": conference.get("participantLabel", "caller"),
            "status_callback": callback, "events": conference.get("statusCallbackEvent", ""),
            "start_conference_on_enter": conference.get("startConferenceOnEnter") != "false",
            "end_conference_on_exit": conference.get("endConferenceOnExit") == "true",
            "from": sim.caller, "to": sim.called}) as resp:
        if resp.status != 200:
            raise SimulatorError(f"fake Twilio refused the conference: {resp.status}")
    sim.out("  ---- en attente d'un conseiller (/quit pour raccrocher) ----")
    seen: tuple[object, ...] = ()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + sim.wait_seconds
    outcome = "l'appelant a raccroché en attente"
    quit_asked = _watch_for_hangup(sim, actions, loop)
    while loop.time() < deadline:
        if quit_asked.is_set():
            sim.out("  vous > (raccroche)")
            await sim._hang_up(session)
            return "l'appelant a raccroché" if outcome.startswith("en relation") else outcome
        async with session.get(f"{sim.fake_twilio}/_fake/calls/{sim.call_sid}") as resp:
            state = await resp.json()
        agents = tuple(sorted(p["label"] or "" for p in state["with"]))
        now = (agents, state["on_hold"], state["conference_status"])
        if now != seen:
            seen = now
            if state["conference_status"] == "completed" or state["conference"] is None:
                return "conversation terminée" if outcome.startswith("en relation") else outcome
            if agents:
                outcome = "en relation avec " + ", ".join(agents)
                sim.out(f"  ---- {outcome}{' (en attente)' if state['on_hold'] else ''} ----")
        await asyncio.sleep(0.2)
    async with session.post(f"{sim.fake_twilio}/_fake/calls/{sim.call_sid}/hangup"):
        pass
    return outcome


def _watch_for_hangup(sim: PhoneSimulator, actions: Iterator[CallerAction],
                      loop: asyncio.AbstractEventLoop) -> asyncio.Event:
    """Read the caller's moves while they wait or talk: ``/quit`` (or a ``hangup`` step) hangs up.

    A daemon thread, because typed input blocks and must not keep the program alive at exit.
    Other moves are kept for after the conference (a script's next steps, an answer to a survey).
    """
    asked = asyncio.Event()

    def read() -> None:
        for action in actions:
            if action.kind == "hangup":
                loop.call_soon_threadsafe(asked.set)
                return
            sim._pending.append(action)
            if not sim._in_conference:
                return
            if action.kind in ("say", "press"):
                sim.out("  note : en conversation avec un conseiller, seul /quit agit ici")

    sim._watcher = threading.Thread(target=read, name="caller-input", daemon=True)
    sim._watcher.start()
    return asked


def load_script(path: Path) -> list[CallerAction]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SimulatorError(f"cannot read {path}: {exc}") from None
    return parse_script(text, str(path))
