"""The leave-one-writer-out cross-validation (real encoder, real rules, real corpus lines)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callcenter.triage import TriageRules
from callcenter.triage.cv import (
    CachedEncoder,
    Tally,
    cross_validate_writers,
    decide,
    pooled,
    tally,
    writer_folds,
    writer_of,
    writer_rows,
)
from callcenter.triage.semantic import CORPUS_DIR, default_encoder
from callcenter.triage.train import THRESHOLDS, WRITERS_FILE, corpus_files, load_corpus

FIXTURES = Path(__file__).parent / "fixtures"


def test_the_writers_in_the_corpus_are_the_batches_as_they_are() -> None:
    """Edit a batch, run ``python -m callcenter.triage.train --import-batches tests/triage/fixtures``,
    retrain, commit all three."""
    others = [p for p in corpus_files() if p.name != WRITERS_FILE]
    rows, skipped = writer_rows(FIXTURES, (e.text for e in load_corpus(others)))
    written = (CORPUS_DIR / WRITERS_FILE).read_text(encoding="utf-8")
    assert written == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    total = sum(1 for p in FIXTURES.glob("generalisation_batch*.jsonl")
                for line in p.read_text(encoding="utf-8").splitlines() if line.strip())
    # A text repeated across writers is a short common sentence (24 of 9,910 lines with 44
    # writers); many more would mean a batch imported twice.
    assert len(rows) + skipped == total and skipped < total // 200
    urgent = json.loads((FIXTURES / "generalisation_batch26.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert any(r["text"] == urgent["text"].strip() and r["voice"] == "writer26" for r in rows)


def test_no_fold_trains_on_its_held_out_writer() -> None:
    examples = load_corpus(corpus_files())
    folds = writer_folds(examples)
    batches = len(list(FIXTURES.glob("generalisation_batch*.jsonl")))
    assert [w for w, _, _ in folds] == list(range(1, batches + 1))
    for writer, train, test in folds:
        assert test and all(writer_of(e) == writer for e in test)
        assert not {e.text for e in train} & {e.text for e in test}
        assert len(train) + len(test) == len(examples)
    # The baseline: the corpus the project had before the writers joined it.
    _, train, _ = writer_folds(examples, writers_in_training=False)[0]
    assert train and all(writer_of(e) is None for e in train)


def test_tally_counts_as_the_scorer_does(rules: TriageRules) -> None:
    examples = [e for e in load_corpus(corpus_files()) if writer_of(e) == 26][:40]
    decisions = decide(rules, None, [e.text for e in examples])
    t = tally(examples, decisions)
    urgent = [d for e, d in zip(examples, decisions, strict=True) if e.label == "urgent"]
    others = [d for e, d in zip(examples, decisions, strict=True) if e.label != "urgent"]
    assert (t.urgent, t.other) == (len(urgent), len(others))
    assert t.caught == sum(d.urgent or d.check_danger for d in urgent)
    assert t.asked == sum(d.check_danger and not d.urgent for d in others)
    assert t.flagged == sum(d.urgent for d in decisions)
    assert t + Tally() == t and (t + t).caught_rate == t.caught_rate


def test_a_held_out_writer_is_decided_by_rules_and_a_head_trained_without_it(rules: TriageRules) -> None:
    """A small corpus (real lines) and two writers: each fold's figures come from its own writer's
    lines only, and training on the other writer changes the head (the exemplars are not the
    corpus alone)."""
    corpus = load_corpus(corpus_files())
    small = ([e for e in corpus if writer_of(e) is None][::20]
             + [e for e in corpus if writer_of(e) == 25][:60] + [e for e in corpus if writer_of(e) == 27][:60])
    encoder = CachedEncoder(default_encoder())
    variants = [{**THRESHOLDS, "ask": a} for a in (0.3, 0.9)]
    low, high = cross_validate_writers(small, encoder, rules, variants=variants)
    assert sorted(low) == [25, 27]
    assert low[25].urgent + low[25].other == 60
    # A lower ask line asks at least as many callers, and catches at least as many.
    assert low[25].caught >= high[25].caught and pooled(low).asked >= pooled(high).asked
    baseline = cross_validate_writers(small, encoder, rules, variants=variants[:1], writers_in_training=False)[0]
    assert sorted(baseline) == [25, 27]
    assert any(baseline[w] != low[w] for w in (25, 27))
    encoded = encoder.encoded
    cross_validate_writers(small, encoder, rules, variants=variants[:1], writers=[25])
    assert encoder.encoded == encoded  # every text was encoded once


@pytest.mark.parametrize("name", ["generalisation_batch27.jsonl"])
def test_batch_lines_keep_their_flags_as_labels(name: str) -> None:
    cases = [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines() if line]
    by_text = {e.text: e for e in load_corpus(corpus_files()) if writer_of(e) == 27}
    for case in cases:
        e = by_text.get(case["text"].strip())
        if e is None:
            continue  # already in the corpus (a duplicate left out)
        assert (e.label == "urgent") == case["urgent"]
        assert (e.label in ("urgent", "fragile")) == case["fragile"]
        assert list(e.reasons) == case["reasons"] and e.family.startswith("batch27.")
