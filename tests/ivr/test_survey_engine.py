"""The post-call survey and the digital bridge as pure engine steps, on the bundled flow,
knowledge base and triage rules: consent, score, comment, refusal, silence, the way to a
person, danger, the link SMS with consent and the number confirmed, and replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from callcenter.config import PROJECT_ROOT
from callcenter.flows import load_flow, parse_flow
from callcenter.flows.loader import FlowError
from callcenter.ivr import (
    AgentHandled,
    CallStarted,
    CallState,
    DigitsReceived,
    Event,
    IvrEngine,
    NoInput,
    QueueLeft,
    SmsResult,
    SpeechReceived,
    event_from_dict,
    event_to_dict,
    replay,
)
from callcenter.ivr import commands as cmd
from callcenter.kb import KnowledgeIndex, load_knowledge_base
from callcenter.triage import load_rules

START = CallStarted("+33612345678", "+33900000000")
ANONYMOUS = CallStarted("anonymous", "+33900000000")
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
PAID = SpeechReceived("la retraite est payée quel jour du mois", 0.9)     # retraite.paiement: no online procedure
ASK_RETIREMENT = SpeechReceived("comment demander ma retraite", 0.9)      # retraite.demande: online
MAIN = PROJECT_ROOT / "ivr_flows" / "main.yaml"


@pytest.fixture(scope="module")
def engine() -> IvrEngine:
    kb = KnowledgeIndex.build(load_knowledge_base(PROJECT_ROOT / "knowledge_base"))
    return IvrEngine(load_flow(MAIN), kb, load_rules())


def play(engine: IvrEngine, events: list[Event], sid: str = "CA" + "3" * 32
         ) -> tuple[CallState, list[cmd.Command], list[cmd.Command]]:
    """The final state, the last step's commands, and every command of the call."""
    state, out, every = engine.new_call(sid), [], []
    for i, event in enumerate(events):
        state, out = engine.step(state, event, T0 + timedelta(seconds=i))
        every += out
    return state, out, every


def words(out: list[cmd.Command]) -> str:
    return " ".join(c.text if isinstance(c, cmd.Say) else c.prompt for c in out
                    if isinstance(c, cmd.Say | cmd.Gather))


def surveys(every: list[cmd.Command]) -> list[cmd.RecordSurvey]:
    return [c for c in every if isinstance(c, cmd.RecordSurvey)]


def test_after_an_answer_consent_score_and_a_redacted_capped_comment(engine: IvrEngine) -> None:
    state, out, _ = play(engine, [START, PAID, DigitsReceived("4")])
    assert state.node == "enquete" and state.path[-3:] == ("reponse", "lien_en_ligne", "enquete")
    assert words(out) == "Acceptez-vous de répondre à une question sur cet appel ? Tapez 1 pour oui."
    state, out, every = play(engine, [START, PAID, DigitsReceived("4"), DigitsReceived("1"), DigitsReceived("4")])
    assert words(out).startswith("Merci. Si vous le souhaitez, dites en quelques mots")
    assert surveys(every) == [cmd.RecordSurvey(score=4, via="answer", node="reponse", tier="normal",
                                               kb_id="retraite.paiement")]
    comment = "très clair merci, mon numéro est le 06 12 34 56 78 " + "et encore " * 40
    state, out, every = play(engine, [START, PAID, DigitsReceived("4"), DigitsReceived("1"), DigitsReceived("4"),
                                      SpeechReceived(comment, 0.8)])
    *_, last = surveys(every)
    assert last.score == 4 and last.comment is not None and len(last.comment) <= 200
    assert "06 12" not in last.comment and last.comment.startswith("très clair merci, mon numéro est le [")
    assert words(out) == "Merci pour votre réponse. Merci de votre appel. Au revoir."
    assert state.status == "ended" and out[-1] == cmd.Hangup()
    assert state.survey is not None and state.survey["phase"] == "done" and state.survey["score"] == 4


def test_spoken_consent_and_score(engine: IvrEngine) -> None:
    state, _, every = play(engine, [START, PAID, DigitsReceived("4"), SpeechReceived("oui", 0.9),
                                    SpeechReceived("cinq", 0.9), NoInput()])
    assert [s.score for s in surveys(every)] == [5]
    assert state.status == "ended" and state.path[-1] == "au_revoir"


@pytest.mark.parametrize("refusal", [DigitsReceived("2"), SpeechReceived("non merci", 0.9), NoInput()])
def test_refusal_or_silence_ends_politely_and_stores_nothing(engine: IvrEngine, refusal: Event) -> None:
    state, out, every = play(engine, [START, PAID, DigitsReceived("4"), refusal])
    assert surveys(every) == []
    assert words(out) == "Merci de votre appel. Au revoir." and out[-1] == cmd.Hangup()
    assert state.status == "ended" and state.end_status == "ivr_hangup"


def test_no_score_after_consent_ends_without_a_record(engine: IvrEngine) -> None:
    state, _, every = play(engine, [START, PAID, DigitsReceived("4"), DigitsReceived("1"), NoInput()])
    assert surveys(every) == [] and state.status == "ended"
    # A wrong key is asked again once, then the call goes on.
    state, out, every = play(engine, [START, PAID, DigitsReceived("4"), DigitsReceived("1"), DigitsReceived("9")])
    assert words(out).startswith("Je n'ai pas compris. Votre question a-t-elle reçu une réponse")
    state, out, every = play(engine, [START, PAID, DigitsReceived("4"), DigitsReceived("1"), DigitsReceived("9"),
                                      DigitsReceived("7")])
    assert surveys(every) == [] and state.status == "ended"


def test_a_hang_up_during_the_survey_keeps_the_score_given(engine: IvrEngine) -> None:
    from callcenter.ivr import CallEnded
    state, out, every = play(engine, [START, PAID, DigitsReceived("4"), DigitsReceived("1"), DigitsReceived("2"),
                                      CallEnded("completed")])
    assert [s.score for s in surveys(every)] == [2] and out == [] and state.status == "ended"


def test_key_0_reaches_a_person_and_danger_is_heard_even_here(engine: IvrEngine) -> None:
    state, out, _ = play(engine, [START, PAID, DigitsReceived("4"), DigitsReceived("0")])
    assert state.status == "transferred" and any(isinstance(c, cmd.Transfer) for c in out)
    state, out, _ = play(engine, [START, PAID, DigitsReceived("4"), DigitsReceived("1"), DigitsReceived("3"),
                                  SpeechReceived("je veux mourir je n'en peux plus", 0.9)])
    transfer = next(c for c in out if isinstance(c, cmd.Transfer))
    assert transfer.queue == "urgences" and "31 14" in words(out)


def test_no_survey_for_a_caller_who_got_nothing(engine: IvrEngine) -> None:
    """The titles' information path hangs up directly; a flow that sends an unanswered caller to
    the survey node passes through it."""
    flow = MAIN.read_text(encoding="utf-8").replace("        next: au_revoir\n\n  titres:",
                                                    "        next: enquete\n\n  titres:")
    assert "next: enquete\n\n  titres:" in flow
    other = IvrEngine(parse_flow(flow, "main.yaml"), engine.knowledge, engine.triage)
    state, out, every = play(other, [START, DigitsReceived("6"), DigitsReceived("3")])
    assert state.path[-2:] == ("enquete", "au_revoir") and state.status == "ended" and surveys(every) == []


def test_after_an_agent_the_caller_comes_back_for_the_survey(engine: IvrEngine) -> None:
    to_caf = [START, DigitsReceived("1"), DigitsReceived("1"), DigitsReceived("1234567")]
    state, out, _ = play(engine, [*to_caf, AgentHandled(7), QueueLeft("bridged", 300)])
    assert state.status == "in_ivr" and state.node == "enquete" and state.handled_by == 7
    assert "Acceptez-vous" in words(out)
    state, out, every = play(engine, [*to_caf, AgentHandled(7), QueueLeft("bridged", 300), DigitsReceived("1"),
                                      DigitsReceived("5"), NoInput()])
    assert surveys(every) == [cmd.RecordSurvey(score=5, via="agent", node="caf", tier="normal", agent_id=7,
                                               queue="caf")]
    assert state.status == "ended" and state.path[-2:] == ("enquete", "au_revoir")
    # Nobody talked with them (the desk says no agent), or the line failed: hung up as before.
    for events in ([*to_caf, QueueLeft("bridged", 30)], [*to_caf, AgentHandled(7), QueueLeft("error", 0)]):
        state, out, _ = play(engine, events)
        assert state.status == "ended" and out[-1] == cmd.Hangup() and state.survey is None


def test_a_flow_without_survey_hangs_up_after_the_agent(engine: IvrEngine) -> None:
    text = MAIN.read_text(encoding="utf-8").replace("survey: enquete ", "")
    other = IvrEngine(parse_flow(text, "main.yaml"), engine.knowledge, engine.triage)
    state, out, _ = play(other, [START, DigitsReceived("1"), DigitsReceived("1"), DigitsReceived("1234567"),
                                 AgentHandled(7), QueueLeft("bridged", 300)])
    assert state.status == "ended" and out == [cmd.Hangup()]


def test_the_flow_checks_know_the_survey_setting() -> None:
    text = MAIN.read_text(encoding="utf-8")
    with pytest.raises(FlowError) as bad:
        parse_flow(text.replace("survey: enquete ", "survey: au_revoir "), "main.yaml")
    assert "'survey' must name a survey node, 'au_revoir' is a hangup" in str(bad.value)
    with pytest.raises(FlowError) as unknown:
        parse_flow(text.replace("survey: enquete ", "survey: nulle_part "), "main.yaml")
    assert "unknown target 'nulle_part'" in str(unknown.value)
    # Reached only after an agent: not "unreachable".
    only_after_agent = text.replace("    next: enquete\n", "    next: au_revoir\n")
    assert parse_flow(only_after_agent, "main.yaml").settings.survey == "enquete"


# -- the digital bridge ---------------------------------------------------------------------------

def test_online_link_with_consent_and_the_number_confirmed(engine: IvrEngine) -> None:
    state, out, _ = play(engine, [START, ASK_RETIREMENT, DigitsReceived("4")])
    assert state.node == "lien_en_ligne"
    assert words(out).startswith("Cette démarche peut se faire en ligne. Voulez-vous recevoir par SMS le lien")
    state, out, _ = play(engine, [START, ASK_RETIREMENT, DigitsReceived("4"), DigitsReceived("1")])
    assert words(out) == "Le SMS sera envoyé au numéro qui finit par 56 78. Pour confirmer, tapez 1."
    state, out, _ = play(engine, [START, ASK_RETIREMENT, DigitsReceived("4"), DigitsReceived("1"),
                                  DigitsReceived("1")])
    entry = engine.knowledge.kb["retraite.demande"]
    assert out == [cmd.SendSms(to="+33612345678", body=f"Demander votre retraite en ligne : {entry.online.url}\n"
                                                        "Pour de l'aide, rappelez-nous et tapez 0.")]
    assert state.answer_phase == "sms_pending"
    # Keys while Twilio is asked change nothing; its answer is what the caller hears next.
    same, nothing = engine.step(state, DigitsReceived("1"), T0 + timedelta(seconds=9))
    assert nothing == [] and same == state
    state, out, _ = play(engine, [START, ASK_RETIREMENT, DigitsReceived("4"), DigitsReceived("1"),
                                  DigitsReceived("1"), SmsResult(True, "SM" + "1" * 32)])
    assert words(out) == ("C'est envoyé. Si vous avez besoin d'aide pour la démarche, un conseiller reste "
                          "joignable : tapez 0.")
    assert state.online == {"node": "lien_en_ligne", "phase": "sent", "kb_id": "retraite.demande", "sent": True,
                            "sid": "SM" + "1" * 32}
    after = [START, ASK_RETIREMENT, DigitsReceived("4"), DigitsReceived("1"), DigitsReceived("1"),
             SmsResult(True, "SM" + "1" * 32)]
    state, out, _ = play(engine, [*after, DigitsReceived("0")])            # a person, one key away
    assert state.status == "transferred"
    state, out, _ = play(engine, [*after, NoInput()])                       # or on to the survey
    assert state.node == "enquete" and "Acceptez-vous" in words(out)


def test_online_link_refused_not_this_number_or_sms_refused(engine: IvrEngine) -> None:
    base = [START, ASK_RETIREMENT, DigitsReceived("4")]
    state, out, every = play(engine, [*base, DigitsReceived("2")])
    assert words(out).startswith("D'accord, pas de SMS. Acceptez-vous") and state.node == "enquete"
    assert not any(isinstance(c, cmd.SendSms) for c in every)
    state, out, every = play(engine, [*base, NoInput()])
    assert words(out).startswith("Acceptez-vous") and not any(isinstance(c, cmd.SendSms) for c in every)
    state, out, every = play(engine, [*base, DigitsReceived("1"), DigitsReceived("2")])
    assert words(out).startswith("Je ne peux envoyer ce SMS qu'au numéro d'où vous appelez.")
    assert not any(isinstance(c, cmd.SendSms) for c in every) and state.node == "enquete"
    state, out, _ = play(engine, [*base, DigitsReceived("1"), DigitsReceived("1"), SmsResult(False, error="21610")])
    assert words(out) == "Désolé, le SMS n'a pas pu être envoyé. Pour parler à un conseiller, tapez 0."
    assert state.online is not None and state.online["sent"] is False


def test_online_link_only_where_it_applies(engine: IvrEngine) -> None:
    # A topic without an online procedure, or a number that cannot take an SMS: straight on.
    state, out, _ = play(engine, [START, PAID, DigitsReceived("4")])
    assert state.path[-2:] == ("lien_en_ligne", "enquete") and "SMS le lien" not in words(out)
    state, out, _ = play(engine, [ANONYMOUS, ASK_RETIREMENT, DigitsReceived("4")])
    assert state.path[-2:] == ("lien_en_ligne", "enquete") and "SMS le lien" not in words(out)


def test_survey_and_link_calls_replay_from_their_log(engine: IvrEngine) -> None:
    events: list[Event] = [START, ASK_RETIREMENT, DigitsReceived("4"), DigitsReceived("1"), DigitsReceived("1"),
                           SmsResult(True, "SM" + "1" * 32), NoInput(), DigitsReceived("1"), DigitsReceived("3"),
                           SpeechReceived("il faudrait plus de conseillers", 0.7)]
    live, _, _ = play(engine, events)
    logged = [(event_from_dict(event_to_dict(e)), T0 + timedelta(seconds=i)) for i, e in enumerate(events)]
    assert replay(engine, live.call_sid, logged) == live
    assert CallState.from_dict(live.to_dict()) == live
    assert live.survey is not None and live.survey["comment"] == "il faudrait plus de conseillers"
