"""The knowledge index the server runs: built from the live entry versions of the version store.

The store is the truth about what callers hear (docs/knowledge-base.md, "Review before
publishing"). An entry the store has never seen is imported from its file in the knowledge-base
folder as version 1 by "system"; afterwards a file that differs from the live version is a draft:
reported, never heard, until a second person approves it (``callcenter kb draft`` / ``kb review``
or ``/supervisor/kb``). Every process polls the live pointers (one small query) and rebuilds its
index when one moves. A live version that does not load is reported and the one running kept.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from callcenter.kb.entry import Entry, KnowledgeBase
from callcenter.kb.errors import KnowledgeBaseError
from callcenter.kb.index import KnowledgeIndex
from callcenter.kb.loader import display_path, load_knowledge_base, parse_text, read_entry_texts
from callcenter.kb.semantic import Embedder
from callcenter.versions import VersionStore
from callcenter.versions.model import content_sha256

_LOGGER = logging.getLogger(__name__)

KIND = "kb_entry"
# Identical live contents build identical (immutable) indexes: shared between app instances.
# Keyed by the entries' contents and the encoder of their embeddings (0: none).
_INDEXES: dict[tuple[tuple[tuple[str, str], ...], int], KnowledgeIndex] = {}
_ENTRIES: dict[tuple[str, str], Entry] = {}


def stored_source(entry_id: str, version: int) -> str:
    """How a stored version is named in messages (it has no file)."""
    return f"{entry_id}@v{version}"


class FileKnowledge:
    """The knowledge index of the files as they are, for commands without a database (a flow's
    test cases run on what the files say)."""

    # Embedded at once, when built (a command waits; a server uses ``KbCatalog``).
    semantic_pending = False

    def __init__(self, folder: Path, embedder: Embedder | None = None) -> None:
        self.index: KnowledgeIndex | None = None
        self.problems: list[str] = []
        self.drafts: dict[str, str] = {}
        self.embedder = embedder
        try:
            self.index = KnowledgeIndex.build(load_knowledge_base(folder), embedder=embedder)
        except KnowledgeBaseError as exc:
            self.problems = [str(f) for f in exc.faults]


class KbCatalog:
    """The running knowledge index, the live version of each entry, and what is wrong."""

    def __init__(self, folder: Path, store: VersionStore, embedder: Embedder | None = None) -> None:
        self.folder = folder
        self.store = store
        # The sentence encoder of the semantic check (the triage's, loaded once per process). The
        # entries are embedded in the background: the lexical index answers meanwhile.
        self.embedder = embedder
        self._embedding: asyncio.Task[None] | None = None
        self.index: KnowledgeIndex | None = None
        self.versions: dict[str, int] = {}          # entry id -> version in the running index
        self.drafts: dict[str, str] = {}            # entry id -> why its file is a draft
        self._running: dict[str, tuple[int, str, Entry]] = {}   # id -> (version, sha256, entry)
        self._file_problems: list[str] = []
        self._stored_problems: dict[tuple[str, int], list[str]] = {}
        self._files: dict[str, tuple[str, str]] = {}  # id -> (file, sha256) of valid files
        self._seen: dict[str, int] | None = None
        self._told: set[tuple[str, str]] = set()
        # One refresh at a time: the poll and a page's approval must not swap indexes out of order.
        self._refreshing = asyncio.Lock()

    @property
    def problems(self) -> list[str]:
        """Faults of the files, and of live versions that cannot run (``file:line: reason``)."""
        live = self._seen or {}
        stored = [p for (name, number), faults in sorted(self._stored_problems.items())
                  if live.get(name) == number for p in faults]
        return self._file_problems + stored

    async def reload(self) -> None:
        """Read the files (importing entries the store has never seen), then follow the live versions."""
        await self.import_files()
        await self.refresh()

    async def import_files(self) -> None:
        if not self.folder.is_dir():
            self._file_problems = [f"{display_path(self.folder)}:1: not a directory"]
            return
        files = await asyncio.to_thread(read_entry_texts, self.folder)
        known = set(await self.store.names(KIND))
        problems: list[str] = []
        self._files = {}
        new: dict[str, tuple[str, str, str]] = {}
        sources: dict[str, object] = {}
        for parsed, text in files:
            problems += [str(f) for f in parsed.faults]
            if parsed.entry is None or text is None or parsed.faults:
                continue
            entry_id = parsed.entry.id
            self._files[entry_id] = (parsed.source, content_sha256(text))
            if entry_id not in known and entry_id not in new:
                new[entry_id] = (entry_id, text, f"imported from {self.folder.name}/{parsed.relative}")
                sources[entry_id] = parsed.source
        for imported in await self.store.import_first_many(KIND, list(new.values())):
            _LOGGER.info("knowledge entry %s: imported from %s as version 1", imported.name, sources[imported.name])
        for problem in problems[:20]:
            _LOGGER.error("knowledge entry file refused: %s", problem)
        self._file_problems = problems
        self._report_drafts()

    async def refresh(self) -> bool:
        """Follow the live pointers; rebuild the index when one moved. True if it changed."""
        async with self._refreshing:
            return await self._refresh()

    async def _refresh(self) -> bool:
        live = await self.store.live_versions(KIND)
        if live == self._seen:
            return False
        running = dict(self._running)
        for entry_id in set(running) - set(live):
            del running[entry_id]
        wanted = {entry_id: number for entry_id, number in live.items()
                  if not (entry_id in running and running[entry_id][0] == number)
                  and (entry_id, number) not in self._stored_problems}
        # Many to read (a start): every live version in one query; a pointer moved since ``live``
        # was read is read on its own below.
        fetched = {v.name: v for v in await self.store.live_all(KIND)} if len(wanted) > 1 else {}
        for entry_id, number in wanted.items():
            stored = fetched.get(entry_id)
            if stored is None or stored.version != number:
                stored = await self.store.get(KIND, entry_id, number)
            if stored is None:
                continue
            entry = _ENTRIES.get((entry_id, stored.sha256))
            if entry is None:
                parsed = parse_text(stored.content, stored_source(entry_id, number))
                faults = [str(f) for f in parsed.faults]
                if parsed.entry is not None and parsed.entry.id != entry_id:
                    faults.append(f"{stored_source(entry_id, number)}:1: id {parsed.entry.id!r} is not {entry_id!r}")
                if parsed.entry is None or faults:
                    self._stored_problems[(entry_id, number)] = faults
                    kept = running.get(entry_id)
                    _LOGGER.error("knowledge entry %s version %d cannot run, keeping %s: %s", entry_id, number,
                                  kept[0] if kept else "none", "; ".join(faults[:5]))
                    continue
                entry = _ENTRIES.setdefault((entry_id, stored.sha256), parsed.entry)
            running[entry_id] = (number, stored.sha256, entry)
        self._seen = live   # read through: a failing read above is tried again at the next poll
        key = tuple(sorted((name, sha) for name, (_, sha, _) in running.items()))
        if not running:
            return False
        try:
            index = _INDEXES.get((key, id(self.embedder))) or _INDEXES.get((key, 0)) or await asyncio.to_thread(
                KnowledgeIndex.build, KnowledgeBase(tuple(e for _, _, e in running.values())))
        except Exception:  # noqa: BLE001 - a bad version must not take the running index down
            _LOGGER.exception("knowledge index not rebuilt; the running one stays")
            return False
        _INDEXES[(key, id(self.embedder) if index.semantic is not None else 0)] = index
        changed = {k: v[0] for k, v in running.items()} != self.versions
        self._running, self.index = running, index
        if self.embedder is not None and index.semantic is None and index.semantic_problem is None:
            self._embedding = asyncio.create_task(self._embed(key, index, self.embedder))
        self.versions = {k: v[0] for k, v in running.items()}
        if changed:
            _LOGGER.info("knowledge base loaded: %d entries from the live versions", len(index.kb.entries))
        self._report_drafts()
        return changed

    async def _embed(self, key: tuple[tuple[str, str], ...], index: KnowledgeIndex, embedder: Embedder) -> None:
        checked = await asyncio.to_thread(index.with_semantic, embedder)
        if checked.semantic is not None:
            _INDEXES[(key, id(embedder))] = checked
        else:
            _LOGGER.error("knowledge search without its semantic check, lexical only (degraded): %s",
                          checked.semantic_problem)
        if self.index is index:  # not replaced by a newer version meanwhile
            self.index = checked

    @property
    def semantic_pending(self) -> bool:
        """The entries are being embedded; the lexical index answers until then."""
        return self._embedding is not None and not self._embedding.done()

    async def semantic_ready(self) -> None:
        """Wait until the running index has its embeddings (or failed to get them)."""
        while self._embedding is not None and not self._embedding.done():
            await asyncio.shield(self._embedding)

    def _report_drafts(self) -> None:
        """Say, once per content, when a file differs from what callers hear."""
        drafts = {}
        for entry_id, (source, sha) in self._files.items():
            live = self._running.get(entry_id)
            if live is None or live[1] == sha:
                continue
            drafts[entry_id] = (f"{source} differs from live version {live[0]}: a draft, not heard by callers "
                                f"until reviewed (callcenter kb draft {source} --by NAME)")
            if (entry_id, sha) not in self._told:
                self._told.add((entry_id, sha))
                _LOGGER.warning("knowledge entry %s: %s", entry_id, drafts[entry_id])
        self.drafts = drafts
