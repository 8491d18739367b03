"""What a caller rejects or adds in one sentence: "pas X, c'est Y", "et aussi Z".

Callers correct themselves ("non c'est pas pour la carte vitale c'est pour mes lunettes") and the
words they reject are often the strongest in the sentence: searched as they stand, they win. This
module finds, in the normalised words of a sentence, the spans the caller rejects and the point
where a second question starts. Pure; the search decides what to do with them.

Only explicit forms count: "c'est pas X", "ce n'est pas X", "non pas X", "non, X ... c'est Y".
A bare "pas" after a verb ("j'ai pas reçu le courrier") is an ordinary negation, not a correction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Words skipped at the start of a rejected span: "c'est pas POUR LA carte vitale".
_LEAD = frozenset({"pour", "la", "le", "les", "un", "une", "du", "des", "de", "mon", "ma", "mes",
                   "ça", "ca", "sur", "au", "aux", "a", "à"})
# Words that end a rejected span: the caller goes on to what they do want.
_END = frozenset({"est", "mais", "plutot", "plutôt", "que", "qui", "hein", "non", "je", "j",
                  "moi", "enfin", "juste", "seulement", "voila", "voilà"})
_MAX_SPAN = 6
# A second question: "... et aussi ...", "... et puis ...", "autre question ...".
_ALSO = (("et", "aussi"), ("et", "apres", "aussi"), ("et", "après", "aussi"), ("et", "puis", "aussi"),
         ("autre", "question"), ("deuxieme", "question"), ("deuxième", "question"),
         ("et", "egalement"), ("et", "également"), ("et", "puis"), ("apres", "aussi"),
         ("après", "aussi"))


@dataclass(frozen=True)
class Parts:
    """A sentence's words split into what to search, what the caller rejected, and a second question."""

    kept: tuple[str, ...]
    rejected: tuple[tuple[str, ...], ...] = ()
    # The words after a "et aussi"-like marker, when there is one (also still inside ``kept``).
    also: tuple[str, ...] = ()
    first: tuple[str, ...] = ()


def _is_trigger(words: Sequence[str], i: int) -> bool:
    """``words[i]`` is a "pas" that rejects what follows."""
    if words[i] != "pas":
        return False
    before = words[max(0, i - 3):i]
    # "c'est pas", "ce n'est pas", "c'était pas", "non pas"
    return bool(before) and (before[-1] in ("est", "etait", "était", "non")
                             or (len(before) >= 2 and before[-2] == "est" and before[-1] == "ne"))


def _span(words: Sequence[str], start: int) -> int:
    """End (exclusive) of the rejected span that starts at ``start``."""
    i = start
    while i < len(words) and words[i] in _LEAD:
        i += 1
    end = i
    while end < len(words) and words[end] not in _END and end - i < _MAX_SPAN:
        end += 1
    return end


def split(words: Sequence[str]) -> Parts:
    """Find rejected spans and a second question in normalised ``words`` (see ``normalise.words``)."""
    kept: list[str] = []
    rejected: list[tuple[str, ...]] = []
    i = 0
    while i < len(words):
        if _is_trigger(words, i):
            end = _span(words, i + 1)
            content = tuple(w for w in words[i + 1:end] if w not in _LEAD)
            if content:
                rejected.append(content)
                i = end
                continue
        kept.append(words[i])
        i += 1
    also: tuple[str, ...] = ()
    first: tuple[str, ...] = ()
    for marker in _ALSO:
        n = len(marker)
        for j in range(1, len(kept) - n):
            if tuple(kept[j:j + n]) == marker:
                first, also = tuple(kept[:j]), tuple(kept[j + n:])
                break
        if also:
            break
    return Parts(kept=tuple(kept), rejected=tuple(rejected), also=also, first=first)
