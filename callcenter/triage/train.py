"""Build the semantic detector's model file from the corpus.

    python -m callcenter.triage.train            # writes callcenter/triage/semantic_model.npz
    python -m callcenter.triage.train --cv       # also: leave-families-out cross-validation
    python -m callcenter.triage.train --cv-writers [--baseline] [--ask-curve 0.4,0.5] [--vectors V.npz]
                                                 # leave-one-writer-out cross-validation of the triage
    python -m callcenter.triage.train --import-batches tests/triage/fixtures   # -> corpus/writers.jsonl

The corpus (``callcenter/triage/corpus/*.jsonl``) holds utterances written for this project as
families of situations and voices, never copied from an evaluation set. One JSON object a line:
``{"text", "label": "urgent"|"fragile"|"none", "reasons": [ids], "family", "voice"}``.

Training is deterministic (Newton's method from zero on a convex loss, exemplars in file order),
so the same corpus and encoder give the same file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from callcenter.triage.semantic import (
    CORPUS_DIR,
    DEFAULT_MODEL_PATH,
    Encoder,
    Head,
    default_encoder,
    prepare,
    windows,
)

REASONS = ("danger", "sans_ressources", "logement", "isolement", "sante_handicap", "exclusion_numerique",
           "rupture", "detresse", "langue")
LABELS = ("urgent", "fragile", *REASONS)
LABEL_VALUES = ("urgent", "fragile", "none")
# Decision thresholds on the combined probabilities (see docs/triage.md, "The semantic layer").
THRESHOLDS = {
    "urgent": 0.95,      # semantic alone flags urgent
    # From here to "urgent": the IVR asks whether the caller is in danger now (0.50 in round 6,
    # 0.51 in rounds 7-8, 0.515 in rounds 9-12; docs/triage.md, "Round 13"). Trained on the
    # writers, a held-out writer is asked less at each line. Leave-one-writer-out, on the eight
    # writers no rule round was tuned on when they were first scored (25-32), 0.45 catches about
    # 0.95 of the callers in danger asking about 9 % of the others; 0.48 (round 13's first choice)
    # caught 0.93-0.95. Plain routing sentences ("c'est pour la caf, mon numéro est le ...", read
    # 0.475 by the model trained on 28 writers) are taught as ordinary (corpus/round13.jsonl).
    # Round 15 (44 writers in training), leave-one-writer-out on writers 33-44: 0.45 catches
    # 0.979 asking 6.1 %; 0.42 catches two callers more (0.982 / 6.8 %) but asks more than 10 %
    # of three writers' ordinary callers (33-35), so 0.45 stays; docs/triage.md, "Round 15".
    # Round 16 (48 writers), writers 37-48 held out: 0.45 and 0.48 catch the same 714 of 720
    # (0.48 asks 4.3 % against 5.1 %, and writer 46 8.1 % against 11.3 %); over all 48 writers
    # 0.45 catches three more. 0.45 kept, 0.48 left to the lead's fresh batches ("Round 16").
    "ask": 0.45,
    "fragile": 0.75,     # semantic alone flags fragile
    "reason": 0.60,      # a reason named by the semantic layer (when it decides fragile)
    "familiar": 0.42,    # below this similarity to the nearest exemplar, a text is out of domain
    # A caller in doubt (asked the danger question) is fragile until they answer when the fragile
    # reading reaches this (docs/triage.md, "Round 5"; 0.50 until round 11, where urgent callers
    # asked but read 0.30-0.50 fragile were the largest share of fragile callers missed).
    "doubt_fragile": 0.30,
    # The semantic layer decides fragile alone only on utterances of at least this many words:
    # below, 1 of its 14 fragile decisions on the development sets and batches 1-11 was right.
    "fragile_words": 14,
}
URGENT_COST = 1.0  # 2.0 and 3.0 measured: more callers asked for the same callers caught
# Measured on the development sets and batches 1-10 (docs/triage.md, "Round 4"): five nearest
# exemplars with half the vote ask fewer ordinary callers for the same callers in danger caught
# than ten with 0.3 (a near miss is usually closest to its own written near miss). Round 13
# (leave-one-writer-out, 28 writers in the exemplars): 0.7 of the vote asks fewer held-out
# callers for the same callers caught than 0.5; k = 3 or 10 and L2 0.3 made no difference.
# Round 15 (44 writers, writers 33-44 held out): 0.7 still best; 0.5 and 0.85 ask more callers
# for as many caught.
K_NEAREST = 5
KNN_WEIGHT = 0.7
WINDOW_WEIGHT = 0.9
L2 = 1.0
VERSION_PREFIX = "sem-9"
# The generalisation batches as corpus lines (``--import-batches``; see ``cv.py``).
WRITERS_FILE = "writers.jsonl"


@dataclass(frozen=True)
class Settings:
    """What the head is built with (the constants above unless a cross-validation tries others)."""

    l2: float = L2
    urgent_cost: float = URGENT_COST
    k: int = K_NEAREST
    knn_weight: float = KNN_WEIGHT
    window_weight: float = WINDOW_WEIGHT
    thresholds: Mapping[str, float] = field(default_factory=lambda: dict(THRESHOLDS))


class CorpusError(Exception):
    def __init__(self, faults: Sequence[str]) -> None:
        super().__init__("\n".join(faults))
        self.faults = list(faults)


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    reasons: tuple[str, ...]
    family: str
    voice: str

    def targets(self) -> list[float]:
        row = [float(self.label == "urgent"), float(self.label in ("urgent", "fragile"))]
        return row + [float(r in self.reasons) for r in REASONS]


def corpus_files(folder: Path = CORPUS_DIR) -> list[Path]:
    return sorted(folder.glob("*.jsonl"))


def corpus_digest(files: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def load_corpus(files: Sequence[Path]) -> list[Example]:
    """Every example, or :class:`CorpusError` listing each fault as ``file:line: reason``."""
    faults: list[str] = []
    out: list[Example] = []
    seen: dict[str, str] = {}
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                faults.append(f"{where}: not JSON ({exc.msg})")
                continue
            text, label, reasons = row.get("text"), row.get("label"), row.get("reasons", [])
            if not isinstance(text, str) or not text.strip():
                faults.append(f"{where}: 'text' must be a non-empty string")
                continue
            if label not in LABEL_VALUES:
                faults.append(f"{where}: 'label' must be one of {', '.join(LABEL_VALUES)}")
                continue
            if not isinstance(reasons, list) or any(r not in REASONS for r in reasons):
                faults.append(f"{where}: 'reasons' must be a list of {', '.join(REASONS)}")
                continue
            if label == "none" and reasons:
                faults.append(f"{where}: label 'none' with reasons {reasons}")
                continue
            key = prepare(text)
            if key in seen:
                faults.append(f"{where}: duplicate of {seen[key]}")
                continue
            seen[key] = where
            out.append(Example(text.strip(), label, tuple(reasons), str(row.get("family", "")),
                               str(row.get("voice", ""))))
    if faults:
        raise CorpusError(faults)
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2, iterations: int = 25,
                 positive_cost: float = 1.0) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method, classes weighted to balance, then
    positives weighted ``positive_cost`` times more (a missed caller in danger costs more than a
    question asked for nothing)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    pos = max(float(y.sum()), 1.0)
    neg = max(float(n - y.sum()), 1.0)
    sample_w = np.where(y > 0.5, positive_cost * n / (2 * pos), n / (2 * neg))
    w = np.zeros(d + 1)
    reg = l2 * np.eye(d + 1)
    reg[d, d] = 0.0  # the bias is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ (sample_w * (p - y)) + reg @ w
        hess = (xb * (sample_w * p * (1 - p))[:, None]).T @ xb + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-6:
            break
    return w[:d], float(w[d])


def encode(examples: Sequence[Example], encoder: Encoder, batch: int = 64) -> np.ndarray:
    texts = [prepare(e.text) for e in examples]
    parts = [np.asarray(encoder.encode(texts[i:i + batch]), dtype=np.float32) for i in range(0, len(texts), batch)]
    return np.vstack(parts)


def window_negatives(examples: Sequence[Example], encoder: Encoder) -> np.ndarray:
    """Windows of the long utterances that are not urgent: all of them are not urgent either.

    The server reads long utterances in windows too (see ``semantic.windows``); without these,
    a window of an ordinary run-on question ("... ça va me tuer ce dossier ...") is a kind of
    text the urgent layer never saw, and it raises too many doubts.
    """
    texts = [w for e in examples if e.label != "urgent" for w in windows(prepare(e.text))[1:]]
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    return np.vstack([np.asarray(encoder.encode(texts[i:i + 64]), dtype=np.float32)
                      for i in range(0, len(texts), 64)])


def build_head(examples: Sequence[Example], vectors: np.ndarray, digest: str,
               thresholds: dict[str, float] | None = None, negatives: np.ndarray | None = None,
               settings: Settings | None = None, fitted: Sequence[str] = LABELS) -> Head:
    """The head for ``examples``; only the labels in ``fitted`` get a logistic layer (the others
    read 0.5 there and rely on the exemplars' vote: a cross-validation that scores decisions only
    needs ``urgent`` and ``fragile``)."""
    settings = settings or Settings()
    targets = np.array([e.targets() for e in examples], dtype=np.float64)
    weights = np.zeros((vectors.shape[1], len(LABELS)))
    bias = np.zeros(len(LABELS))
    for j in range(len(LABELS)):
        if LABELS[j] not in fitted:
            continue
        x, y = vectors.astype(np.float64), targets[:, j]
        if LABELS[j] == "urgent" and negatives is not None and len(negatives):
            x = np.vstack([x, negatives.astype(np.float64)])
            y = np.concatenate([y, np.zeros(len(negatives))])
        weights[:, j], bias[j] = fit_logistic(
            x, y, l2=settings.l2, positive_cost=settings.urgent_cost if LABELS[j] == "urgent" else 1.0)
    return Head(labels=LABELS, weights=weights.astype(np.float32), bias=bias.astype(np.float32),
                exemplars=vectors.astype(np.float16).astype(np.float32),
                exemplar_texts=tuple(e.text for e in examples),
                exemplar_families=tuple(e.family for e in examples),
                exemplar_labels=tuple(e.label for e in examples),
                exemplar_targets=targets.astype(np.float32), k=settings.k, knn_weight=settings.knn_weight,
                thresholds=dict(thresholds or settings.thresholds), corpus_digest=digest,
                version=f"{VERSION_PREFIX}-{digest[:8]}", window_weight=settings.window_weight)


def cross_validate(examples: Sequence[Example], vectors: np.ndarray, folds: int = 5,
                   negatives: np.ndarray | None = None) -> np.ndarray:
    """Out-of-fold probabilities, whole families held out together (a new situation, not a new
    wording of a known one, is what the held-out callers bring)."""
    families = sorted({e.family for e in examples})
    fold_of = {f: int(hashlib.sha256(f.encode()).hexdigest(), 16) % folds for f in families}
    out = np.zeros((len(examples), len(LABELS)))
    for fold in range(folds):
        test = np.array([fold_of[e.family] == fold for e in examples])
        if not test.any() or test.all():
            continue
        train_idx = np.flatnonzero(~test)
        head = build_head([examples[i] for i in train_idx], vectors[train_idx], "cv", negatives=negatives)
        out[test], _ = head.probabilities(vectors[test].astype(np.float32))
    return out


def _report(examples: Sequence[Example], probs: np.ndarray) -> str:
    urgent = np.array([e.label == "urgent" for e in examples])
    p = probs[:, 0]
    lines = [f"{len(examples)} examples, {int(urgent.sum())} urgent, {len({e.family for e in examples})} families"]
    for lo in (0.3, 0.4, 0.5):
        for hi in (0.7, 0.8, 0.9):
            flagged = p >= hi
            asked = (p >= lo) & ~flagged
            caught = (urgent & (flagged | asked)).sum() / max(urgent.sum(), 1)
            prec = (urgent & flagged).sum() / max(flagged.sum(), 1)
            asked_other = (asked & ~urgent).sum() / max((~urgent).sum(), 1)
            lines.append(f"  ask>={lo} urgent>={hi}: caught {caught:.3f}, urgent precision {prec:.3f}, "
                         f"non-urgent asked {asked_other:.3f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m callcenter.triage.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    parser.add_argument("--cv", action="store_true", help="report leave-families-out cross-validation")
    parser.add_argument("--cv-writers", action="store_true",
                        help="report leave-one-writer-out cross-validation of the whole triage, then stop")
    parser.add_argument("--baseline", action="store_true",
                        help="with --cv-writers: train on the corpus without the writers (the figures before)")
    parser.add_argument("--pool", metavar="A-B",
                        help="with --cv-writers: also pool writers A to B (those no round was tuned on)")
    parser.add_argument("--ask-curve", metavar="P,P,...",
                        help="with --cv-writers: also report the figures at these ask lines")
    parser.add_argument("--vectors", type=Path, metavar="NPZ",
                        help="keep sentence vectors in this file between runs (encoding is the slow part)")
    parser.add_argument("--import-batches", type=Path, metavar="DIR",
                        help=f"write {WRITERS_FILE} from the generalisation batches in DIR, then stop")
    args = parser.parse_args(argv)
    files = corpus_files(args.corpus)
    if args.import_batches:
        return _import_batches(args.corpus, args.import_batches)
    try:
        examples = load_corpus(files)
    except CorpusError as exc:
        print("corpus refused:\n" + "\n".join(exc.faults), file=sys.stderr)
        return 1
    from callcenter.triage.cv import CachedEncoder
    encoder = CachedEncoder(default_encoder(), args.vectors)
    try:
        if args.cv_writers:
            return _cv_writers(examples, encoder, args.baseline, args.ask_curve, args.pool)
        vectors = encode(examples, encoder)
        negatives = window_negatives(examples, encoder)
        if args.cv:
            print(_report(examples, cross_validate(examples, vectors, negatives=negatives)))
        head = build_head(examples, vectors, corpus_digest(files), negatives=negatives)
        head.save(args.out)
        print(f"wrote {args.out} ({head.version}, {len(examples)} exemplars)")
        return 0
    finally:
        encoder.save()


def _import_batches(corpus: Path, fixtures: Path) -> int:
    from callcenter.triage.cv import writer_rows
    others = [p for p in corpus_files(corpus) if p.name != WRITERS_FILE]
    rows, skipped = writer_rows(fixtures, (e.text for e in load_corpus(others)))
    (corpus / WRITERS_FILE).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                       encoding="utf-8")
    print(f"wrote {corpus / WRITERS_FILE}: {len(rows)} lines ({skipped} already in the corpus, left out)")
    return 0


def _cv_writers(examples: Sequence[Example], encoder: Encoder, baseline: bool, curve: str | None,
                pool: str | None = None) -> int:
    from callcenter.triage.cv import cross_validate_writers, pooled, report
    from callcenter.triage.loader import load_rules
    asks = [float(a) for a in curve.split(",")] if curve else []
    variants = [dict(THRESHOLDS)] + [{**THRESHOLDS, "ask": a} for a in asks]
    results = cross_validate_writers(examples, encoder, load_rules(), variants=variants,
                                     writers_in_training=not baseline)
    title = "corpus only (baseline)" if baseline else "corpus + the other writers"
    print(report(results[0], f"leave-one-writer-out, {title}, ask {THRESHOLDS['ask']}:"))
    # The pooled figure over every writer mixes in writers that rule rounds were tuned on; the
    # writers none was tuned on are the honest estimate of the next one.
    first, last = (int(n) for n in pool.split("-")) if pool else (0, -1)
    subset = range(first, last + 1)
    for ask, per_writer in zip([THRESHOLDS["ask"], *asks], results, strict=True):
        line = f"  ask {ask:.3f}: pooled {pooled(per_writer).line()}"
        if pool:
            part = {w: t for w, t in per_writer.items() if w in subset}
            line += f"\n             writers {pool}: {pooled(part).line()}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
