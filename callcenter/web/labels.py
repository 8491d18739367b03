"""French words for internal names (states, reasons, queues, outcomes...), read from data.

``agent_ui/labels.fr.yaml`` holds them; pages and the JSON API for screens use :class:`Labels` so
no id or English word reaches a person. A name without a label gets its kind's fallback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from callcenter.config import PROJECT_ROOT
from callcenter.errors import CallCenterError

LABELS_FILE = PROJECT_ROOT / "agent_ui" / "labels.fr.yaml"
KINDS = ("roles", "states", "tiers", "reasons", "queues", "wrapup_codes", "outcomes", "entry_statuses",
         "variables", "languages", "errors", "appointment_channels", "appointment_statuses")


class LabelsError(CallCenterError):
    code = "labels"


@dataclass(frozen=True)
class Labels:
    """Words per kind of name, with a fallback per kind."""

    words: Mapping[str, Mapping[str, str]]
    fallbacks: Mapping[str, str]

    def of(self, kind: str, name: str | None) -> str:
        if name is not None and name in self.words.get(kind, {}):
            return self.words[kind][name]
        return self.fallbacks.get(kind, "—")

    def error(self, message: str) -> str:
        """A refusal as an agent reads it (the English message stays for logs and tools)."""
        return self.words["errors"].get(message, "L'action n'a pas pu être faite.")

    def kind(self, kind: str) -> dict[str, str]:
        return dict(self.words.get(kind, {}))

    def as_json(self) -> dict[str, dict[str, str]]:
        """What the pages' scripts need to name things, fallbacks under ``"_fallback"``."""
        out = {k: self.kind(k) for k in KINDS}
        out["_fallback"] = dict(self.fallbacks)
        return out


def parse_labels(text: str, name: str) -> Labels:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise LabelsError(f"{name}: not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise LabelsError(f"{name}:1: a mapping of kinds of names is expected")
    words: dict[str, dict[str, str]] = {}
    for kind in KINDS:
        section = data.get(kind, {})
        if not isinstance(section, dict) or not all(isinstance(v, str) and v for v in section.values()):
            raise LabelsError(f"{name}: {kind}: a mapping of names to non-empty French words is expected")
        words[kind] = {str(k): v for k, v in section.items()}
    fallbacks = data.get("fallbacks", {})
    if not isinstance(fallbacks, dict):
        raise LabelsError(f"{name}: fallbacks: a mapping is expected")
    return Labels(words, {str(k): str(v) for k, v in fallbacks.items()})


@cache
def load_labels(path: Path = LABELS_FILE) -> Labels:
    return parse_labels(path.read_text(encoding="utf-8"), str(path))
