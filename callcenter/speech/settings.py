"""The speech settings, read from :class:`callcenter.config.Settings`.

Until ``config.py`` has fields of its own for them, the ``CALLCENTER_*`` variables below arrive in
``Settings.extra`` and are parsed here, failing fast like every other setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from callcenter.config import PREFIX, Settings, SettingsError
from callcenter.speech.models import DEFAULT_MODELS_URL
from callcenter.speech.pool import DEFAULT_NICE
from callcenter.speech.segmenter import SegmenterConfig
from callcenter.speech.transcriber import TranscriberConfig

# Menu answers final 0.08 s sooner at p90 than with the models' own 20 frames (docs/speech.md).
DEFAULT_CHUNK_FRAMES = 12


@dataclass(frozen=True)
class SpeechSettings:
    """``vosk_model``: a model name or folder (unset: no self-hosted speech)."""

    vosk_model: str | None
    models_dir: Path
    models_url: str
    workers: int | None
    end_silence_ms: int
    #: Streams recognised at once in this process (unset: 3 per decoding thread).
    max_streams: int | None = None
    #: Silence that ends a menu answer already recognised as a complete phrase.
    complete_silence_ms: int = 250
    #: Models of a flow's other languages, by language code (``CALLCENTER_VOSK_MODELS``);
    #: ``vosk_model`` is the first language's. A language without one: Twilio's recognition.
    vosk_models: Mapping[str, str] = field(default_factory=dict)
    #: Recognisers prepared at start-up (unset: one per stream place; 0: none).
    warm: int | None = None
    #: Kaldi's ``frames-per-chunk`` for our models (callcenter/speech/chunking.py; 0: the model's own).
    chunk_frames: int | None = DEFAULT_CHUNK_FRAMES
    #: How much nicer (OS scheduling priority) the decoding threads run than the event loop (0 to 19; 0: same).
    decode_nice: int = DEFAULT_NICE

    def transcriber_config(self) -> TranscriberConfig:
        """Per-call tuning for ``SpeechEngine(..., config=...)``."""
        return TranscriberConfig(segmenter=SegmenterConfig(end_silence_ms=self.end_silence_ms,
                                                           complete_silence_ms=self.complete_silence_ms))


def _positive(name: str, raw: str | None, default: int | None) -> int | None:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}={raw!r}: expected an integer") from None
    if value < 1:
        raise SettingsError(f"{PREFIX}{name}={raw!r}: must be at least 1")
    return value


def _models(raw: str) -> dict[str, str]:
    """``en=vosk-model-small-en-us-0.15,de=/srv/models/de``: a language code, a model name or folder."""
    found: dict[str, str] = {}
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        code, _, model = item.partition("=")
        if len(code.strip()) != 2 or not code.strip().isalpha() or not model.strip():
            raise SettingsError(f"{PREFIX}VOSK_MODELS={raw!r}: expected code=model, e.g. "
                                "'en=vosk-model-small-en-us-0.15'")
        found[code.strip().lower()] = model.strip()
    return found


def _count(name: str, raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name}={raw!r}: expected an integer") from None
    if value < 0:
        raise SettingsError(f"{PREFIX}{name}={raw!r}: must be 0 or more")
    return value


def speech_settings(settings: Settings) -> SpeechSettings:
    """Speech settings from ``settings`` (``CALLCENTER_VOSK_MODEL``, ``_MODELS_DIR``...)."""
    extra = settings.extra
    models_url = extra.get(PREFIX + "VOSK_MODELS_URL") or DEFAULT_MODELS_URL
    if not models_url.startswith(("http://", "https://")):
        raise SettingsError(f"{PREFIX}VOSK_MODELS_URL={models_url!r}: expected an http(s) URL")
    end_silence = _positive("SPEECH_END_SILENCE_MS", extra.get(PREFIX + "SPEECH_END_SILENCE_MS"), 700)
    if end_silence is None or end_silence < 300:
        raise SettingsError(f"{PREFIX}SPEECH_END_SILENCE_MS={end_silence}: at least 300 ms (shorter cuts callers "
                            "off in mid-sentence)")
    complete_silence = _positive("SPEECH_COMPLETE_SILENCE_MS", extra.get(PREFIX + "SPEECH_COMPLETE_SILENCE_MS"), 250)
    if complete_silence is None or not 150 <= complete_silence <= end_silence:
        raise SettingsError(f"{PREFIX}SPEECH_COMPLETE_SILENCE_MS={complete_silence}: from 150 ms (a shorter silence "
                            f"is a pause between syllables) to SPEECH_END_SILENCE_MS ({end_silence} ms)")
    return SpeechSettings(
        vosk_model=extra.get(PREFIX + "VOSK_MODEL") or None,
        models_dir=Path(extra.get(PREFIX + "MODELS_DIR") or settings.data_dir / "models").resolve(),
        models_url=models_url.rstrip("/"),
        workers=_positive("SPEECH_WORKERS", extra.get(PREFIX + "SPEECH_WORKERS"), None),
        max_streams=_positive("SPEECH_MAX_STREAMS", extra.get(PREFIX + "SPEECH_MAX_STREAMS"), None),
        end_silence_ms=end_silence,
        complete_silence_ms=complete_silence,
        vosk_models=_models(extra.get(PREFIX + "VOSK_MODELS") or ""),
        warm=_count("SPEECH_WARM", extra.get(PREFIX + "SPEECH_WARM")),
        chunk_frames=_chunk_frames(extra.get(PREFIX + "SPEECH_CHUNK_FRAMES")),
        decode_nice=_decode_nice(extra.get(PREFIX + "SPEECH_DECODE_NICE")),
    )


def _decode_nice(raw: str | None) -> int:
    nice = _count("SPEECH_DECODE_NICE", raw)
    if nice is None:
        return DEFAULT_NICE
    if nice > 19:
        raise SettingsError(f"{PREFIX}SPEECH_DECODE_NICE={raw!r}: 0 (the process's priority) to 19")
    return nice


def _chunk_frames(raw: str | None) -> int | None:
    frames = _count("SPEECH_CHUNK_FRAMES", raw)
    if frames is None:
        return DEFAULT_CHUNK_FRAMES
    if frames == 0:
        return None
    if not 3 <= frames <= 60:
        raise SettingsError(f"{PREFIX}SPEECH_CHUNK_FRAMES={raw!r}: 0 (the model's own) or 3 to 60 frames of 10 ms")
    return frames
