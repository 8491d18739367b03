"""The TwiML rendering as it was written with the ``twilio`` library's builders (before
callcenter/telephony/twiml_text.py): the reference the text writer must match byte for byte."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from twilio.twiml.voice_response import VoiceResponse

from callcenter.ivr import commands as cmd
from callcenter.routing.estimate import announced_minutes
from callcenter.telephony.conference import CALLER_LABEL, conference_name
from callcenter.telephony.twiml import (
    FALLBACK_DIAL_ACTION,
    FALLBACK_QUEUE_ACTION,
    FALLBACK_WAIT_URL,
    HOLD_TEXT,
    STREAM_GATHER_TIMEOUT,
    StreamStart,
    Voice,
    _hold_words,
)


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
