"""service-public.fr's feed (DILA, one XML file per fiche) and ``callcenter kb stale``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest

from callcenter.kb import cli as kb_cli
from callcenter.kb.feed import FeedError, Fiche, fiche_id, parse_fiche, stale_claims
from callcenter.kb.feed_reader import read_feed
from callcenter.kb.loader import read_entries

FIXTURES = Path(__file__).parent / "fixtures"
FEED = FIXTURES / "feed"


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="callcenter")
    kb_cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args))


@pytest.fixture
def feed_zip(tmp_path: Path) -> Path:
    """The fixture folder packed as DILA ships it: a zip of XML files."""
    path = tmp_path / "vosdroits-latest.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(FEED.iterdir()):
            archive.write(file, file.name)
    return path


def test_a_fiche_gives_its_id_title_and_dates() -> None:
    fiche = parse_fiche((FEED / "F3053.xml").read_bytes(), "F3053.xml")
    assert fiche == Fiche(id="F3053", title="Arrêt maladie : indemnités journalières versées au salarié",
                          modified=dt.date(2026, 11, 30), important=dt.date(2026, 9, 1),
                          url="https://www.service-public.gouv.fr/particuliers/vosdroits/F3053")
    # The important change is what counts; without it, the last modification.
    assert fiche.changed_on == dt.date(2026, 9, 1)
    aah = parse_fiche((FEED / "F12242.xml").read_bytes(), "F12242.xml")
    assert aah is not None and aah.important is None and aah.changed_on == dt.date(2026, 10, 1)


def test_files_that_are_not_fiches() -> None:
    assert parse_fiche((FEED / "arborescence.xml").read_bytes(), "arborescence.xml") is None
    with pytest.raises(FeedError, match="F1.xml: not well-formed XML"):
        parse_fiche(b"<Publication ID='F1'><dc:date>", "F1.xml")
    with pytest.raises(FeedError, match="without an ID"):
        parse_fiche(b"<Publication><Texte/></Publication>", "F2.xml")


def test_the_zip_and_the_folder_read_alike(feed_zip: Path) -> None:
    folder = read_feed(FEED)
    assert sorted(folder) == ["F12242", "F19778", "F3053"]
    assert read_feed(feed_zip) == folder


def test_unreadable_feeds_say_why(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="no such file"):
        read_feed(tmp_path / "absent.zip")
    (tmp_path / "notes.zip").write_text("not a zip", encoding="utf-8")
    with pytest.raises(FeedError, match="not a zip file"):
        read_feed(tmp_path / "notes.zip")
    with pytest.raises(FeedError, match="no fiche found"):
        read_feed(tmp_path)


@pytest.mark.parametrize(("url", "fid"), [
    ("https://www.service-public.fr/particuliers/vosdroits/F3053", "F3053"),
    ("https://www.service-public.gouv.fr/particuliers/vosdroits/F3053", "F3053"),
    ("https://www.service-public.fr/particuliers/vosdroits/F19778#0", "F19778"),
    ("https://www.service-public.fr/professionnels/vosdroits/F23211", "F23211"),
    ("https://www.service-public.fr/particuliers/actualites/A18825", None),
    ("https://www.ameli.fr/assure/droits-demarches/F3053", None),
])
def test_fiche_ids_of_sources(url: str, fid: str | None) -> None:
    assert fiche_id(url) == fid


def test_claims_checked_before_their_fiche_changed_are_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    parsed = read_entries(Path("kb_claims"))
    stale = stale_claims(parsed, read_feed(FEED))
    # envoi_48h was checked 2026-06-20, F3053 changed 2026-09-01; the RSA claim was checked after
    # its fiche's change; the other sources are not fiches.
    assert [str(s) for s in stale] == [
        "kb_claims/am/arret_maladie.yaml:20: claim 'envoi_48h': fiche F3053 changed on 2026-09-01, after "
        "the check of 2026-06-20: re-check",
    ]
    # A fiche gone from the feed must be re-checked too.
    without_rsa = {k: v for k, v in read_feed(FEED).items() if k != "F19778"}
    assert [(s.entry_id, s.claim_id, s.changed_on) for s in stale_claims(parsed, without_rsa)] == [
        ("am.arret_maladie", "envoi_48h", dt.date(2026, 9, 1)), ("caf.rsa", "age", None)]


def test_an_entry_without_claims_is_judged_on_its_link(tmp_path: Path) -> None:
    entry = (FIXTURES / "kb_ok" / "caf" / "rsa.yaml").read_text(encoding="utf-8")
    (tmp_path / "caf").mkdir()
    (tmp_path / "caf" / "rsa.yaml").write_text(entry, encoding="utf-8")     # F19778, checked 2026-01-15
    stale = stale_claims(read_entries(tmp_path), read_feed(FEED))
    assert [(s.entry_id, s.claim_id, s.fiche, s.changed_on) for s in stale] == [
        ("caf.rsa", "", "F19778", dt.date(2026, 4, 1))]
    assert stale[0].reason == "link: fiche F19778 changed on 2026-04-01, after the check of 2026-01-15: re-check"


def test_stale_command_text_and_json(feed_zip: Path, monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(FIXTURES)
    assert run(["kb", "stale", "--feed", str(feed_zip), "--kb-dir", "kb_claims"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == ["kb_claims/am/arret_maladie.yaml:20: claim 'envoi_48h': fiche F3053 "
                                "changed on 2026-09-01, after the check of 2026-06-20: re-check"]
    assert "3 fiches in the feed, 1 stale claims in 1 entries" in err
    assert run(["kb", "stale", "--feed", "feed", "--kb-dir", "kb_claims", "--json"]) == 1
    rows = json.loads(capsys.readouterr().out)
    assert rows == [{"entry": "am.arret_maladie", "claim": "envoi_48h", "fiche": "F3053",
                     "source": "https://www.service-public.fr/particuliers/vosdroits/F3053",
                     "checked_on": "2026-06-20", "changed_on": "2026-09-01",
                     "title": "Arrêt maladie : indemnités journalières versées au salarié",
                     "file": "kb_claims/am/arret_maladie.yaml", "line": 20,
                     "reason": rows[0]["reason"]}]
    # Nothing stale: exit 0, an empty list.
    assert run(["kb", "stale", "--feed", "feed", "--kb-dir", "kb_claims/caf", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
