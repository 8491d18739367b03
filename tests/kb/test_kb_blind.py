"""Blind batches: caller sentences written from the topic list, never copied into the base.

They measure how the search generalises to new callers, so they are scored as a whole rather than
line by line: a threshold on the match accuracy (the answer given, or no answer for an
out-of-scope sentence), and a bound on wrong answers, which are worse than none. See
docs/knowledge-base.md, "Quality", for the figures and how each batch was written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from callcenter.kb import KnowledgeIndex

FIXTURES = Path(__file__).parent / "fixtures"
BATCHES = ("blind_batch2.yaml", "blind_batch3.yaml", "blind_batch4.yaml", "blind_batch5.yaml")
# Later batches are in the scorer's format (one JSON caller per line); see each one's .md for how it
# was written and its first score.
JSONL_BATCHES = ("blind_batch6.jsonl", "blind_batch7.jsonl", "blind_batch8.jsonl", "blind_batch9.jsonl",
                 "blind_batch10.jsonl")


def _cases(name: str) -> list[tuple[str, str | None]]:
    if name.endswith(".jsonl"):
        lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
        return [(row["text"], row["topic"]) for row in map(json.loads, filter(None, lines))]
    data = yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))
    cases: list[tuple[str, str | None]] = [
        (text, topic)
        for section in ("typical", "corrections", "misheard")
        for topic, texts in data.get(section, {}).items()
        for text in texts
    ]
    return cases + [(text, None) for text in data.get("out_of_scope", [])]


def _score(index: KnowledgeIndex, cases: list[tuple[str, str | None]]) -> tuple[int, int, list[str]]:
    """Sentences resolved within one question, wrong answers, and the misses for the message.

    Resolved: the right answer at once, the right topic among the choices offered in one question,
    or no answer to an out-of-scope sentence. Wrong: an answer on another topic (or off scope).
    """
    resolved = wrong = 0
    misses = []
    for text, topic in cases:
        result = index.search(text)
        got = result.match.id if result.match is not None else None
        if got == topic or (got is None and topic is not None and topic in result.clarify):
            resolved += 1
            continue
        wrong += got is not None
        misses.append(f"want {topic} got {got} clarify {list(result.clarify)} :: {text}")
    return resolved, wrong, misses


def test_blind_batches_are_well_formed(bundled_index: KnowledgeIndex) -> None:
    ids = {entry.id for entry in bundled_index.kb}
    for name in BATCHES:
        cases = _cases(name)
        assert all(topic is None or topic in ids for _, topic in cases), name
        assert len({text for text, _ in cases}) == len(cases), f"{name}: a sentence is repeated"
        # Every topic is asked about, and some sentences are out of scope.
        assert {topic for _, topic in cases} >= ids, name
        assert sum(topic is None for _, topic in cases) >= 10, name


def test_blind_batches_are_resolved_within_one_question(bundled_index: KnowledgeIndex) -> None:
    # Issue 10's targets: resolved within one question >= 0.95, wrong answers <= 2 %.
    cases = [case for name in BATCHES for case in _cases(name)]
    resolved, wrong, misses = _score(bundled_index, cases)
    assert resolved / len(cases) >= 0.95, "\n".join(misses)
    assert wrong / len(cases) <= 0.02, "\n".join(misses)


@pytest.mark.parametrize("name", BATCHES + JSONL_BATCHES)
def test_each_blind_batch_meets_the_targets(bundled_index: KnowledgeIndex, name: str) -> None:
    # Lexical search alone (the semantic check off or its model missing), issue 10's targets for
    # each batch, not floors fitted to it. With the three-way decision, batch 2 scored 0.965
    # resolved and 2.0 % wrong, batch 3 0.972 and 0 %, batch 4 (first run 0.934 and 2.8 %) 0.958
    # and 1.9 %, batch 5 (first run) 0.959 and 2.3 %; after the focus, denial and cut-word families
    # and the 0.75 margin (docs/knowledge-base.md): 0.970 and 1.5 %, 0.982 and 0 %, 0.967 and 1.4 %,
    # 0.982 and 0 %. After round 10: batch 6 0.995 and 0 %, batch 7 0.974 and 1.0 %, batch 8 0.981
    # and 0.9 %; batches 9 and 10, never tuned on, 0.973 and 1.8 %, 0.955 and 1.8 %.
    cases = _cases(name)
    resolved, wrong, misses = _score(bundled_index, cases)
    assert resolved / len(cases) >= 0.95, "\n".join(misses)
    assert wrong / len(cases) <= 0.02, "\n".join(misses)
