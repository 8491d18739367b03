"""Self-hosted speech: Twilio Media Streams in, transcripts out (Vosk, on our own servers).

Layers, bottom up: ``audio`` (mu-law, resampling), ``protocol`` (Media Streams messages),
``stream_token`` (binds a stream to its call), ``segmenter`` (voice-activity gate and end of
utterance, pure), ``recognizer``/``vosk_engine`` (the engine interface and Vosk behind it),
``backlog``/``pool``/``transcriber`` (one call's recognition off the event loop), ``session``
(one Media Stream), ``engine`` (what a server shares), ``models``/``download``/``cli`` (models on
disk). See ``docs/speech.md``.
"""

from __future__ import annotations

from callcenter.speech.audio import Upsampler, pcm16_to_ulaw, ulaw_to_pcm16
from callcenter.speech.download import pull_model
from callcenter.speech.engine import SpeechEngine
from callcenter.speech.errors import (
    MalformedMessage,
    ModelError,
    RecognizerError,
    SpeechError,
    StreamProtocolError,
    StreamTokenError,
    UnsupportedStream,
)
from callcenter.speech.events import (
    AudioDropped,
    FinalTranscript,
    NoSpeech,
    PartialTranscript,
    RecognitionFailed,
    SpeechEvent,
    SpeechStarted,
    Word,
)
from callcenter.speech.models import CATALOGUE, InstalledModel, KnownModel, installed_models, resolve_model
from callcenter.speech.protocol import (
    Connected,
    Dtmf,
    Mark,
    Media,
    Start,
    Stop,
    StreamMessage,
    StreamTracker,
    clear_message,
    mark_message,
    media_message,
    parse_message,
)
from callcenter.speech.recognizer import Recognizer, SpeechModel, Transcript
from callcenter.speech.segmenter import SegmenterConfig
from callcenter.speech.session import StreamSession
from callcenter.speech.settings import SpeechSettings, speech_settings
from callcenter.speech.stream_token import (
    DEFAULT_TTL_SECONDS,
    TOKEN_PARAMETER,
    check_stream_token,
    make_stream_token,
)
from callcenter.speech.transcriber import Transcriber, TranscriberConfig, TranscriberStats

__all__ = [
    "CATALOGUE",
    "DEFAULT_TTL_SECONDS",
    "TOKEN_PARAMETER",
    "AudioDropped",
    "Connected",
    "Dtmf",
    "FinalTranscript",
    "InstalledModel",
    "KnownModel",
    "MalformedMessage",
    "Mark",
    "Media",
    "ModelError",
    "NoSpeech",
    "PartialTranscript",
    "RecognitionFailed",
    "Recognizer",
    "RecognizerError",
    "SegmenterConfig",
    "SpeechEngine",
    "SpeechError",
    "SpeechEvent",
    "SpeechModel",
    "SpeechSettings",
    "SpeechStarted",
    "Start",
    "Stop",
    "StreamMessage",
    "StreamProtocolError",
    "StreamSession",
    "StreamTokenError",
    "StreamTracker",
    "Transcriber",
    "TranscriberConfig",
    "TranscriberStats",
    "Transcript",
    "UnsupportedStream",
    "Upsampler",
    "Word",
    "check_stream_token",
    "clear_message",
    "installed_models",
    "make_stream_token",
    "mark_message",
    "media_message",
    "parse_message",
    "pcm16_to_ulaw",
    "pull_model",
    "resolve_model",
    "speech_settings",
    "ulaw_to_pcm16",
]
