"""The caller's language in the engine: the choice, every prompt and system sentence in it, the
knowledge base's answers, replay; and no fixed French sentence without its English version."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from callcenter.flows import load_flow
from callcenter.ivr import (
    CallStarted,
    CallState,
    DigitsReceived,
    IvrEngine,
    NoInput,
    SpeechReceived,
    clarify,
    engine,
    replay,
    unstaffed,
    wording,
    wording_en,
)
from callcenter.ivr import commands as cmd
from callcenter.kb import KnowledgeIndex
from callcenter.kb.entry import KnowledgeBase
from callcenter.kb.loader import load_knowledge_base
from callcenter.telephony import twiml
from tests.conftest import PROJECT_ROOT

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
FLOW = load_flow(PROJECT_ROOT / "ivr_flows" / "main.yaml")
KB = load_knowledge_base(PROJECT_ROOT / "knowledge_base")


def run(eng: IvrEngine, events: list[object]) -> tuple[CallState, list[cmd.Command]]:
    state, out = eng.new_call("CA" + "1" * 32), []
    for i, event in enumerate(events):
        state, out = eng.step(state, event, T0.replace(second=i))  # type: ignore[arg-type]
    return state, out


def gather(out: list[cmd.Command]) -> cmd.Gather:
    return next(c for c in out if isinstance(c, cmd.Gather))


FIXED_FRENCH = [
    wording.DANGER_QUESTION, wording.DANGER_NO, clarify.NOT_UNDERSTOOD, *unstaffed.CLOSED.values(),
    unstaffed.NOBODY, unstaffed.OFFER_CLOSED, unstaffed.OFFER_NOBODY, unstaffed.STAY_NOBODY,
    unstaffed.TAKEN_CLOSED_SOMETIME, unstaffed.GOODBYE,
]


@pytest.mark.parametrize("sentence", FIXED_FRENCH)
def test_every_fixed_sentence_has_an_english_version(sentence: str) -> None:
    assert wording_en.fixed(sentence), sentence


def test_the_other_system_sentences_have_english_versions() -> None:
    assert engine.CALLBACK_TAKEN != wording_en.CALLBACK_TAKEN and engine.SMS_FAILED != wording_en.SMS_FAILED
    assert engine.QUEUE_FULL_TEXT != wording_en.QUEUE_FULL
    assert set(wording_en.HOLD) == {"text", "position", "wait", "nobody", "music"}
    assert "{minutes}" in wording_en.HOLD["wait"] and "{position}" in wording_en.HOLD["position"]
    assert "12 minutes" in wording_en.callback_offer(12)


def test_the_offer_is_said_in_english_before_the_french_prompt_until_chosen() -> None:
    eng = IvrEngine(FLOW)
    state, out = run(eng, [CallStarted(caller="+33612345678")])
    first = gather(out)
    assert first.language == "" and first.lead == (cmd.Say("For English, press 9.", "en"),)
    assert state.language == ""
    # By key or by voice, the question comes again in English, without the offer.
    for answer in (DigitsReceived("9"), SpeechReceived("english please", 0.9)):
        chosen, out = eng.step(state, answer, T0.replace(second=5))
        assert chosen.language == "en" and chosen.path[-2:] == ("objet", "objet")
        again = gather(out)
        assert again.language == "en" and again.lead == ()
        assert again.prompt.startswith("Tell us in a few words why you are calling.")


def test_retries_and_the_way_to_a_person_in_english() -> None:
    eng = IvrEngine(FLOW)
    state, out = run(eng, [CallStarted(caller="+33612345678"), DigitsReceived("9"), NoInput()])
    assert gather(out).prompt.startswith("I did not hear you. Tell us in a few words")
    state, out = eng.step(state, SpeechReceived("I want to speak to an adviser", 0.9), T0.replace(minute=1))
    assert state.status == "transferred"
    assert out[0] == cmd.Say("I am putting you through to an adviser. Please hold.", "en")
    assert isinstance(out[-1], cmd.Transfer) and out[-1].language == "en"


def test_a_kb_answer_in_english_when_the_entry_has_one_else_french_after_a_notice() -> None:
    english = "Report a lost carte vitale in your ameli account, then order a new one there."
    card = dataclasses.replace(KB["am.carte_vitale"], spoken_answers=(("en", english),))
    translated = KnowledgeIndex.build(KnowledgeBase(tuple(e if e.id != card.id else card for e in KB)))
    events = [CallStarted(caller="+33612345678"), DigitsReceived("9"), SpeechReceived("I lost my carte vitale", 0.9)]
    _, out = run(IvrEngine(FLOW, translated), events)
    read = gather(out)
    assert read.lead == () and read.language == "en"
    assert read.prompt.startswith(english) and "To hear it again, press 1." in read.prompt
    _, out = run(IvrEngine(FLOW, KnowledgeIndex.build(KB)), events)
    read = gather(out)
    assert read.lead[0] == cmd.Say("This answer is only available in French.", "en")
    assert read.lead[1].language == "fr" and read.lead[1].text.startswith("Selon l'Assurance Maladie")
    assert read.prompt.startswith("To hear it again, press 1.") and read.language == "en"
    # "repeat" in English reads it again, the same way.
    state, _ = run(IvrEngine(FLOW, KnowledgeIndex.build(KB)), events)
    _, again = IvrEngine(FLOW, KnowledgeIndex.build(KB)).step(state, SpeechReceived("repeat please", 0.9),
                                                              T0.replace(minute=2))
    assert gather(again).lead == read.lead


def test_a_french_call_is_unchanged() -> None:
    _, out = run(IvrEngine(FLOW, KnowledgeIndex.build(KB)),
                 [CallStarted(caller="+33612345678"), SpeechReceived("j'ai perdu ma carte vitale", 0.9)])
    read = gather(out)
    assert read.language == "" and read.lead == ()
    assert read.prompt.startswith("Selon l'Assurance Maladie") and "Pour réécouter, tapez 1." in read.prompt


def test_the_language_is_replayed_from_the_log_and_kept_in_the_stored_state() -> None:
    eng = IvrEngine(FLOW)
    events = [CallStarted(caller="+33612345678"), DigitsReceived("9"), DigitsReceived("1")]
    times = [T0.replace(second=i) for i in range(len(events))]
    state, _ = run(eng, events)
    assert state.language == "en"
    assert CallState.from_dict(state.to_dict()) == state
    assert replay(eng, "CA" + "1" * 32, list(zip(events, times, strict=True))) == state
    # A state stored before languages existed reads as the flow's first language.
    old = {k: v for k, v in state.to_dict().items() if k != "language"}
    assert CallState.from_dict(old).language == ""


def test_twiml_says_and_gathers_in_the_commands_language() -> None:
    voice = twiml.Voice()
    question = cmd.Gather(node="n", turn=2, prompt="Press 1.", modes=("dtmf", "speech"), timeout=5, language="en",
                          lead=(cmd.Say("Bonjour.", "fr"),))
    out = twiml.render([cmd.Say("Hello.", "en"), question], voice, "CA1")
    assert 'language="en-GB" voice="Polly.Amy">Hello.' in out
    assert '<Gather action="/twilio/gather?turn=2"' in out and 'language="en-GB"' in out
    assert ('<Say language="fr-FR" voice="Polly.Lea">Bonjour.</Say>'
            '<Say language="en-GB" voice="Polly.Amy">Press 1.') in out
    # With our own recogniser (for French), an English question is recognised by Twilio.
    own = twiml.Voice(speech="vosk")
    english = twiml.render([cmd.Gather(node="n", turn=2, prompt="Press 1.", modes=("dtmf", "speech"), timeout=5,
                                       language="en")], own, "CA1")
    french = twiml.render([cmd.Gather(node="n", turn=2, prompt="Tapez 1.", modes=("dtmf", "speech"), timeout=5)],
                          own, "CA1")
    assert 'input="dtmf speech"' in english and 'input="dtmf"' in french
    # ...unless a model of that language is configured (CALLCENTER_VOSK_MODELS): then ours.
    both = twiml.Voice(speech="vosk", own_languages=("en",))
    english = twiml.render([cmd.Gather(node="n", turn=2, prompt="Press 1.", modes=("dtmf", "speech"), timeout=5,
                                       language="en")], both, "CA1")
    assert 'input="dtmf"' in english and 'language="en-GB"' in english


def test_the_speech_and_voice_settings_of_other_languages() -> None:
    from callcenter.config import Settings, SettingsError
    from callcenter.speech.settings import speech_settings
    settings = Settings.from_env({"CALLCENTER_VOSK_MODELS": "en=vosk-model-small-en-us-0.15",
                                  "CALLCENTER_VOICES": "en=en-US:Polly.Joanna"})
    assert speech_settings(settings).vosk_models == {"en": "vosk-model-small-en-us-0.15"}
    assert settings.voices == {"en": ("en-US", "Polly.Joanna")}
    assert Settings.from_env({}).voices == {"en": ("en-GB", "Polly.Amy")}
    with pytest.raises(SettingsError, match="CALLCENTER_VOICES"):
        Settings.from_env({"CALLCENTER_VOICES": "english=en-GB"})
    with pytest.raises(SettingsError, match="CALLCENTER_VOSK_MODELS"):
        speech_settings(Settings.from_env({"CALLCENTER_VOSK_MODELS": "vosk-model-small-en-us-0.15"}))
