"""mu-law both ways and the stateful upsampler."""

from __future__ import annotations

import numpy as np
import pytest

from callcenter.speech.audio import Upsampler, energy_dbfs, pcm16_to_ulaw, ulaw_to_pcm16


def g711_expand(code: int) -> int:
    """The documented formula, written out independently of the table under test."""
    b = ~code & 0xFF
    t = (((b & 0x0F) << 3) + 0x84) << ((b & 0x70) >> 4)
    return (0x84 - t) if b & 0x80 else (t - 0x84)


def test_decode_matches_the_formula_for_every_code() -> None:
    decoded = ulaw_to_pcm16(bytes(range(256)))
    assert decoded.dtype == np.int16
    assert [int(v) for v in decoded] == [g711_expand(c) for c in range(256)]
    assert (decoded[0], decoded[0x7F], decoded[0x80], decoded[0xFF]) == (-32124, 0, 32124, 0)


def test_encode_inverts_decode() -> None:
    codes = bytes(range(256))
    again = pcm16_to_ulaw(ulaw_to_pcm16(codes))
    # 0x7F is "negative zero": it decodes to 0, which encodes as the positive zero 0xFF.
    assert [i for i in range(256) if again[i] != codes[i]] == [0x7F]
    assert again[0x7F] == 0xFF


def test_encode_error_stays_within_the_segment_step() -> None:
    samples = np.arange(-32768, 32768, 7, dtype=np.int32).astype(np.int16)
    back = ulaw_to_pcm16(pcm16_to_ulaw(samples)).astype(np.int32)
    error = np.abs(back - np.clip(samples.astype(np.int32), -32124, 32124))
    # Steps double with each segment: 4 near zero, 1024 at the top (error <= half a step + bias).
    assert np.all(error <= np.maximum(8, np.abs(samples.astype(np.int32)) // 16 + 8))
    assert pcm16_to_ulaw(samples.tobytes()) == pcm16_to_ulaw(samples)  # bytes accepted too


def test_encoding_is_monotonic() -> None:
    samples = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)
    decoded = ulaw_to_pcm16(pcm16_to_ulaw(samples)).astype(np.int32)
    assert np.all(np.diff(decoded) >= 0)


def test_upsampling_in_chunks_equals_upsampling_at_once() -> None:
    rng = np.random.default_rng(7)
    signal = rng.integers(-20000, 20000, 8000).astype(np.int16)
    whole = Upsampler().process(signal)
    chunked_upsampler = Upsampler()
    cuts = np.sort(rng.choice(np.arange(1, signal.size), size=60, replace=False))
    pieces = [chunked_upsampler.process(part) for part in np.split(signal, cuts)]
    chunked = np.concatenate(pieces)
    assert whole.size == chunked.size == 16000
    assert np.max(np.abs(whole.astype(np.int32) - chunked)) <= 1


@pytest.mark.parametrize("frequency", [300, 1000, 2500])
def test_upsampled_tone_is_clean_across_20ms_frames(frequency: int) -> None:
    upsampler = Upsampler()
    t = np.arange(8000) / 8000
    tone = (12000 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)
    out = np.concatenate([upsampler.process(tone[i:i + 160]) for i in range(0, 8000, 160)]).astype(np.float64)
    ideal = 12000 * np.sin(2 * np.pi * frequency * (np.arange(16000) - upsampler.delay) / 16000)
    steady = slice(200, -200)
    snr = 10 * np.log10(np.mean(ideal[steady] ** 2) / np.mean((out[steady] - ideal[steady]) ** 2))
    assert snr > 35
    # The mirror image at 8000 - f, what a naive sample-doubling would leave, is filtered out.
    spectrum = np.abs(np.fft.rfft(out[steady] * np.hanning(out[steady].size)))
    freqs = np.fft.rfftfreq(out[steady].size, 1 / 16000)
    image = spectrum[np.abs(freqs - (8000 - frequency)) < 40].max()
    assert 20 * np.log10(image / spectrum.max()) < -60


def test_upsampler_rate_checks() -> None:
    with pytest.raises(ValueError):
        Upsampler(8000, 11025)
    same = Upsampler(8000, 8000)
    samples = np.array([1, -2, 3], dtype=np.int16)
    assert same.process(samples).tolist() == [1, -2, 3]


def test_energy() -> None:
    assert energy_dbfs(np.zeros(160, dtype=np.int16)) == -100.0
    assert energy_dbfs(np.array([], dtype=np.int16)) == -100.0
    full = np.full(160, 32767, dtype=np.int16)
    assert energy_dbfs(full) == pytest.approx(0.0, abs=0.01)
    assert energy_dbfs(full // 10) == pytest.approx(-20.0, abs=0.05)
