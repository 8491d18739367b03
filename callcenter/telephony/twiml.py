"""Engine commands -> TwiML, with the ``twilio`` library's builders.

Only the voice-facing commands render here; side effects (SMS) belong to the executor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from twilio.twiml.voice_response import VoiceResponse

from callcenter.ivr import commands as cmd

APOLOGY = ("Veuillez nous excuser, un incident technique est survenu. "
           "Nous vous mettons en relation avec un conseiller.")
HOLD_TEXT = ("Merci de patienter, un conseiller va vous répondre. "
             "Votre appel est important pour nous.")
HOLD_POSITION = "Vous êtes en position {position} dans la file d'attente."


@dataclass(frozen=True)
class Voice:
    """How the IVR speaks: a Twilio TTS voice and its language."""

    language: str = "fr-FR"
    voice: str = "Polly.Lea"


def _say(parent: VoiceResponse, text: str, voice: Voice) -> None:
    parent.say(text, language=voice.language, voice=voice.voice)


def render(commands: Sequence[cmd.Command], voice: Voice) -> str:
    """The TwiML document for ``commands``; action URLs are relative to ``/twilio/``."""
    response = VoiceResponse()
    for command in commands:
        match command:
            case cmd.Say():
                _say(response, command.text, voice)
            case cmd.Gather():
                action = f"/twilio/gather?turn={command.turn}"
                gather = response.gather(
                    input=" ".join(command.modes),
                    action=action,
                    method="POST",
                    timeout=command.timeout,
                    language=voice.language,
                    action_on_empty_result=True,
                    speech_timeout="auto" if "speech" in command.modes else None,
                    num_digits=command.max_digits,
                    finish_on_key=command.finish_on_key,
                    hints=", ".join(command.hints) or None,
                )
                _say(gather, command.prompt, voice)
                # Twilio runs the next verb if it ever skips the action: never leave dead air.
                response.redirect(action, method="POST")
            case cmd.Transfer():
                response.enqueue(
                    command.queue,
                    action="/twilio/queue-result",
                    method="POST",
                    wait_url=f"/twilio/hold?queue={quote(command.queue)}",
                    wait_url_method="POST",
                )
            case cmd.Hangup():
                response.hangup()
            case cmd.SendSms():
                pass
    return str(response)


def hold(position: int | None, voice: Voice) -> str:
    """What a caller hears while waiting; Twilio replays the wait URL when this ends."""
    response = VoiceResponse()
    if position is not None and position > 0:
        _say(response, HOLD_POSITION.format(position=position), voice)
    _say(response, HOLD_TEXT, voice)
    response.pause(length=20)
    return str(response)


def fallback(apology: str, queue: str, voice: Voice) -> str:
    """The answer when anything inside failed: an apology, then a person. Needs no database."""
    return render([cmd.Say(apology), cmd.Transfer(queue=queue, skill=None, priority=50,
                                                  reason="failure")], voice)


def empty() -> str:
    return str(VoiceResponse())
