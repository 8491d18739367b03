from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from callcenter.errors import CallCenterError
from callcenter.kb import (
    DEFAULT_KB_DIR,
    DEFAULT_SPEC,
    KnowledgeBaseError,
    LegalReference,
    fingerprint,
    load_knowledge_base,
)
from callcenter.kb.claims_lint import ClaimRules
from callcenter.kb.lint import holdout_faults, lint, spoken_word_count
from callcenter.kb.loader import read_entries, read_spec

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> Path:
    # Fault paths are printed relative to the working folder, as a person would type them.
    monkeypatch.chdir(FIXTURES)
    return FIXTURES


def test_load_valid_knowledge_base() -> None:
    kb = load_knowledge_base(FIXTURES / "kb_ok")
    assert kb.ids == ("am.carte_vitale", "caf.date_paiement", "caf.rsa")
    rsa = kb.get("caf.rsa")
    assert rsa is not None and kb["caf.rsa"] is rsa and "caf.rsa" in kb
    assert kb.get("caf.nothing") is None
    assert rsa.organisme == "caf" and rsa.skill == "caf" and rsa.escalate_if_fragile is True
    assert rsa.legal_references == (LegalReference("CASF", "L. 262-2", "droit au RSA"),)
    assert str(rsa.legal_references[0]) == "CASF art. L. 262-2"
    assert rsa.checked_on == dt.date(2026, 1, 15)
    assert rsa.link.startswith("https://")
    # Folded YAML joins the lines of the spoken answer with single spaces.
    assert "\n" not in rsa.spoken_answer and "  " not in rsa.spoken_answer
    assert rsa.kind == "subject" and kb["am.carte_vitale"].kind == "subject"


def test_load_broken_knowledge_base_raises_with_file_and_line(in_fixtures: Path) -> None:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base("kb_broken")
    error = caught.value
    assert isinstance(error, CallCenterError)
    assert [str(f) for f in error.faults] == [
        "kb_broken/caf/bad_yaml.yaml:4: invalid YAML: expected ',' or ']', but got ':'",
        "kb_broken/caf/dup_key.yaml:21: duplicate key 'skill'",
        "kb_broken/caf/no_refs.yaml:11: missing legal references: give at least one {code, article}",
        "kb_broken/caf/unknown_field.yaml:15: entry: unknown field 'answer_by_sms'",
    ]
    assert "kb_broken/caf/no_refs.yaml:11: missing legal references" in error.message


def test_load_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="not a directory"):
        load_knowledge_base(tmp_path / "absent")
    with pytest.raises(KnowledgeBaseError, match=r"no entry files"):
        load_knowledge_base(tmp_path)


def test_lint_reports_every_fault_of_the_broken_fixtures(in_fixtures: Path) -> None:
    parsed = read_entries(Path("kb_broken"))
    spec, spec_faults = read_spec("spec.yaml")
    assert spec_faults == ()
    faults = [str(f) for f in lint(parsed, spec=spec, spec_source="spec.yaml", today=dt.date(2026, 6, 1))]
    assert faults == [
        "kb_broken/caf/bad_yaml.yaml:4: invalid YAML: expected ',' or ']', but got ':'",
        "kb_broken/caf/dup_key.yaml:21: duplicate key 'skill'",
        "kb_broken/caf/long_answer.yaml:6: URL in the spoken answer: say where to go in words",
        "kb_broken/caf/long_answer.yaml:6: abbreviation 'RSA' in the spoken answer: write the words, "
        "or the letters apart ('R S A')",
        "kb_broken/caf/long_answer.yaml:6: number '3230' in the spoken answer: write phone numbers "
        "in pairs of digits ('32 30')",
        "kb_broken/caf/long_answer.yaml:6: spoken answer has 48 words (max 45)",
        "kb_broken/caf/no_refs.yaml:11: missing legal references: give at least one {code, article}",
        "kb_broken/caf/unknown_field.yaml:15: entry: unknown field 'answer_by_sms'",
        "kb_broken/caf/wrong_id.yaml:1: id 'caf.another_name' does not match the file name "
        "(expected 'caf.wrong_id')",
        "kb_broken/caf/wrong_id.yaml:10: link https://www.example.com/page is not an official site",
        "kb_broken/caf/wrong_id.yaml:17: duplicate example 'Quand est-ce que je suis payé ?' "
        "(same as in this entry)",
        "spec.yaml:3: topic 'caf.rsa' has no entry in the knowledge base",
        "spec.yaml:5: topic 'am.carte_vitale' has no entry in the knowledge base",
        "spec.yaml:7: topic 'ft.actualisation' has no entry in the knowledge base",
    ]


def test_lint_points_at_the_missing_spec_topic_only(in_fixtures: Path) -> None:
    spec, _ = read_spec("spec.yaml")
    faults = lint(read_entries(Path("kb_ok")), spec=spec, spec_source="spec.yaml")
    assert [str(f) for f in faults] == [
        "spec.yaml:7: topic 'ft.actualisation' has no entry in the knowledge base"
    ]


def test_lint_flags_a_check_date_in_the_future(in_fixtures: Path) -> None:
    faults = lint(read_entries(Path("kb_ok")), today=dt.date(2025, 12, 31))
    assert [str(f) for f in faults] == [
        "kb_ok/am/carte_vitale.yaml:16: checked_on 2026-01-15 is in the future",
        "kb_ok/caf/date_paiement.yaml:15: checked_on 2026-01-15 is in the future",
        "kb_ok/caf/rsa.yaml:16: checked_on 2026-01-15 is in the future",
    ]


def test_lint_finds_examples_copied_from_an_evaluation_set(in_fixtures: Path) -> None:
    parsed = read_entries(Path("kb_ok"))
    faults = holdout_faults(parsed, ["Je n'ai plus aucun revenu, quelle aide demander ?",
                                     "une phrase sans rapport avec la base"])
    assert [str(f) for f in faults] == [
        "kb_ok/caf/rsa.yaml:19: example \"je n'ai plus aucun revenu quelle aide demander\" copies "
        "a sentence of the evaluation set"
    ]


@pytest.mark.parametrize(
    ("text", "count"),
    [("Bonjour.", 1), ("vingt-cinq ans", 2), ("l'allocation d'aide au logement", 4), ("", 0)],
)
def test_spoken_word_count(text: str, count: int) -> None:
    assert spoken_word_count(text) == count


def test_bundled_knowledge_base_passes_the_linter() -> None:
    parsed = read_entries(DEFAULT_KB_DIR)
    # Strict: claims required, each with an official, specific source checked within a year.
    assert [str(f) for f in lint(parsed, today=dt.date.today(), claims=ClaimRules())] == []


def test_every_spec_topic_exists_with_exactly_its_id() -> None:
    if not DEFAULT_SPEC.is_file():
        pytest.skip(f"{DEFAULT_SPEC} is not beside the project")
    spec, faults = read_spec(DEFAULT_SPEC)
    assert faults == () and len(spec) >= 40
    kb = load_knowledge_base(DEFAULT_KB_DIR)
    assert [t.id for t in spec if t.id not in kb] == []


def test_fingerprint_changes_when_an_entry_changes(tmp_path: Path) -> None:
    source = (FIXTURES / "kb_ok" / "caf" / "rsa.yaml").read_text(encoding="utf-8")
    (tmp_path / "caf").mkdir()
    entry = tmp_path / "caf" / "rsa.yaml"
    entry.write_text(source, encoding="utf-8")
    before = fingerprint(tmp_path)
    assert before == fingerprint(tmp_path)
    entry.write_text(source.replace("- rsa\n", "- rsa\n  - revenu minimum\n"), encoding="utf-8")
    assert fingerprint(tmp_path) != before
    assert "revenu minimum" in load_knowledge_base(tmp_path)["caf.rsa"].synonyms


@pytest.mark.parametrize(("url", "fault"), [
    ("https://www.demarches-rsa.com/demande", "online: https://www.demarches-rsa.com/demande is not an official site"),
    ("https://www.caf.fr/allocataires", "online: https://www.caf.fr/allocataires is a home page: give the page "
                                        "of the procedure itself"),
])
def test_online_procedure_must_be_an_official_page(tmp_path: Path, url: str, fault: str) -> None:
    source = (DEFAULT_KB_DIR / "caf" / "rsa.yaml").read_text(encoding="utf-8")
    line = next(i for i, text in enumerate(source.splitlines(), 1) if text.startswith("  url: "))
    (tmp_path / "caf").mkdir()
    (tmp_path / "caf" / "rsa.yaml").write_text(
        source.replace("  url: https://www.service-public.fr/particuliers/vosdroits/F19778", f"  url: {url}"),
        encoding="utf-8")
    faults = [str(f) for f in lint(read_entries(tmp_path))]
    assert any(f.endswith(f"rsa.yaml:{line}: {fault}") for f in faults), faults
    assert load_knowledge_base(DEFAULT_KB_DIR)["caf.rsa"].online is not None


def test_online_needs_a_label_and_a_page(tmp_path: Path) -> None:
    source = (DEFAULT_KB_DIR / "caf" / "rsa.yaml").read_text(encoding="utf-8")
    (tmp_path / "caf").mkdir()
    (tmp_path / "caf" / "rsa.yaml").write_text(source.replace('  label: "Demander le RSA"\n', ""), encoding="utf-8")
    assert any("online: missing required field 'label'" in str(f) for f in lint(read_entries(tmp_path)))
