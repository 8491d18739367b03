"""The TwiML written as text (twiml_text.py) is, byte for byte, what the ``twilio`` builders wrote:
every document ``twiml`` renders, over texts that need escaping and every option of each verb."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

import pytest

from callcenter.ivr import commands as cmd
from callcenter.telephony import twiml
from callcenter.telephony.twiml_text import element
from tests.telephony import twiml_builders as builders

# Texts that need each escape xml.etree makes (text and attributes), and some that need none.
TEXTS = ("", "Bonjour.", "Ça coûte 5 € & plus <cher> que \"prévu\" l'an passé > 3",
         "ligne\nsuivante\tet\rretour", "]]> & &amp; <!-- -->", "日本語 · emoji 📞", "0", " ")
VOICES = (
    twiml.Voice(),
    twiml.Voice(base_url="https://centre.example.fr", action_query="&asr=twilio"),
    twiml.Voice(speech="vosk", own_languages=("en",), voices={"en": ("en-GB", "Polly.Amy"),
                                                             "de": ("de-DE", 'Polly."Vicki" & co')}),
    twiml.Voice(language="en-GB", voice="Polly.Amy", speech="vosk"),
)
SID = "CA" + "0f" * 16


def _gathers(rng: random.Random) -> list[cmd.Gather]:
    out = []
    for modes, fall_through, language in itertools.product(
            (("dtmf",), ("speech",), ("dtmf", "speech")), (False, True), ("", "en", "de")):
        out.append(cmd.Gather(
            node="n", turn=rng.randint(0, 40), prompt=rng.choice(TEXTS), modes=modes,
            timeout=rng.choice((0, 5, 6)), max_digits=rng.choice((None, 1, 12)),
            finish_on_key=rng.choice(("#", "", "*")),
            hints=rng.choice(((), ("un",), ("a & b", '"c"', "d<e>"))), fall_through=fall_through,
            language=language,
            lead=tuple(cmd.Say(rng.choice(TEXTS), rng.choice(("", "en"))) for _ in range(rng.randint(0, 2)))))
    return out


def _commands(rng: random.Random) -> list[list[cmd.Command]]:
    singles: list[cmd.Command] = [
        *(cmd.Say(text, language) for text in TEXTS for language in ("", "en", "de", "xx")),
        *_gathers(rng),
        cmd.Transfer("default", None, 0, "r"), cmd.Transfer("caf", "caf", 2, "r", language="en"),
        cmd.Transfer("caf", None, 1, "r", language="a b&c"),
        cmd.Hangup(), cmd.SendSms("+33600000000", "corps & <texte>"),
        cmd.RequestCallback("+33600000000", queue="default"), cmd.CallbackNumber("+33600000000"),
    ]
    sequences: list[list[cmd.Command]] = [[], *([c] for c in singles)]
    for _ in range(60):
        sequences.append(rng.sample(singles, rng.randint(2, 5)))
    return sequences


@pytest.mark.parametrize("voice", VOICES)
def test_render_matches_the_builders(voice: twiml.Voice) -> None:
    rng = random.Random(13)
    streams = (None, twiml.StreamStart("wss://x.example/twilio/media?a=1&b=2", 'tok"en<&>'))
    for commands, stream, sid in itertools.product(_commands(rng), streams, (SID, "", "CA<&>")):
        assert twiml.render(commands, voice, sid, stream) == builders.render(commands, voice, sid, stream)


def test_a_question_asked_again_with_equal_values_of_other_types_is_written_as_the_builders_do() -> None:
    # The <Gather> tag is kept once written (by its values and their types): 5 and 5.0 are
    # written "5" and "5.0", whichever came first.
    voice = VOICES[0]
    for timeouts in ((5, 5.0, 5), (6.0, 6)):
        for timeout in timeouts:
            ask = [cmd.Gather(node="n", turn=3, prompt="Votre choix ?", modes=("dtmf",), timeout=timeout,
                              max_digits=1, finish_on_key="")]
            ours = twiml.render(ask, voice, SID)
            assert ours == builders.render(ask, voice, SID) and f'timeout="{timeout}"' in ours


def test_listening_matches_the_builders() -> None:
    for gather in _gathers(random.Random(5)):
        assert twiml.listening(gather) == builders.listening(gather)


CASES: list[tuple[str, Callable[..., str], tuple[Any, ...], dict[str, Any]]] = []
for voice in VOICES:
    for position, wait, nobody, language in itertools.product(
            (None, 0, 1, 12), (None, 30.0, 400.0, 5000.0), (False, True), ("", "en")):
        CASES.append(("hold", twiml.hold, (position, voice, wait), {"nobody_on_duty": nobody, "language": language}))
    for language in ("", "en"):
        CASES.append(("hold_music", twiml.hold_music, (voice, language), {}))
    for text, number, tries in itertools.product(TEXTS[:5], (None, "", "+33100000000", "+33 1 <&>"), (0, 3)):
        CASES.append(("fallback", twiml.fallback, (text, "fallback & co", voice, number, tries), {}))
    CASES.append(("fallback_queue", twiml.fallback_queue, ("file <a>", voice), {}))
    CASES.append(("fallback_queue", twiml.fallback_queue, ("", voice), {}))
    for text in TEXTS:
        CASES.append(("say_and_hang_up", twiml.say_and_hang_up, (text, voice), {}))
        CASES.append(("callback_offer", twiml.callback_offer, (text, "Tapez 1.", "/twilio/cb?x=1&y=2", 8, voice), {}))
        CASES.append(("callback_join", twiml.callback_join, (SID, text, "/twilio/cb-end?c=1&d=<2>", voice), {}))
CASES += [("leave", twiml.leave, (), {}), ("hangup", twiml.hangup, (), {}), ("empty", twiml.empty, (), {})]


@pytest.mark.parametrize(("name", "ours", "args", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_documents_match_the_builders(name: str, ours: Callable[..., str], args: tuple[Any, ...],
                                      kwargs: dict[str, Any]) -> None:
    assert ours(*args, **kwargs) == getattr(builders, name)(*args, **kwargs)


def test_element_writes_as_the_builders_do() -> None:
    # An element with neither text nor children is closed at once; None attributes are left out.
    assert element("Hangup") == "<Hangup />"
    assert element("Say", {"voice": "v", "language": None}, "") == '<Say voice="v" />'
    assert element("Pause", {"length": 0, "b": False}) == '<Pause b="false" length="0" />'
