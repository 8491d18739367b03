"""How the server is put together: every piece gets its dependencies when it is built, and the
packages depend inwards (the cores on nothing of the shells, the adapters on nothing of the web)."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
from pathlib import Path
from typing import Any

import callcenter.web.app as wiring
from tests.isolation import imports_in_isolation

WIRING = Path(wiring.__file__)


def _targets(node: ast.AST) -> list[ast.expr]:
    """What an assignment statement assigns to, tuples unpacked."""
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AnnAssign | ast.AugAssign):
        targets = [node.target]
    else:
        return []
    return [e for t in targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]


def _resolve(expr: ast.expr) -> Any:
    """The object a name (or dotted name) of the wiring module stands for, if any."""
    if isinstance(expr, ast.Name):
        return getattr(wiring, expr.id, None)
    if isinstance(expr, ast.Attribute):
        base = _resolve(expr.value)
        return None if base is None else getattr(base, expr.attr, None)
    return None


def _built_in_the_wiring() -> set[type]:
    tree = ast.parse(WIRING.read_text())
    found = {_resolve(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    return {c for c in found if inspect.isclass(c) and c.__module__.startswith("callcenter")
            and not issubclass(c, Exception)}


def test_the_wiring_assigns_no_attribute() -> None:
    """Objects are built with what they need (``app[KEY] = ...`` registers them); none is given a
    dependency afterwards (``desk.executor = ...``)."""
    tree = ast.parse(WIRING.read_text())
    assigned = [f"{WIRING.name}:{t.lineno}: {ast.unparse(t)}" for node in ast.walk(tree)
                for t in _targets(node) if isinstance(t, ast.Attribute)]
    assert assigned == []


def test_what_the_wiring_builds_never_replaces_a_dependency_after_construction() -> None:
    """A class built in the wiring sets what its constructor was given only in ``__init__``; a
    dataclass built there is frozen."""
    built = _built_in_the_wiring()
    # The pieces this issue is about are among them (the test would pass vacuously otherwise).
    names = {c.__name__ for c in built}
    assert {"Dispatcher", "Desk", "CallService", "SpeechBridge", "Ports", "Telephony"} <= names
    late: list[str] = []
    for cls in sorted(built, key=lambda c: c.__name__):
        if dataclasses.is_dataclass(cls):
            if not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
                late.append(f"{cls.__name__} is a dataclass that is not frozen")
            continue
        given = set(inspect.signature(cls.__init__).parameters) - {"self"}
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
        for method in ast.walk(tree):
            if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) or method.name == "__init__":
                continue
            for node in ast.walk(method):
                for target in _targets(node):
                    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and \
                            target.value.id == "self" and target.attr in given:
                        late.append(f"{cls.__name__}.{method.name} sets self.{target.attr}")
    assert late == []


def test_the_dispatcher_knows_no_provider_and_no_web_package() -> None:
    """Twilio, the browser phone and the web pages are ports given to it, never imported."""
    result = imports_in_isolation(
        ["aiohttp", "twilio", "callcenter.web", "callcenter.telephony"],
        ["callcenter.dispatch", "callcenter.dispatch.dispatcher", "callcenter.dispatch.desk_commands",
         "callcenter.dispatch.ivr_commands", "callcenter.calls.service", "callcenter.desk.service"])
    assert result.returncode == 0, result.stderr


def test_the_blocking_really_blocks() -> None:
    """The isolation above fails when a blocked package is imported (else it proves nothing)."""
    result = imports_in_isolation(["twilio"], ["callcenter.telephony.rest"])
    assert result.returncode != 0 and "blocked: twilio" in result.stderr



def test_only_the_dispatcher_runs_the_desk_shells_writes() -> None:
    """The desk's shell returns the commands of what it stores: a caller outside the dispatcher
    would store a step whose commands nobody carries out."""
    writes = {"step", "route_pass", "set_presence", "release_wrapups", "remember_callback_number"}
    root = WIRING.parents[1]
    allowed = {root / "dispatch" / "dispatcher.py", root / "desk" / "service.py"}
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        if path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in writes:
                owner = ast.unparse(node.func.value)
                if owner.endswith(("desk", "DESK]")):
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {ast.unparse(node.func)}")
    assert found == []
