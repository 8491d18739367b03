"""Reading the knowledge base from disk: the only module of the package that touches files."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from functools import cache, partial
from pathlib import Path

from jsonschema import Draft202012Validator

from callcenter.config import PROJECT_ROOT
from callcenter.kb.entry import Entry, KnowledgeBase
from callcenter.kb.errors import Fault, KnowledgeBaseError
from callcenter.kb.lint import duplicate_ids
from callcenter.kb.parse import ParsedEntry, parse_entry
from callcenter.kb.spec import SpecTopic, parse_spec
from callcenter.parsed_texts import ParsedTexts

SCHEMA_PATH = Path(__file__).with_name("entry.schema.json")
SUFFIXES = (".yaml", ".yml")
DEFAULT_KB_DIR = PROJECT_ROOT / "knowledge_base"
# The shared topic list sits beside the project (../shared), as in CI and development.
DEFAULT_SPEC = PROJECT_ROOT.parent / "shared" / "spec" / "kb_topics.yaml"


@cache
def entry_validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def display_path(path: Path) -> str:
    """The path as a person would type it from here: relative to the working folder if inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def entry_files(root: Path) -> list[Path]:
    """Entry files under ``root``, sorted; names starting with '.' or '_' are not entries."""
    found = [
        p for p in root.rglob("*")
        if p.suffix in SUFFIXES and p.is_file()
        and not any(part.startswith((".", "_")) for part in p.relative_to(root).parts)
    ]
    return sorted(found)


def read_entries(root: Path) -> list[ParsedEntry]:
    """Parse every entry file under ``root`` (faults are collected, not raised)."""
    return [parsed for parsed, _ in read_entry_texts(root)]


def read_entry_texts(root: Path) -> list[tuple[ParsedEntry, str | None]]:
    """Every entry file under ``root``, parsed, with its text (``None`` when unreadable)."""
    validator = entry_validator()
    parsed: list[tuple[ParsedEntry, str | None]] = []
    for path in entry_files(root):
        source = display_path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            parsed.append((ParsedEntry(source, None, (Fault(source, 1, f"cannot read: {exc}"),),
                                       relative=path.relative_to(root).as_posix()), None))
            continue
        known = _PARSED.get((source, text), partial(parse_entry, text, source, validator))
        parsed.append((replace(known, relative=path.relative_to(root).as_posix()), text))
    return parsed


# Entry files parsed in this process, by name and text (~8 ms a file; parsed_texts.py).
_PARSED: ParsedTexts[tuple[str, str], ParsedEntry] = ParsedTexts(2048)


def parse_text(text: str, source: str, relative: str = "") -> ParsedEntry:
    """One entry's text that has no file here (a stored version), parsed like a file."""
    return replace(parse_entry(text, source, entry_validator()), relative=relative)


def load_knowledge_base(path: str | os.PathLike[str]) -> KnowledgeBase:
    """Load and validate every entry under ``path``; raise :class:`KnowledgeBaseError` on faults."""
    root = Path(path)
    if not root.is_dir():
        raise KnowledgeBaseError([Fault(display_path(root), 1, "not a directory")])
    parsed = read_entries(root)
    faults = [f for p in parsed for f in p.faults] + duplicate_ids(parsed)
    if not parsed:
        faults.append(Fault(display_path(root), 1, "no entry files (*.yaml)"))
    if faults:
        raise KnowledgeBaseError(faults)
    entries: list[Entry] = [p.entry for p in parsed if p.entry is not None]
    return KnowledgeBase(tuple(entries))


def fingerprint(path: str | os.PathLike[str]) -> tuple[tuple[str, int, int], ...]:
    """(file, mtime, size) of every entry file: rebuild the index when this changes."""
    root = Path(path)
    out = []
    for p in entry_files(root):
        st = p.stat()
        out.append((p.relative_to(root).as_posix(), st.st_mtime_ns, st.st_size))
    return tuple(out)


def read_spec(path: str | os.PathLike[str]) -> tuple[tuple[SpecTopic, ...], tuple[Fault, ...]]:
    spec_path = Path(path)
    return parse_spec(spec_path.read_text(encoding="utf-8"), display_path(spec_path))
