"""callcenter models: the speech models known, installed, and how to get one.

    callcenter models list
    callcenter models pull vosk-model-small-fr-0.22 [--models-dir DIR] [--base-url URL] [--force]

Models go to CALLCENTER_MODELS_DIR (default $CALLCENTER_DATA_DIR/models); the server uses
the one CALLCENTER_VOSK_MODEL names (a name from this list, or a folder).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from callcenter.config import Settings
from callcenter.speech.download import pull_model
from callcenter.speech.models import CATALOGUE, InstalledModel, installed_models
from callcenter.speech.settings import speech_settings


def register(subparsers: Any) -> None:
    models = subparsers.add_parser("models", help="list and download speech recognition models",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")

    listing = sub.add_parser("list", help="known models, and which are installed")
    listing.add_argument("--models-dir", type=Path, default=None, help="models folder (default from settings)")
    listing.set_defaults(func=run_list)

    pull = sub.add_parser("pull", help="download and unpack an official model")
    pull.add_argument("name", help="model name, e.g. vosk-model-small-fr-0.22")
    pull.add_argument("--models-dir", type=Path, default=None, help="models folder (default from settings)")
    pull.add_argument("--base-url", default=None,
                      help="where archives are served (default CALLCENTER_VOSK_MODELS_URL or the official site)")
    pull.add_argument("--force", action="store_true", help="replace an installed model of that name")
    pull.add_argument("--unlisted", action="store_true", help="allow a name missing from `models list`")
    pull.add_argument("--quiet", action="store_true", help="no progress bar")
    pull.set_defaults(func=run_pull)


def _models_dir(args: argparse.Namespace) -> tuple[Path, str]:
    speech = speech_settings(Settings.from_env())
    return (args.models_dir or speech.models_dir), speech.models_url


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"


def run_list(args: argparse.Namespace, out: TextIO | None = None) -> int:
    # sys.stdout is looked up at call time: a default bound at import would outlive a redirection.
    out = out or sys.stdout
    models_dir, _ = _models_dir(args)
    installed = {m.name: m for m in installed_models(models_dir)}
    print(f"{'NAME':34} {'LANG':6} {'SIZE':>10} {'RATE':>6} {'GRAMMAR':8} INSTALLED", file=out)
    for model in CATALOGUE:
        here = installed.pop(model.name, None)
        print(f"{model.name:34} {model.language:6} {model.size_text:>10} {model.sample_rate:>6} "
              f"{'yes' if model.grammar else 'no':8} {_where(here)}", file=out)
    for other in installed.values():
        grammar = "yes" if other.grammar else "no"
        print(f"{other.name:34} {other.language:6} {'':>10} {other.sample_rate:>6} {grammar:8} {_where(other)}",
              file=out)
    print(f"\nmodels folder: {models_dir}", file=out)
    return 0


def _where(model: InstalledModel | None) -> str:
    if model is None:
        return "-"
    if model.source == "package":
        return f"yes (Python package, {model.path})"
    return "yes"


class _ProgressBar:
    """A one-line progress bar on a terminal, a line every 10 % elsewhere."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.last = 0.0
        self.last_tenth = -1

    def __call__(self, received: int, total: int | None) -> None:
        now = time.monotonic()
        done = total is not None and received >= total
        if self.tty:
            if now - self.last < 0.1 and not done:
                return
            self.last = now
            if total:
                width = 30
                filled = width * received // total
                print(f"\r[{'#' * filled}{'.' * (width - filled)}] {_mib(received)} / {_mib(total)}",
                      end="", file=self.out, flush=True)
            else:
                print(f"\r{_mib(received)}", end="", file=self.out, flush=True)
            return
        if total:
            tenth = 10 * received // total
            if tenth != self.last_tenth:
                self.last_tenth = tenth
                print(f"{10 * tenth}% ({_mib(received)} / {_mib(total)})", file=self.out, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=self.out)


def run_pull(args: argparse.Namespace) -> int:
    models_dir, default_url = _models_dir(args)
    bar = None if args.quiet else _ProgressBar(sys.stderr)
    try:
        path = pull_model(args.name, models_dir, base_url=args.base_url or default_url, progress=bar,
                          force=args.force, allow_unlisted=args.unlisted)
    finally:
        if bar is not None:
            bar.close()
    print(f"installed {args.name} in {path}")
    print(f"use it with: CALLCENTER_VOSK_MODEL={args.name}")
    return 0
