"""Everything a flow file goes through before it may be published: the checks of ``flows
validate`` (faults), the lints (warnings), and its test cases (docs/flows.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from callcenter.flows.lints import lint_flow
from callcenter.flows.loader import FlowError, parse_flow, read_flow_text
from callcenter.flows.model import Flow
from callcenter.flows.testcases import TestCaseError, load_suite, tests_path
from callcenter.flows.testrun import run_suite
from callcenter.ivr.engine import IvrEngine

EngineFactory = Callable[[Flow], IvrEngine]


@dataclass(frozen=True)
class Checked:
    """The outcome: the flow and its text when it may be published, and every line to print."""

    flow: Flow | None
    text: str | None
    messages: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.flow is not None


def run_tests(suite_path: Path, flow: Flow, make_engine: EngineFactory) -> tuple[bool, list[str]]:
    """Run the test cases in ``suite_path`` on ``flow``: (all passed, lines to print)."""
    if not suite_path.is_file():
        return True, [f"{flow.path}:1: warning: no test cases ({suite_path.name} not found)"]
    try:
        suite = load_suite(suite_path)
    except TestCaseError as exc:
        return False, [str(p) for p in exc.problems]
    if suite.flow != flow.id:
        return False, [f"{suite_path}:1: test cases of flow {suite.flow!r}, not {flow.id!r}"]
    results = run_suite(make_engine(flow), suite)
    failed = [str(f) for r in results for f in r.faults()]
    passed = sum(r.ok for r in results)
    return not failed, [*failed, f"{suite_path}: {passed} of {len(results)} test cases passed"]


def check_text(text: str, name: str, expected_id: str | None, suite_path: Path,
               make_engine: EngineFactory) -> Checked:
    """Faults refuse the text, and so does any failing test case; warnings do not."""
    try:
        flow = parse_flow(text, name, expected_id=expected_id)
    except FlowError as exc:
        return Checked(None, None, tuple(str(p) for p in exc.problems))
    warnings = [str(w) for w in lint_flow(flow)]
    passed, lines = run_tests(suite_path, flow, make_engine)
    return Checked(flow if passed else None, text if passed else None, (*warnings, *lines))


def check_before_publish(path: Path, make_engine: EngineFactory) -> Checked:
    """A flow file as ``flows publish`` checks it: its id must match the file name, its test
    cases are the ``NAME.tests.yaml`` beside it."""
    try:
        text = read_flow_text(path)
    except FlowError as exc:
        return Checked(None, None, tuple(str(p) for p in exc.problems))
    return check_text(text, str(path), path.stem, tests_path(path), make_engine)
