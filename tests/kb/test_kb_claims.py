"""``kb check`` rules on claims: sources, ages, numbers, seasonal warnings (fixtures in kb_claims/)."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path

import pytest

from callcenter.config import KbCheckSettings, SettingsError
from callcenter.kb import cli as kb_cli
from callcenter.kb.claim_numbers import numbers
from callcenter.kb.claims_lint import ClaimRules, change_dates_between, is_home_page, next_change_date
from callcenter.kb.lint import lint, lint_warnings
from callcenter.kb.loader import read_entries

FIXTURES = Path(__file__).parent / "fixtures"
TODAY = dt.date(2026, 12, 5)


@pytest.fixture
def in_fixtures(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(FIXTURES)
    for name in ("KB_REQUIRE_CLAIMS", "KB_MAX_AGE_DAYS", "KB_CHANGE_DATES"):
        monkeypatch.delenv("CALLCENTER_" + name, raising=False)
    return FIXTURES


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="callcenter")
    kb_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_every_claim_fault_points_at_its_line(in_fixtures: Path) -> None:
    faults = [str(f) for f in lint(read_entries(Path("kb_claims")), today=TODAY, claims=ClaimRules())]
    assert faults == [
        "kb_claims/am/arret_maladie.yaml:32: claim 'telephone': checked_on 2026-12-10 is in the future",
        "kb_claims/caf/date_paiement.yaml:1: no claims: list the facts of the answers with their "
        "official source (claims:)",
        "kb_claims/caf/rsa.yaml:9: written answer states 3230, found in no claim: add the claim, or say "
        "it without the number",
        "kb_claims/caf/rsa.yaml:12: link https://www.caf.fr/allocataires is a home page: give the "
        "official fiche about this topic",
        "kb_claims/caf/rsa.yaml:16: checked_on 2026-12-01 is later than the oldest claim check "
        "(2025-06-01): an entry is only as fresh as its oldest claim",
        "kb_claims/caf/rsa.yaml:19: source https://www.caf.fr/ is a home page: give the page the facts were "
        "checked on",
        "kb_claims/caf/rsa.yaml:26: duplicate claim id 'age' (also at line 21)",
        "kb_claims/caf/rsa.yaml:28: claim 'age': source https://www.service-public.fr/particuliers is a "
        "home page: give the fiche or article that says it",
        "kb_claims/caf/rsa.yaml:33: claim 'activite': source https://www.example.org/rsa-heures is not "
        "an official site",
        "kb_claims/caf/rsa.yaml:34: claim 'activite': checked 552 days ago (2025-06-01), more than 365: "
        "check it again",
        "kb_claims/caf/rsa.yaml:39: claim 'avenir': checked_on 2026-12-24 is in the future",
    ]


def test_claims_are_optional_without_the_rule_and_the_age_is_configurable(in_fixtures: Path) -> None:
    parsed = read_entries(Path("kb_claims"))
    relaxed = [str(f) for f in lint(parsed, today=TODAY, claims=ClaimRules(require_claims=False,
                                                                           max_age_days=600))]
    assert not any("no claims" in f for f in relaxed)
    assert not any("days ago" in f for f in relaxed)
    strict = [str(f) for f in lint(parsed, today=TODAY, claims=ClaimRules(max_age_days=10))]
    assert "kb_claims/am/arret_maladie.yaml:22: claim 'envoi_48h': checked 168 days ago (2026-06-20), " \
           "more than 10: check it again" in strict
    # Without rules (the loader's use), claims present are still checked, none is required.
    default = [str(f) for f in lint(parsed, today=TODAY)]
    assert not any("no claims" in f for f in default) and any("duplicate claim id" in f for f in default)


def test_warnings_name_the_change_date_passed_since_the_check(in_fixtures: Path) -> None:
    parsed = read_entries(Path("kb_claims"))
    assert [str(w) for w in lint_warnings(parsed, TODAY, ClaimRules())] == [
        "kb_claims/am/arret_maladie.yaml:22: warning: claim 'envoi_48h' checked 2026-06-20, rules often "
        "change on 1 July 2026: re-check",
        "kb_claims/caf/rsa.yaml:34: warning: claim 'activite' checked 2025-06-01, rules often change on "
        "1 July 2025: re-check",
    ]
    # A check 22 days before 1 January may have missed what changes then.
    later = [str(w) for w in lint_warnings(parsed, dt.date(2026, 12, 20), ClaimRules())]
    assert "kb_claims/am/arret_maladie.yaml:32: warning: claim 'telephone' checked 2026-12-10, 22 days " \
           "before 1 January 2027 when rules often change: re-check after it" in later
    # The carence claim, checked 2026-11-20, is 42 days before 1 January: no warning.
    assert not any("'carence'" in w for w in later)
    # A budget law published on a given day is a change date too.
    budget = [str(w) for w in lint_warnings(parsed, TODAY, ClaimRules(change_dates=(dt.date(2026, 6, 25),)))]
    assert "kb_claims/am/arret_maladie.yaml:22: warning: claim 'envoi_48h' checked 2026-06-20, rules often " \
           "change on 25 June 2026: re-check" in budget
    # One warning per entry and date: the claims concerned are named together.
    spring = [str(w) for w in lint_warnings(parsed, dt.date(2027, 3, 1), ClaimRules())]
    assert "kb_claims/am/arret_maladie.yaml:27: warning: claims 'carence', 'telephone' checked 2026-11-20 to " \
           "2026-12-10, rules often change on 1 January 2027: re-check" in spring


def test_change_dates() -> None:
    assert change_dates_between(dt.date(2026, 6, 20), dt.date(2026, 12, 5)) == [
        dt.date(2026, 7, 1), dt.date(2026, 10, 1)]
    assert change_dates_between(dt.date(2026, 7, 1), dt.date(2026, 7, 1)) == []
    assert change_dates_between(dt.date(2026, 1, 10), dt.date(2026, 3, 1), [dt.date(2026, 2, 19)]) == [
        dt.date(2026, 2, 19)]
    assert next_change_date(dt.date(2026, 12, 5)) == dt.date(2027, 1, 1)
    assert next_change_date(dt.date(2026, 12, 5), [dt.date(2026, 12, 20)]) == dt.date(2026, 12, 20)


@pytest.mark.parametrize(("url", "home"), [
    ("https://www.caf.fr", True),
    ("https://www.caf.fr/", True),
    ("https://www.service-public.fr/particuliers", True),
    ("https://www.service-public.fr/particuliers/", True),
    ("https://www.ameli.fr/assure", True),
    ("https://www.service-public.fr/particuliers/vosdroits/F3053", False),
    ("https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000006738102", False),
    ("https://www.caf.fr/allocataires/aides-et-demarches/droits-et-prestations/vie-personnelle/le-rsa", False),
    ("https://www.impots.gouv.fr/particulier/questions/comment-moduler-mon-taux", False),
])
def test_home_pages(url: str, home: bool) -> None:
    assert is_home_page(url) is home


@pytest.mark.parametrize(("text", "found"), [
    ("dans les 48 heures", ["48"]),
    ("dans les quarante-huit heures", ["48"]),
    ("au moins 15 % de plus", ["15"]),
    ("quinze pour cent", ["15"]),
    ("depuis le 1er juillet", ["1"]),
    ("depuis le premier juillet", ["1"]),
    ("le premier rendez-vous", []),
    ("103,20 € ou 103.20 euros", ["103,20", "103,20"]),
    ("appelez le 39 49", ["3949"]),
    ("appelez le trente-neuf quarante-neuf", ["3949"]),
    ("près de 2 800 espaces", ["2800"]),
    ("vingt et un ans, soixante-dix-sept ans, quatre-vingt-dix-neuf", ["21", "77", "99"]),
    ("une carte et un rendez-vous", []),
    ("de 16 à 25 ans", ["16", "25"]),
    ("de 8 h 30 à 17 h", ["8", "30", "17"]),
    ("de 8h30 à 10h30, ou 9h", ["8", "30", "10", "30", "9"]),
    ("formulaire S3704, fiche F3053", []),
    ("à partir du 4e jour, le 2nd semestre", ["4", "2"]),
    ("le 05/12/2026", ["5", "12", "2026"]),
    ("01 23 45 67 89", ["0123456789"]),
    ("au 0 809 401 401 ou au 3400", ["0809401401", "3400"]),
    ("avant 16, 18, 20 ou 21 ans", ["16", "18", "20", "21"]),
    ("1. Envoi : les volets 1 et 2.\n2. Carence : 3 jours", ["1", "2", "3"]),
])
def test_numbers_are_read_alike_in_words_and_digits(text: str, found: list[str]) -> None:
    assert numbers(text) == found


def test_check_command_prints_warnings_and_fails_only_on_faults(
        tmp_path: Path, in_fixtures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(FIXTURES / "kb_claims" / "am", tmp_path / "kb" / "am")
    spec = tmp_path / "spec.yaml"
    spec.write_text("topics:\n  - id: am.arret_maladie\n    scope: arrêt maladie\n", encoding="utf-8")
    assert run(["kb", "check", str(tmp_path / "kb"), "--today", "2026-12-20", "--spec", str(spec)]) == 0
    out, err = capsys.readouterr()
    assert [line.split(": ", 1)[1] for line in out.splitlines()] == [
        "warning: claim 'envoi_48h' checked 2026-06-20, rules often change on 1 July 2026: re-check",
        "warning: claim 'telephone' checked 2026-12-10, 22 days before 1 January 2027 when rules often "
        "change: re-check after it",
    ]
    assert "1 files, 1 valid entries, 1 required topics: ok, 2 warnings" in err


def test_check_command_options_and_settings(in_fixtures: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["kb", "check", "kb_claims/caf", "--today", "2026-12-05", "--spec", "spec.yaml"]) == 1
    assert "date_paiement.yaml:1: no claims" in capsys.readouterr().out
    run(["kb", "check", "kb_claims/caf", "--today", "2026-12-05", "--no-require-claims",
         "--max-age-days", "1000", "--spec", "spec.yaml"])
    out = capsys.readouterr().out
    assert "no claims" not in out and "days ago" not in out
    monkeypatch.setenv("CALLCENTER_KB_REQUIRE_CLAIMS", "false")
    monkeypatch.setenv("CALLCENTER_KB_MAX_AGE_DAYS", "100")
    run(["kb", "check", "kb_claims/caf", "--today", "2026-12-05", "--spec", "spec.yaml"])
    out = capsys.readouterr().out
    assert "no claims" not in out and "checked 552 days ago (2025-06-01), more than 100" in out
    with pytest.raises(kb_cli.KbUsageError):
        run(["kb", "check", "kb_claims", "--max-age-days", "0"])


def test_settings_of_the_claims_check() -> None:
    assert KbCheckSettings.from_env({}) == KbCheckSettings(True, 365, ())
    settings = KbCheckSettings.from_env({"CALLCENTER_KB_REQUIRE_CLAIMS": "false",
                                         "CALLCENTER_KB_MAX_AGE_DAYS": "180",
                                         "CALLCENTER_KB_CHANGE_DATES": "2026-02-19, 2025-02-14"})
    assert settings == KbCheckSettings(False, 180, (dt.date(2025, 2, 14), dt.date(2026, 2, 19)))
    with pytest.raises(SettingsError, match="KB_CHANGE_DATES"):
        KbCheckSettings.from_env({"CALLCENTER_KB_CHANGE_DATES": "19/02/2026"})
    with pytest.raises(SettingsError, match="KB_MAX_AGE_DAYS"):
        KbCheckSettings.from_env({"CALLCENTER_KB_MAX_AGE_DAYS": "0"})


def test_a_claim_without_a_source_is_a_schema_fault(tmp_path: Path) -> None:
    text = (FIXTURES / "kb_claims" / "am" / "arret_maladie.yaml").read_text(encoding="utf-8")
    broken = text.replace("    source: https://www.service-public.fr/particuliers/vosdroits/F3053\n"
                          "    legal: CSS R. 321-2\n", "    legal: CSS R. 321-2\n")
    assert broken != text
    (tmp_path / "am").mkdir()
    (tmp_path / "am" / "arret_maladie.yaml").write_text(broken, encoding="utf-8")
    faults = [str(f) for f in lint(read_entries(tmp_path), today=TODAY, claims=ClaimRules())]
    assert [f.split(": ", 1)[1] for f in faults] == ["claims[0]: missing required field 'source'"]
