"""Engine commands -> TwiML, written as the ``twilio`` library's builders write it (twiml_text.py).

Only the voice-facing commands render here; side effects (SMS) belong to the dispatcher.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from callcenter.ivr import commands as cmd
from callcenter.ivr import wording_en
from callcenter.routing.estimate import announced_minutes
from callcenter.telephony.conference import CALLER_LABEL, conference_name
from callcenter.telephony.twiml_text import document, element, opening

APOLOGY = ("Veuillez nous excuser, un incident technique est survenu. "
           "Nous vous mettons en relation avec un conseiller.")
HOLD_TEXT = ("Merci de patienter, un conseiller va vous répondre. "
             "Votre appel est important pour nous.")
HOLD_POSITION = "Vous êtes en position {position} dans la file d'attente."
HOLD_WAIT = "Le temps d'attente est estimé à environ {minutes} minutes."
HOLD_NOBODY = ("Aucun conseiller n'est disponible pour le moment. Vous gardez votre place, mais nous ne "
               "savons pas quand un conseiller sera libre. Vous pouvez aussi raccrocher et rappeler plus tard.")
HOLD_MUSIC = "Merci de rester en ligne, votre conseiller revient vers vous."


@dataclass(frozen=True)
class Voice:
    """How the IVR speaks (a Twilio TTS voice and its language), and where callbacks go."""

    language: str = "fr-FR"
    voice: str = "Polly.Lea"
    # Absolute base for callback URLs when a public URL is configured; relative paths otherwise.
    base_url: str = ""
    # "twilio": Twilio recognises speech in <Gather>; "vosk": our own recogniser hears the audio
    # stream, and Twilio only collects keys.
    speech: str = "twilio"
    # Added to every <Gather> action: a call that could not have a stream of its own keeps
    # Twilio's recognition on its next questions (its answers come back with this mark).
    action_query: str = ""
    # The other languages a flow may speak: code -> (Twilio's language, its voice). A caller
    # who chose one hears that voice, and their speech is recognised in it: by our recogniser
    # when it has a model for it (``own_languages``), else by Twilio.
    voices: Mapping[str, tuple[str, str]] = field(default_factory=lambda: dict(OTHER_VOICES))
    # The other languages our recogniser has a model for (CALLCENTER_VOSK_MODELS).
    own_languages: tuple[str, ...] = ()

    def of(self, language: str) -> tuple[str, str]:
        """(Twilio language, voice) for a command's ``language`` ("": the first language)."""
        return self.voices.get(language, (self.language, self.voice)) if language else (self.language, self.voice)

    def own_recognition(self, language: str) -> bool:
        """Whether our recogniser hears answers in ``language`` (else Twilio's does)."""
        return self.speech == "vosk" and (not language or language in self.own_languages)


# Polly's British English voice; CALLCENTER_VOICES changes or adds others (docs/flows.md, Langues).
OTHER_VOICES: dict[str, tuple[str, str]] = {"en": ("en-GB", "Polly.Amy")}


# With our own recogniser, a <Gather> only waits for keys; silence is detected on the audio stream,
# so Twilio's own timeout is a long backstop (if the stream died, the caller is still moved on).
STREAM_GATHER_TIMEOUT = 30


@dataclass(frozen=True)
class StreamStart:
    """Open the call's audio stream to our recogniser: its wss URL and the token bound to the call."""

    url: str
    token: str


def _say(text: str, voice: Voice, language: str = "") -> str:
    tts_language, tts_voice = voice.of(language)
    return _said(text, tts_language, tts_voice)


@functools.lru_cache(maxsize=1024)
def _said(text: str, tts_language: str, tts_voice: str) -> str:
    # A flow says the same prompts to every caller (the menus, the hand-over's words): each
    # written once, not escaped again at every answer.
    return element("Say", {"language": tts_language, "voice": tts_voice}, text)


@functools.lru_cache(maxsize=1024, typed=True)
def _gather_opening(input_: str, action: str, timeout: object, language: str, action_on_empty: bool,
                    speech_timeout: str | None, num_digits: object, finish_on_key: str, hints: str | None) -> str:
    # A flow asks the same questions of every caller: the <Gather> tag of each written once (typed:
    # a timeout of 5 and one of 5.0 are written differently).
    return opening("Gather", {
        "input": input_,
        "action": action,
        "method": "POST",
        "timeout": timeout,
        "language": language,
        "actionOnEmptyResult": action_on_empty,
        "speechTimeout": speech_timeout,
        "numDigits": num_digits,
        "finishOnKey": finish_on_key,
        "hints": hints,
    })


def _conference(call_sid: str, wait_url: str, base_url: str) -> str:
    # The caller waits alone in their own conference; the agent is added by REST once they
    # accepted with the context on screen (warm transfer). The caller leaving ends it.
    return element("Conference", {
        "beep": False, "endConferenceOnExit": True, "participantLabel": CALLER_LABEL,
        "startConferenceOnEnter": False, "statusCallback": f"{base_url}/twilio/conference",
        "statusCallbackEvent": "start end join leave hold", "statusCallbackMethod": "POST",
        "waitMethod": "POST", "waitUrl": wait_url}, conference_name(call_sid))


def render(commands: Sequence[cmd.Command], voice: Voice, call_sid: str = "",
           stream: StreamStart | None = None) -> str:
    """The TwiML document for ``commands`` of call ``call_sid``."""
    verbs: list[str] = []
    if stream is not None:
        verbs.append(element("Start", None, None, element(
            "Stream", {"track": "inbound_track", "url": stream.url}, None,
            element("Parameter", {"name": "token", "value": stream.token}))))
    for command in commands:
        match command:
            case cmd.Say():
                verbs.append(_say(command.text, voice, command.language))
            case cmd.Gather():
                own_speech = voice.own_recognition(command.language)
                action = f"/twilio/gather?turn={command.turn}{voice.action_query}"
                twilio_speech = "speech" in command.modes and not own_speech
                said = [_say(part.text, voice, part.language) for part in command.lead]
                said.append(_say(command.prompt, voice, command.language))
                # element("Gather", {...}, None, *said): said is never empty (the prompt).
                verbs.append(_gather_opening(
                    "dtmf speech" if twilio_speech else "dtmf", action,
                    STREAM_GATHER_TIMEOUT if own_speech and "speech" in command.modes else command.timeout,
                    voice.of(command.language)[0], not command.fall_through, "auto" if twilio_speech else None,
                    command.max_digits, command.finish_on_key, ", ".join(command.hints) or None,
                ) + "".join(said) + "</Gather>")
                if not command.fall_through:
                    # Twilio runs the next verb if it ever skips the action: never leave dead air.
                    verbs.append(element("Redirect", {"method": "POST"}, action))
            case cmd.Transfer():
                # The caller's language rides on the wait URL: the hold message is said in it.
                wait_url = f"/twilio/hold?call={quote(call_sid)}" + (
                    f"&lang={quote(command.language)}" if command.language else "")
                verbs.append(element("Dial", {"action": "/twilio/dial-result", "method": "POST"}, None,
                                     _conference(call_sid, wait_url, voice.base_url)))
            case cmd.Hangup():
                verbs.append(element("Hangup"))
            case cmd.SendSms() | cmd.RequestCallback() | cmd.RecordSurvey() | cmd.CallbackNumber():
                pass
    return document(*verbs)


def listening(command: cmd.Gather) -> str:
    """The caller started to talk over a prompt: stop the prompt, keep listening (barge-in)."""
    action = f"/twilio/gather?turn={command.turn}"
    gather = element("Gather", {"input": "dtmf", "action": action, "method": "POST",
                                "timeout": STREAM_GATHER_TIMEOUT, "actionOnEmptyResult": True,
                                "numDigits": command.max_digits, "finishOnKey": command.finish_on_key},
                     None, element("Pause", {"length": STREAM_GATHER_TIMEOUT}))
    return document(gather, element("Redirect", {"method": "POST"}, action))


def _hold_words(language: str) -> dict[str, str]:
    if language == wording_en.ENGLISH:
        return wording_en.HOLD
    return {"text": HOLD_TEXT, "position": HOLD_POSITION, "wait": HOLD_WAIT, "nobody": HOLD_NOBODY,
            "music": HOLD_MUSIC}


def hold(position: int | None, voice: Voice, wait_seconds: float | None = None, *,
         nobody_on_duty: bool = False, language: str = "") -> str:
    """What a caller hears while waiting, in their ``language``; Twilio replays the wait URL when
    this ends. Minutes are said only from an honest estimate (docs/routing.md); with nobody on
    duty, none are."""
    verbs: list[str] = []
    words = _hold_words(language)
    if position is not None and position > 0:
        verbs.append(_say(words["position"].format(position=position), voice, language))
    minutes = None if nobody_on_duty else announced_minutes(wait_seconds)
    if minutes is not None:
        verbs.append(_say(words["wait"].format(minutes=minutes), voice, language))
    verbs.append(_say(words["nobody"] if nobody_on_duty else words["text"], voice, language))
    verbs.append(element("Pause", {"length": 20}))
    return document(*verbs)


def hold_music(voice: Voice, language: str = "") -> str:
    """What a caller put on hold by an agent hears."""
    return document(_say(_hold_words(language)["music"], voice, language), element("Pause", {"length": 15}))


FALLBACK_DIAL_ACTION = "/twilio/fallback-dial"
FALLBACK_WAIT_URL = "/twilio/fallback-hold"
FALLBACK_QUEUE_ACTION = "/twilio/queue-result"


def fallback(apology: str, queue: str, voice: Voice, number: str | None = None, tries: int = 0) -> str:
    """The answer when anything inside failed: an apology, then a person, by paths that need no
    database. With a fallback ``number``, Twilio rings it; otherwise (or if nobody answers it) the
    caller waits in Twilio's queue ``queue``, whose wait URL lets them out to the normal hand-over
    as soon as the database works again (:func:`fallback_queue`)."""
    if number:
        return document(_say(apology, voice), element(
            "Dial", {"action": FALLBACK_DIAL_ACTION, "method": "POST", "timeout": 30}, number))
    return document(_say(apology, voice), _enqueue(queue, tries))


def fallback_queue(queue: str, voice: Voice) -> str:
    """The fallback number did not answer: wait in Twilio's queue for a person."""
    return document(_say(HOLD_TEXT, voice), _enqueue(queue, 0))


def _enqueue(queue: str, tries: int) -> str:
    # The wait URL needs no database to answer; when the database is back it answers <Leave>, and
    # Twilio then posts QueueResult=leave to the action, which hands the caller over normally.
    # ``tries``: how many times this caller already left and failed again (spaces the next try).
    return element("Enqueue", {"action": f"{FALLBACK_QUEUE_ACTION}?tries={tries}", "method": "POST",
                               "waitUrl": f"{FALLBACK_WAIT_URL}?tries={tries}", "waitUrlMethod": "POST"},
                   queue)


def leave() -> str:
    """Out of Twilio's queue (a wait URL's answer): Twilio goes on to the ``<Enqueue>`` action."""
    return document(element("Leave"))


def hangup() -> str:
    return document(element("Hangup"))


def empty() -> str:
    return document()


def say_and_hang_up(text: str, voice: Voice) -> str:
    return document(_say(text, voice), element("Hangup"))


def callback_offer(greeting: str, again: str, action: str, timeout: int, voice: Voice) -> str:
    """A call placed back to a caller: who calls and why, and one key to be put through. Silence
    comes back to ``action`` with no digits (an answering machine must not get the agent)."""
    gather = element("Gather", {"input": "dtmf", "action": action, "method": "POST", "timeout": timeout,
                                "numDigits": 1, "actionOnEmptyResult": True, "language": voice.language},
                     None, _say(greeting, voice), _say(again, voice))
    return document(gather, element("Redirect", {"method": "POST"}, action))


def callback_join(call_sid: str, text: str, action: str, voice: Voice) -> str:
    """The caller rung back joins their own conference (``conf-<their first call>``) and waits
    there, hearing the hold message, until the agent's leg starts it."""
    return document(_say(text, voice), element("Dial", {"action": action, "method": "POST"}, None,
                                               _conference(call_sid, "/twilio/hold-music", voice.base_url)))
