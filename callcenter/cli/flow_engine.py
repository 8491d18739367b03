"""The engine a flow's test cases run on from the command line: the knowledge base, triage rules
and opening hours the server would use (hours beside the flow file when there are some)."""

from __future__ import annotations

from pathlib import Path

from callcenter.calls.cores import Cores, kb_embedder
from callcenter.config import Settings
from callcenter.flows.checks import EngineFactory
from callcenter.flows.model import Flow
from callcenter.hours import HOURS_FILE
from callcenter.ivr.engine import IvrEngine
from callcenter.kb.catalog import FileKnowledge


def engine_factory(flow_path: Path) -> EngineFactory:
    """Loads the cores once, on first use (a file with faults never needs them)."""
    loaded: list[Cores] = []

    def make(flow: Flow) -> IvrEngine:
        if not loaded:
            settings = Settings.from_env()
            beside = flow_path.parent / HOURS_FILE
            hours = beside if beside.is_file() else settings.hours_file
            knowledge = FileKnowledge(settings.kb_dir, kb_embedder(settings.kb_search.semantic_model))
            cores = Cores(knowledge, settings.triage_rules, hours, settings.semantic_model)
            cores.load()
            loaded.append(cores)
        cores = loaded[0]
        return IvrEngine(flow, cores.knowledge, cores.triage, cores.hours, cores.semantic)

    return make
