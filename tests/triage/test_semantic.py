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
    # Round 15 masks "me suicider avec ces formulaires" as a figure (figure.tracas_me_tue): the
    # retraction alone is what this test is about.
    joke = "je vais me suicider je rigole, c'est pour la taxe foncière"
    decision = assess(rules, TriageInput(utterances=(joke,)), semantic)
    assert not decision.urgent
    assert any(s.why == "retracted" for s in decision.set_aside)
    with_danger = assess(rules, TriageInput(utterances=("mon mari me frappe tous les soirs", joke)), semantic)
    assert with_danger.urgent and "3919" in with_danger.emergency_numbers


def test_a_doubt_the_caller_already_answered_is_not_asked_but_danger_still_is(rules, semantic) -> None:  # type: ignore[no-untyped-def]
    # (until round 12 a child's ear infection at the nursery; sem-9, trained on the writers, no
    # longer doubts it, and round 13's rules read "disparaître de la photo" as a figure of speech: a
    # look-alike that is still a doubt keeps the test's meaning)
    worrying = ("ma fille de quinze ans dit qu'elle veut plus aller nulle part tellement elle se "
                "trouve moche, je voudrais refaire son passeport")
    calm = worrying.replace("nulle part", "nulle part rien de grave")
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


# Regression floors of the combined triage on the generalisation batches. Since round 13 every
# batch is also training data of the semantic layer (corpus/writers.jsonl, see docs/triage.md,
# "Round 13"): these are no longer blind figures but what the bundled model (rules 2025.12-16 +
# sem-9) scores on lines it was trained on, floored to two decimals (caught, F1) or rounded up
# (asked). A change that loses callers in danger, or asks more ordinary callers, fails here. The
# honest estimate of a writer never seen is the leave-one-writer-out cross-validation
# (``python -m callcenter.triage.train --cv-writers``). The blind first scores of each batch, and
# the rounds that worked on them, are in tests/triage/fixtures/first_pass.md and docs/triage.md.
@pytest.mark.parametrize(("name", "caught", "asked", "fragile_f1"), [
    # Measured on rules 2025.12-16 + sem-9-e3efd73b, ask 0.45 (batches 45-48 joined the training in
    # round 16): caught / asked / F1 in the comments.
    ("generalisation_batch1.jsonl", 1.00, 0.01, 0.99),  # 1.000 / 0.004 / 0.999
    ("generalisation_batch2.jsonl", 1.00, 0.00, 0.91),  # 1.000 / 0.000 / 0.916
    ("generalisation_batch3.jsonl", 1.00, 0.00, 0.98),  # 1.000 / 0.000 / 0.988
    ("generalisation_batch4.jsonl", 1.00, 0.00, 1.00),  # 1.000 / 0.000 / 1.000
    ("generalisation_batch5.jsonl", 1.00, 0.02, 0.96),  # 1.000 / 0.012 / 0.967
    ("generalisation_batch6.jsonl", 1.00, 0.02, 0.95),  # 1.000 / 0.018 / 0.955
    ("generalisation_batch7.jsonl", 1.00, 0.02, 0.97),  # 1.000 / 0.019 / 0.973
    ("generalisation_batch8.jsonl", 1.00, 0.02, 0.95),  # 1.000 / 0.014 / 0.955
    ("generalisation_batch9.jsonl", 1.00, 0.01, 0.95),  # 1.000 / 0.005 / 0.956
    ("generalisation_batch10.jsonl", 1.00, 0.01, 0.93),  # 1.000 / 0.009 / 0.930
    ("generalisation_batch11.jsonl", 1.00, 0.01, 0.96),  # 1.000 / 0.009 / 0.967
    ("generalisation_batch12.jsonl", 1.00, 0.03, 0.97),  # 1.000 / 0.029 / 0.972
    ("generalisation_batch13.jsonl", 1.00, 0.02, 0.97),  # 1.000 / 0.017 / 0.980
    ("generalisation_batch14.jsonl", 1.00, 0.03, 0.97),  # 1.000 / 0.023 / 0.972
    ("generalisation_batch15.jsonl", 1.00, 0.03, 0.96),  # 1.000 / 0.021 / 0.970
    ("generalisation_batch16.jsonl", 1.00, 0.01, 0.99),  # 1.000 / 0.006 / 0.996
    ("generalisation_batch17.jsonl", 1.00, 0.03, 0.98),  # 1.000 / 0.025 / 0.989
    ("generalisation_batch18.jsonl", 0.98, 0.06, 0.96),  # 0.984 / 0.051 / 0.966
    ("generalisation_batch19.jsonl", 1.00, 0.01, 0.96),  # 1.000 / 0.006 / 0.966
    ("generalisation_batch20.jsonl", 1.00, 0.03, 0.98),  # 1.000 / 0.025 / 0.989
    ("generalisation_batch21.jsonl", 1.00, 0.02, 0.96),  # 1.000 / 0.019 / 0.966
    ("generalisation_batch22.jsonl", 1.00, 0.02, 0.97),  # 1.000 / 0.013 / 0.973
    ("generalisation_batch23.jsonl", 1.00, 0.02, 0.96),  # 1.000 / 0.019 / 0.970
    ("generalisation_batch24.jsonl", 1.00, 0.02, 0.96),  # 1.000 / 0.013 / 0.962
    ("generalisation_batch25.jsonl", 1.00, 0.05, 0.98),  # 1.000 / 0.050 / 0.985
    ("generalisation_batch26.jsonl", 1.00, 0.04, 0.95),  # 1.000 / 0.037 / 0.955
    ("generalisation_batch27.jsonl", 0.98, 0.03, 0.96),  # 0.983 / 0.025 / 0.969
    ("generalisation_batch28.jsonl", 1.00, 0.04, 0.93),  # 1.000 / 0.031 / 0.933
    ("generalisation_batch29.jsonl", 1.00, 0.03, 0.96),  # 1.000 / 0.025 / 0.967
    ("generalisation_batch30.jsonl", 1.00, 0.04, 0.95),  # 1.000 / 0.031 / 0.952
    ("generalisation_batch31.jsonl", 1.00, 0.05, 0.95),  # 1.000 / 0.044 / 0.955
    ("generalisation_batch32.jsonl", 1.00, 0.02, 0.95),  # 1.000 / 0.019 / 0.959
    ("generalisation_batch33.jsonl", 0.98, 0.04, 0.95),  # 0.983 / 0.037 / 0.955
    ("generalisation_batch34.jsonl", 1.00, 0.03, 0.96),  # 1.000 / 0.025 / 0.966
    ("generalisation_batch35.jsonl", 1.00, 0.03, 0.96),  # 1.000 / 0.025 / 0.970
    ("generalisation_batch36.jsonl", 0.98, 0.02, 0.93),  # 0.983 / 0.013 / 0.939
    ("generalisation_batch37.jsonl", 1.00, 0.03, 0.96),  # 1.000 / 0.025 / 0.970
    ("generalisation_batch38.jsonl", 1.00, 0.02, 0.97),  # 1.000 / 0.019 / 0.974
    ("generalisation_batch39.jsonl", 1.00, 0.02, 0.96),  # 1.000 / 0.013 / 0.962
    ("generalisation_batch40.jsonl", 1.00, 0.04, 0.93),  # 1.000 / 0.031 / 0.934
    ("generalisation_batch41.jsonl", 1.00, 0.00, 0.96),  # 1.000 / 0.000 / 0.962
    ("generalisation_batch42.jsonl", 1.00, 0.02, 0.96),  # 1.000 / 0.013 / 0.965
    ("generalisation_batch43.jsonl", 1.00, 0.04, 0.96),  # 1.000 / 0.031 / 0.966
    ("generalisation_batch44.jsonl", 1.00, 0.01, 0.96),  # 1.000 / 0.006 / 0.970
    ("generalisation_batch45.jsonl", 1.00, 0.02, 0.96),  # 1.000 / 0.019 / 0.962
    ("generalisation_batch46.jsonl", 0.98, 0.05, 0.97),  # 0.983 / 0.050 / 0.974
    ("generalisation_batch47.jsonl", 0.98, 0.05, 0.96),  # 0.983 / 0.044 / 0.966
    ("generalisation_batch48.jsonl", 1.00, 0.02, 0.96),  # 1.000 / 0.013 / 0.966
])
def test_combined_triage_on_the_generalisation_batches(rules, semantic, name: str, caught: float, asked: float,  # type: ignore[no-untyped-def]
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
