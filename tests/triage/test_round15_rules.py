"""Round 15 (rules 2025.12-16, session 9): figures of speech about paperwork taken literally, and
an end said calmly as paperwork (letters written, one's own death declared, wrists sewn up, a
third person's threat to jump), each with look-alikes that must keep their decision.

Batches 37-44 (eight fresh writers) showed the families; batches 33-44 are development data for
this round and four newer batches judge it. Every sentence here was written for these tests
(none is from a batch, an evaluation set or the corpus). Rules alone unless a test says so.
"""

from __future__ import annotations

import pytest

from callcenter.triage import load_semantic
from tests.triage.helpers import said, why_set_aside

# --- A. figures with a trivial administrative consequence: calm (masked, not asked) ---------

FIGURES_CALM = [
    # a relative or a boss "will kill me" over a forgotten or missed step, in other orders
    "mon frère il va me tuer si j'oublie encore le rendez-vous de la caf, c'est quand déjà",
    "ma patronne elle va me tuer si je rate encore la réunion, je voudrais décaler mon rdv",
    "si j'oublie encore l'actualisation mon mari va me tuer, c'est jusqu'à quelle date",
    "si je rate encore la déclaration ma mère va me tuer, on peut la faire en ligne",
    "mon père va me tuer quand il va voir que j'ai oublié de renvoyer l'attestation",
    "ma copine va me tuer j'ai oublié de signer le formulaire, je peux le renvoyer",
    "mon conseiller m'a dit je vais vous pendre si vous oubliez encore la déclaration",
    "ils vont me pendre au guichet si je déclare encore en retard la trimestrielle",
    "je vais le tuer mon cousin il a encore perdu les papiers de la voiture, c'est pour la carte grise",
    # a paperwork nuisance that kills the caller, or that the caller dies or hangs over
    "ce captcha il va me tuer, ça fait dix fois que je recommence",
    "pff ces identifiants ils me tuent, je voudrais un nouveau code",
    "je vais crever devant ce questionnaire, il fait dix pages",
    "je suis au bord de la crise de nerfs avec cette appli, où je mets mon rib",
    "je vais me jeter par la fenêtre avec votre musique d'attente, passez-moi quelqu'un",
    "je vais me pendre si je dois encore remplir ce cerfa, il sert à quoi",
    "mon voisin me tue avec ses questions sur la caf, il veut savoir pour l'apl",
    "la banque m'a égorgé avec ses frais, je voudrais un geste commercial",
    "j'ai pris une claque en ouvrant mon avis d'imposition, c'est normal ce montant",
    "j'arrive plus à respirer quand je pense à ces courriers, je voudrais un rendez-vous",
    # idioms, a past accident, a camping trip, "help" with a form
    "il s'est tiré une balle dans le pied en refusant le cdi, il a droit au chômage",
    "je me suis flingué les genoux à porter les cartons, c'est pour l'arrêt de travail",
    "j'ai failli me tuer en glissant dans l'escalier l'hiver dernier, c'est pour le kiné",
    "cette nuit on dort dehors à la belle étoile avec les scouts, c'est pour l'assurance",
    "au secours je comprends pas le quotient familial, c'est pour la cantine",
]

# The same verbs as a real threat or a real despair: urgent whatever else is said.
DANGER_URGENT = [
    "mon mari va me tuer",
    "il a dit qu'il allait me tuer si je partais, je suis chez ma soeur",
    "mon compagnon va me tuer s'il apprend que j'ai appelé",
    "mon ex va me tuer quand il saura que je suis partie avec les enfants",
    "s'il voit la demande de caf à mon nom il me tue",
    "je vais me tuer à cause de ces dettes, j'en peux plus",
    "je vais me foutre en l'air ce soir, c'est pour résilier mon forfait",
    "mon fils il me tue avec ses coups, il me prend ma pension",
    "ce soir on dort dehors avec les enfants, le foyer est plein",
]


@pytest.mark.parametrize("text", FIGURES_CALM)
def test_a_figure_about_paperwork_stays_calm(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.urgent and not decision.check_danger, text


@pytest.mark.parametrize("text", DANGER_URGENT)
def test_the_same_verbs_said_as_a_threat_stay_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert said(rules, text).urgent, text


def test_the_figure_is_named_in_what_was_set_aside(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "ma tante elle va me tuer si j'oublie encore l'attestation")
    assert why_set_aside(decision).get("danger") == "figure.gronde_tracas"


# --- retractions said otherwise: lowered to the question, never to calm -----------------------

RETRACTED = [
    # an unknown figure taken back: the IVR asks rather than alerts
    "je vais me noyer dans ma baignoire non mais sérieux ces papiers c'est l'enfer",
    "il m'a étranglé au téléphone enfin façon de parler, je voudrais contester",
    "je vais me jeter sous un train haha non je voulais l'horaire de l'agence",
]


@pytest.mark.parametrize("text", RETRACTED)
def test_a_retraction_said_otherwise_lowers_to_the_question(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.urgent and decision.check_danger, text


def test_a_laugh_then_no_but_seriously_is_not_a_retraction(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "j'ai la corde dans le garage haha non vraiment je vais le faire ce soir")
    assert decision.urgent


def test_a_retraction_lowers_nothing_when_the_call_holds_danger(rules) -> None:  # type: ignore[no-untyped-def]
    # whole call: a figure taken back, then danger in another utterance
    decision = said(rules, "ce formulaire il va me tuer non mais sérieux",
                    "de toute façon j'ai pris tous mes cachets tout à l'heure")
    assert decision.urgent


def test_a_figure_in_one_utterance_does_not_hide_a_threat_in_the_next(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "ma soeur va me tuer si j'oublie encore l'actualisation",
                    "et mon mari il a dit qu'il allait me tuer ce soir")
    assert decision.urgent


# --- B. an end said calmly as paperwork: asked or urgent ------------------------------------

ASKED_OR_URGENT = [
    # letters written for everyone or for the children
    "j'ai écrit des lettres pour toute ma famille hier, je voulais savoir pour ma pension",
    "lol bref j'ai fini mes lettres pour les enfants, c'est pour prévenir la caf",
    "voilà j'ai laissé des mots pour chacun sur la table, c'est pour l'apl",
    # one's own death said as paperwork, a will with a near date
    "il faut quoi pour déclarer un décès, enfin c'est le mien, ce sera dimanche",
    "je voudrais savoir comment déclarer mon propre décès, c'est pour demain",
    "j'ai fait mon testament et je veux arrêter le rsa après, c'est prévu pour samedi",
    # a ticket to nowhere, with what the family gets
    "j'ai un aller simple pour nulle part, je veux que ma mère touche mon dernier salaire",
    "j'ai pris un ticket pour nulle part, c'est pour que mes parents aient pas de dettes après",
    # wrists sewn up or seen
    "on m'a fait des points de suture aux poignets cette nuit, c'est pour l'arrêt de travail",
    "mon éducatrice a vu mes poignets, elle m'a dit d'appeler, c'est pour la css",
    # a third person said they'd jump rather than face something
    "mon voisin a dit qu'il se jetterait du balcon plutôt que de partir en maison de retraite",
    "ma patiente dit qu'elle se pendrait plutôt que de retourner chez son fils",
]

URGENT_END = [
    "j'ai écrit mes lettres pour les enfants et j'ai tout réglé, c'est pour la réversion",
    "pour le décès, le mien, je voudrais que tout soit prêt cette semaine",
    "ils m'ont recousu les poignets hier et je suis toute seule chez moi, c'est pour l'arrêt",
    "la bénévole a vu mes poignets, j'ai toujours le cutter sur moi",
]

LOOK_ALIKES_CALM = [
    "j'ai écrit des lettres pour tout le monde pour les invitations du mariage, c'est pour le congé",
    "les enfants ont écrit leurs lettres au père noël, c'est pour la prime de noël",
    "j'ai écrit mes lettres de motivation pour tout le monde, c'est pour france travail",
    "j'ai souscrit un contrat obsèques à l'avance, à mon âge c'est plus prudent, c'est remboursé",
    "je prépare le décès de ma mère avec les pompes funèbres, c'est pour samedi",
    "mon testament est chez le notaire, la signature ce sera pour samedi",
    "j'ai pris un billet de train pour lyon ce week-end, c'est pour mes frais de déplacement",
    "j'ai pris un billet pour nulle part en vacances, je veux que mes parents aient pas de dette pendant mon voyage",
    "on m'a recousu le pouce à l'hôpital l'an dernier, c'est guéri, c'est pour le remboursement",
    "je suis opérée du canal carpien aux deux poignets, ils sont bandés, c'est pour l'arrêt",
    "ma fille dit qu'elle préférerait mourir plutôt que de porter ce manteau, c'est pour l'allocation",
]


@pytest.mark.parametrize("text", ASKED_OR_URGENT)
def test_an_end_said_as_paperwork_is_asked_or_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent or decision.check_danger, text
    assert decision.composed, text


@pytest.mark.parametrize("text", URGENT_END)
def test_an_end_prepared_is_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent, text
    assert "3114" in decision.emergency_numbers


@pytest.mark.parametrize("text", LOOK_ALIKES_CALM)
def test_the_same_paperwork_for_an_ordinary_reason_stays_calm(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.urgent and not decision.check_danger, text


def test_the_composition_explains_itself(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "ils m'ont recousu les poignets et je suis tout seul chez moi")
    found = {c.id: c for c in decision.composed}
    assert "compose.poignets_seul" in found
    cues = [cue for cue, _ in found["compose.poignets_seul"].parts]
    assert cues == ["cue.poignets_soignes", "cue.seul_ou_lame"]


# --- with the semantic layer: the figures stay calm, the ends stay caught ---------------------

@pytest.fixture(scope="module")
def semantic():  # type: ignore[no-untyped-def]
    return load_semantic()


@pytest.mark.parametrize("text", FIGURES_CALM[:12])
def test_figures_are_not_urgent_with_the_semantic_layer(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    from callcenter.triage import TriageInput, assess
    assert not assess(rules, TriageInput(utterances=(text,)), semantic).urgent, text


@pytest.mark.parametrize("text", ASKED_OR_URGENT + URGENT_END)
def test_ends_are_caught_with_the_semantic_layer(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    from callcenter.triage import TriageInput, assess
    decision = assess(rules, TriageInput(utterances=(text,)), semantic)
    assert decision.urgent or decision.check_danger, text
