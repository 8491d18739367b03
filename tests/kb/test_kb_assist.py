"""Agent assist: entries for the whole conversation, nothing rather than weak guesses."""

from __future__ import annotations

from callcenter.kb import KnowledgeIndex
from callcenter.kb.assist import suggest


def test_a_bare_body_name_suggests_nothing(bundled_index: KnowledgeIndex) -> None:
    assert suggest(bundled_index, ["c'est pour la caf"]) == []
    assert suggest(bundled_index, ["bonjour", "oui", "attendez deux secondes"]) == []


def test_a_topic_named_earlier_still_counts(bundled_index: KnowledgeIndex) -> None:
    found = suggest(bundled_index, ["j'ai perdu ma carte vitale", "oui", "et je sais pas quoi faire"])
    assert [s.kb_id for s in found] == ["am.carte_vitale"]
    assert found[0].because == "j'ai perdu ma carte vitale"


def test_the_latest_topic_comes_first(bundled_index: KnowledgeIndex) -> None:
    found = suggest(bundled_index, ["j'ai perdu ma carte vitale",
                                    "et aussi je voudrais changer de médecin traitant"])
    assert [s.kb_id for s in found] == ["am.medecin_traitant", "am.carte_vitale"]


def test_two_close_topics_are_both_shown_in_search_order(bundled_index: KnowledgeIndex) -> None:
    found = suggest(bundled_index, ["le paiement est en retard"])
    assert [s.kb_id for s in found] == ["caf.date_paiement", "ft.date_paiement"]
