"""Review before publishing: an entry change is a draft until a second person approves it
(``callcenter kb draft|review|drafts|versions|rollback|export``), and what is live is what the
server's knowledge index answers with, in every process, without restart."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from callcenter.cli.main import main
from callcenter.config import PROJECT_ROOT
from callcenter.kb.catalog import KIND, KbCatalog
from callcenter.store import Database, upgrade
from callcenter.versions import VersionStore
from tests.conftest import ALWAYS_OPEN, make_env
from tests.test_demo_processes import _wait_http
from tests.test_simulator import _free_port
from tests.versions.test_processes import twilio_post

OLD = "dans votre compte ameli"
NEW = "dans votre espace ameli"
CLI = [sys.executable, "-m", "callcenter.cli.main"]


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A private copy of the bundled entries, so a test may edit them."""
    target = tmp_path / "knowledge_base"
    shutil.copytree(PROJECT_ROOT / "knowledge_base", target)
    return target


@pytest.fixture
def env(tmp_path: Path, database_url: str, flows_dir: Path, kb_dir: Path,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    values = make_env(tmp_path, database_url, flows_dir, kb_dir=str(kb_dir))
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    yield values


def catalog_of(database_url: str, kb_dir: Path) -> tuple[KbCatalog, Database]:
    upgrade(database_url)
    db = Database(database_url)
    return KbCatalog(kb_dir, VersionStore(db)), db


def spoken(catalog: KbCatalog, entry_id: str) -> str:
    assert catalog.index is not None
    return catalog.index.kb[entry_id].spoken_answer


def edit(kb_dir: Path, old: str = OLD, new: str = NEW) -> Path:
    path = kb_dir / "am" / "carte_vitale.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def json_out(capsys: Any, args: list[str]) -> Any:
    capsys.readouterr()
    assert main(args) == 0
    return json.loads(capsys.readouterr().out)


def test_draft_second_person_approves_reject_rollback_and_audit(env: dict[str, str], kb_dir: Path,
                                                                 database_url: str, capsys: Any) -> None:
    async def scenario() -> None:
        catalog, db = catalog_of(database_url, kb_dir)
        try:
            await catalog.reload()                  # first start: every entry imported as version 1
            assert catalog.versions["am.carte_vitale"] == 1 and OLD in spoken(catalog, "am.carte_vitale")
            path = edit(kb_dir)
            await catalog.import_files()            # the edited file is a draft, not heard
            assert "am.carte_vitale" in catalog.drafts
            assert OLD in spoken(catalog, "am.carte_vitale")

            assert await asyncio.to_thread(main, ["kb", "draft", str(path), "--by", "paul",
                                                  "--comment", "espace"]) == 0
            assert "draft 2 stored" in capsys.readouterr().err
            # The same content again is not a second draft.
            assert await asyncio.to_thread(main, ["kb", "draft", str(path), "--by", "paul"]) == 0
            assert "draft 2 already" in capsys.readouterr().err
            drafts = await asyncio.to_thread(json_out, capsys, ["kb", "drafts", "--json"])
            assert [(d["entry"], d["version"], d["by"], d["status"]) for d in drafts] == [
                ("am.carte_vitale", 2, "paul", "draft")]

            # Its author may not approve it, nor reject it: a second person must.
            assert await asyncio.to_thread(main, ["kb", "review", "am.carte_vitale", "2", "--by", "paul",
                                                  "--approve"]) == 1
            assert "a second person must review it" in capsys.readouterr().err
            assert not await catalog.refresh()
            assert OLD in spoken(catalog, "am.carte_vitale")

            assert await asyncio.to_thread(main, ["kb", "review", "am.carte_vitale", "2", "--by", "sarah",
                                                  "--approve", "--comment", "vérifié"]) == 0
            assert "approved by sarah" in capsys.readouterr().err
            assert await catalog.refresh()
            assert NEW in spoken(catalog, "am.carte_vitale") and catalog.versions["am.carte_vitale"] == 2
            assert "am.carte_vitale" not in catalog.drafts
            history = await asyncio.to_thread(json_out, capsys, ["kb", "versions", "am.carte_vitale", "--json"])
            assert [(v["version"], v["status"], v["live"], v["reviewed_by"]) for v in history] == [
                (1, "published", False, None), (2, "published", True, "sarah")]
            # Approved once: not again.
            assert await asyncio.to_thread(main, ["kb", "review", "am.carte_vitale", "2", "--by", "sarah",
                                                  "--approve"]) == 1
            assert "not a draft waiting for review" in capsys.readouterr().err

            # A second draft, rejected with its reason: kept, never live.
            edit(kb_dir, NEW, "sur votre espace ameli")
            assert await asyncio.to_thread(main, ["kb", "draft", str(path), "--by", "paul"]) == 0
            assert await asyncio.to_thread(main, ["kb", "review", "am.carte_vitale", "3", "--by", "sarah",
                                                  "--reject", "--comment", "source à citer"]) == 0
            assert "rejected by sarah" in capsys.readouterr().err
            assert await asyncio.to_thread(json_out, capsys, ["kb", "drafts", "--json"]) == []
            history = await asyncio.to_thread(json_out, capsys, ["kb", "versions", "am.carte_vitale", "--json"])
            assert (history[2]["status"], history[2]["review_comment"], history[2]["live"]) == (
                "rejected", "source à citer", False)
            assert not await catalog.refresh()
            assert await asyncio.to_thread(main, ["kb", "rollback", "am.carte_vitale", "3", "--by", "sarah"]) == 1
            assert "never published" in capsys.readouterr().err

            # Rollback to version 1: callers hear the old answer again.
            assert await asyncio.to_thread(main, ["kb", "rollback", "am.carte_vitale", "1", "--by", "sarah"]) == 0
            assert await catalog.refresh()
            assert OLD in spoken(catalog, "am.carte_vitale")
            out = kb_dir.parent / "exported.yaml"
            assert await asyncio.to_thread(main, ["kb", "export", "am.carte_vitale", "-o", str(out)]) == 0
            assert OLD in out.read_text(encoding="utf-8")

            capsys.readouterr()
            assert await asyncio.to_thread(main, ["audit", "--format", "csv"]) == 0
            rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
            mine = [(r["actor"], r["action"]) for r in rows if r["object"] == "kb_entry:am.carte_vitale"]
            assert mine == [("sarah", "kb_entry.rollback"), ("sarah", "kb_entry.reject"), ("paul", "kb_entry.draft"),
                            ("sarah", "kb_entry.approve"), ("paul", "kb_entry.draft"), ("system", "kb_entry.import")]
        finally:
            await db.close()

    asyncio.run(scenario())


def test_a_faulty_draft_is_refused_with_file_and_line(env: dict[str, str], kb_dir: Path, capsys: Any) -> None:
    path = kb_dir / "am" / "carte_vitale.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines, 1) if line.startswith("spoken_answer:"))
    lines[at - 1] = "spoken_anwser: >\n"
    path.write_text("".join(lines), encoding="utf-8")
    assert main(["kb", "draft", str(path), "--by", "paul"]) == 1
    captured = capsys.readouterr()
    assert any(line.startswith(f"{path}:") and line.split(":")[1].isdigit() for line in captured.out.splitlines())
    assert "not stored as a draft" in captured.err
    assert json_out(capsys, ["kb", "drafts", "--json"]) == []


def test_a_live_version_that_does_not_load_never_replaces_the_running_one(env: dict[str, str], kb_dir: Path,
                                                                           database_url: str) -> None:
    async def scenario() -> None:
        catalog, db = catalog_of(database_url, kb_dir)
        try:
            await catalog.reload()
            before = catalog.index
            # Written straight into the store, past every check (as a bad migration or tool might).
            await catalog.store.publish(KIND, "am.carte_vitale", "id: am.carte_vitale\ntitle: [", by="tool")
            assert not await catalog.refresh()
            assert catalog.index is before and catalog.versions["am.carte_vitale"] == 1
            assert any(p.startswith("am.carte_vitale@v2:") for p in catalog.problems)
            await catalog.store.rollback(KIND, "am.carte_vitale", 1, by="sarah")
            await catalog.refresh()
            assert catalog.problems == [] and OLD in spoken(catalog, "am.carte_vitale")
        finally:
            await db.close()

    asyncio.run(scenario())


@pytest.mark.slow
def test_two_processes_answer_with_an_approved_entry(tmp_path: Path, database_url: str, flows_dir: Path,
                                                     kb_dir: Path) -> None:
    ports = [_free_port(), _free_port()]
    procs: list[subprocess.Popen[Any]] = []
    base = {**os.environ, **make_env(tmp_path, database_url, flows_dir, kb_dir=str(kb_dir),
                                     kb_reload_seconds="0.5", tick_seconds="0", hours_file=str(ALWAYS_OPEN))}

    def answer(port: int, n: int) -> str:
        sid = f"CA{port:08d}{n:024d}"
        twilio_post(port, "/twilio/voice", sid, CallStatus="ringing")
        return twilio_post(port, "/twilio/gather?turn=1", sid, SpeechResult="j'ai perdu ma carte vitale",
                           Confidence="0.9")

    try:
        for i, port in enumerate(ports):
            log = tmp_path / f"server{i}.log"
            proc = subprocess.Popen(CLI + ["serve", "--port", str(port)], env=base, stdout=log.open("w"),
                                    stderr=subprocess.STDOUT)
            procs.append(proc)
            _wait_http(f"http://127.0.0.1:{port}/healthz", proc, log)
        assert all(OLD in answer(p, 1) for p in ports)
        path = edit(kb_dir)
        for args in (["kb", "draft", str(path), "--by", "paul"],
                     ["kb", "review", "am.carte_vitale", "2", "--by", "sarah", "--approve"]):
            done = subprocess.run(CLI + args, env=base, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stdout + done.stderr
        start, n = time.monotonic(), 2
        while not all(NEW in answer(p, n) for p in ports):
            assert time.monotonic() - start < 5, [answer(p, 0) for p in ports]
            n += 1
            time.sleep(0.1)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)
