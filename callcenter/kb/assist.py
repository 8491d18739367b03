"""Agent assist: the knowledge-base entries that fit the whole conversation so far.

An agent glances at these while talking, so a wrong suggestion costs attention: each utterance is
searched on its own (a topic named early still counts, less than a recent one), and an entry is
shown only when some utterance answered with it or offered it among two choices, or when the
conversation as a whole does. Nothing rather than three weak guesses ("c'est pour la caf").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from callcenter.kb.index import KnowledgeIndex

# Weight of an utterance that is one step older than the next one.
RECENCY = 0.75
# A topic offered among two choices counts this much of an answered one.
CHOICE_SHARE = 0.5
# Shown from this weight: an answer a few utterances back, or a choice one utterance back.
MIN_WEIGHT = 0.35
# The whole conversation searched at once (the last this many utterances).
WINDOW = 6


@dataclass(frozen=True)
class Suggestion:
    kb_id: str
    weight: float
    # The utterance that brought it up, for the agent to see why.
    because: str


def suggest(index: KnowledgeIndex, texts: Sequence[str], limit: int = 3) -> list[Suggestion]:
    """Entries for a conversation (oldest utterance first), best first, at most ``limit``."""
    weight: dict[str, float] = defaultdict(float)
    because: dict[str, str] = {}
    recent = [t for t in texts if t.strip()][-WINDOW:]
    for age, text in enumerate(reversed(recent)):
        result = index.search(text)
        scale = RECENCY ** age
        found: list[tuple[str, float]] = []
        if result.match is not None:
            found.append((result.match.id, 1.0))
        elif 0 < len(result.clarify) <= 2:
            found.extend((kb_id, CHOICE_SHARE) for kb_id in result.clarify)
        for kb_id, share in found:
            weight[kb_id] += scale * share
            because.setdefault(kb_id, text)
    if len(recent) > 1:
        whole = index.search(" ".join(recent))
        # Read as two questions ("... et aussi ..."), the whole says nothing the utterances did not;
        # its answer would only be the first of them, and the latest utterance must lead.
        if whole.match is not None and whole.also is None:
            weight[whole.match.id] += CHOICE_SHARE
            because.setdefault(whole.match.id, recent[-1])
    # Stable: on a tie, the order the search ranked them in.
    ranked = sorted(weight.items(), key=lambda kv: -kv[1])
    return [Suggestion(kb_id, round(w, 3), because[kb_id]) for kb_id, w in ranked if w >= MIN_WEIGHT][:limit]
