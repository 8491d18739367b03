"""``models pull``: download an official model archive, check it, and unpack it atomically.

The archive is streamed to a hidden file in the models folder while its MD5 is computed, checked
against the size and MD5 of the published model list (for models listed without them, against the
size the server announced), unpacked into a hidden temporary folder, checked to be a Vosk model,
and only then renamed to its final name: a crash or a bad archive never leaves a half model where
the server would load it.
"""

from __future__ import annotations

import hashlib
import http.client
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

from callcenter.speech.errors import ModelError
from callcenter.speech.models import CATALOGUE, KnownModel
from callcenter.speech.vosk_engine import looks_like_model

Progress = Callable[[int, int | None], None]
_CHUNK = 1 << 20


def _download(url: str, target: Path, progress: Progress | None, timeout: float) -> tuple[int, str, int | None]:
    """Stream ``url`` into ``target``; returns (bytes received, md5 hex, announced length)."""
    md5 = hashlib.md5(usedforsecurity=False)
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, target.open("wb") as out:
            length_header = response.headers.get("Content-Length")
            announced = int(length_header) if length_header and length_header.isdigit() else None
            while chunk := response.read(_CHUNK):
                out.write(chunk)
                md5.update(chunk)
                received += len(chunk)
                if progress is not None:
                    progress(received, announced)
    except urllib.error.HTTPError as exc:
        raise ModelError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        raise ModelError(f"{url}: download failed ({exc})") from None
    return received, md5.hexdigest(), announced


def _check(name: str, known: KnownModel | None, received: int, md5: str, announced: int | None) -> None:
    if announced is not None and received != announced:
        raise ModelError(f"{name}: download cut short ({received} of {announced} bytes)")
    if known is not None and known.size_bytes is not None and received != known.size_bytes:
        raise ModelError(f"{name}: archive is {received} bytes, the model list says {known.size_bytes}")
    if known is not None and known.md5 is not None and md5 != known.md5:
        raise ModelError(f"{name}: MD5 {md5} does not match the model list ({known.md5})")


def _unpack(archive: Path, into: Path, name: str) -> Path:
    """Extract ``archive`` under ``into`` (refusing paths that escape it); returns the model root."""
    into.mkdir()
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                parts = PurePosixPath(member).parts
                if member.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
                    raise ModelError(f"{name}: archive member {member!r} escapes the target folder")
            zf.extractall(into)
    except zipfile.BadZipFile:
        raise ModelError(f"{name}: not a valid zip archive") from None
    # Official archives hold one folder named after the model; accept any single top folder.
    if looks_like_model(into / name):
        return into / name
    children = [c for c in into.iterdir() if not c.name.startswith(".")]
    if len(children) == 1 and children[0].is_dir() and looks_like_model(children[0]):
        return children[0]
    if looks_like_model(into):
        return into
    raise ModelError(f"{name}: the archive does not contain a Vosk model (no am/final.mdl, conf/model.conf)")


def pull_model(name: str, models_dir: Path, *, base_url: str, progress: Progress | None = None,
               force: bool = False, allow_unlisted: bool = False, timeout: float = 60.0,
               catalogue: Sequence[KnownModel] = CATALOGUE) -> Path:
    """Download ``name`` from ``base_url`` into ``models_dir/name``; returns that folder."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ModelError(f"{name!r} is not a model name")
    known = next((m for m in catalogue if m.name == name), None)
    if known is None and not allow_unlisted:
        raise ModelError(f"{name} is not in the list of known models (see: callcenter models list); "
                         "pass --unlisted to download it with only a size check")
    target = models_dir / name
    if target.exists() and not force:
        raise ModelError(f"{name} is already installed in {models_dir} (use --force to replace it)")
    models_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".pull-{name}-", dir=models_dir))
    try:
        archive = work / "archive.zip"
        received, md5, announced = _download(f"{base_url.rstrip('/')}/{name}.zip", archive, progress, timeout)
        _check(name, known, received, md5, announced)
        root = _unpack(archive, work / "unpacked", name)
        if target.exists():
            # --force: move the old model aside first, so the swap itself is one rename.
            old = work / "previous"
            target.rename(old)
        root.rename(target)
        return target
    finally:
        shutil.rmtree(work, ignore_errors=True)
