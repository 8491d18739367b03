"""Round 7 families (issue 9): fewer ordinary callers asked the danger question, none lost.

Figures of speech and laughter after what was said quiet the semantic doubt of their utterance;
past hardship that is over and relatives in good health are read as such; a learner's word order
for violence ("mari il frappe moi") is urgent by rule.

Every sentence here was written for these tests (none is from an evaluation set or the corpus).
Each family has positives and cases that must still raise the alarm.
"""

from __future__ import annotations

import pytest

from callcenter.triage import TriageInput, assess, load_semantic
from tests.triage.helpers import said, why_set_aside


@pytest.fixture(scope="module")
def semantic():  # type: ignore[no-untyped-def]
    return load_semantic()


def both(rules, semantic, *utterances: str):  # type: ignore[no-untyped-def]
    return assess(rules, TriageInput(utterances=utterances), semantic)


# Family 1: death, killing and madness in everyday exaggeration, then an ordinary question.
@pytest.mark.parametrize("text", [
    "mon chef dit qu'on va bosser jusqu'à notre mort avec la réforme, je voudrais mon relevé de carrière",
    "les jumeaux m'ont tuée de fatigue cette semaine, c'est pour savoir si la crèche est déductible",
    "j'ai failli mourir tellement j'ai ri devant le film, bon c'est pour changer mon adresse",
    "on va finir sous les ponts avec les prix de l'électricité, c'est quoi le chèque énergie cette année",
    "mon mari pète un plomb contre la box internet, comment on envoie la déclaration autrement",
    "je vais balancer le téléphone par la fenêtre, ça sonne occupé depuis ce matin",
    "mon fils dramatise, il dit qu'il va mourir sans son forfait, c'est pour la bourse du lycée",
])
def test_a_figure_of_speech_does_not_make_the_ivr_ask(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = both(rules, semantic, text)
    assert not decision.urgent and not decision.check_danger, text


@pytest.mark.parametrize(("text", "number"), [
    ("ce dossier me rend folle et mon mari me frappe quand je lui demande de l'aide", "3919"),
    ("je vais bosser jusqu'à ma mort de toute façon, ce soir je me pends dans le garage", "3114"),
])
def test_a_figure_of_speech_never_hides_danger_said_in_words(rules, semantic, text: str, number: str) -> None:  # type: ignore[no-untyped-def]
    decision = both(rules, semantic, text)
    assert decision.urgent and number in decision.emergency_numbers, text


def test_a_figure_quiets_only_its_own_utterance(rules, semantic) -> None:  # type: ignore[no-untyped-def]
    worrying = ("ma fille de quinze ans dit qu'elle veut plus aller nulle part tellement elle se "
                "trouve moche, je voudrais refaire son passeport")  # a doubt (a child's otitis until sem-9)
    idiom = "j'appelle pour tuer le temps chez le dentiste, c'est pour ma carte européenne d'assurance maladie"
    assert both(rules, semantic, worrying).check_danger
    assert not both(rules, semantic, idiom).check_danger
    assert both(rules, semantic, idiom, worrying).check_danger


# Family 2: laughter after what was said; not at the start, where the serious part follows it.
@pytest.mark.parametrize("text", [
    "mon mari m'a abandonnée pour la pêche tout le week-end haha bon c'est pour la déclaration commune",
    "les enfants sont chez leur père ce week-end hihi enfin du calme, c'est pour la pension alimentaire",
])
def test_laughter_after_the_words_does_not_make_the_ivr_ask(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = both(rules, semantic, text)
    assert not decision.urgent and not decision.check_danger, text


def test_laughter_before_the_serious_part_still_raises_the_alarm(rules, semantic) -> None:  # type: ignore[no-untyped-def]
    decision = both(rules, semantic, "haha non mais là je rigole plus, j'ai tout préparé pour ce soir, "
                                     "vous me reverrez plus")
    assert decision.urgent or decision.check_danger


# Family 3: hardship dated in the past and said to be over; a relative in good health.
@pytest.mark.parametrize("text", [
    "il y a quatre ans j'ai été expulsée de mon logement mais maintenant ça va j'ai un studio, c'est pour l'apl",
    "l'an dernier j'ai perdu mon travail et mon logement, maintenant ça va j'ai un boulot, c'est pour la prime",
])
def test_past_hardship_that_is_over_is_not_fragility(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.fragile and not decision.check_danger, text
    assert "past_resolved" in why_set_aside(decision).values(), text


@pytest.mark.parametrize("text", [
    "il y a quatre ans j'ai été expulsée de mon logement, c'est pour l'apl",
    "l'an dernier j'ai perdu mon travail et mon logement, ça va mieux mais c'est pour la prime",
])
def test_hardship_not_said_to_be_over_is_still_fragility(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert said(rules, text).fragile, text


# A suicide said in the present tense, not only after "je vais / je veux".
@pytest.mark.parametrize("text", ["de toute façon ce soir je me pends", "demain je me flingue, voilà"])
def test_a_suicide_said_in_the_present_is_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent and "3114" in decision.emergency_numbers, text


def test_hanging_on_someones_neck_is_a_figure(rules) -> None:  # type: ignore[no-untyped-def]
    assert not said(rules, "je me pends au cou de mon conseiller s'il me trouve ce stage").urgent


@pytest.mark.parametrize("text", [
    "ma grand-mère a quatre-vingt-treize ans, elle est en pleine forme, c'est pour sa pension de réversion",
    "mon oncle vit seul à la montagne mais il pète la forme, il voudrait savoir pour l'aspa",
])
def test_a_relative_in_good_health_is_not_asked_about(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = both(rules, semantic, text)
    assert not decision.urgent and not decision.check_danger, text


# Family 4: danger said in a learner's French: urgent by rule, with or without the model.
@pytest.mark.parametrize("text", [
    "moi pas bien parler français, mon copain il frappe moi tous les jours",
    "aidez moi madame, homme frappe moi et bébé aussi, moi partir où",
    "mari il tape moi et les enfants, moi peur rentrer maison",
])
def test_violence_in_a_learners_word_order_is_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent and "danger.violences" in decision.urgent_triggers, text
    assert "3919" in decision.emergency_numbers, text


@pytest.mark.parametrize("text", [
    "tape moi le code de la carte s'il te plaît, c'est pour payer la cantine",
    "moi pas bien parler français, je veux papier pour allocation logement",
])
def test_a_learners_ordinary_words_are_not_violence(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert not said(rules, text).urgent, text


def test_a_date_already_read_as_long_past_still_dates_the_event(rules) -> None:  # type: ignore[no-untyped-def]
    """'séparés il y a vingt ans' is a neutral mask; its date still makes the event past and over."""
    decision = said(rules, "mon ex me frappait, on s'est séparés il y a vingt ans, tout va bien aujourd'hui, "
                           "c'est pour ma retraite")
    assert not decision.urgent and decision.check_danger
    assert "past_resolved" in why_set_aside(decision).values()
    # Without the resolution, the danger stays literal.
    assert said(rules, "mon ex me frappait, on s'est séparés il y a vingt ans, c'est pour ma retraite").urgent


# Days without eating said with the negation after the verb.
@pytest.mark.parametrize("text", [
    "ça fait quatre jours que je mange plus, le virement est pas arrivé",
    "on mange plus rien depuis six jours avec mon fils",
])
def test_days_without_eating_said_after_the_verb_are_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent and "danger.sans_manger" in decision.urgent_triggers, text


def test_eating_less_is_not_days_without_eating(rules) -> None:  # type: ignore[no-untyped-def]
    assert not said(rules, "depuis trois jours je mange plus de viande, c'est trop cher, c'est pour la prime").urgent
