"""The ``appointment`` node: book, move or cancel an appointment by phone. Pure.

The engine never reads the database: each question to the appointment book is an
``AppointmentRequest`` command, carried out by the dispatcher after the step; its answer comes
back as an ``AppointmentResult`` event, logged and stepped like any other, so the call replays
from its log. The exchange, kept in ``CallState.appointment``:

- "choose": 1 book, 2 move, 3 cancel (or said: prendre, déplacer, annuler);
- "search" (waits for free slots) -> "offer": the next 2-3 free slots, 1/2/3 picks one, 9 other
  dates; "book" (waits) -> the reference said twice, and the confirmation by SMS ("sms", waits
  for Twilio: « envoyé » only once it accepted) -> "done": 1 repeat, 2 finished (``next``);
- move and cancel: "reference" (six digits) -> "find" (waits; only an appointment booked from
  the caller's number is found) -> cancel: "confirm" 1 cancel, 2 keep; move: slots as above.

A slot taken by another caller between the offer and the choice: the caller is told, and hears
the next free slots. No slot at all, a hidden number, a failure of the book: a person. Key 0 and
the human words reach a person at every question (the engine checks them first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

from callcenter.appointments.sms import sms_text
from callcenter.appointments.spoken import spoken_reference
from callcenter.flows import model as flow_model
from callcenter.ivr import commands as cmd
from callcenter.ivr import words_en as en
from callcenter.ivr.events import AppointmentResult, SmsResult
from callcenter.ivr.matching import SPOKEN_KEYS, normalise, phrase_score, spoken_key
from callcenter.ivr.state import CallState
from callcenter.ivr.wording import can_call_back, can_text

if TYPE_CHECKING:
    from callcenter.ivr.engine import IvrEngine, Step
    from callcenter.ivr.speaking import Speaker

OFFERED = 3
MORE_KEY = "9"
REFERENCE_DIGITS = 6
WAITING = frozenset({"search", "book", "find", "cancel", "sms"})

NEED_NUMBER = ("Pour prendre, déplacer ou annuler un rendez-vous par téléphone, votre numéro doit être "
               "visible.")
NO_SLOTS = "Nous n'avons pas de rendez-vous libre pour le moment."
NO_MORE = "Il n'y a pas d'autre date libre. Voici de nouveau les premières."
OFFER_INTRO = "Voici les prochains rendez-vous libres."
OFFER_LINE = "{slot} : tapez {key}."
OFFER_END = "Pour d'autres dates, tapez 9."
TAKEN = "Désolé, ce rendez-vous vient d'être pris par une autre personne."
REFERENCE_PROMPT = ("Tapez votre numéro de rendez-vous, à six chiffres. Vous l'avez reçu quand vous avez pris "
                    "rendez-vous.")
NOT_FOUND = "Je ne trouve pas de rendez-vous à venir avec ce numéro, pour le téléphone d'où vous appelez."
GONE = "Ce rendez-vous n'est plus enregistré à votre nom."
FOUND = "Votre rendez-vous : {slot}."
CONFIRM_CANCEL = "Pour l'annuler, tapez 1. Pour le garder, tapez 2."
KEPT = "Votre rendez-vous est conservé."
MOVE_INTRO = "Choisissons une nouvelle date."
BOOKED = "C'est réservé : {slot}."
MOVED = "C'est fait : votre rendez-vous est déplacé au {slot}."
CANCELLED = "C'est fait : votre rendez-vous du {slot} est annulé."
HOW_PHONE = "Un conseiller vous appellera à ce numéro."
HOW_IN_PERSON = "Adresse : {address}."
REFERENCE = "Votre numéro de rendez-vous est le {ref}. Je répète : {ref}."
SMS_SENT = "Un SMS de confirmation vous a été envoyé."
SMS_FAILED = "Le SMS de confirmation n'a pas pu être envoyé. Notez bien votre numéro de rendez-vous."
NO_SMS = "Notez bien votre numéro de rendez-vous."
DONE_PROMPT = "Pour réécouter, tapez 1. Si c'est tout, tapez 2."

# Written as said (the recogniser may be limited to them); compared after normalisation.
CHOOSE_WORDS = {
    "1": ("prendre", "nouveau", "réserver", "réservation", "fixer"),
    "2": ("déplacer", "changer", "modifier", "reporter", "décaler"),
    "3": ("annuler", "annulation", "supprimer"),
}
OFFER_WORDS = {
    "1": ("premier", "la première", "le premier"),
    "2": ("deuxième", "second", "seconde"),
    "3": ("troisième",),
    MORE_KEY: ("autre", "autres", "plus tard", "autre date", "autres dates", "aucun"),
}
CONFIRM_WORDS = {"1": ("oui", "annuler", "annulez", "je confirme"), "2": ("non", "garder", "conserver")}
DONE_WORDS = {"1": ("répéter", "réécouter", "encore", "redire"),
              "2": ("merci", "c'est tout", "terminer", "au revoir", "c'est bon", "ça ira")}


def _info(state: CallState) -> dict[str, Any]:
    return dict(state.appointment or {})


def _with(state: CallState, **changes: Any) -> CallState:
    return state.evolve(appointment={**_info(state), **changes})


def _ask_book(state: CallState, phase: str, request: cmd.AppointmentRequest,
              out: Sequence[cmd.Command] = (), **changes: Any) -> Step:
    """Wait for the book's answer to ``request`` (kept, to ask again if the answer never came)."""
    kept = {k: v for k, v in asdict(request).items() if k != "kind"}
    return _with(state, phase=phase, request=kept, **changes), [*out, request]


def _asked_again(state: CallState) -> Step:
    """Input while the book's answer is awaited: the server stopped between the question and
    its answer (a crash, a restart). Ask the book again rather than leave the caller in silence."""
    request = _info(state).get("request")
    if not request:
        return state, []
    return state, [cmd.AppointmentRequest(**request)]


def _fresh(state: CallState) -> CallState:
    """A new question: its retries start again."""
    return state.evolve(no_input=0, no_match=0)


# -- what the engine asks of this node -------------------------------------------------------

def max_digits(state: CallState) -> tuple[int, str]:
    """(keys to wait for, the key that ends them) at the current question."""
    if _info(state).get("phase") == "reference":
        return REFERENCE_DIGITS, "#"
    return 1, ""


def _table(phase: object, sp: Speaker) -> dict[str, tuple[str, ...]]:
    """The words expected at ``phase``, by key, in the caller's language."""
    french, english = {"choose": (CHOOSE_WORDS, en.CHOOSE_WORDS), "offer": (OFFER_WORDS, en.OFFER_WORDS),
                       "confirm": (CONFIRM_WORDS, en.CONFIRM_WORDS),
                       "done": (DONE_WORDS, en.DONE_WORDS)}.get(str(phase), ({}, {}))
    return sp.words(french, english)


def _spoken_keys(sp: Speaker) -> dict[str, str]:
    return {**SPOKEN_KEYS, **en.KEYS} if sp.english else dict(SPOKEN_KEYS)


def phrases(state: CallState, sp: Speaker) -> tuple[str, ...]:
    """What the current question expects to hear: its words, its keys said aloud, and at an
    offer the days of the slots offered; () for free speech (a reference)."""
    info = _info(state)
    words = _table(info.get("phase"), sp)
    said_keys = [k for key in words for k, v in _spoken_keys(sp).items() if v == key and k != "une"]
    days = [sp.slot(s, with_place=False).split()[0] for s in info.get("slots", ())] \
        if info.get("phase") == "offer" else []
    return tuple(dict.fromkeys([*(w for group in words.values() for w in group), *said_keys, *days]))


def prompt(state: CallState, node: flow_model.Appointment, sp: Speaker) -> str:
    """The question being asked now (repeated after a silence or a word not understood), in the
    caller's language."""
    info = _info(state)
    match info.get("phase"):
        case "offer":
            return _offer_text(info.get("slots", ()), sp)
        case "reference":
            return sp.t(REFERENCE_PROMPT)
        case "confirm":
            return f"{sp.t(FOUND).format(slot=sp.slot(info['found']['slot']))} {sp.t(CONFIRM_CANCEL)}"
        case "done":
            return f"{_confirmation(info, sp)} {sp.t(DONE_PROMPT)}"
    return sp.t(node.input.prompt)


def enter(engine: IvrEngine, state: CallState, node: flow_model.Appointment, out: list[cmd.Command]) -> Step:
    return engine._listen(state.evolve(appointment={"phase": "choose"}), node, out,
                          engine.speaker(state).t(node.input.prompt))


# -- the caller's answers --------------------------------------------------------------------

def _words_key(text: str, table: Mapping[str, Sequence[str]], sp: Speaker) -> str | None:
    key = spoken_key(text)
    if key is None and sp.english:
        key = en.KEYS.get(normalise(text))
    if key is not None:
        return key
    norm = normalise(text)
    hits = {k for k, words in table.items() if any(phrase_score(norm, normalise(w)) >= 100 for w in words)}
    return hits.pop() if len(hits) == 1 else None


def _spoken_digits(text: str, sp: Speaker) -> str:
    """ "quatre huit deux 7 1 5" (or "four eight two...") -> "482715" (a reference said aloud)."""
    out = []
    keys = _spoken_keys(sp)
    for word in normalise(text).split():
        if word.isdigit():
            out.append(word)
        elif keys.get(word, "").isdigit():
            out.append(keys[word])
    return "".join(out)


def speech(engine: IvrEngine, state: CallState, node: flow_model.Appointment, text: str,
           now: datetime) -> Step:
    """Words at the node (already heard, triaged, and not a request for a person)."""
    info = _info(state)
    sp = engine.speaker(state)
    phase = info.get("phase")
    match phase:
        case "choose" | "confirm" | "done":
            key = _words_key(text, _table(phase, sp), sp)
        case "offer":
            key = _words_key(text, _table(phase, sp), sp) or _by_day(text, info.get("slots", ()), sp)
        case "reference":
            key = _spoken_digits(text, sp) or None
        case _:
            return _asked_again(state)
    if key is None:
        return engine._retry(state, node, now, "no_match")
    return digits(engine, state, node, key, now)


def _by_day(text: str, slots: Sequence[Mapping[str, Any]], sp: Speaker) -> str | None:
    """A slot named by its day ("mardi", "Tuesday"), when only one offered slot falls on that day."""
    norm = normalise(text)
    keys = [str(i + 1) for i, s in enumerate(slots)
            if phrase_score(norm, normalise(sp.slot(s, with_place=False).split()[0])) >= 100]
    return keys[0] if len(keys) == 1 else None


def digits(engine: IvrEngine, state: CallState, node: flow_model.Appointment, keys: str, now: datetime) -> Step:
    """Keys at the node (key 0 for a person is handled by the engine before)."""
    info = _info(state)
    at = now.isoformat()
    sp = engine.speaker(state)
    match info.get("phase"):
        case "choose":
            intent = {"1": "book", "2": "move", "3": "cancel"}.get(keys)
            if intent is None:
                return engine._retry(state, node, now, "no_match")
            if not can_call_back(state.caller):
                # Without the caller's number nobody could find the appointment again.
                return engine._enter(state, engine.flow.settings.human, at, [cmd.Say(sp.t(NEED_NUMBER))],
                                     reason="appointment")
            if intent == "book":
                return _search(_with(state, intent=intent), node, at, [])
            return engine._listen(_fresh(_with(state, intent=intent, phase="reference")), node, [],
                                  sp.t(REFERENCE_PROMPT))
        case "offer":
            slots = info.get("slots", [])
            if keys == MORE_KEY:
                return _search(state, node, str(slots[-1]["start"]) if slots else at, [], more=True)
            if not keys.isdigit() or not 1 <= int(keys) <= len(slots):
                return engine._retry(state, node, now, "no_match")
            slot = slots[int(keys) - 1]
            if info.get("intent") == "move":
                request = cmd.AppointmentRequest("move", service=node.service, slot_id=int(slot["id"]),
                                                 appointment_id=int(info["found"]["id"]))
            else:
                request = cmd.AppointmentRequest("book", service=node.service, slot_id=int(slot["id"]))
            return _ask_book(state, "book", request, chosen=slot)
        case "reference":
            if len(keys) != REFERENCE_DIGITS or not keys.isdigit():
                return engine._retry(state, node, now, "no_match")
            return _ask_book(state, "find", cmd.AppointmentRequest("find", service=node.service, reference=keys))
        case "confirm":
            if keys == "1":
                request = cmd.AppointmentRequest("cancel", service=node.service,
                                                 appointment_id=int(info["found"]["id"]))
                return _ask_book(state, "cancel", request)
            if keys == "2":
                return engine._enter(state, node.next, at, [cmd.Say(sp.t(KEPT))], reason="appointment")
            return engine._retry(state, node, now, "no_match")
        case "done":
            if keys == "1":
                return engine._listen(state, node, [], prompt(state, node, sp))
            if keys == "2":
                return engine._enter(state, node.next, at, [], reason="appointment")
            return engine._retry(state, node, now, "no_match")
    return _asked_again(state)


def no_input(engine: IvrEngine, state: CallState, node: flow_model.Appointment, now: datetime) -> Step:
    if _info(state).get("phase") == "done":
        # Done and silent: the appointment is made, nothing more is needed from them.
        return engine._enter(state, node.next, now.isoformat(), [], reason="appointment")
    if _info(state).get("phase") in WAITING:
        return _asked_again(state)
    return engine._retry(state, node, now, "no_input")


# -- the appointment book's answers ------------------------------------------------------------

def _search(state: CallState, node: flow_model.Appointment, after: str, out: list[cmd.Command],
            *, more: bool = False) -> Step:
    request = cmd.AppointmentRequest("find_slots", service=node.service, channel=node.channel, after=after,
                                     limit=OFFERED)
    return _ask_book(state, "search", request, out, more=more)


def _offer_text(slots: Sequence[Mapping[str, Any]], sp: Speaker) -> str:
    lines = [sp.t(OFFER_LINE).format(slot=sp.slot(s), key=i + 1) for i, s in enumerate(slots)]
    return " ".join([sp.t(OFFER_INTRO), *[line[0].upper() + line[1:] for line in lines], sp.t(OFFER_END)])


def _confirmation(info: Mapping[str, Any], sp: Speaker) -> str:
    done = info.get("done") or {}
    slot = done.get("slot") or {}
    match done.get("what"):
        case "cancelled":
            return sp.t(CANCELLED).format(slot=sp.slot(slot, with_place=False))
        case "moved":
            head = sp.t(MOVED).format(slot=sp.slot(slot))
        case _:
            head = sp.t(BOOKED).format(slot=sp.slot(slot))
    how = sp.t(HOW_PHONE) if slot.get("channel") == "phone" else sp.t(HOW_IN_PERSON).format(
        address=", ".join(p for p in (slot.get("agency"), slot.get("address")) if p))
    ref = spoken_reference(str(done.get("reference", "")))
    return f"{head} {how} {sp.t(REFERENCE).format(ref=ref)}"


def result(engine: IvrEngine, state: CallState, event: AppointmentResult, now: datetime) -> Step:
    """The book's answer to the request the node is waiting for."""
    info = _info(state)
    node = engine.flow.node(state.node) if state.node is not None else None
    expected = {"search": ("find_slots",), "book": ("book", "move"), "find": ("find",), "cancel": ("cancel",)}
    if state.status != "in_ivr" or not isinstance(node, flow_model.Appointment) \
            or event.action not in expected.get(str(info.get("phase")), ()):
        return state, []  # late or repeated: recorded in the log, nothing to say
    at = now.isoformat()
    human = engine.flow.settings.human
    sp = engine.speaker(state)
    if event.outcome == "error":
        return engine._enter(state, human, at, [cmd.Say(sp.t(engine.flow.settings.apology))], reason="failure")
    match event.action:
        case "find_slots":
            slots = [dict(s) for s in event.slots]
            if not slots and info.get("more") and info.get("slots"):
                return _search(state, node, at, [cmd.Say(sp.t(NO_MORE))])
            if not slots:
                return engine._enter(state, human, at, [cmd.Say(sp.t(NO_SLOTS))], reason="appointment")
            state = _fresh(_with(state, phase="offer", slots=slots, more=False))
            return engine._listen(state, node, [], _offer_text(slots, sp))
        case "book" | "move":
            if event.outcome == "taken":
                return _search(state, node, at, [cmd.Say(sp.t(TAKEN))])
            if event.outcome != "ok" or event.appointment is None:
                return engine._enter(state, human, at, [cmd.Say(sp.t(GONE))], reason="appointment")
            what = "moved" if event.action == "move" else "booked"
            return _confirm(engine, state, node, what, dict(event.appointment))
        case "find":
            if event.outcome != "ok" or event.appointment is None:
                return engine._retry(_with(state, phase="reference"), node, now, "no_match", said=sp.t(NOT_FOUND))
            found = dict(event.appointment)
            if info.get("intent") == "cancel":
                state = _fresh(_with(state, phase="confirm", found=found))
                return engine._listen(state, node, [], prompt(state, node, sp))
            state = _with(state, found=found)
            return _search(state, node, at, [cmd.Say(f"{sp.t(FOUND).format(slot=sp.slot(found['slot']))} "
                                                     f"{sp.t(MOVE_INTRO)}")])
        case "cancel":
            if event.outcome != "ok" or event.appointment is None:
                return engine._enter(state, human, at, [cmd.Say(sp.t(GONE))], reason="appointment")
            return _confirm(engine, state, node, "cancelled", dict(event.appointment))
    return state, []


def _confirm(engine: IvrEngine, state: CallState, node: flow_model.Appointment, what: str,
             appointment: Mapping[str, Any]) -> Step:
    done = {"what": what, "reference": str(appointment.get("reference", "")), "slot": dict(appointment["slot"]),
            "id": appointment.get("id")}
    if can_text(state.caller):
        sms = cmd.SendSms(to=state.caller, body=sms_text(what, done["slot"], done["reference"]))  # type: ignore[arg-type]
        # Nothing said yet: « envoyé » only once Twilio accepted it (SmsResult).
        return _with(state, phase="sms", done=done), [sms]
    state = _with(state, phase="done", done=done)
    sp = engine.speaker(state)
    return engine._listen(state, node, [], f"{_confirmation(_info(state), sp)} {sp.t(NO_SMS)} {sp.t(DONE_PROMPT)}")


def sms_result(engine: IvrEngine, state: CallState, event: SmsResult) -> Step:
    node = engine.flow.node(state.node) if state.node is not None else None
    if not isinstance(node, flow_model.Appointment):
        return state, []
    state = _with(state, phase="done")
    sp = engine.speaker(state)
    said = sp.t(SMS_SENT if event.accepted else SMS_FAILED)
    return engine._listen(state, node, [], f"{_confirmation(_info(state), sp)} {said} {sp.t(DONE_PROMPT)}")


def waiting(state: CallState) -> bool:
    return _info(state).get("phase") in WAITING


