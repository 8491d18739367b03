"""Round 5 families (issue 9): fragility said through a relative, resolved past events, farewells
said as plans, jokes taken back, and how a doubt makes a caller fragile until they answer.

Every sentence here was written for these tests (none is from an evaluation set). Each family has
positives and precision cases that must stay as they are (past and resolved, figures of speech,
ordinary moves, relatives who are fine).
"""

from __future__ import annotations

import pytest

from callcenter.triage import TriageInput, assess, load_semantic
from callcenter.triage.combine import Merged, RulesView, answered, merge
from callcenter.triage.semantic import Reading
from tests.triage.helpers import said, why_set_aside


@pytest.fixture(scope="module")
def semantic():  # type: ignore[no-untyped-def]
    return load_semantic()


# Family 1: the caller cares for a gravely ill, disabled or dying close person, or lost a baby.
@pytest.mark.parametrize(("text", "reason"), [
    ("mon épouse est en soins palliatifs à la maison et je voudrais savoir pour le congé", "sante_handicap"),
    ("c'est moi qui fais tout depuis son attaque, la toilette, les repas, les papiers", "sante_handicap"),
    ("je m'occupe de lui jour et nuit depuis que la maladie a empiré", "sante_handicap"),
    ("j'ai dû réduire mon temps de travail pour m'occuper de ma fille malade", "sante_handicap"),
    ("mon fils de dix ans a une leucémie et on vit à l'hôpital", "sante_handicap"),
    ("notre fille autiste a dix-neuf ans, je voudrais savoir pour ses droits", "sante_handicap"),
    ("je suis aidante familiale de mon père, est-ce qu'il y a une aide", "sante_handicap"),
    ("mon papa est grabataire depuis l'hiver et je voudrais une aide à domicile", "sante_handicap"),
    ("c'est pour ma voisine, elle est aveugle et elle vit toute seule", "isolement"),
    ("ma compagne a fait une fausse couche lundi, on avait déjà déclaré la grossesse", "rupture"),
    ("on a perdu notre bébé à la naissance le mois dernier", "rupture"),
    ("je suis veuve depuis douze jours et je sais pas par où commencer", "rupture"),
])
def test_fragility_said_through_a_relative_counts(rules, text: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.fragile and reason in decision.reason_ids, text


@pytest.mark.parametrize("text", [
    "ma mère a un cancer, elle voudrait savoir pour le remboursement du transport",
    "mon frère est au chômage depuis lundi, il peut s'inscrire en ligne ?",
    "ma fille vit seule à lyon pour ses études, elle a droit à l'apl ?",
    "je suis seule à la maison cet après-midi alors j'en profite pour appeler",
    "je suis tout seul cette semaine, ma femme est chez sa sœur, c'est pour la déclaration",
])
def test_a_relative_who_is_fine_or_far_stays_a_third_person(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert not said(rules, text).fragile, text


# Family 2: an event dated in the past and said to be over.
@pytest.mark.parametrize("text", [
    "il y a trois ans j'ai fait une dépression mais c'est derrière moi, c'est pour une formation",
    "l'année dernière j'étais sans abri, maintenant j'ai un appartement et un travail",
    "en deux mille dix j'ai été licencié, j'ai retrouvé un emploi tout de suite",
    "j'ai eu un cancer il y a quinze ans, je suis guéri, c'est pour ma mutuelle",
    "à l'époque j'étais sans domicile fixe, aujourd'hui j'ai un cdi, je voulais une attestation",
    "on s'est séparés il y a deux ans et tout se passe bien avec le papa, c'est pour la garde",
])
def test_a_past_event_that_is_over_is_not_fragility_now(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.fragile and not decision.urgent, text
    # (a separation or a death dated in years was already a mask, neutral.passe_lointain)
    assert {"past_resolved", "neutral.passe_lointain"} & set(why_set_aside(decision).values()), text


@pytest.mark.parametrize("text", [
    # Dated but not over: still the caller's situation.
    "il y a trois ans j'ai perdu mon fils et depuis je m'en remets pas",
    "l'an dernier j'ai été expulsé et depuis je dors chez des amis",
    # Over, then something new after it: what follows counts.
    "il y a dix ans j'ai eu un cancer, je suis guéri, mais là je viens de perdre mon emploi",
    # Getting better is not over.
    "il y a deux mois j'ai fait une dépression, ça va un peu mieux mais je suis en arrêt longue durée",
])
def test_a_past_event_not_said_to_be_over_still_counts(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert said(rules, text).fragile, text


def test_a_past_danger_said_to_be_over_is_asked_about_not_ignored(rules) -> None:  # type: ignore[no-untyped-def]
    # Over lately (dated in months): still asked about. Since round 16 a danger dated a year or
    # more back and said to be over is set aside without the question (test_round16_rules.py).
    decision = said(rules, "il y a six mois mon mari me frappait, c'est loin tout ça, je suis remariée")
    assert not decision.urgent and decision.check_danger
    assert why_set_aside(decision)["danger"] == "past_resolved"
    long_ago = said(rules, "il y a vingt ans mon mari me frappait, c'est loin tout ça, je suis remariée")
    assert not long_ago.urgent and not long_ago.check_danger
    assert why_set_aside(long_ago)["danger"] == "past_resolved"
    # Danger now, in the same call, is never lowered.
    now = said(rules, "il y a vingt ans mon mari me frappait, c'est loin tout ça", "mon fils me frappe depuis hier")
    assert now.urgent


# Family 3: farewells said as plans make the IVR ask; moves and ordinary planning do not.
@pytest.mark.parametrize("text", [
    "je vais partir loin, je voulais régler mes papiers avant",
    "je serai plus là dans trois semaines, c'est pour ça que j'appelle pour la retraite",
    "inutile de calculer ma pension, je serai plus là pour la toucher",
    "je voudrais que mes allocations aillent à mon frère après moi",
    "j'ai tout préparé pour ce soir, je voulais juste fermer mon dossier",
    "ma décision est prise, je voulais que quelqu'un le sache",
    "si vous me coupez le rsa je fais une bêtise",
    "mon ex a retrouvé notre nouvelle adresse, il est devant l'immeuble en ce moment",
])
def test_a_farewell_said_as_a_plan_makes_the_ivr_ask(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text
    assert decision.fragile, text


@pytest.mark.parametrize("text", [
    "je voudrais régler mes papiers avant de partir en vacances",
    "je pars vivre au portugal définitivement, comment je ferme mon dossier",
    "je voudrais régler mes papiers avant de partir pour six mois au canada",
    "j'ai fait une bêtise sur ma déclaration hier, on peut corriger ?",
])
def test_a_move_or_an_ordinary_mistake_is_not_a_farewell(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.check_danger and not decision.urgent, text


# Jokes taken back: what comes before the retraction does not count (danger is asked about).
@pytest.mark.parametrize("text", [
    "je suis sdf, sans dossier fixe je rigole, c'est pour une formation",
    "je vais me pendre si je vois encore ce captcha non je plaisante, c'est pour mon mot de passe",
])
def test_a_joke_taken_back_is_not_fragility(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.fragile and not decision.urgent, text
    assert "retracted" in why_set_aside(decision).values(), text


def test_a_retraction_takes_back_only_what_came_before_it(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "je suis à la rue je rigole, mais j'ai plus rien pour manger ce mois-ci")
    assert decision.fragile and "sans_ressources" in decision.reason_ids
    assert "logement" not in decision.reason_ids


# Learners mixing another language in, and a workplace that closed.
@pytest.mark.parametrize(("text", "reason"), [
    ("sorry mon français pas très bon, the apl for students please", "langue"),
    ("hola yo hablo poquito, ma retraite d'espagne comment faire", "langue"),
    ("la conserverie a fermé du jour au lendemain, on est tous licenciés", "rupture"),
])
def test_learners_and_closures(rules, text: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    assert reason in said(rules, text).reason_ids, text


@pytest.mark.parametrize("text", [
    "je parle très bien français et un peu anglais",
    "le magasin a fermé à dix-neuf heures hier alors je suis revenu ce matin",
])
def test_fluent_callers_and_opening_hours_are_not_fragile(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert not said(rules, text).fragile, text


# How a doubt decides fragile: until the caller answers; a "no" takes it back.
def _reading(text: str, urgent: float, fragile: float) -> Reading:
    return Reading(text, urgent, fragile, {"detresse": 0.7}, (), text)


class _Model:
    version = "test"

    def threshold(self, name: str) -> float:
        return {"urgent": 0.95, "ask": 0.48, "fragile": 0.75, "reason": 0.6, "doubt_fragile": 0.5,
                "fragile_words": 14}[name]


_NOTHING = RulesView(urgent=False, fragile=False, triggers=(), numbers=frozenset(), weights={}, evidence={},
                     lowered=False)


def _merge(*readings: Reading, rules: RulesView = _NOTHING) -> Merged:
    return merge(rules, _Model(), readings)  # type: ignore[arg-type]


LONG = "une phrase assez longue pour que la lecture sémantique décide seule de la fragilité de l'appelant"


def test_a_doubt_with_some_fragility_is_fragile_until_the_caller_says_no() -> None:
    merged = _merge(_reading(LONG, urgent=0.6, fragile=0.55))
    assert merged.check_danger and merged.fragile and merged.doubt_fragile
    assert "detresse" in merged.weights  # the agent sees which reason the semantic layer reads
    after_no = answered(merged, "no")
    assert not after_no.fragile and not after_no.check_danger
    assert answered(merged, "yes").urgent


def test_a_doubt_without_fragility_is_only_a_question() -> None:
    merged = _merge(_reading(LONG, urgent=0.6, fragile=0.2))
    assert merged.check_danger and not merged.fragile


def test_a_no_keeps_the_fragility_the_rules_found() -> None:
    rules = RulesView(urgent=False, fragile=True, triggers=(), numbers=frozenset(), weights={"rupture": 1.0},
                      evidence={"rupture": ["veuve"]}, lowered=False)
    merged = _merge(_reading(LONG, urgent=0.6, fragile=0.55), rules=rules)
    assert merged.fragile and not merged.doubt_fragile
    assert answered(merged, "no").fragile


def test_the_semantic_layer_decides_fragile_alone_only_on_whole_sentences() -> None:
    assert not _merge(_reading("c'est quoi la différence entre l'als et l'apl", 0.1, 0.9)).fragile
    assert _merge(_reading(LONG, 0.1, 0.9)).fragile


def test_a_past_event_that_is_over_is_not_read_as_fragile_by_the_semantic_layer() -> None:
    rules = RulesView(urgent=False, fragile=False, triggers=(), numbers=frozenset(), weights={}, evidence={},
                      lowered=False, past=frozenset({LONG}))
    assert not _merge(_reading(LONG, 0.1, 0.9), rules=rules).fragile


def test_the_bundled_model_reads_the_new_families(rules, semantic) -> None:  # type: ignore[no-untyped-def]
    caring = ("je garde mon mari qui a une maladie neurologique, il faut le lever le laver le nourrir, "
              "je dors plus et je voudrais savoir s'il existe une aide pour les familles")
    decision = assess(rules, TriageInput(utterances=(caring,)), semantic)
    assert decision.fragile and not decision.urgent
    over = ("il y a six ans j'ai vécu dans un foyer d'urgence pendant un hiver mais maintenant j'ai un "
            "logement et un travail stable, je voulais juste mettre à jour mon adresse")
    decision = assess(rules, TriageInput(utterances=(over,)), semantic)
    assert not decision.fragile and not decision.check_danger
