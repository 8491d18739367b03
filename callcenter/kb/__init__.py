"""Regulation knowledge base: entries, loading and linting, French-aware search, answer decision.

Typical use by the IVR engine::

    kb = load_knowledge_base(DEFAULT_KB_DIR)      # raises KnowledgeBaseError (file:line) if broken
    index = KnowledgeIndex.build(kb)              # once at start; again when fingerprint() changes
    result = index.search("j'ai perdu ma carte vitale")
    if result.match is not None:
        say(result.match.spoken_answer)           # else: ask to rephrase, then offer a person

Everything but the loader is pure; an index is immutable and safe to share between threads.
"""

from __future__ import annotations

from callcenter.kb.entry import Claim, Entry, KnowledgeBase, LegalReference
from callcenter.kb.errors import Fault, KnowledgeBaseError
from callcenter.kb.index import KnowledgeIndex, SearchResult, SearchSettings
from callcenter.kb.loader import DEFAULT_KB_DIR, DEFAULT_SPEC, fingerprint, load_knowledge_base
from callcenter.kb.normalise import analyse

__all__ = [
    "DEFAULT_KB_DIR",
    "DEFAULT_SPEC",
    "Claim",
    "Entry",
    "Fault",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "KnowledgeIndex",
    "LegalReference",
    "SearchResult",
    "SearchSettings",
    "analyse",
    "fingerprint",
    "load_knowledge_base",
]
