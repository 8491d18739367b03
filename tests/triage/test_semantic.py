"""The semantic detector and how it decides with the rules (real encoder, real bundled model)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from callcenter.triage import TriageInput, assess, load_rules, load_semantic
from callcenter.triage.combine import FAMILY_NUMBERS, family_numbers
from callcenter.triage.semantic import DEFAULT_MODEL_PATH, Head, SemanticUnavailable
from callcenter.triage.train import CorpusError, corpus_digest, corpus_files, fit_logistic, load_corpus


@pytest.fixture(scope="module")
def rules():  # type: ignore[no-untyped-def]
    return load_rules()


@pytest.fixture(scope="module")
def semantic():  # type: ignore[no-untyped-def]
    return load_semantic()


def test_bundled_model_was_trained_on_the_corpus_as_it_is() -> None:
    """Edit the corpus, retrain (python -m callcenter.triage.train), commit both."""
    head = Head.load(DEFAULT_MODEL_PATH)
    assert head.corpus_digest == corpus_digest(corpus_files())
    assert len(head.exemplar_texts) == len(load_corpus(corpus_files()))


def test_bundled_model_was_trained_with_the_settings_of_train_py() -> None:
    """Change K_NEAREST, KNN_WEIGHT or WINDOW_WEIGHT, retrain: the file must say so."""
    from callcenter.triage import train
    head = Head.load(DEFAULT_MODEL_PATH)
    assert (head.k, head.knn_weight, head.window_weight) == pytest.approx(
        (train.K_NEAREST, train.KNN_WEIGHT, train.WINDOW_WEIGHT))
    assert dict(head.thresholds) == train.THRESHOLDS


def test_corpus_covers_every_reason_with_families_and_near_misses() -> None:
    examples = load_corpus(corpus_files())
    assert len(examples) >= 2000
    labels = {e.label for e in examples}
    assert labels == {"urgent", "fragile", "none"}
    families = {e.family for e in examples}
    assert sum(f.startswith("urgent.") for f in families) >= 25
    assert sum(f.startswith("near.") for f in families) >= 15
    for reason in ("danger", "sans_ressources", "logement", "isolement", "sante_handicap",
                   "exclusion_numerique", "rupture", "detresse", "langue"):
        assert sum(reason in e.reasons for e in examples) >= 40, reason


def test_corpus_faults_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok ça va", "label": "none", "reasons": []}\n'
                   'not json\n'
                   '{"text": "x y z w", "label": "maybe", "reasons": []}\n'
                   '{"text": "je suis seule", "label": "none", "reasons": ["isolement"]}\n'
                   '{"text": "Ok ça va", "label": "none", "reasons": []}\n', encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        load_corpus([bad])
    faults = err.value.faults
    assert [f.split(": ")[0] for f in faults] == [f"{bad}:2", f"{bad}:3", f"{bad}:4", f"{bad}:5"]
    assert "duplicate" in faults[-1]


def test_logistic_fit_separates_a_separable_set() -> None:
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(1.0, 0.3, (40, 3)), rng.normal(-1.0, 0.3, (40, 3))])
    y = np.array([1.0] * 40 + [0.0] * 40)
    w, b = fit_logistic(x, y)
    assert ((x @ w + b > 0) == (y > 0.5)).all()


def test_every_family_number_is_declared_in_the_rules(rules) -> None:  # type: ignore[no-untyped-def]
    declared = {n for n, _ in rules.emergency_numbers}
    assert {n for _, numbers in FAMILY_NUMBERS for n in numbers} <= declared
    assert family_numbers("urgent.suicide_burden") == ("3114", "15")
    assert family_numbers("urgent.street_tonight") == ("115",)


# Situations said through their circumstances, which no rule phrase of 2025.08-1 names.
INDIRECT = [
    "je voulais vous dire merci pour tout et vous pouvez fermer mon dossier je n'en aurai plus besoin après ce soir",
    # (round 7: "six jours que je mange plus rien" is now a rule phrase; said without a count of days)
    "le frigo est vide depuis la semaine dernière je bois juste de l'eau et j'ai la tête qui tourne dès que je me lève",
]


@pytest.mark.parametrize("text", INDIRECT)
def test_indirect_danger_raises_the_alarm_with_its_reasons(rules, semantic, text: str) -> None:  # type: ignore[no-untyped-def]
    alone = assess(rules, TriageInput(utterances=(text,)))
    both = assess(rules, TriageInput(utterances=(text,)), semantic)
    assert not alone.urgent and not alone.check_danger
    assert both.urgent or both.check_danger
    assert both.semantic is not None and both.semantic["neighbours"]
    assert all(set(n) == {"text", "family", "label", "similarity"} for n in both.semantic["neighbours"])
    assert both.semantic["decided"] in ("urgent", "ask")
    json.dumps(both.to_dict())  # stored on the call as JSON


def test_ordinary_questions_and_short_answers_raise_nothing(rules, semantic) -> None:  # type: ignore[no-untyped-def]
    for text in ("je voudrais savoir quand est versée la prime d'activité ce mois-ci",
                 "comment je fais pour refaire ma carte grise après un déménagement",
                 "ben euh non rien", "oui", ""):
        decision = assess(rules, TriageInput(utterances=(text,)), semantic)
        assert not decision.urgent and not decision.check_danger and not decision.fragile, text


def test_a_joke_taken_back_is_not_urgent_but_real_danger_elsewhere_keeps_it(rules, semantic) -> None:  # type: ignore[no-untyped-def]
    joke = "je vais me suicider avec ces formulaires je rigole, c'est pour la taxe foncière"
    decision = assess(rules, TriageInput(utterances=(joke,)), semantic)
    assert not decision.urgent
    assert any(s.why == "retracted" for s in decision.set_aside)
    with_danger = assess(rules, TriageInput(utterances=("mon mari me frappe tous les soirs", joke)), semantic)
    assert with_danger.urgent and "3919" in with_danger.emergency_numbers


def test_a_doubt_the_caller_already_answered_is_not_asked_but_danger_still_is(rules, semantic) -> None:  # type: ignore[no-untyped-def]
    worrying = ("mon fils de trois ans a attrapé une otite à la crèche mais je dois le garder un jour "
                "est-ce que c'est indemnisé")
    calm = worrying.replace("à la crèche", "à la crèche rien de grave")
    assert assess(rules, TriageInput(utterances=(worrying,)), semantic).check_danger
    decision = assess(rules, TriageInput(utterances=(calm,)), semantic)
    assert not decision.check_danger and not decision.urgent
    assert decision.semantic is not None and decision.semantic["decided"] == "reassured"
    # A reassurance never lowers a rule, nor a doubt in another utterance of the call.
    assert assess(rules, TriageInput(utterances=("mon mari me frappe le soir mais rien de grave",)), semantic).urgent
    assert assess(rules, TriageInput(utterances=(calm, worrying)), semantic).check_danger


def test_the_rules_alone_still_decide_without_the_model(rules) -> None:  # type: ignore[no-untyped-def]
    decision = assess(rules, TriageInput(utterances=("je veux en finir avec la vie",)))
    assert decision.urgent and decision.semantic is None and "3114" in decision.emergency_numbers


def test_a_missing_model_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(SemanticUnavailable):
        load_semantic(tmp_path / "absent.npz")


def test_readings_are_deterministic(semantic) -> None:  # type: ignore[no-untyped-def]
    text = "je sais plus quoi faire tout le monde serait mieux sans moi"
    first = semantic._read_uncached([text])[0]
    second = semantic._read_uncached([text])[0]
    assert first == second and semantic.read([text])[0].urgent == first.urgent


FIXTURES = Path(__file__).parent / "fixtures"


# Regression floors of the combined triage on the blind batches, a little under the figures of
# tests/triage/fixtures/first_pass.md (batches 5-8 were used for development after their first
# score, 9-10 were scored once with the round-3 model, then used to tune round 4, 11 was
# scored once before and after round 4, see docs/triage.md): a change that loses callers in
# danger, or asks more ordinary callers, fails here.
@pytest.mark.parametrize(("name", "caught", "asked", "fragile_f1"), [
    # Round 5 (rules 2025.12-4 + sem-3-9d338dc5) measured: caught / asked / F1 in the comments.
    ("generalisation_batch5.jsonl", 0.97, 0.11, 0.92),   # 0.982 / 0.097 / 0.937
    ("generalisation_batch6.jsonl", 0.96, 0.12, 0.87),   # 0.982 / 0.109 / 0.884
    ("generalisation_batch7.jsonl", 0.97, 0.10, 0.91),   # 0.971 / 0.093 / 0.928
    ("generalisation_batch8.jsonl", 0.97, 0.08, 0.91),   # 1.000 / 0.065 / 0.927
    ("generalisation_batch9.jsonl", 0.97, 0.07, 0.90),   # 1.000 / 0.050 / 0.920
    ("generalisation_batch10.jsonl", 0.97, 0.11, 0.88),  # 1.000 / 0.098 / 0.894
    # Written during round 4 and never tuned on: 0.974 caught, 0.097 asked, F1 0.866 at first
    # score; its error families were round 5's work (0.974 / 0.070 / 0.929 after).
    ("generalisation_batch11.jsonl", 0.96, 0.09, 0.91),
    # Written during round 5 and never tuned on: 0.923 caught, 0.086 asked, F1 0.899 at first
    # score; its error families were round 6's work (rules 2025.12-5 + sem-4-bc6f3ff3:
    # 1.000 / 0.071 / 0.940 after).
    ("generalisation_batch12.jsonl", 0.98, 0.09, 0.92),
    # Written during round 6 and never tuned on: 0.978 caught, 0.127 asked, F1 0.950 at first
    # score (rounds 5 and 6); its asked callers were round 7's work (rules 2025.12-6 +
    # sem-5-76697cc3: 0.978 / 0.105 / 0.950 after).
    ("generalisation_batch13.jsonl", 0.97, 0.11, 0.94),
    # Written during rounds 7 and 8 and scored blind once (batch 14: 0.907 / 0.081 / 0.893;
    # batch 15: 0.836 / 0.091 / 0.918); their misses were rounds 8 and 9's work (rules
    # 2025.12-8 + sem-6-d642a61e: 0.987 / 0.069 / 0.931 and 1.000 / 0.084 / 0.931 after).
    ("generalisation_batch14.jsonl", 0.96, 0.09, 0.91),
    ("generalisation_batch15.jsonl", 0.97, 0.10, 0.91),
    # Written during round 9 and scored blind once (batch 16: 0.933 / 0.037 / 0.878; batch 17:
    # 0.900 / 0.056 / 0.849); their misses were round 10's work, tuned on batch 16 with batch 17
    # held out, then on both (rules 2025.12-9 + sem-7-81ef8451: 1.000 / 0.037 / 0.973 and
    # 1.000 / 0.075 / 0.977 after).
    ("generalisation_batch16.jsonl", 0.98, 0.06, 0.95),
    ("generalisation_batch17.jsonl", 0.98, 0.09, 0.94),
    # Written during round 10 and after it, scored blind once (batch 18: 0.903 / 0.044 / 0.887;
    # batch 19: 0.800 / 0.050 / 0.873; batch 20: 0.967 / 0.050 / 0.916); their error families
    # seen in two writers or more were round 11's work (rules 2025.12-12 + sem-8-d1c960a8:
    # 1.000 / 0.044 / 0.947, 0.983 / 0.044 / 0.946 and 1.000 / 0.050 / 0.969 after).
    ("generalisation_batch18.jsonl", 0.98, 0.06, 0.93),
    ("generalisation_batch19.jsonl", 0.96, 0.06, 0.93),
    ("generalisation_batch20.jsonl", 0.98, 0.07, 0.95),
    # Written by four new writers in session 7 and scored once on rules 2025.12-11 + sem-7
    # (caught / asked / F1: batch 21 0.917 / 0.081 / 0.906, batch 22 0.967 / 0.106 / 0.934,
    # batch 23 0.917 / 0.062 / 0.926, batch 24 0.950 / 0.069 / 0.913); their misses were round
    # 12's rules (2025.12-13 + sem-7: 1.000 / 0.081 / 0.930, 1.000 / 0.094 / 0.953,
    # 1.000 / 0.062 / 0.942, 1.000 / 0.069 / 0.925 after).
    ("generalisation_batch21.jsonl", 0.98, 0.10, 0.91),
    ("generalisation_batch22.jsonl", 0.98, 0.11, 0.93),
    ("generalisation_batch23.jsonl", 0.98, 0.08, 0.92),
    ("generalisation_batch24.jsonl", 0.98, 0.09, 0.90),
    # Written in session 7 while rounds 11 and 12 were tuned without them, scored once on the
    # merged rounds (rules 2025.12-13 + sem-8-d1c960a8; caught / asked / F1: batch 25 0.950 /
    # 0.075 / 0.929, batch 26 0.817 / 0.094 / 0.866): development data from then on.
    # Batches 27 and 28 were written in session 7 after rounds 11 and 12 were merged, scored once
    # on them (batch 27 0.883 / 0.119 / 0.919, batch 28 0.950 / 0.144 / 0.876). The families of
    # 25-28 seen in two writers were round 13's rules (2025.12-14 + sem-8-d1c960a8: 1.000 / 0.069 /
    # 0.937, 1.000 / 0.075 / 0.920, 0.983 / 0.094 / 0.946, 1.000 / 0.094 / 0.896 after).
    ("generalisation_batch25.jsonl", 0.98, 0.09, 0.92),
    ("generalisation_batch26.jsonl", 0.98, 0.09, 0.90),
    ("generalisation_batch27.jsonl", 0.98, 0.11, 0.93),
    ("generalisation_batch28.jsonl", 0.98, 0.11, 0.88),
])
def test_combined_triage_on_the_blind_batches(rules, semantic, name: str, caught: float, asked: float,  # type: ignore[no-untyped-def]
                                              fragile_f1: float) -> None:
    cases = [json.loads(line) for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines() if line]
    semantic.read([c["text"] for c in cases])
    decisions = [assess(rules, TriageInput(utterances=(c["text"],)), semantic) for c in cases]
    urgent = [d for c, d in zip(cases, decisions, strict=True) if c["urgent"]]
    others = [d for c, d in zip(cases, decisions, strict=True) if not c["urgent"]]
    assert sum(d.urgent or d.check_danger for d in urgent) / len(urgent) >= caught
    assert sum(d.check_danger and not d.urgent for d in others) / len(others) <= asked
    tp = sum(c["fragile"] and d.fragile for c, d in zip(cases, decisions, strict=True))
    fp = sum(d.fragile and not c["fragile"] for c, d in zip(cases, decisions, strict=True))
    fn = sum(c["fragile"] and not d.fragile for c, d in zip(cases, decisions, strict=True))
    assert 2 * tp / (2 * tp + fp + fn) >= fragile_f1
