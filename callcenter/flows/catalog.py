"""The flows the server runs: the live versions of the version store, followed within seconds.

The store is the truth about what callers hear (docs/flows.md). A flow the store has never seen
is imported from its file in the flows folder as version 1; afterwards a file that differs from
the live version is a draft: logged, never run, until someone publishes it. Every process polls
the live pointers (one small query) and switches new calls to a newly live version; calls in
progress keep the version they started on.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from callcenter.flows.loader import FlowError, FlowProblem, parse_flow, read_flow_text
from callcenter.flows.model import Flow
from callcenter.versions import VersionStore

_LOGGER = logging.getLogger(__name__)

KIND = "flow"
# Not flows: the opening hours kept beside the flows (callcenter.hours), and test cases.
NOT_FLOWS = frozenset({"hours.yaml"})
TESTS_SUFFIX = ".tests.yaml"


def flow_files(folder: Path) -> list[Path]:
    """The flow files of a folder: every ``*.yaml`` but the opening hours and the test cases."""
    return sorted(p for p in folder.glob("*.yaml") if p.name not in NOT_FLOWS and not p.name.endswith(TESTS_SUFFIX))


def stored_name(flow_id: str, version: int) -> str:
    """How a stored version is named in messages (it has no file)."""
    return f"{flow_id}.yaml@v{version}"


class FlowCatalog:
    """Live flow per id, plus every version seen, for calls that started on an older one."""

    def __init__(self, folder: Path, store: VersionStore) -> None:
        self.folder = folder
        self.store = store
        self._current: dict[str, Flow] = {}
        self._versions: dict[tuple[str, int], Flow] = {}
        self._mtimes: dict[Path, float] = {}
        # Faults of the files on disk, and the files that differ from the live version (drafts).
        self.problems: list[FlowProblem] = []
        self.drafts: dict[str, str] = {}
        self._told: set[tuple[str, str]] = set()   # (flow id, sha256) of drafts already logged
        self._unrunnable: set[tuple[str, int]] = set()
        self._files: dict[str, str] = {}  # flow id -> sha256 of its valid file

    def current(self, flow_id: str) -> Flow | None:
        return self._current.get(flow_id)

    def ids(self) -> list[str]:
        return sorted(self._current)

    async def version(self, flow_id: str, version: int) -> Flow | None:
        """A given version of a flow, read back from the store if this process never loaded it."""
        flow = self._versions.get((flow_id, version))
        if flow is not None:
            return flow
        stored = await self.store.get(KIND, flow_id, version)
        if stored is None:
            return None
        return self._remember(parse_flow(stored.content, stored_name(flow_id, version)), version)

    def _remember(self, flow: Flow, version: int) -> Flow:
        flow = dataclasses.replace(flow, version=version)
        self._versions[(flow.id, version)] = flow
        return flow

    def changed(self) -> bool:
        """Whether any flow file was added, removed or modified since the files were last read."""
        files = {p: p.stat().st_mtime for p in flow_files(self.folder)}
        return files != self._mtimes

    async def reload(self) -> list[FlowProblem]:
        """Read the files (importing flows the store has never seen), then follow the live versions."""
        problems = await self.check_files()
        await self.refresh()
        self._report_drafts()
        return problems

    async def check_files(self) -> list[FlowProblem]:
        """Check every file; import the valid ones the store has no version of. A file with faults
        is logged and listed in ``problems``; it never reaches a call."""
        problems: list[FlowProblem] = []
        files = flow_files(self.folder)
        self._mtimes = {p: p.stat().st_mtime for p in files}
        known = await self.store.live_versions(KIND)
        self._files = {}
        for path in files:
            try:
                source = read_flow_text(path)
                flow = parse_flow(source, str(path), expected_id=path.stem)
            except FlowError as exc:
                problems.extend(exc.problems)
                for problem in exc.problems:
                    _LOGGER.error("flow refused: %s", problem)
                kept = self._current.get(path.stem)
                if kept is not None:
                    _LOGGER.warning("flow %s: keeping version %d", kept.id, kept.version)
                continue
            self._files[flow.id] = flow.source_sha256
            if flow.id not in known:
                imported = await self.store.import_first(KIND, flow.id, source,
                                                         comment=f"imported from {self.folder.name}/{path.name}")
                if imported is not None:
                    _LOGGER.info("flow %s: imported from %s as version 1", flow.id, path)
        self.problems = problems
        return problems

    async def refresh(self) -> bool:
        """Follow the live pointers: load any version made live since the last look. True if any
        flow changed. A stored version that no longer loads is logged and the running one kept."""
        changed = False
        for flow_id, number in (await self.store.live_versions(KIND)).items():
            running = self._current.get(flow_id)
            if running is not None and running.version == number:
                continue
            try:
                flow = await self.version(flow_id, number)
            except FlowError as exc:
                if (flow_id, number) not in self._unrunnable:   # said once, not at every poll
                    self._unrunnable.add((flow_id, number))
                    _LOGGER.error("flow %s version %d cannot run, keeping %s: %s", flow_id, number,
                                  running.version if running else "none", exc.message)
                continue
            if flow is None:
                continue
            self._current[flow_id] = flow
            changed = True
            _LOGGER.info("flow %s: version %d is live", flow_id, number)
        if changed:
            self._report_drafts()
        return changed

    def _report_drafts(self) -> None:
        """Say, once per content, when a file differs from what callers hear."""
        drafts = {}
        for flow_id, sha in self._files.items():
            live = self._current.get(flow_id)
            if live is None or live.source_sha256 == sha:
                continue
            path = self.folder / f"{flow_id}.yaml"
            drafts[flow_id] = (f"{path} differs from live version {live.version}: a draft, not heard by "
                               f"callers until published (callcenter flows publish {path})")
            if (flow_id, sha) not in self._told:
                self._told.add((flow_id, sha))
                _LOGGER.warning("flow %s: %s", flow_id, drafts[flow_id])
        self.drafts = drafts

