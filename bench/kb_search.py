#!/usr/bin/env python3
"""Knowledge-base search next to a BM25 baseline: accuracy and per-query latency, same run.

Both searches index the same entries (every field of each entry) and answer the same labelled
queries. BM25 (the ``rank-bm25`` package, Okapi variant) is run twice: on plain folded words, and
on our normalised terms, so the gain of the normalisation and the gain of the scoring show apart.
A BM25 "match" is its best entry when its score passes a threshold; that threshold is the best
one for the data at hand (an optimistic baseline: ours is fixed in advance).

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/kb_search.py [--data ../shared/eval/dev_eval.jsonl] [--scale 10]

Labelled data: JSONL lines {"text", "topic"} (topic null = must not answer), or the YAML of
tests/kb/fixtures/queries.yaml. ``--scale N`` also times both on the base copied N times (with
new ids), to show how latency grows towards a few hundred entries.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from callcenter.kb import DEFAULT_KB_DIR, Entry, KnowledgeBase, KnowledgeIndex, load_knowledge_base
from callcenter.kb.normalise import analyse, fold

try:
    from rank_bm25 import BM25Okapi
except ImportError:  # pragma: no cover - depends on the optional extra
    sys.exit("bench needs rank-bm25: .venv/bin/pip install -e '.[bench]'")

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = (PROJECT.parent / "shared" / "eval" / "dev_eval.jsonl",
                PROJECT / "tests" / "kb" / "fixtures" / "queries.yaml")
Labelled = list[tuple[str, str | None]]
Ranker = Callable[[str], tuple[list[tuple[str, float]], str | None]]


def read_labelled(path: Path) -> Labelled:
    if path.suffix in (".yaml", ".yml"):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        rows: Labelled = [(t, topic) for section in ("typical", "misheard")
                          for topic, texts in doc.get(section, {}).items() for t in texts]
        return rows + [(t, None) for t in doc.get("out_of_scope", [])]
    return [(r["text"], r["topic"]) for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())
            if r]


def entry_text(entry: Entry) -> str:
    return " ".join((entry.title, *entry.synonyms, *entry.examples, entry.spoken_answer,
                     entry.written_answer))


def plain_tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


class Bm25:
    def __init__(self, kb: KnowledgeBase, tokenize: Callable[[str], list[str]]) -> None:
        self.ids = [e.id for e in kb.entries]
        self.tokenize = tokenize
        self.model = BM25Okapi([tokenize(entry_text(e)) or ["_"] for e in kb.entries])
        self.threshold = 0.0

    def rank(self, text: str) -> tuple[list[tuple[str, float]], str | None]:
        scores = self.model.get_scores(self.tokenize(text))
        order = sorted(range(len(scores)), key=lambda i: -scores[i])[:3]
        ranked = [(self.ids[i], float(scores[i])) for i in order]
        match = ranked[0][0] if ranked and ranked[0][1] > self.threshold else None
        return ranked, match

    def calibrate(self, data: Labelled) -> None:
        """The threshold that maximises match accuracy on ``data`` (favours the baseline)."""
        tops = [self.rank(text)[0][0] for text, _ in data]
        best = (-1, 0.0)
        for candidate in sorted({s for _, s in tops} | {0.0}):
            self.threshold = candidate
            ok = sum((i if s > candidate else None) == want for (i, s), (_, want) in zip(tops, data, strict=True))
            best = max(best, (ok, candidate))
        self.threshold = best[1]


def ours(index: KnowledgeIndex) -> Ranker:
    def rank(text: str) -> tuple[list[tuple[str, float]], str | None]:
        result = index.search(text, top=3)
        return list(result.results), result.match.id if result.match else None
    return rank


def accuracy(rank: Ranker, data: Labelled) -> dict[str, float]:
    exact = top1 = top3 = in_scope = 0
    for text, want in data:
        ranked, match = rank(text)
        ids = [i for i, _ in ranked]
        exact += match == want
        if want is not None:
            in_scope += 1
            top1 += bool(ids) and ids[0] == want
            top3 += want in ids
    return {"match": exact / len(data), "top1": top1 / max(in_scope, 1), "top3": top3 / max(in_scope, 1)}


def latency(rank: Ranker, texts: Sequence[str], repeat: int) -> dict[str, float]:
    for t in texts:  # warm-up, as a running server would be
        rank(t)
    per_query = []
    for t in texts:
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            rank(t)
            best = min(best, time.perf_counter() - started)
        per_query.append(best * 1e6)
    per_query.sort()
    return {"mean_us": statistics.fmean(per_query), "p50_us": per_query[len(per_query) // 2],
            "p95_us": per_query[int(len(per_query) * 0.95) - 1]}


def scaled(kb: KnowledgeBase, copies: int) -> KnowledgeBase:
    """The base copied ``copies`` times under new ids: same vocabulary, many more entries."""
    entries = [dataclasses.replace(e, id=f"{e.id}_{n}") if n else e
               for n in range(copies) for e in kb.entries]
    return KnowledgeBase(tuple(entries))


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)
    at = lambda q: ordered[min(len(ordered) - 1, int(len(ordered) * q))]  # noqa: E731
    return {"mean": statistics.fmean(ordered), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99),
            "max": ordered[-1]}


def semantic_latency(kb: KnowledgeBase, texts: Sequence[str], runs: int) -> None:
    """Per-query latency of the search with its semantic check, next to the lexical search in the
    same run: with the utterance never encoded before (the worst case: every query in the checked
    margin encodes it), and as in the IVR, where the triage has read the utterance first.

    Each configuration runs over all queries in turn (not interleaved: the encoder's BLAS threads
    would slow the next lexical query), ``runs`` times; the p99 of each run is kept and the median
    and spread of those are printed. Wall time and CPU time (``process_time``, which leaves out
    the waits for a core taken by other processes on a shared machine) are both given.
    """
    try:
        from callcenter.triage.semantic import SemanticModel, SemanticUnavailable, load_semantic
    except ImportError:  # pragma: no cover
        return
    try:
        model = load_semantic()
    except SemanticUnavailable as exc:
        print(f"\nsemantic check: not measured ({exc})")
        return
    started = time.perf_counter()
    lexical, checked = KnowledgeIndex.build(kb), KnowledgeIndex.build(kb, embedder=model)
    build_s = time.perf_counter() - started
    needs = sum(_in_zone(lexical, t) for t in texts)
    print(f"\nsemantic check: entries embedded in {build_s:.1f} s; {needs} of {len(texts)} queries "
          f"({100 * needs / len(texts):.0f} %) fall in the checked margin (one encoding each)")
    assert checked.semantic is not None

    def fresh(text: str) -> None:
        # An empty encoder cache: the utterance has never been encoded.
        vectors = dataclasses.replace(checked.semantic, embedder=SemanticModel(model.encoder, model.head))
        dataclasses.replace(checked, semantic=vectors).search(text)

    model.read(list(texts))  # as in the IVR: the triage has read each utterance first
    configs: dict[str, Callable[[str], object]] = {
        "lexical": lexical.search, "checked, fresh utterance": fresh,
        "checked, read by the triage first": checked.search}
    p99s: dict[str, dict[str, list[float]]] = {name: {"wall": [], "cpu": []} for name in configs}
    means: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(runs):
        for name, search in configs.items():
            wall, cpu = [], []
            for t in texts:
                w0, c0 = time.perf_counter(), time.process_time()
                search(t)
                wall.append((time.perf_counter() - w0) * 1e3)
                cpu.append((time.process_time() - c0) * 1e3)
            p99s[name]["wall"].append(percentiles(wall)["p99"])
            p99s[name]["cpu"].append(percentiles(cpu)["p99"])
            means[name].append(statistics.fmean(wall))
    base = statistics.median(p99s["lexical"]["wall"])
    print(f"{'per query, ms (median of ' + str(runs) + ' runs)':<36} {'mean':>6} {'p99 wall':>16} "
          f"{'p99 cpu':>16} {'p99 wall / lexical':>19}")
    for name in configs:
        w, c = p99s[name]["wall"], p99s[name]["cpu"]
        print(f"{name:<36} {statistics.median(means[name]):>6.2f} "
              f"{statistics.median(w):>6.2f} ({min(w):.1f}-{max(w):.1f}) "
              f"{statistics.median(c):>6.2f} ({min(c):.1f}-{max(c):.1f}) "
              f"{statistics.median(w) / base:>19.1f}")


def _in_zone(index: KnowledgeIndex, text: str) -> bool:
    """Whether the lexical answer to ``text`` is one the semantic check looks at."""
    result = index.search(text, top=2)
    if result.match is None or len(result.results) < 2:
        return False
    (_, s0), (_, s1) = result.results
    return (s1 / (1 - s1)) >= index.settings.semantic_zone * (s0 / (1 - s0))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb-dir", type=Path, default=DEFAULT_KB_DIR)
    ap.add_argument("--data", type=Path, action="append", help="labelled queries (repeatable)")
    ap.add_argument("--repeat", type=int, default=5, help="timings per query; the best is kept")
    ap.add_argument("--scale", type=int, default=10, help="copies of the base for the latency row")
    ap.add_argument("--no-semantic", action="store_true", help="skip the semantic check's latency")
    args = ap.parse_args()

    kb = load_knowledge_base(args.kb_dir)
    started = time.perf_counter()
    index = KnowledgeIndex.build(kb)
    build_ms = (time.perf_counter() - started) * 1e3
    print(f"knowledge base: {len(kb)} entries, index built in {build_ms:.0f} ms")

    datasets = [p for p in (args.data or DEFAULT_DATA) if p.is_file()]
    if not datasets:
        sys.exit("no labelled data found; give --data")
    searches: dict[str, Ranker] = {"ours": ours(index)}
    plain, normalised = Bm25(kb, plain_tokens), Bm25(kb, analyse)
    for path in datasets:
        data = read_labelled(path)
        plain.calibrate(data)
        normalised.calibrate(data)
        searches.update({"bm25 plain words": plain.rank, "bm25 our terms": normalised.rank})
        texts = [t for t, _ in data]
        print(f"\n{path.name}: {len(data)} queries ({sum(w is None for _, w in data)} out of scope)")
        print(f"{'search':<18} {'match acc':>9} {'top-1':>6} {'top-3':>6} {'mean us':>8} {'p50 us':>7} "
              f"{'p95 us':>7}")
        rows = {}
        for name, rank in searches.items():
            acc, lat = accuracy(rank, data), latency(rank, texts, args.repeat)
            rows[name] = (acc, lat)
            print(f"{name:<18} {acc['match']:>9.3f} {acc['top1']:>6.3f} {acc['top3']:>6.3f} "
                  f"{lat['mean_us']:>8.0f} {lat['p50_us']:>7.0f} {lat['p95_us']:>7.0f}")
        ref_acc, ref_lat = rows["ours"]
        for name in ("bm25 plain words", "bm25 our terms"):
            acc, lat = rows[name]
            print(f"ours vs {name}: match accuracy x{ref_acc['match'] / max(acc['match'], 1e-9):.2f}, "
                  f"mean latency x{ref_lat['mean_us'] / lat['mean_us']:.2f}")

    if not args.no_semantic:
        semantic_latency(kb, [t for path in datasets for t, _ in read_labelled(path)], args.repeat)

    if args.scale > 1:
        big = scaled(kb, args.scale)
        big_index = KnowledgeIndex.build(big)
        texts = [t for path in datasets for t, _ in read_labelled(path)]
        big_bm25 = Bm25(big, plain_tokens)
        lat_ours = latency(ours(big_index), texts, args.repeat)
        lat_bm25 = latency(big_bm25.rank, texts, args.repeat)
        print(f"\nscaled base: {len(big)} entries, {len(texts)} queries")
        print(f"ours: mean {lat_ours['mean_us']:.0f} us, p95 {lat_ours['p95_us']:.0f} us; "
              f"bm25 plain: mean {lat_bm25['mean_us']:.0f} us, p95 {lat_bm25['p95_us']:.0f} us; "
              f"ratio ours/bm25 x{lat_ours['mean_us'] / lat_bm25['mean_us']:.2f}")


if __name__ == "__main__":
    main()
