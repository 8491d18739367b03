"""Leave-one-writer-out cross-validation of the whole triage (rules + semantic layer).

The generalisation batches (``tests/triage/fixtures/generalisation_batch*.jsonl``) were written
by different blind writers, one a batch; they join the corpus as ``corpus/writers.jsonl`` with
``voice: "writerN"`` (see :func:`writer_rows`). Holding out one writer at a time, training the
semantic head on everything else (corpus and the other writers, exemplars too) and deciding the
held-out lines as ``callcenter triage --jsonl`` does (``assess`` with the real rules) estimates
what a writer the project never saw will meet: batches share no writer, so no wording of the
held-out voice is known to its fold.

The figures are those of ``/work/shared/eval/score.py``: *caught* = urgent callers flagged urgent
or asked the danger question; *asked* = non-urgent callers asked (and not flagged urgent); urgent
precision on the urgent flag; fragile F1 on the fragile flag.

Encoding is the only slow part: every text and window is encoded once (:class:`CachedEncoder`,
optionally kept in a file between runs) and every fold reuses the vectors.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from callcenter.triage.assess import assess
from callcenter.triage.model import TriageDecision, TriageInput
from callcenter.triage.rules import TriageRules
from callcenter.triage.semantic import Encoder, SemanticModel, default_encoder, prepare
from callcenter.triage.train import (
    Example,
    Settings,
    build_head,
    encode,
    window_negatives,
)

WRITER_VOICE = re.compile(r"^writer(\d+)$")
BATCH_FILE = re.compile(r"^generalisation_batch(\d+)\.jsonl$")
# What a fold's head must decide: the reasons' layers only name reasons, never change a decision.
DECISION_LABELS = ("urgent", "fragile")


class CachedEncoder:
    """An encoder that encodes each distinct text once (and can keep the vectors in a file)."""

    def __init__(self, base: Encoder | None = None, path: Path | None = None) -> None:
        self._base = base
        self.path = path
        self.store: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            with np.load(path, allow_pickle=False) as data:
                texts = json.loads(bytes(data["texts"]).decode())
                self.store = dict(zip(texts, data["vectors"].astype(np.float32), strict=True))
        self.encoded = 0  # texts the base encoder was asked for (what the cache saved is the rest)

    def encode(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.store))
        if missing:
            if self._base is None:
                self._base = default_encoder()
            for start in range(0, len(missing), 64):
                part = missing[start:start + 64]
                vectors = np.asarray(self._base.encode(part), dtype=np.float32).reshape(len(part), -1)
                self.store.update(zip(part, vectors, strict=True))
            self.encoded += len(missing)
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        return np.stack([self.store[t] for t in texts])

    def save(self) -> None:
        if self.path is None:
            return
        texts = list(self.store)
        np.savez(self.path, texts=np.frombuffer(json.dumps(texts, ensure_ascii=False).encode(), dtype=np.uint8),
                 vectors=np.stack([self.store[t] for t in texts]) if texts else np.zeros((0, 512)))


def batch_files(folder: Path) -> list[tuple[int, Path]]:
    """The generalisation batches of ``folder``, by batch number."""
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := BATCH_FILE.match(p.name))]
    return sorted(found)


def writer_rows(folder: Path, known: Iterable[str]) -> tuple[list[dict[str, object]], int]:
    """The batches as corpus rows (label from the urgent and fragile flags, reasons kept), and how
    many lines were left out because their text (as the encoder sees it) is already in ``known``
    or in an earlier batch: the corpus holds each text once."""
    seen = {prepare(t) for t in known}
    rows: list[dict[str, object]] = []
    skipped = 0
    for number, path in batch_files(folder):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            key = prepare(case["text"])
            if key in seen:
                skipped += 1
                continue
            seen.add(key)
            label = "urgent" if case["urgent"] else "fragile" if case["fragile"] else "none"
            rows.append({"text": case["text"].strip(), "label": label, "reasons": list(case["reasons"]),
                         "family": f"batch{number}.{label}", "voice": f"writer{number}"})
    return rows, skipped


def writer_of(example: Example) -> int | None:
    m = WRITER_VOICE.match(example.voice)
    return int(m.group(1)) if m else None


@dataclass(frozen=True)
class Tally:
    """Counts behind the figures, so writers can be pooled by adding them."""

    urgent: int = 0
    other: int = 0
    caught: int = 0
    asked: int = 0
    flagged: int = 0          # flagged urgent
    flagged_right: int = 0    # ... and urgent
    fragile_tp: int = 0
    fragile_fp: int = 0
    fragile_fn: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (self.urgent, self.other, self.caught, self.asked, self.flagged, self.flagged_right,
                self.fragile_tp, self.fragile_fp, self.fragile_fn)

    @property
    def caught_rate(self) -> float:
        return self.caught / max(self.urgent, 1)

    @property
    def asked_rate(self) -> float:
        return self.asked / max(self.other, 1)

    @property
    def urgent_precision(self) -> float:
        return self.flagged_right / self.flagged if self.flagged else 1.0

    @property
    def fragile_f1(self) -> float:
        tp, fp, fn = self.fragile_tp, self.fragile_fp, self.fragile_fn
        return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0

    def line(self) -> str:
        return (f"caught {self.caught_rate:.3f} ({self.caught}/{self.urgent}), asked {self.asked_rate:.3f} "
                f"({self.asked}/{self.other}), urgent P {self.urgent_precision:.3f}, "
                f"fragile F1 {self.fragile_f1:.3f}")


def tally(examples: Sequence[Example], decisions: Sequence[TriageDecision]) -> Tally:
    counts = [0] * 9
    for e, d in zip(examples, decisions, strict=True):
        urgent, fragile = e.label == "urgent", e.label in ("urgent", "fragile")
        row = (urgent, not urgent, urgent and (d.urgent or d.check_danger),
               not urgent and d.check_danger and not d.urgent, d.urgent, d.urgent and urgent,
               fragile and d.fragile, d.fragile and not fragile, fragile and not d.fragile)
        counts = [c + int(v) for c, v in zip(counts, row, strict=True)]
    return Tally(*counts)


def decide(rules: TriageRules, model: SemanticModel | None, texts: Sequence[str]) -> list[TriageDecision]:
    """What ``callcenter triage --jsonl`` decides, one utterance a call."""
    if model is not None:
        model.read(list(texts))
    return [assess(rules, TriageInput(utterances=(t,)), model) for t in texts]


def with_thresholds(model: SemanticModel, thresholds: Mapping[str, float]) -> SemanticModel:
    """The same readings decided on other thresholds (readings do not depend on them, except on
    ``familiar``, which must stay the same)."""
    if thresholds.get("familiar") != model.head.thresholds.get("familiar"):
        raise ValueError("the 'familiar' threshold changes readings: train the fold again")
    other = SemanticModel(model.encoder, replace(model.head, thresholds=dict(thresholds)))
    other._cache.update(model._cache)
    return other


def cross_validate_writers(examples: Sequence[Example], encoder: Encoder, rules: TriageRules,
                           settings: Settings | None = None,
                           variants: Sequence[Mapping[str, float]] | None = None,
                           writers_in_training: bool = True, writers: Sequence[int] | None = None,
                           fitted: Sequence[str] = DECISION_LABELS) -> list[dict[int, Tally]]:
    """Per held-out writer, the whole triage's counts, for each threshold set of ``variants``
    (default: the settings' thresholds). ``writers_in_training=False`` trains every fold on the
    corpus alone (the baseline: what the project had before the writers joined it)."""
    settings = settings or Settings()
    variants = list(variants or [settings.thresholds])
    out: list[dict[int, Tally]] = [{} for _ in variants]
    cached_baseline: SemanticModel | None = None
    for writer, train, test in writer_folds(examples, writers_in_training):
        if writers is not None and writer not in writers:
            continue
        if writers_in_training:
            model = _fold_model(train, encoder, settings, fitted)
        else:
            if cached_baseline is None:  # the same head for every writer: trained once
                cached_baseline = _fold_model(train, encoder, settings, fitted)
            model = cached_baseline
        texts = [e.text for e in test]
        model.read(texts)
        for i, thresholds in enumerate(variants):
            out[i][writer] = tally(test, decide(rules, with_thresholds(model, thresholds), texts))
    return out


def writer_folds(examples: Sequence[Example], writers_in_training: bool = True,
                 ) -> list[tuple[int, list[Example], list[Example]]]:
    """(held-out writer, training examples, held-out examples), one fold a writer."""
    held = sorted({w for e in examples if (w := writer_of(e)) is not None})
    return [(writer,
             [e for e in examples if (writer_of(e) != writer if writers_in_training else writer_of(e) is None)],
             [e for e in examples if writer_of(e) == writer]) for writer in held]


def _fold_model(train: Sequence[Example], encoder: Encoder, settings: Settings,
                fitted: Sequence[str]) -> SemanticModel:
    vectors = encode(train, encoder)
    negatives = window_negatives(train, encoder)
    return SemanticModel(encoder, build_head(train, vectors, "cv", negatives=negatives, settings=settings,
                                             fitted=fitted))


def pooled(per_writer: Mapping[int, Tally]) -> Tally:
    total = Tally()
    for t in per_writer.values():
        total = total + t
    return total


def report(per_writer: Mapping[int, Tally], title: str) -> str:
    lines = [title]
    lines.extend(f"  writer {w:2d}: {t.line()}" for w, t in sorted(per_writer.items()))
    lines.append(f"  pooled   : {pooled(per_writer).line()}")
    return "\n".join(lines)
