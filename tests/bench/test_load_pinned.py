"""bench/load.py ``--pin-cpus``: each server on a CPU of its own (the last ones), the client and the
fake Twilio on the rest, and a clear refusal when no CPU would be left for the client."""

from __future__ import annotations

import os

import pytest

from bench import load


def test_the_servers_take_the_last_cpus_and_the_client_the_rest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3})
    assert load.pinned_cpus(1) == ([3], {0, 1, 2})
    assert load.pinned_cpus(2) == ([2, 3], {0, 1})
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {4, 6})     # a process already restricted
    assert load.pinned_cpus(1) == ([6], {4})


def test_no_cpu_left_for_the_client_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    with pytest.raises(SystemExit, match="2 CPUs for 2 server"):
        load.pinned_cpus(2)
