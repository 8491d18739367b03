from __future__ import annotations

import pytest

from callcenter.kb import DEFAULT_KB_DIR, KnowledgeBase, KnowledgeIndex, load_knowledge_base


@pytest.fixture(scope="session")
def bundled_kb() -> KnowledgeBase:
    """The knowledge base shipped in knowledge_base/."""
    return load_knowledge_base(DEFAULT_KB_DIR)


@pytest.fixture(scope="session")
def bundled_index(bundled_kb: KnowledgeBase) -> KnowledgeIndex:
    return KnowledgeIndex.build(bundled_kb)
