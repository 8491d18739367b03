"""The flows the server runs: loaded from a folder, versioned, reloaded on change.

A file that fails its checks is never loaded: its previous valid version keeps running and the
faults are logged as ``file:line: reason``. Calls in progress keep the version they started on.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from callcenter.flows.loader import FlowError, FlowProblem, parse_flow, read_flow_text
from callcenter.flows.model import Flow

_LOGGER = logging.getLogger(__name__)

# (flow_id, sha256, source text, path) -> version number, recorded durably.
# Not a flow: the opening hours kept beside the flows (callcenter.hours).
NOT_FLOWS = frozenset({"hours.yaml"})
VersionRecorder = Callable[[str, str, str, str], Awaitable[int]]
# (flow_id, version) -> (source text, path) of a version this process has not loaded.
SourceLookup = Callable[[str, int], Awaitable[tuple[str, str] | None]]


def flow_files(folder: Path) -> list[Path]:
    """The flow files of a folder: every ``*.yaml`` but the opening hours."""
    return sorted(p for p in folder.glob("*.yaml") if p.name not in NOT_FLOWS)


class FlowCatalog:
    """Current flow per id, plus every version seen, for calls that started on an older one."""

    def __init__(self, folder: Path, record_version: VersionRecorder, lookup_source: SourceLookup) -> None:
        self.folder = folder
        self._record_version = record_version
        self._lookup_source = lookup_source
        self._current: dict[str, Flow] = {}
        self._versions: dict[tuple[str, int], Flow] = {}
        self._mtimes: dict[Path, float] = {}
        self.problems: list[FlowProblem] = []

    def current(self, flow_id: str) -> Flow | None:
        return self._current.get(flow_id)

    def ids(self) -> list[str]:
        return sorted(self._current)

    async def version(self, flow_id: str, version: int) -> Flow | None:
        """A given version of a flow, read back from storage if this process never loaded it."""
        flow = self._versions.get((flow_id, version))
        if flow is not None:
            return flow
        found = await self._lookup_source(flow_id, version)
        if found is None:
            return None
        source, path = found
        flow = dataclasses.replace(parse_flow(source, path), version=version)
        self._versions[(flow_id, version)] = flow
        return flow

    def changed(self) -> bool:
        """Whether any flow file was added, removed or modified since the last load."""
        files = {p: p.stat().st_mtime for p in flow_files(self.folder)}
        return files != self._mtimes

    async def reload(self) -> list[FlowProblem]:
        """Load every valid file; keep the running version of any file that fails its checks."""
        problems: list[FlowProblem] = []
        files = flow_files(self.folder)
        self._mtimes = {p: p.stat().st_mtime for p in files}
        for path in files:
            try:
                source = read_flow_text(path)
                flow = parse_flow(source, str(path), expected_id=path.stem)
            except FlowError as exc:
                problems.extend(exc.problems)
                kept = self._current.get(path.stem)
                for problem in exc.problems:
                    _LOGGER.error("flow refused: %s", problem)
                if kept is not None:
                    _LOGGER.warning("flow %s: keeping version %d", kept.id, kept.version)
                continue
            previous = self._current.get(flow.id)
            if previous is not None and previous.source_sha256 == flow.source_sha256:
                continue
            version = await self._record_version(flow.id, flow.source_sha256, source, str(path))
            flow = dataclasses.replace(flow, version=version)
            self._current[flow.id] = flow
            self._versions[(flow.id, version)] = flow
            _LOGGER.info("flow %s version %d loaded from %s", flow.id, version, path.name)
        self.problems = problems
        return problems

