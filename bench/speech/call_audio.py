"""Realistic call audio for the benchmark: Korean sentences with 2-5 s pauses.

Each stream is 8 kHz mu-law, as Twilio sends it. The utterances come from espeak-ng (Debian
package) and are made once per run; each stream orders them and draws its pauses with its own
seed. Two kinds of line: ``silent`` pauses are digital silence (mu-law 0xFF, what a muted or
silence-suppressed VoIP leg delivers), ``hiss`` pauses carry a faint noise (about -68 dBFS, an
analogue line). Kaldi decodes the two very differently: digital silence costs it almost as much
as speech, faint hiss little.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

import numpy as np

from callcenter.speech.audio import TELEPHONE_RATE, pcm16_to_ulaw

SENTENCES = (
    "안녕하세요",
    "네 맞습니다",
    "주소를 변경하고 싶어요",
    "아니요 그게 아니라",
    "오늘 날씨가 좋습니다",
    "전화번호를 알려 드릴게요",
    "여보세요",
    "감사합니다 좋은 하루 되세요",
)
#: The answers of a menu, for the grammar scenario (each one a phrase of the menu's grammar).
MENU_PHRASES = ("네", "아니요", "여보세요", "하나", "둘", "셋")
SPEECH_DB = -45.0  # frames louder than this count as speech when marking where speech ends


@dataclass(frozen=True)
class Utterance:
    """Where one sentence sits in a stream, in ms: ``speech_end_ms`` is its last loud frame."""

    text: str
    start_ms: int
    speech_end_ms: int


@dataclass(frozen=True)
class CallAudio:
    ulaw: bytes
    utterances: tuple[Utterance, ...]

    @property
    def duration_ms(self) -> int:
        return len(self.ulaw) * 1000 // TELEPHONE_RATE


def synthesize(text: str) -> np.ndarray:
    """``text`` spoken by espeak-ng's Korean voice, as 8 kHz 16-bit samples."""
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        raise SystemExit("the benchmark needs espeak-ng and sox: apt-get install -y espeak-ng sox")
    wav = subprocess.run(["espeak-ng", "-v", "ko", "-s", "150", "--stdout", text], check=True,
                         capture_output=True).stdout
    raw = subprocess.run(["sox", "-t", "wav", "-", "-r", str(TELEPHONE_RATE), "-c", "1", "-b", "16", "-e", "signed",
                          "-t", "raw", "-"], input=wav, check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype="<i2").copy()


def _speech_span_ms(samples: np.ndarray) -> tuple[int, int]:
    frame = TELEPHONE_RATE // 50
    frames = samples[: samples.size // frame * frame].reshape(-1, frame).astype(np.float64)
    level = 20 * np.log10(np.sqrt(np.mean(frames ** 2, axis=1)) / 32768 + 1e-10)
    loud = np.flatnonzero(level > SPEECH_DB)
    return int(loud[0]) * 20, (int(loud[-1]) + 1) * 20


def call_audio(sentences: dict[str, np.ndarray], duration_s: float, seed: int, line: str = "silent") -> CallAudio:
    """A stream of about ``duration_s``: pause, sentence, pause, sentence... ending on a pause."""
    rng = np.random.default_rng(seed)
    pieces: list[np.ndarray] = []
    utterances: list[Utterance] = []
    total = 0
    texts = list(sentences)
    while True:
        pause = int(rng.uniform(2.0, 5.0) * TELEPHONE_RATE)
        pieces.append(np.zeros(pause, dtype=np.int16))
        total += pause
        text = texts[int(rng.integers(len(texts)))]
        samples = sentences[text]
        if (total + samples.size) / TELEPHONE_RATE > duration_s - 2.0:
            break
        first_ms, last_ms = _speech_span_ms(samples)
        start_ms = total * 1000 // TELEPHONE_RATE
        utterances.append(Utterance(text, start_ms + first_ms, start_ms + last_ms))
        pieces.append(samples)
        total += samples.size
    pieces.append(np.zeros(2 * TELEPHONE_RATE, dtype=np.int16))
    audio = np.concatenate(pieces).astype(np.float64)
    if line == "hiss":
        audio += rng.normal(0.0, 12.0, audio.size)
    pcm = np.clip(np.rint(audio), -32768, 32767).astype(np.int16)
    return CallAudio(pcm16_to_ulaw(pcm), tuple(utterances))
