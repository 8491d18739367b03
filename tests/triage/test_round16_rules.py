"""Round 16 (rules 2025.12-17, session 9): fewer ordinary and merely fragile callers asked the
danger question, none in danger lost.

A. a danger long over, said as history with a present-tense reassurance: calm (not asked); the
   same danger said as recent or coming back stays asked or urgent;
B. figures and emphasis on trivia ("elle me fait mourir à chaque fois", "urgence absolue ... plus
   de café", "mourir de vieillesse avant d'avoir ma retraite"): calm;
C. distress tied in the same words to a paperwork cause: its semantic doubt is not asked, unless
   something in the utterance hints at an end or a means;
D. an overdose or pills swallowed hours ago, minimised, with a symptom now: urgent; minimised
   without a symptom: asked.

Batches 45-48 showed the families; batches 33-48 are development data for this round and four
newer batches judge it. Every sentence here was written for these tests (none is from a batch, an
evaluation set or the corpus). Rules alone unless a test says so.
"""

from __future__ import annotations

import pytest

from callcenter.triage import TriageInput, assess, load_semantic
from tests.triage.helpers import said, why_set_aside

# --- A. a danger long over, said as history, and the caller fine now --------------------------

LONG_OVER_CALM = [
    "j'ai fait une tentative de suicide quand j'avais dix-sept ans, c'est loin maintenant ça va "
    "très bien, c'est pour récupérer un vieux compte rendu",
    "j'ai eu des idées suicidaires il y a six ans, c'est derrière moi, je veux juste changer "
    "d'adresse sur ameli",
    "à mes vingt ans j'ai fait une ts, j'en suis sortie, là c'est pour ma complémentaire santé",
    "il y a longtemps j'ai voulu me tuer, aujourd'hui je vais très bien, c'est pour la prime "
    "d'activité",
    "mon ancien compagnon me frappait il y a huit ans, c'est du passé, je voudrais mon relevé "
    "de carrière",
    "j'ai eu des idées noires pendant mes trente ans, j'en suis sorti, c'est pour la mutuelle",
]

# The same history, said as recent or coming back: still asked (or urgent).
LONG_OVER_BUT_BACK = [
    "j'ai fait une tentative de suicide quand j'avais dix-sept ans, c'est loin maintenant mais "
    "ça revient en ce moment",
    "il y a six ans j'ai voulu me tuer, c'est derrière moi, mais hier soir j'y ai repensé",
    "j'ai voulu me tuer il y a longtemps, c'est du passé, mais encore ces idées depuis que "
    "j'ai perdu mon travail",
    "il y a trois ans j'ai voulu me tuer, aujourd'hui je vais bien, enfin cette nuit ça "
    "recommence",
]


@pytest.mark.parametrize("text", LONG_OVER_CALM)
def test_a_danger_long_over_is_not_asked(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.urgent and not decision.check_danger, text


@pytest.mark.parametrize("text", LONG_OVER_BUT_BACK)
def test_the_same_danger_said_as_coming_back_is_still_asked(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent or decision.check_danger, text


def test_a_danger_over_only_lately_is_still_asked(rules) -> None:  # type: ignore[no-untyped-def]
    # dated in months, not years: over, but recently; the question is still put (as before)
    decision = said(rules, "j'ai fait une tentative de suicide il y a deux mois, c'est derrière "
                           "moi, c'est pour l'arrêt de travail")
    assert decision.check_danger and not decision.urgent


def test_a_danger_long_over_is_set_aside_as_past(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, LONG_OVER_CALM[3])
    assert why_set_aside(decision).get("danger") == "past_resolved"


def test_a_danger_long_over_does_not_hide_danger_in_the_next_utterance(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, LONG_OVER_CALM[0], "mais là j'ai acheté une corde")
    assert decision.urgent or decision.check_danger


def test_a_retraction_still_asks_whatever_the_date(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "je vais me pendre je rigole, il y a un an j'étais à la rue, "
                           "maintenant j'ai un appart")
    assert decision.check_danger


NOTHING_CAME_OF_IT = [
    # a threat or an eviction a year or more back, and nothing came of it or a stable place now
    "mon ancien associé m'a menacé de porter plainte il y a deux ans mais finalement rien s'est "
    "passé, je voudrais clôturer mon entreprise",
    "ma fille a été mise dehors par son père l'an dernier, elle est en foyer stable maintenant, "
    "c'est pour son apl",
]


@pytest.mark.parametrize("text", NOTHING_CAME_OF_IT)
def test_nothing_came_of_it_is_a_resolution(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.urgent and not decision.check_danger, text


def test_a_threat_with_nothing_yet_but_recent_is_not_a_past_event(rules) -> None:  # type: ignore[no-untyped-def]
    # a date a year back, but the danger said again since: not a past event that is over
    decision = said(rules, "il y a deux ans il a dit qu'il allait me tuer, finalement rien s'est "
                           "passé, mais hier il l'a redit")
    assert decision.urgent or decision.check_danger


# --- B. figures and emphasis on trivia ------------------------------------------------------

FIGURES_CALM = [
    "je vais mourir de vieillesse avant d'avoir une réponse pour mon dossier de retraite",
    "on sera morts et enterrés avant que la caf traite notre dossier, c'est normal ce délai",
    "le formulaire de la trimestrielle il me fait mourir à chaque fois, où je mets les primes",
    "ces attestations elles me font craquer tous les mois, je peux les envoyer par mail",
    "c'était une urgence vitale ce matin, il y avait plus de café au bureau, bref c'est pour un rib",
    "question de vie ou de mort, plus de wifi à la maison, je dois faire ma déclaration où",
]

# The same words said of a person, of food, of a real danger: not masked.
FIGURES_LITERAL = [
    "mon mari il me fait mourir à petit feu, il me frappe tous les soirs",
    "c'est une urgence vitale il y a plus de lait pour le bébé depuis deux jours et plus d'argent",
    "je vais mourir ce soir, j'ai préparé les cachets",
]


@pytest.mark.parametrize("text", FIGURES_CALM)
def test_a_figure_on_trivia_stays_calm(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.urgent and not decision.check_danger, text


@pytest.mark.parametrize("text", FIGURES_LITERAL)
def test_the_same_words_said_of_danger_still_alarm(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent or decision.check_danger or decision.fragile, text


def test_the_figure_is_named(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "je vais mourir de vieillesse avant d'avoir mon rendez-vous à la cpam")
    assert not decision.urgent
    assert why_set_aside(decision).get("danger") == "figure.deja_mort_avant"


# --- D. an overdose or pills swallowed hours ago, minimised ---------------------------------

ACT_RECENT_SYMPTOM = [
    "mdr je suis bête j'ai fait une petite overdose cette nuit, pas grave, mais là je respire mal",
    "j'ai avalé toute la plaquette hier soir rien de grave mais j'ai la tête qui tourne depuis",
    "bon j'ai fait une od ce matin, ça va, juste une douleur dans la poitrine, c'est pour le "
    "médecin traitant",
]

ACT_RECENT = [
    "haha j'ai fait une petite overdose hier, rien de grave, je voulais changer de médecin",
    "j'ai pris tous mes cachets cette nuit mais ça va, c'est pour l'arrêt maladie",
]

ACT_LOOKALIKES = [
    # an attempt at paperwork, a dose asked about, an overdose long ago and over
    "j'ai fait une tentative pour me connecter hier, ça a planté, vous pouvez réinitialiser",
    "j'ai fait une tentative de paiement ce matin, refusée, c'est pour la cantine",
    "j'ai pris tous mes congés hier, c'est pour le calcul de mon chômage",
    "j'ai fait une overdose il y a douze ans, j'en suis sorti, c'est pour ma carte vitale",
]


@pytest.mark.parametrize("text", ACT_RECENT_SYMPTOM)
def test_an_act_hours_ago_with_a_symptom_now_is_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent, text
    assert "compose.acte_recent_symptome" in decision.urgent_triggers


@pytest.mark.parametrize("text", ACT_RECENT)
def test_an_act_hours_ago_minimised_is_asked(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent or decision.check_danger, text


@pytest.mark.parametrize("text", ACT_LOOKALIKES)
def test_an_attempt_at_paperwork_is_not_an_act(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.urgent and not decision.check_danger, text


# --- with the semantic layer ----------------------------------------------------------------


@pytest.fixture(scope="module")
def semantic():  # type: ignore[no-untyped-def]
    return load_semantic()


def _decide(rules, semantic, text: str):  # type: ignore[no-untyped-def]
    return assess(rules, TriageInput(utterances=(text,)), semantic)


ADMIN_DISTRESS_NOT_ASKED = [
    # C. distress tied to paperwork, nothing of an end or a means
    "quatrième appel cette semaine, je suis épuisé, j'ai plus la force de me battre avec ces "
    "papiers de la mdph",
    "j'ai encore raté l'actualisation, je suis vraiment nulle, c'est toujours moi qui foire tout",
]

ADMIN_DISTRESS_WITH_AN_END = [
    # C. the same cause, with an end or a means in the same words: still caught
    "j'ai plus la force de me battre avec ces dossiers, j'ai mis les cachets de côté pour ce soir",
    "je craque avec ces papiers, j'ai écrit des lettres pour mes enfants et tout réglé",
    "j'ai plus la force de me battre avec ces dossiers, je vais en finir ce soir",
]


@pytest.mark.parametrize("text", ADMIN_DISTRESS_NOT_ASKED)
def test_distress_over_paperwork_is_fragile_not_asked(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = _decide(rules, semantic, text)
    assert not decision.urgent and not decision.check_danger, text


@pytest.mark.parametrize("text", ADMIN_DISTRESS_WITH_AN_END)
def test_distress_over_paperwork_with_an_end_is_caught(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = _decide(rules, semantic, text)
    assert decision.urgent or decision.check_danger, text


@pytest.mark.parametrize("text", ACT_RECENT)
def test_a_minimised_act_is_caught_with_the_semantic_layer(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = _decide(rules, semantic, text)
    assert decision.urgent or decision.check_danger, text


@pytest.mark.parametrize("text", LONG_OVER_CALM[:3] + FIGURES_CALM[:3])
def test_history_and_figures_are_not_asked_with_the_semantic_layer(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = _decide(rules, semantic, text)
    assert not decision.urgent and not decision.check_danger, text


def test_a_reassurance_does_not_silence_a_reading_near_the_urgent_band() -> None:
    from callcenter.triage import combine

    assert 0.45 < combine.PAPERWORK_CEILING < combine.REASSURED_CEILING < 0.95
