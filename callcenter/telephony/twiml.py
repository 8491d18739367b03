"""Engine commands -> TwiML, with the ``twilio`` library's builders.

Only the voice-facing commands render here; side effects (SMS) belong to the dispatcher.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from twilio.twiml.voice_response import VoiceResponse

from callcenter.ivr import commands as cmd
from callcenter.ivr import wording_en
from callcenter.routing.estimate import announced_minutes
from callcenter.telephony.conference import CALLER_LABEL, conference_name

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


def _say(parent: VoiceResponse, text: str, voice: Voice, language: str = "") -> None:
    tts_language, tts_voice = voice.of(language)
    parent.say(text, language=tts_language, voice=tts_voice)


def render(commands: Sequence[cmd.Command], voice: Voice, call_sid: str = "",
           stream: StreamStart | None = None) -> str:
    """The TwiML document for ``commands`` of call ``call_sid``."""
    response = VoiceResponse()
    if stream is not None:
        start = response.start()
        opened = start.stream(url=stream.url, track="inbound_track")
        opened.parameter(name="token", value=stream.token)
    for command in commands:
        match command:
            case cmd.Say():
                _say(response, command.text, voice, command.language)
            case cmd.Gather():
                own_speech = voice.own_recognition(command.language)
                action = f"/twilio/gather?turn={command.turn}{voice.action_query}"
                twilio_speech = "speech" in command.modes and not own_speech
                gather = response.gather(
                    input="dtmf speech" if twilio_speech else "dtmf",
                    action=action,
                    method="POST",
                    timeout=STREAM_GATHER_TIMEOUT if own_speech and "speech" in command.modes else command.timeout,
                    language=voice.of(command.language)[0],
                    action_on_empty_result=not command.fall_through,
                    speech_timeout="auto" if twilio_speech else None,
                    num_digits=command.max_digits,
                    finish_on_key=command.finish_on_key,
                    hints=", ".join(command.hints) or None,
                )
                for part in command.lead:
                    _say(gather, part.text, voice, part.language)
                _say(gather, command.prompt, voice, command.language)
                if not command.fall_through:
                    # Twilio runs the next verb if it ever skips the action: never leave dead air.
                    response.redirect(action, method="POST")
            case cmd.Transfer():
                # The caller waits alone in their own conference; the agent is added by REST once
                # they accepted with the context on screen (warm transfer). The caller leaving ends it.
                dial = response.dial(action="/twilio/dial-result", method="POST")
                dial.conference(
                    conference_name(call_sid),
                    start_conference_on_enter=False,
                    end_conference_on_exit=True,
                    beep=False,
                    # The caller's language rides on the wait URL: the hold message is said in it.
                    wait_url=f"/twilio/hold?call={quote(call_sid)}" + (
                        f"&lang={quote(command.language)}" if command.language else ""),
                    wait_method="POST",
                    participant_label=CALLER_LABEL,
                    status_callback=f"{voice.base_url}/twilio/conference",
                    status_callback_method="POST",
                    status_callback_event="start end join leave hold",
                )
            case cmd.Hangup():
                response.hangup()
            case cmd.SendSms() | cmd.RequestCallback() | cmd.RecordSurvey() | cmd.CallbackNumber():
                pass
    return str(response)


def listening(command: cmd.Gather) -> str:
    """The caller started to talk over a prompt: stop the prompt, keep listening (barge-in)."""
    response = VoiceResponse()
    action = f"/twilio/gather?turn={command.turn}"
    gather = response.gather(input="dtmf", action=action, method="POST", timeout=STREAM_GATHER_TIMEOUT,
                             action_on_empty_result=True, num_digits=command.max_digits,
                             finish_on_key=command.finish_on_key)
    gather.pause(length=STREAM_GATHER_TIMEOUT)
    response.redirect(action, method="POST")
    return str(response)


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
    response = VoiceResponse()
    words = _hold_words(language)
    if position is not None and position > 0:
        _say(response, words["position"].format(position=position), voice, language)
    minutes = None if nobody_on_duty else announced_minutes(wait_seconds)
    if minutes is not None:
        _say(response, words["wait"].format(minutes=minutes), voice, language)
    _say(response, words["nobody"] if nobody_on_duty else words["text"], voice, language)
    response.pause(length=20)
    return str(response)


def hold_music(voice: Voice, language: str = "") -> str:
    """What a caller put on hold by an agent hears."""
    response = VoiceResponse()
    _say(response, _hold_words(language)["music"], voice, language)
    response.pause(length=15)
    return str(response)


FALLBACK_DIAL_ACTION = "/twilio/fallback-dial"
FALLBACK_WAIT_URL = "/twilio/fallback-hold"
FALLBACK_QUEUE_ACTION = "/twilio/queue-result"


def fallback(apology: str, queue: str, voice: Voice, number: str | None = None, tries: int = 0) -> str:
    """The answer when anything inside failed: an apology, then a person, by paths that need no
    database. With a fallback ``number``, Twilio rings it; otherwise (or if nobody answers it) the
    caller waits in Twilio's queue ``queue``, whose wait URL lets them out to the normal hand-over
    as soon as the database works again (:func:`fallback_queue`)."""
    response = VoiceResponse()
    _say(response, apology, voice)
    if number:
        response.dial(number, action=FALLBACK_DIAL_ACTION, method="POST", timeout=30)
        return str(response)
    _enqueue(response, queue, tries)
    return str(response)


def fallback_queue(queue: str, voice: Voice) -> str:
    """The fallback number did not answer: wait in Twilio's queue for a person."""
    response = VoiceResponse()
    _say(response, HOLD_TEXT, voice)
    _enqueue(response, queue, 0)
    return str(response)


def _enqueue(response: VoiceResponse, queue: str, tries: int) -> None:
    # The wait URL needs no database to answer; when the database is back it answers <Leave>, and
    # Twilio then posts QueueResult=leave to the action, which hands the caller over normally.
    # ``tries``: how many times this caller already left and failed again (spaces the next try).
    response.enqueue(queue, action=f"{FALLBACK_QUEUE_ACTION}?tries={tries}", method="POST",
                     wait_url=f"{FALLBACK_WAIT_URL}?tries={tries}", wait_url_method="POST")


def leave() -> str:
    """Out of Twilio's queue (a wait URL's answer): Twilio goes on to the ``<Enqueue>`` action."""
    response = VoiceResponse()
    response.leave()
    return str(response)


def hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def empty() -> str:
    return str(VoiceResponse())


def say_and_hang_up(text: str, voice: Voice) -> str:
    response = VoiceResponse()
    _say(response, text, voice)
    response.hangup()
    return str(response)


def callback_offer(greeting: str, again: str, action: str, timeout: int, voice: Voice) -> str:
    """A call placed back to a caller: who calls and why, and one key to be put through. Silence
    comes back to ``action`` with no digits (an answering machine must not get the agent)."""
    response = VoiceResponse()
    gather = response.gather(input="dtmf", action=action, method="POST", timeout=timeout, num_digits=1,
                             action_on_empty_result=True, language=voice.language)
    _say(gather, greeting, voice)
    _say(gather, again, voice)
    response.redirect(action, method="POST")
    return str(response)


def callback_join(call_sid: str, text: str, action: str, voice: Voice) -> str:
    """The caller rung back joins their own conference (``conf-<their first call>``) and waits
    there, hearing the hold message, until the agent's leg starts it."""
    response = VoiceResponse()
    _say(response, text, voice)
    dial = response.dial(action=action, method="POST")
    dial.conference(
        conference_name(call_sid), start_conference_on_enter=False, end_conference_on_exit=True, beep=False,
        wait_url="/twilio/hold-music", wait_method="POST", participant_label=CALLER_LABEL,
        status_callback=f"{voice.base_url}/twilio/conference", status_callback_method="POST",
        status_callback_event="start end join leave hold")
    return str(response)
