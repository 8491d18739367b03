"""Telephone audio: G.711 mu-law to and from PCM16, stateful 8 -> 16 kHz resampling, frame energy.

``audioop`` is gone in Python 3.13, so mu-law uses lookup tables built once from the G.711
formulas, and resampling is a small polyphase FIR filter whose history is carried from one chunk to
the next: chunk boundaries leave no clicks, and cutting a stream anywhere gives the same samples.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Int16Array = npt.NDArray[np.int16]
TELEPHONE_RATE = 8000

_BIAS = 0x84
_CLIP = 32635


def _ulaw_decode_table() -> Int16Array:
    # The G.711 expansion, checked identical to audioop.ulaw2lin for all 256 codes.
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    magnitude = (((codes & 0x0F) << 3) + _BIAS) << ((codes & 0x70) >> 4)
    return np.where(codes & 0x80, _BIAS - magnitude, magnitude - _BIAS).astype(np.int16)


def _ulaw_encode_table() -> npt.NDArray[np.uint8]:
    # Indexed by the int16 sample seen as uint16, so encoding is one fancy-indexing lookup.
    samples = np.arange(65536, dtype=np.int32)
    samples = np.where(samples >= 32768, samples - 65536, samples)
    sign = np.where(samples < 0, 0x80, 0)
    magnitude = np.minimum(np.abs(samples), _CLIP) + _BIAS
    top = magnitude >> 7  # 1..255 after the bias
    exponent = np.floor(np.log2(np.maximum(top, 1))).astype(np.int32)
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    table: npt.NDArray[np.uint8] = (~(sign | (exponent << 4) | mantissa) & 0xFF).astype(np.uint8)
    return table


ULAW_DECODE: Int16Array = _ulaw_decode_table()
ULAW_ENCODE: npt.NDArray[np.uint8] = _ulaw_encode_table()


def ulaw_to_pcm16(payload: bytes) -> Int16Array:
    """Decode headerless mu-law bytes (Twilio's media payload) into 16-bit samples."""
    return ULAW_DECODE[np.frombuffer(payload, dtype=np.uint8)]


def pcm16_to_ulaw(samples: Int16Array | bytes) -> bytes:
    """Encode 16-bit samples (an array, or little-endian bytes) into mu-law bytes."""
    array = np.frombuffer(samples, dtype="<i2") if isinstance(samples, bytes) else samples
    return ULAW_ENCODE[array.astype(np.int16).view(np.uint16)].tobytes()


def energy_dbfs(samples: Int16Array) -> float:
    """RMS level of ``samples`` in dB relative to full scale (-100 for digital silence)."""
    if samples.size == 0:
        return -100.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return max(-100.0, 20.0 * float(np.log10(rms / 32768.0 + 1e-10)))


def _lowpass(factor: int, taps_per_phase: int) -> npt.NDArray[np.float64]:
    """Kaiser-windowed sinc cutting at the input's Nyquist frequency, gain ``factor``."""
    length = factor * taps_per_phase
    n = np.arange(length) - (length - 1) / 2.0
    # A little under the input Nyquist, so the image above it is well attenuated.
    cutoff = 0.92 / (2.0 * factor)
    taps: npt.NDArray[np.float64] = 2.0 * cutoff * np.sinc(2.0 * cutoff * n) * np.kaiser(length, 8.0)
    scaled: npt.NDArray[np.float64] = taps * (factor / taps.sum())
    return scaled


class Upsampler:
    """Stateful integer-ratio upsampler (8 kHz telephone audio to a 16 kHz model, by default).

    Feed chunks of any size in order; the filter history crosses chunk boundaries, so the output
    is the same as resampling the whole stream at once. The output lags the input by a fixed
    ``delay`` (in output samples, half-integer for an even filter length): the group delay.
    """

    def __init__(self, source_rate: int = TELEPHONE_RATE, target_rate: int = 16000,
                 taps_per_phase: int = 24) -> None:
        if target_rate % source_rate:
            raise ValueError(f"cannot upsample {source_rate} Hz to {target_rate} Hz: not an integer ratio")
        self.factor = target_rate // source_rate
        if self.factor < 1:
            raise ValueError("Upsampler only raises the rate")
        taps = _lowpass(self.factor, taps_per_phase) if self.factor > 1 else np.ones(1)
        # Phase p of the output uses every factor-th tap, reversed for np.convolve's orientation.
        self._phases = [taps[p::self.factor] for p in range(self.factor)]
        self._history = np.zeros(len(self._phases[0]) - 1, dtype=np.float64)
        self.delay: float = (len(taps) - 1) / 2.0

    def process(self, samples: Int16Array) -> Int16Array:
        """Resample one chunk; returns ``factor`` output samples per input sample."""
        if self.factor == 1:
            return samples.astype(np.int16, copy=True)
        extended = np.concatenate((self._history, samples.astype(np.float64)))
        if self._history.size:
            self._history = extended[-self._history.size:]
        out = np.empty(samples.size * self.factor, dtype=np.float64)
        for phase, taps in enumerate(self._phases):
            out[phase::self.factor] = np.convolve(extended, taps, mode="valid")
        return np.clip(np.rint(out), -32768, 32767).astype(np.int16)
