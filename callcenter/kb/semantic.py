"""A second opinion on close answers: sentence embeddings of the caller and of each entry.

The lexical search (``index.py``) is right on its best entry about 95 % of the time, but when the
runner-up is close a confident-looking answer is sometimes the wrong topic. Sentence embeddings
read a sentence as a whole ("je veux arrêter de travailler ... ma pension" is about retiring, not
sick leave, whatever the shared words), yet alone they rank the right entry first far less often
(about 79 % on our sets). So they only check: when the lexical margin is thin and the
embeddings put another of the first three entries closer to what the caller said, the IVR asks
which of the two rather than answer (docs/knowledge-base.md, "Semantic check").

The embedder is the triage's multilingual encoder, loaded once per process
(``callcenter.triage.semantic.SemanticModel.embed``); each entry's title and examples are
embedded once, when the index is built. Nothing here reads or writes anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from callcenter.kb.entry import KnowledgeBase


class Embedder(Protocol):
    """Unit sentence vectors, one row per text (the triage's ``SemanticModel`` is one)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def entry_texts(kb: KnowledgeBase) -> tuple[list[str], list[int]]:
    """The texts embedded for each entry (its title and examples) and the entry of each."""
    texts: list[str] = []
    owners: list[int] = []
    for i, entry in enumerate(kb.entries):
        for text in (entry.title, *entry.examples):
            texts.append(text)
            owners.append(i)
    return texts, owners


@dataclass(frozen=True, eq=False)
class EntryVectors:
    """The embedded texts of every entry; immutable, safe to share between threads."""

    embedder: Embedder = field(repr=False)
    vectors: np.ndarray = field(repr=False)   # (texts, dim), unit rows
    owners: np.ndarray = field(repr=False)    # (texts,) index of the entry of each row

    @classmethod
    def build(cls, kb: KnowledgeBase, embedder: Embedder) -> EntryVectors:
        texts, owners = entry_texts(kb)
        vectors = np.asarray(embedder.embed(texts), dtype=np.float32).reshape(len(texts), -1)
        return cls(embedder=embedder, vectors=vectors, owners=np.asarray(owners, dtype=np.int32))

    def closeness(self, text: str, entries: Sequence[int]) -> list[float]:
        """For each entry, the cosine of the caller's sentence with the closest of its texts."""
        query = np.asarray(self.embedder.embed([text]), dtype=np.float32).reshape(-1)
        sims = self.vectors @ query
        return [float(sims[self.owners == idx].max(initial=-1.0)) for idx in entries]
