"""Prompts in several languages: ``text: "..."`` or ``text: {fr: "...", en: "..."}``.

A flow declares ``languages: [fr, en]`` (default ``[fr]``; the first is the one a plain string is
in, and what callers hear until they choose another). Every field the schema types as a spoken
text (``$defs/text``) may be a mapping of language to text, so a node kind added later inherits
this without code of its own. The loader turns each mapping into its first-language string (what
the node builders, lints, diagram and test cases see, as before) and keeps the other languages in
a table keyed by that string, from which the engine reads a caller's language. Pure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("flow.schema.json")
TEXT_REF = "#/$defs/text"
DEFAULT_LANGUAGES = ("fr",)
# Languages the fixed system wording (waits, errors, the danger question, transfers) exists in:
# a flow may only declare these (callcenter/ivr/wording.py, callcenter/ivr/speech_en.py).
SYSTEM_LANGUAGES = ("fr", "en")
LANGUAGE_NAMES = {"fr": "français", "en": "anglais"}

Path_ = tuple[str | int, ...]


@cache
def text_fields() -> frozenset[str]:
    """Names of the fields the schema types as spoken text, wherever they are."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    found: set[str] = set()

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            for name, sub in (item.get("properties") or {}).items():
                if isinstance(sub, dict) and sub.get("$ref") == TEXT_REF:
                    found.add(name)
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(schema)
    return frozenset(found)


@dataclass
class Localised:
    """The flow data with every text in the first language, the other languages by that text,
    and what is wrong (faults) or odd (notes, for the lints), each with the path of its field."""

    data: dict[str, Any]
    languages: tuple[str, ...]
    translations: dict[str, dict[str, str]] = field(default_factory=dict)
    faults: list[tuple[Path_, str]] = field(default_factory=list)
    notes: list[tuple[Path_, str]] = field(default_factory=list)


def _where(path: Path_) -> str:
    return ".".join(str(p) for p in path)


def localise(data: Mapping[str, Any]) -> Localised:
    """Split the (schema-valid) flow ``data`` into first-language texts and translations."""
    languages = tuple(data.get("languages") or DEFAULT_LANGUAGES)
    out = Localised(data={}, languages=languages)
    for lang in languages:
        if lang not in SYSTEM_LANGUAGES:
            out.faults.append((("languages",), f"languages: {lang!r} is not available: the system wording "
                                               f"(waits, errors, transfers) exists in {', '.join(SYSTEM_LANGUAGES)}"))
    seen_at: dict[str, Path_] = {}
    fields = text_fields()

    def text(value: Any, path: Path_) -> Any:
        first = languages[0]
        if isinstance(value, str):
            if len(languages) > 1:
                missing = ", ".join(languages[1:])
                out.faults.append((path, f"{_where(path)}: a text in {first} only; the flow speaks "
                                         f"{', '.join(languages)} (give {{{first}: ..., {missing}: ...}})"))
            return value
        if not isinstance(value, dict):
            return value
        missing = [lang for lang in languages if lang not in value]
        if missing:
            out.faults.append((path, f"{_where(path)}: no {', '.join(missing)} text (the flow speaks "
                                     f"{', '.join(languages)})"))
        extra = [lang for lang in value if lang not in languages]
        if extra:
            out.notes.append((path, f"{_where(path)}: text in {', '.join(extra)}, which the flow does not "
                                    "declare in languages: never heard"))
        main = str(value.get(first) or next(iter(value.values())))
        others = {lang: str(t) for lang, t in value.items() if lang != first and lang in languages}
        known = out.translations.get(main)
        if known is not None and any(known.get(lang, t) != t for lang, t in others.items()):
            out.faults.append((path, f"{_where(path)}: the same {first} text is translated differently at "
                                     f"{_where(seen_at[main])}"))
        elif others:
            out.translations.setdefault(main, {}).update(others)
            seen_at.setdefault(main, path)
        return main

    def spoken(key: str, value: Any, path: Path_) -> bool:
        # A menu option's ``offer`` is said in the language the option switches to, by design;
        # the same field name is a spoken text elsewhere (the online link's offer).
        option = len(path) >= 2 and path[-2] == "options"
        # Under ``nodes`` a key is a node's id, whatever it is called ("question", "text"...).
        node_id = bool(path) and path[-1] == "nodes"
        return (key in fields and isinstance(value, str | dict) and not node_id
                and not (key == "offer" and option))

    def walk(value: Any, path: Path_) -> Any:
        if isinstance(value, dict):
            return {k: (text(v, (*path, k)) if spoken(k, v, path) else walk(v, (*path, k)))
                    for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, (*path, i)) for i, v in enumerate(value)]
        return value

    out.data = walk(dict(data), ())
    return out
