"""The knowledge index, triage rules and opening hours the engine runs with, loaded once and
reloaded on change.

Any may be missing or broken: the server then runs without it (questions go to a person, nobody
is prioritised by the triage, queues are open at any hour but a caller still hears when nobody is
on duty) and says so in the logs and on ``/healthz``, rather than failing calls. A broken edit is
refused and the version in force stays.
"""

from __future__ import annotations

import logging
from pathlib import Path

from callcenter.hours import HoursError, Schedule, load_hours
from callcenter.kb import KnowledgeIndex
from callcenter.kb.catalog import FileKnowledge, KbCatalog
from callcenter.triage import RulesError, SemanticModel, SemanticUnavailable, TriageRules, load_rules, load_semantic

_LOGGER = logging.getLogger(__name__)
# Identical content loads to identical (immutable) objects: share them between app instances.
_RULES: dict[tuple[str, float | None], TriageRules] = {}


def kb_embedder(path: Path | None) -> SemanticModel | None:
    """The sentence encoder of the knowledge search's semantic check: the triage's model, the
    same object the triage uses (``load_semantic`` loads it once per process). None when off or
    missing: the search is then lexical only, and ``/healthz`` says the knowledge is degraded."""
    if path is None:
        return None
    try:
        return load_semantic(path)
    except SemanticUnavailable as exc:
        _LOGGER.error("knowledge search without its semantic check, lexical only (degraded): %s", exc)
        return None


class Cores:
    """Current knowledge index, triage rules and hours, swapped only for versions that load cleanly."""

    def __init__(self, kb: KbCatalog | FileKnowledge, rules_path: Path | None, hours_path: Path | None = None,
                 semantic_path: Path | None = None) -> None:
        # The knowledge index follows the live entry versions of the store (the catalog's poll).
        self.kb = kb
        self.rules_path = rules_path
        self.hours_path = hours_path
        self.semantic_path = semantic_path
        self.triage: TriageRules | None = None
        self.hours: Schedule | None = None
        # The second, semantic detector: loaded once per process (it does not change at run time).
        self.semantic: SemanticModel | None = None
        self._problems: dict[str, list[str]] = {"triage": [], "hours": [], "semantic": []}
        self._rules_mtime: float | None = None
        self._hours_mtime: float | None = None

    @property
    def knowledge(self) -> KnowledgeIndex | None:
        return self.kb.index

    @property
    def problems(self) -> dict[str, list[str]]:
        return {"knowledge": self.kb.problems, **self._problems}

    def load(self) -> None:
        """Load the triage rules, the hours and the semantic model (the knowledge base comes from the
        store, through the catalog); failures are recorded, never raised."""
        self._load_triage()
        self._load_hours()
        self._load_semantic()

    def _load_semantic(self) -> None:
        if self.semantic_path is None:
            _LOGGER.info("semantic triage off: the triage runs on its rules alone")
            return
        try:
            self.semantic = load_semantic(self.semantic_path)
        except SemanticUnavailable as exc:
            self._problems["semantic"] = [str(exc)]
            _LOGGER.error("semantic triage unavailable, rules only (degraded): %s", exc)

    def reload_changed(self) -> None:
        path = self.rules_path
        mtime = path.stat().st_mtime if path is not None and path.exists() else None
        if mtime != self._rules_mtime:
            self._load_triage()
        if self._mtime(self.hours_path) != self._hours_mtime:
            self._load_hours()

    @staticmethod
    def _mtime(path: Path | None) -> float | None:
        return path.stat().st_mtime if path is not None and path.exists() else None

    def _load_hours(self) -> None:
        path = self.hours_path
        self._hours_mtime = self._mtime(path)
        if path is None:
            _LOGGER.warning("no opening hours file: every queue counts as open at any hour")
            return
        try:
            hours = load_hours(path)
        except HoursError as exc:
            self._problems["hours"] = exc.faults
            for fault in exc.faults[:20]:
                _LOGGER.error("opening hours refused: %s", fault)
            if self.hours is None:
                _LOGGER.error("running without opening hours: every queue counts as open at any hour")
            return
        self.hours = hours
        self._problems["hours"] = []
        _LOGGER.info("opening hours loaded for %d queues%s", len(hours.queues),
                     " and a default" if hours.default else "")

    def _load_triage(self) -> None:
        path = self.rules_path
        try:
            self._rules_mtime = path.stat().st_mtime if path is not None and path.exists() else None
            key = (str(path), self._rules_mtime)
            rules = _RULES.get(key) or load_rules(path)
            _RULES[key] = rules
        except (RulesError, OSError) as exc:
            self._problems["triage"] = [str(exc)]
            _LOGGER.error("triage rules refused: %s", exc)
            if self.triage is None:
                _LOGGER.error("running without triage: no caller is prioritised")
            return
        self.triage = rules
        self._problems["triage"] = []
        _LOGGER.info("triage rules version %s loaded", rules.version)
