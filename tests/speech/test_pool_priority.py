"""The decoding threads can run below the event loop's OS priority (CALLCENTER_SPEECH_DECODE_NICE;
off by default, docs/speech.md). Checked by reading each thread's priority back from the kernel,
never by timing."""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

import pytest

from callcenter.config import Settings, SettingsError
from callcenter.speech.pool import DEFAULT_NICE, DecodePool
from callcenter.speech.settings import speech_settings

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priority is Linux's")


def thread_nice(tid: int) -> int:
    """A thread's nice value as the kernel has it (/proc/self/task/<tid>/stat, field 19)."""
    stat = Path(f"/proc/self/task/{tid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


def _own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@linux
def test_decoding_threads_run_nicer_than_the_thread_that_made_the_pool() -> None:
    before = _own_nice()
    pool = DecodePool(2, nice=5)
    try:
        # Every thread of the pool, whether or not it took a job yet.
        assert [thread_nice(t.native_id) for t in pool._threads if t.native_id] == [min(19, before + 5)] * 2
        # And the job itself runs at that priority.
        assert pool.submit(lambda: thread_nice(threading.get_native_id())).result(30) == min(19, before + 5)
        # The event loop's thread (here: the test's) keeps its priority.
        assert _own_nice() == before == thread_nice(threading.get_native_id())
    finally:
        pool.shutdown()


@linux
def test_no_nice_keeps_the_priority_of_the_thread_that_made_the_pool() -> None:
    pool = DecodePool(1)
    try:
        assert pool.submit(lambda: thread_nice(threading.get_native_id())).result(30) == _own_nice()
    finally:
        pool.shutdown()


def test_a_refusal_from_the_os_is_logged_once_and_decoding_goes_on(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def refuse(which: int, who: int, value: int) -> None:
        calls.append(who)
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "setpriority", refuse)
    monkeypatch.setattr(sys, "platform", "linux")
    with caplog.at_level(logging.INFO, logger="callcenter.speech.pool"):
        pool = DecodePool(3, nice=10)
        try:
            assert [pool.submit(lambda n=n: n * 2).result(30) for n in range(6)] == [0, 2, 4, 6, 8, 10]
        finally:
            pool.shutdown()
    assert len(calls) == 3                       # every thread tried
    refusals = [r for r in caplog.records if "keep the process's priority" in r.getMessage()]
    assert len(refusals) == 1 and "not permitted" in refusals[0].getMessage()


def test_elsewhere_than_linux_no_thread_id_is_used_as_a_process_id(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    touched: list[int] = []
    monkeypatch.setattr(os, "setpriority", lambda which, who, value: touched.append(who))
    monkeypatch.setattr(sys, "platform", "darwin")
    with caplog.at_level(logging.INFO, logger="callcenter.speech.pool"):
        pool = DecodePool(2, nice=10)
        try:
            assert pool.submit(lambda: "decoded").result(30) == "decoded"
        finally:
            pool.shutdown()
    assert touched == []
    assert sum("needs Linux" in r.getMessage() for r in caplog.records) == 1


def test_nice_out_of_range_is_refused() -> None:
    for bad in (-1, 20):
        with pytest.raises(ValueError, match="nice"):
            DecodePool(1, nice=bad)


def test_the_decode_nice_setting(tmp_path: Path) -> None:
    base = {"CALLCENTER_DATA_DIR": str(tmp_path)}
    # Off by default: measured, niced decoding threads did not keep the event loop more punctual.
    assert speech_settings(Settings.from_env(base)).decode_nice == DEFAULT_NICE == 0
    assert speech_settings(Settings.from_env({**base, "CALLCENTER_SPEECH_DECODE_NICE": "10"})).decode_nice == 10
    assert speech_settings(Settings.from_env({**base, "CALLCENTER_SPEECH_DECODE_NICE": "19"})).decode_nice == 19
    for bad in ("20", "-1", "x"):
        with pytest.raises(SettingsError, match="SPEECH_DECODE_NICE"):
            speech_settings(Settings.from_env({**base, "CALLCENTER_SPEECH_DECODE_NICE": bad}))
