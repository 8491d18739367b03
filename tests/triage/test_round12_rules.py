"""Round 12 (session 7): danger said through a decision with a date, what happens "after me", a
place, evidence seen by someone else, care given up; and what sounds the same but is safe.

Each family is written in several voices (tenses, word orders, synonyms). The near misses say the
same words about a holiday, a retirement, a move, a contract's end, a spouse abroad, a debt paid
off, a past event, a job: they must not make the IVR ask. Every sentence was written for these
tests (none is from an evaluation set or the corpus); rules alone.
"""

from __future__ import annotations

import pytest

from tests.triage.helpers import said

ASKS = [
    # the end as a decision with a near date or a manner
    "si je pars cette semaine est-ce qu'on pourra être inhumés ensemble avec mon épouse",
    "je voudrais être enterrée à côté de lui si je m'en vais bientôt, c'est pour la concession",
    "je vais retrouver ma femme très bientôt, j'ai tout préparé, c'est pour fermer mon compte",
    "c'est décidé, je vais rejoindre mon fils samedi, je voulais juste clore le dossier",
    "depuis que mon pauvre mari est parti je veux aller rejoindre mon défunt mari",
    "le vingt j'arrête tout, absolument tout, alors la prime je m'en fiche",
    "les dettes je vais les régler à ma manière, vous inquiétez pas pour le remboursement",
    "tant pis pour le formulaire, il servira plus à rien la semaine prochaine",
    "le dossier servira plus à rien, après je serai enfin en paix",
    "j'ai clôturé mon compte, mon abonnement et ma mutuelle, j'ai distribué toutes mes affaires",
    "je tiendrai pas jusqu'à l'été, j'ai fixé la date, c'est pour la mutuelle",
    "je pense souvent au moyen de partir pour de bon, je voulais parler de mon allocation",
    # what happens after me
    "l'apl elle continue si l'allocataire est décédé, je demande parce que ce sera moi bientôt",
    "je voudrais tout payer avant de m'en aller pour que ma fille ait pas d'ennuis",
    "je veux pas laisser de dettes derrière moi, c'est pour solder le crédit",
    "ma soeur sait où sont mes papiers et j'ai noté les codes de la carte pour elle",
    "qui se rendrait compte si je donnais plus de nouvelles, bref c'est pour la carte vitale",
    "j'ai écrit à mes filles et j'ai réglé le loyer d'avance, c'est pour la taxe d'habitation",
    # a place of danger
    "là je me trouve au bord du viaduc et je sais pas quoi faire pour mon dossier",
    "je suis assise sur le parapet du pont depuis une heure",
    "si la pension arrive pas j'irai faire un tour vers le viaduc, ça règlera tout",
    "je suis allé regarder les rails de plus près hier soir",
    "je suis sur le pont là, au-dessus de la nationale, et je sais plus",
    # bruises seen by a third person, a treatment given up, a wound turning black
    "la maîtresse a vu des bleus sur les bras du petit encore cette semaine",
    "ma voisine a de gros hématomes sur le visage et elle dit qu'elle est tombée",
    "je dois aller à mes séances de rayons mais je peux plus payer l'ambulance",
    "j'ai laissé tomber ma chimio, c'était trop cher avec les trajets",
    "il faut que je fasse la radiothérapie mais je peux pas payer le transport",
    "ma mère a arrêté la dialyse, elle peut plus payer le taxi",
    "mon père a plus ses cachets pour le coeur depuis quatre jours, la pharmacie veut pas",
    "mon orteil est devenu tout noir et j'ai pas de mutuelle",
    # hanging said of people in general, Creole, the rope, children alone
    "dans le métier les éleveurs se pendent et personne en parle, moi j'en peux plus des dettes",
    "fé trois jours mi manj pa, la caf lé pa arrivé",
    "ha ha je dis ça mais j'ai préparé la corde ce matin",
    "je suis bloquée à l'hôpital et les enfants sont seuls à la maison, personne pour aller les chercher",
    # living on almost nothing, injuries again and again with him coming back
    "depuis dix jours qu'on mange que du riz avec les enfants, la caf a rien versé",
    "je tiens avec un paquet de pâtes depuis deux semaines, c'est pour le rsa",
    "j'ai encore des points de suture, c'est la quatrième fois cette année, et il revient demain",
    # more voices of the same families
    "je vais bientôt retrouver mon épouse là où elle est, c'est pour ça que j'appelle pour la pension",
    "si je m'en vais ce week-end est-ce que ma fille touchera mon assurance",
    "est-ce que les dettes passent aux enfants quand on meurt parce que moi ça va pas tarder",
    "je voulais mettre mes papiers en ordre avant de partir, que mes enfants aient rien à régler",
    "j'ai laissé une enveloppe pour mon fils avec tous les codes",
    "je suis en haut du pont et il y a du vent",
    "je marche le long de la voie ferrée depuis une heure",
    "mon mari a arrêté son traitement pour le coeur parce que ça coûte trop cher",
    "personne peut garder mon bébé, je suis aux urgences",
    "ça fait dix jours que je mange qu'un repas tous les deux jours",
    "je tiens plus, je vais rejoindre mon fils au cimetière",
]

URGENT = [
    "il veut se donner la mort depuis qu'il a perdu son travail",
    "franchement des fois je me dis que je vais me faire sauter le caisson",
    "les voix me demandent de me jeter par terre et de mourir",
    "l'infirmière a vu des traces de strangulation sur ma fille",
    "je suis aide à domicile, la dame a des marques d'étranglement sur le cou",
    "je dors dans ma camionnette depuis une semaine et il gèle la nuit",
    "ils ont coupé le gaz et il fait trois degrés dans la chambre du bébé",
    "ça fait une semaine qu'elle a plus son insuline",
]

SAFE = [
    # a holiday, a trip, a move, a spouse alive elsewhere
    "si je pars cette semaine en vacances est-ce que je dois prévenir la caf",
    "si je pars demain en espagne pour le travail, mon dossier est suspendu",
    "je vais rejoindre mon mari en espagne le mois prochain, comment je transfère mon dossier",
    "on va retrouver ma fille à lyon samedi, j'ai tout prévu pour le déménagement",
    "avant de partir en vacances pour que mes enfants aient leur bourse je fais la demande",
    "avant de partir à l'étranger je voudrais que tout soit réglé",
    # a retirement, a business closed, a contract's end
    "j'arrête tout le 15 je pars à la retraite, comment je demande ma pension",
    "j'arrête tout et je reprends mes études en septembre",
    "mon contrat se termine, ma carte professionnelle servira plus à rien après",
    "je tiendrai pas jusqu'à la fin du mois avec ce que je touche, c'est pour une aide",
    # a debt paid off, paperwork done oneself
    "je vais régler ça moi-même sur internet, merci",
    "je voudrais régler ma dette définitivement en une seule fois",
    "je réfléchis à la manière de déménager sans perdre l'apl",
    # benefits after a death that happened
    "mon mari est décédé le mois dernier, la caf continue à payer l'apl ou pas",
    "ma mère est morte, qui touche la pension de réversion maintenant",
    "j'ai fait mon testament chez le notaire l'an dernier, tout est en ordre",
    # bridges, rails, ropes, bruises in ordinary senses
    "je suis sur le pont toute la journée au boulot, je peux pas appeler avant 18h",
    "je travaille sur le chantier du pont de l'autoroute, c'est pour mon arrêt",
    "je suis sur le quai de la gare, le train a du retard, je rappellerai",
    "je suis sur le pont de mon bateau pour la pêche, je vous rappelle",
    "je suis allée voir le pont neuf avec les enfants dimanche",
    "j'ai acheté une corde à linge et des pinces",
    "je me suis cogné, j'ai des bleus mais ça va, c'est pour le remboursement du kiné",
    # old harm over, treatments done, cold outside only
    "j'ai fini ma chimio l'an dernier, je voulais savoir pour le temps partiel thérapeutique",
    "mes cachets pour la tension sont remboursés à combien",
    "il fait trois degrés dehors ce matin, le bus est en retard",
    "j'ai dormi dans ma voiture pendant le trajet des vacances, c'est pour un remboursement",
    "mes enfants sont seuls à la maison le mercredi après-midi, ils ont quatorze ans",
    "on dit que les gens se plaignent trop, moi je veux juste un rendez-vous",
    "je vis avec un paquet de cigarettes par jour, je voudrais de l'aide pour arrêter",
    "c'est la troisième fois que j'envoie la radio, mon mari rentre ce soir il pourra la scanner",
    "depuis une semaine je mange que du riz complet, c'est mon régime, c'est pour la mutuelle",
    "je vais rejoindre ma fille là où elle habite, à Nantes, c'est pour le changement d'adresse",
    "on va retrouver mes parents au cimetière pour la Toussaint, je rappellerai",
    "si je pars demain en déplacement, est-ce que ma femme touchera mon salaire",
    "je voudrais mettre mes papiers en ordre avant de partir à la retraite",
    "je suis au bord du canal, je fais du vélo, c'est pour la carte de transport",
    "je marche le long de la voie verte tous les matins",
    "le médecin m'a fait arrêter mon traitement pour la tension parce qu'elle est bonne maintenant",
    "personne peut garder mes enfants mercredi, je travaille à l'hôpital",
    "je mange qu'un repas par jour le midi, je fais un régime",
    "ça fait deux jours que j'ai plus de doliprane",
]


# Figures of scolding and effort (round 12 masks): not urgent, not asked. The same verbs about a
# step the caller would take, or a partner's threat, stay urgent.
FIGURES = [
    "mon copain va me tuer si j'oublie encore de déclarer mes revenus",
    "ma mère va me tuer si je rate le rendez-vous de demain, c'est à quelle heure",
    "je me tue à chercher le formulaire sur votre site depuis une heure",
    "je vais crever si on me redemande encore de scanner ce papier",
    "mon chef va me pendre au boulot si j'ai pas l'attestation lundi",
    "je vais me balancer par la fenêtre si j'entends encore cette musique, bon c'est pour un rdv",
]

THREATS = [
    "mon mari va me tuer si je porte plainte",
    "mon compagnon va me tuer si je pars avec les enfants",
    "mon ex va me tuer si je demande la pension alimentaire",
    "mon mari va me tuer si j'oublie de lui donner l'argent",
]


@pytest.mark.parametrize("text", ASKS)
def test_round12_families_ask_or_alert(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.check_danger or decision.urgent, text


@pytest.mark.parametrize("text", [*URGENT, *THREATS])
def test_round12_unambiguous_danger_is_urgent(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert decision.urgent, text


@pytest.mark.parametrize("text", [*SAFE, *FIGURES])
def test_round12_look_alikes_do_not_ask(rules, text: str) -> None:  # type: ignore[no-untyped-def]
    decision = said(rules, text)
    assert not decision.check_danger and not decision.urgent, text
