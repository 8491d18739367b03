"""Round 13 (session 8): situations read as COMPOSITIONS of word families said together in one
utterance (the caller's own end + a near time or an arrangement, pills put aside, someone on a
roof, papers kept + the caller kept in, a threat to finish + harm already done, children + nothing
to eat + for days, a fever + a warning sign), the figures and the calm calls that made ordinary
callers asked, and the composition mechanism itself.

Every sentence was written for these tests (none is from an evaluation set, a batch or the
corpus). Each family has phrasings that must ask (or alert) and look-alikes with the same words
and an ordinary reason that must stay calm; rules alone unless a test says otherwise.
"""

from __future__ import annotations

import pytest

from callcenter.triage import TriageInput, assess, load_semantic
from callcenter.triage.loader import RulesError, parse_rules
from tests.triage.helpers import said

# family -> (sentences that must ask or alert, look-alikes that must stay calm)
FAMILIES: dict[str, tuple[list[str], list[str]]] = {
    # the caller's own end, leaving or absence + a near time, an arrangement, the family, a farewell
    "compose.fin_propre_annoncee": ([
        "est-ce que la mutuelle paie mes obsèques, la date est pour dimanche",
        "je voulais prévenir que samedi je serai plus nulle part, voilà, pour le dossier",
        "c'est pour savoir si l'allocation s'arrête après ma disparition, ce sera très vite",
        "qu'on arrête de me relancer, vous aurez plus à traiter mon dossier dès lundi",
        "au bout de combien de jours la caf voit qu'une allocataire est décédée, parce que ça tardera plus",
        "je crois pas que je reviendrai de la falaise demain soir, c'est pour l'apl",
        "il faut que je dise au revoir proprement à ma conseillère avant vendredi",
        "je ne serai plus une charge pour personne d'ici la fin de la semaine",
    ], [
        "après mon départ en vacances samedi, qui s'occupe de mon dossier",
        "mon départ à la retraite est prévu pour le mois prochain, je voudrais ma pension",
        "je serai plus là jeudi je déménage à Lille, vous pouvez changer mon adresse",
        "les obsèques de ma mère sont jeudi, est-ce que j'ai droit à un congé",
        "je voudrais souscrire un contrat obsèques pour mes propres obsèques, à mon âge c'est plus sage",
        "je ne veux plus être une charge pour mes parents, je commence un cdi lundi",
        "je serai plus nulle part sur vos listes dès demain, j'ai trouvé un travail",
    ]),
    # the same, strong: own end + near time + arrangements or the family
    "compose.fin_propre_preparee": ([
        "j'ai pris mes dispositions, après ma mort ce week-end ma fille touchera l'assurance",
        "tout est réglé pour mon enterrement, ce sera demain, c'est les miennes de funérailles",
        "mon départ que j'ai décidé pour lundi, est-ce que mes enfants toucheront mes droits",
        "je serai partie avant vendredi, j'ai écrit une lettre pour chacun de mes enfants",
        "après mon décès dans quelques jours le reste reviendra à mon fils, tout est en ordre",
        "d'ici la fin du mois je serai plus là, j'ai rendu les clés de l'appartement",
    ], [
        "après mon départ en mission lundi, ma femme touchera mon salaire ?",
        "avant mon départ en voyage dimanche je voudrais que tout soit réglé",
        "mon départ à la retraite est fixé à vendredi, j'ai pris mes dispositions",
        "après la mort de mon père samedi, mes enfants toucheront quelque chose ?",
        "j'ai rendu les clés du studio ce matin parce que je déménage demain",
        "les obsèques de mon mari c'est demain, j'ai pris mes dispositions avec le notaire",
    ]),
    # arrangements made + everything closed or handed to the family, no word of the end
    "compose.dispositions_pour_apres": ([
        "j'ai pris toutes mes dispositions et je veux résilier tous mes contrats",
        "j'ai tout organisé pour que mes enfants aient pas de dettes, fermez mon dossier",
        "j'ai réglé mes affaires, vous pouvez arrêter de me verser l'allocation",
        "une lettre pour chacun est sur la table, je voulais que ma femme touche bien la réversion",
        "mes papiers sont en ordre, je voudrais supprimer tous mes comptes aujourd'hui",
        "j'ai fait mes adieux, je voulais savoir si mon fils touchera mes économies",
    ], [
        "j'ai pris mes dispositions pour le déménagement, je voudrais résilier tous mes contrats",
        "j'ai tout organisé pour mes vacances, vous pouvez arrêter de m'appeler jusqu'en septembre",
        "mes papiers sont en ordre pour la retraite, mon fils touchera la pension de réversion de son père",
        "j'ai réglé mes affaires pour l'expatriation, je veux fermer tous mes comptes",
        "j'ai tout préparé pour la naissance, mes enfants toucheront les allocations ?",
        "j'ai pris mes dispositions pour la mutation, je supprime tous mes abonnements",
    ]),
    # the caller worth more dead than alive
    "compose.vaut_plus_mort": ([
        "avec toutes ces dettes mon assurance vie paierait mieux que moi",
        "je le dis à ma femme, je vaux plus mort que vivant pour cette famille",
        "franchement le capital décès rapporterait plus que moi à mes gosses",
        "je rapporterais plus morte que vivante à mes enfants",
        "l'assurance décès vaudrait mieux que moi pour rembourser la maison",
        "la prévoyance paierait mieux que moi, voilà où j'en suis",
    ], [
        "mon assurance auto paie mieux que la mutuelle pour les lunettes",
        "mon contrat d'assurance vie, il rapporte combien cette année",
        "je voudrais savoir si le capital décès de mon mari est imposable",
        "la prévoyance paie mieux que la sécu pour les arrêts, c'est vrai ?",
        "je vaux mieux que ce salaire, je veux une formation",
        "est-ce que l'assurance rapporte plus que le livret A",
    ]),
    # pills counted or put aside with no medical reason said
    "compose.cachets_amasses": ([
        "je recompte mes somnifères tous les soirs pour voir s'il y en a suffisamment",
        "ça fait un mois que je garde les cachets de mon mari au cas où",
        "j'ai mis des comprimés de côté pour le jour où j'en pourrai plus",
        "je compte les médicaments pour savoir combien il en faut, c'est tout",
        "je stocke les somnifères depuis l'hiver, voilà",
        "les pilules de maman je les ai mises en réserve pour plus tard",
    ], [
        "je compte les cachets du pilulier pour voir s'il y en a assez pour la semaine",
        "je garde des comprimés de côté au cas où j'ai une migraine au travail",
        "j'ai mis les médicaments en réserve pour le voyage au Portugal",
        "le pharmacien m'a dit de compter mes cachets pour voir s'il y en a assez avant le renouvellement",
        "je rapporte les médicaments périmés à la pharmacie, je les gardais au cas où",
        "l'infirmière compte mes comprimés chaque semaine pour savoir combien il en reste",
    ]),
    # someone up on a roof, a ledge or a parapet, no work or ordinary reason said
    "compose.en_hauteur": ([
        "mon colocataire est monté sur le toit de l'immeuble et il veut pas redescendre",
        "je suis assise sur le rebord de la fenêtre du cinquième",
        "ma fille a enjambé le balcon, elle dit qu'elle veut plus rien",
        "un élève est sur le toit du lycée depuis une heure",
        "je suis debout sur le parapet et je vous appelle",
        "il est au bord du toit de la résidence et il pleure",
    ], [
        "mon mari est monté sur le toit pour réparer l'antenne, c'est pour l'assurance",
        "le couvreur est sur le toit, je voudrais une aide pour les travaux",
        "le chat est monté sur le toit du voisin, les pompiers font ça ?",
        "je suis sur le toit terrasse pour les photos du feu d'artifice",
        "mon fils est monté sur le toit chercher son ballon et il est tombé dans la gouttière",
        "on est sur le toit pour enlever la neige, c'est pour la déclaration de travaux",
    ]),
    # papers, phone or money kept + the caller kept in, watched or calling in secret
    "compose.controle_conjoint": ([
        "il garde mon passeport et il m'empêche de sortir, comment je refais mes papiers",
        "mon copain prend mon téléphone tous les soirs et il lit mes messages",
        "elle confisque ma carte bancaire et me laisse pas sortir sans elle",
        "il cache mes papiers, je vous appelle depuis chez une voisine",
        "mon mari garde mon salaire, je vous appelle pendant qu'il est au travail",
        "il retient ma carte vitale et il me surveille tout le temps",
    ], [
        "je garde ma carte vitale quand je pars à l'étranger ?",
        "la banque garde ma carte bancaire, je vous appelle depuis le supermarché",
        "ma fille a pris mon téléphone pour m'installer l'application",
        "le médecin m'empêche de travailler pendant un mois, c'est pour l'arrêt",
        "mon fils garde mes papiers dans son classeur pour m'aider, c'est pour la retraite",
        "je vous appelle de la cabine parce que mon portable est cassé",
    ]),
    # a threat to come back and finish said beside harm already done
    "compose.menace_apres_coups": ([
        "il m'a frappée hier et il a dit qu'il finirait le travail",
        "j'ai dix jours d'itt et il m'a promis de terminer le travail ce week-end",
        "mon voisin a sorti un couteau et il reviendra ce soir finir",
        "il m'a étranglée, la prochaine fois il me ratera pas, il l'a dit",
        "huit jours d'incapacité totale de travail et mon ex dit qu'il va finir le travail",
        "il m'a poussée dans l'escalier et il a juré qu'il achèverait le travail",
    ], [
        "j'ai cinq jours d'arrêt de travail et il faut que je finisse le travail du chantier",
        "je dois finir le travail pour ce soir, je rappellerai demain",
        "le plombier reviendra ce soir finir le travail dans la salle de bain",
        "mon collègue m'a poussé à demander une formation, je veux terminer le travail commencé",
        "je travaille avec un couteau en cuisine, c'est pour la médecine du travail",
        "le jardinier a dit qu'il finirait le travail la semaine prochaine, c'est pour le crédit d'impôt",
    ]),
    # children + nothing left to eat + for days
    "compose.enfants_sans_manger": ([
        "mes deux gosses ont rien mangé depuis hier, le frigo est vide",
        "on a plus rien à manger depuis trois jours avec mes trois enfants",
        "les petits ont pas mangé depuis avant-hier, y a plus rien dans les placards",
        "le frigo est vide depuis lundi et j'ai mes quatre enfants avec moi",
        "il y a plus rien pour manger depuis des jours et mon bébé pleure",
        "mes gamins vont à l'école sans rien dans le ventre, y a plus rien à manger depuis mardi",
    ], [
        "le frigo est vide depuis lundi parce qu'on part en vacances avec les enfants",
        "mes enfants ont pas mangé à la cantine depuis lundi, elle est fermée pour travaux",
        "on a plus rien dans le frigo depuis hier, on déménage avec les enfants samedi",
        "mes deux enfants mangent chez leur père depuis lundi, c'est pour la garde alternée",
        "avec mes enfants on a plus rien à manger de sucré depuis une semaine, c'est un régime",
        "le frigo est vide depuis trois jours, il est en panne, c'est pour l'assurance",
    ]),
    # a high fever with a warning sign, or a fall from a height with one
    "compose.fievre_signe_alarme": ([
        "mon bébé a quarante de fièvre et il répond plus quand je l'appelle",
        "ma fille est brûlante de fièvre et elle a des taches sur les jambes",
        "j'ai trente neuf de fièvre depuis quatre jours et je vois flou",
        "mon fils est très chaud, il dort tout le temps et il réagit pas",
        "je suis tombé de l'échelle et je crache du sang",
        "ma mère a une forte fièvre et elle respire mal depuis ce matin",
    ], [
        "mon fils a eu quarante de fièvre la semaine dernière, c'est pour l'arrêt enfant malade",
        "il fait très chaud dans le bureau, il dort tout le temps mon collègue",
        "j'ai trente neuf de fièvre, je voudrais savoir pour les indemnités journalières",
        "ma fille a une forte fièvre, je dois poser un congé, c'est possible",
        "je suis tombé de l'échelle l'an dernier, c'est pour la rente",
        "je vois flou sans mes lunettes, c'est remboursé les verres",
    ]),
}

# Figures of speech that made ordinary callers asked or urgent (round 13 masks): calm.
FIGURES = [
    "mon mari va me tuer, il a encore oublié de poster la déclaration",
    "ma soeur m'a dit je vais te tuer si tu rates encore le train",
    "je vais me foutre en l'air si je rate encore le bus, bon c'est pour la carte de transport",
    "je suis à bout de souffle, j'ai couru depuis la gare, c'est pour le dépôt du dossier",
    "j'ai grimpé les escaliers en courant, je suis essoufflée, c'est pour mon rendez-vous",
    "je crève la dalle, j'ai pas déjeuné avec cette attente, bon c'est pour l'attestation",
    "je meurs de faim je vais manger un morceau et je reviens vers vous",
    "mon petit-fils part en Australie, ça me brise le coeur mais c'est pour son passeport",
    "on est dans les papiers jusqu'au cou avec cette succession, qui dois-je appeler",
    "nous les anciens on est des dinosaures avec l'informatique, le lien c'est lequel",
    "ma fille veut disparaître sous terre à cause de son appareil dentaire, c'est remboursé ?",
    "j'ai cru y laisser ma peau dans la file d'attente à la préfecture, c'est pour le titre",
]

# The same verbs said of real danger stay urgent (the masks need "encore" and a trivial miss).
STILL_URGENT = [
    "mon mari va me tuer si je porte plainte encore une fois",
    "je vais me foutre en l'air ce soir, j'en peux plus",
    "il va me tuer, il a encore sorti le couteau hier",
    "mes enfants meurent de faim, on a rien mangé depuis trois jours",
]

# Calm calls the semantic layer used to doubt: a very old caller losing track of a step or an
# object, a relative or a child calling for someone's paperwork. Asked by nobody.
CALM_WITH_SEMANTIC = [
    "je sais plus où je l'ai rangée ma carte de retraité, c'est pour en refaire une",
    "on m'a écrit ou c'est moi qui vous ai téléphoné, je me souviens plus, c'est pour mes trimestres",
    "j'ai envoyé le formulaire deux fois ou peut-être pas du tout, vous l'avez reçu ?",
    "mon père m'a demandé de vous appeler pour son changement de banque",
    "c'est mon petit-fils qui parle pour moi, c'est au sujet de l'avis d'imposition",
    "ma grand-mère parle que le portugais, elle voudrait savoir la date de sa pension",
]

# Danger said by the same kind of caller is still caught with the semantic layer.
DANGER_WITH_SEMANTIC = [
    "ma mère m'a dit de vous appeler parce que mon père la frappe tous les soirs",
    "c'est ma fille qui parle pour moi, j'ai une douleur dans la poitrine et le bras gauche",
    "je sais plus où j'en suis, j'ai avalé toutes mes boîtes de cachets",
]


def _cases(kind: int) -> list[tuple[str, str]]:
    return [(family, text) for family, pair in FAMILIES.items() for text in pair[kind]]


@pytest.mark.parametrize(("family", "text"), _cases(0))
def test_round13_compositions_ask_or_alert(rules, family: str, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text
    composed = {c.id: c for c in decision.composed}
    assert family in composed, (text, list(composed))
    # the explanation names one distinct cue per part, with the caller's own words
    parts = composed[family].parts
    assert len({cue for cue, _ in parts}) == len(parts)
    assert all(words and words in text for _, words in parts), parts


@pytest.mark.parametrize(("family", "text"), _cases(1))
def test_round13_look_alikes_stay_calm(rules, family: str, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.check_danger and not decision.urgent, (family, text, [c.id for c in decision.composed])


def test_round13_every_family_has_six_of_each() -> None:
    for family, (positives, look_alikes) in FAMILIES.items():
        assert len(positives) >= 6 and len(look_alikes) >= 6, family


@pytest.mark.parametrize(
    "text", [t for f in ("compose.fin_propre_preparee", "compose.menace_apres_coups") for t in FAMILIES[f][0]])
def test_round13_strong_compositions_are_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent, text
    assert any(t.startswith("compose.") for t in decision.urgent_triggers)
    assert decision.emergency_numbers


@pytest.mark.parametrize("text", FIGURES)
def test_round13_figures_are_calm(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.check_danger and not decision.urgent, text


@pytest.mark.parametrize("text", STILL_URGENT)
def test_round13_same_verbs_in_danger_stay_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    assert said(rules, text).urgent, text


@pytest.fixture(scope="module")
def semantic():  # type: ignore[no-untyped-def]
    return load_semantic()


@pytest.mark.parametrize("text", CALM_WITH_SEMANTIC)
def test_round13_calm_callers_are_not_asked(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = assess(rules, TriageInput(utterances=(text,)), semantic)
    assert not decision.check_danger and not decision.urgent, (text, decision.semantic)


@pytest.mark.parametrize("text", DANGER_WITH_SEMANTIC)
def test_round13_danger_by_the_same_callers_is_caught(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = assess(rules, TriageInput(utterances=(text,)), semantic)
    assert decision.urgent or decision.check_danger, text


# --- the composition mechanism -------------------------------------------------------------------

def test_a_composition_needs_its_parts_in_one_utterance(rules) -> None:  # type: ignore[no-untyped-def]
    together = said(rules, "après ma mort samedi, est-ce que le dossier est fermé")
    assert together.check_danger
    apart = said(rules, "après ma mort, est-ce que le dossier est fermé", "samedi j'ai un rendez-vous")
    assert not apart.check_danger and not apart.urgent and not apart.composed


def test_an_ordinary_reason_in_the_utterance_stops_a_composition(rules) -> None:  # type: ignore[no-untyped-def]
    assert said(rules, "après mon départ samedi, qui reprend mon dossier").check_danger
    calm = said(rules, "après mon départ en vacances samedi, qui reprend mon dossier")
    assert not calm.check_danger and not calm.composed
    # a negated ordinary reason is no reason ("pas pour déménager")
    assert said(rules, "je rends les clés de l'appartement demain, pas pour déménager, j'ai pris mes "
                       "dispositions, après ma mort mes enfants toucheront le reste").urgent


def test_one_phrase_cannot_fill_two_parts(rules) -> None:  # type: ignore[no-untyped-def]
    # "mes enfants toucheront l'assurance" is one family (what the family gets): it fills one part
    # of compose.dispositions_pour_apres, which also needs an arrangement said apart.
    assert not said(rules, "mes enfants toucheront l'assurance, ils auront pas de dettes").check_danger
    assert said(rules, "j'ai tout organisé, mes enfants toucheront l'assurance").check_danger


def test_the_decision_explains_which_words_filled_which_part(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "mes obsèques c'est pour samedi, tout est réglé")
    found = {c.id: dict(c.parts) for c in decision.composed}
    assert found["compose.fin_propre_annoncee"]["cue.fin_propre"] == "mes obsèques"
    assert found["compose.fin_propre_annoncee"]["cue.temps_proche"] == "samedi"
    as_dict = decision.to_dict()["composed"]
    assert {"cue": "cue.fin_propre", "evidence": "mes obsèques"} in as_dict[0]["parts"]
    danger = {r.id: r.evidence for r in decision.reasons}["danger"]
    assert "mes obsèques" in danger and "samedi" in danger


def test_a_strong_composition_taken_back_is_asked_not_urgent(rules) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, "après ma mort ce week-end ma fille touchera l'assurance, non je plaisante, "
                           "c'est pour mon contrat")
    assert not decision.urgent and decision.check_danger


def _rules_file(compositions: str) -> bytes:
    from callcenter.triage.loader import DEFAULT_RULES_PATH
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    text = text[: text.index("\ncompositions:\n")] + "\ncompositions:\n" + compositions
    return text.encode("utf-8")


def test_the_loader_refuses_a_composition_with_an_unknown_cue() -> None:
    bad = _rules_file("  - id: compose.x\n    reason: danger\n    decides: ask\n    parts: [cue.nowhere]\n")
    with pytest.raises(RulesError, match="no cue 'cue.nowhere'"):
        parse_rules(bad, "test.yaml")


def test_the_loader_refuses_a_composition_that_decides_nothing() -> None:
    bad = _rules_file("  - id: compose.x\n    reason: danger\n    decides: maybe\n    parts: [cue.fin_propre]\n")
    with pytest.raises(RulesError, match="decides"):
        parse_rules(bad, "test.yaml")


def test_a_rules_file_without_compositions_still_loads() -> None:
    from callcenter.triage.loader import DEFAULT_RULES_PATH
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    text = text[: text.index("\n# round 13 (session 8): situations read")] + "\n"
    assert parse_rules(text.encode("utf-8"), "test.yaml").compositions == ()
