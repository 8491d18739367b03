"""The Vosk (Kaldi) implementation of :mod:`callcenter.speech.recognizer`.

Pitfalls of vosk 0.3.45 handled here:
- ``Model(lang=...)`` downloads or calls ``sys.exit``: only ``model_path`` is ever used.
- Grammars need ``graph/HCLr.fst`` + ``graph/Gr.fst``; other models ignore them silently, so the
  model says whether it can, and phrases with unknown words are left out (Vosk would drop the
  word and keep a broken phrase).
- Vosk's JSON reader does not decode ``\\uXXXX`` escapes: grammars are written with
  ``ensure_ascii=False`` or non-ASCII phrases silently match nothing.
- ``AcceptWaveform`` returns 1 at Vosk's own endpoint; the words so far are collected then, and
  the utterance still ends when *our* segmenter says so.
- A recogniser of a small model composes its decoding graph (``HCLr`` with ``Gr``) lazily and
  caches what it has expanded: its first sentences cost about 1 s of CPU per second of speech,
  later ones 0.1-0.2 s. Free-speech recognisers are therefore kept when a call ends and handed to
  the next call (at most ``max_idle`` of them), instead of starting cold for every call. The
  online i-vector (speaker adaptation) state carries over too; it re-adapts within seconds and
  Vosk rebuilds it every 200 s of audio. A kept recogniser is retired after ``max_calls`` calls,
  so its cache cannot grow without bound.
"""

from __future__ import annotations

import collections
import json
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from callcenter.speech.errors import ModelError, RecognizerError
from callcenter.speech.events import Word
from callcenter.speech.recognizer import Recognizer, SpeechModel, Transcript

UNKNOWN_WORD = "[unk]"
_RATE = re.compile(r"^--sample-frequency=(\d+)", re.MULTILINE)


def looks_like_model(path: Path) -> bool:
    """A Vosk model folder has an acoustic model and its configuration."""
    return (path / "am" / "final.mdl").is_file() and (path / "conf" / "model.conf").is_file()


def model_sample_rate(path: Path) -> int:
    """The rate the model's features are computed at (Kaldi's default 16 kHz when unset)."""
    conf = path / "conf" / "mfcc.conf"
    match = _RATE.search(conf.read_text(encoding="utf-8")) if conf.is_file() else None
    return int(match.group(1)) if match else 16000


def supports_grammar(path: Path) -> bool:
    """Runtime grammars need the split graph of small and ``-lgraph`` models."""
    return (path / "graph" / "HCLr.fst").is_file() and (path / "graph" / "Gr.fst").is_file()


class VoskRecognizer(Recognizer):
    """One ``KaldiRecognizer`` with word confidences on."""

    def __init__(self, recognizer: Any, *, reusable: bool = False,
                 phrases: tuple[str, ...] | None = None) -> None:
        self._rec = recognizer
        self.reusable = reusable
        self.phrases = phrases  # the grammar (usable phrases), None for free speech
        self.calls = 0   # calls it served (a kept recogniser serves several)
        self._rec.SetWords(True)
        self._words: list[Word] = []

    def accept(self, pcm16: bytes) -> str:
        try:
            endpoint = self._rec.AcceptWaveform(pcm16)
        except Exception as exc:  # vosk raises a bare Exception("Failed to process waveform")
            raise RecognizerError(f"vosk: {exc}") from exc
        if endpoint:
            self._collect(self._rec.Result())
            return " ".join(w.word for w in self._words)
        partial = json.loads(self._rec.PartialResult()).get("partial", "")
        words = [w.word for w in self._words] + [w for w in partial.split() if w != UNKNOWN_WORD]
        return " ".join(words)

    def finish(self) -> Transcript:
        self._collect(self._rec.FinalResult())
        words, self._words = tuple(self._words), []
        return Transcript(" ".join(w.word for w in words), words)

    def close(self) -> None:
        self._rec = None

    def _collect(self, result_json: str) -> None:
        result = json.loads(result_json)
        for item in result.get("result", ()):
            if item.get("word") and item["word"] != UNKNOWN_WORD:
                self._words.append(Word(str(item["word"]), float(item.get("conf", 0.0)),
                                        float(item.get("start", 0.0)), float(item.get("end", 0.0))))


# A kept recogniser's graph cache keeps growing a little with each call (about 1 MB here,
# bench/stream_memory.py); retired after this many calls, it cannot grow without bound, and a new
# one is warm again within a few calls.
MAX_CALLS_PER_RECOGNIZER = 50
MAX_GRAMMARS_PER_MENU = 4
DEFAULT_MAX_IDLE = 8
MAX_MENUS_KEPT = 64


# Native models loaded in this process, by what their folder holds: a Kaldi model is read-only once
# loaded (recognisers keep their own state), a few hundred MB and seconds to load, so engines on
# the same model (a server rebuilt in the same process, every in-process test server, each with
# its own tuned folder of links, see chunking.py) share it. The key is each part's real file and
# its size, inode and time, and the configuration's text: a model pulled again, or a chunk size
# changed, is loaded anew. A few are kept (a server has one per language), the oldest dropped.
_NATIVE: collections.OrderedDict[tuple[Any, ...], Any] = collections.OrderedDict()
_NATIVE_KEPT = 4
_NATIVE_LOCK = threading.Lock()


def _identity(path: Path) -> tuple[Any, ...]:
    parts: list[tuple[Any, ...]] = []
    for part in sorted(path.iterdir()):
        if part.name == "conf":
            parts.extend((part.name, conf.name, conf.read_bytes())
                         for conf in sorted(part.iterdir()) if conf.is_file())
        else:
            real = part.resolve()
            stat = real.stat()
            parts.append((part.name, str(real), stat.st_ino, stat.st_size, stat.st_mtime_ns))
    final = (path / "am" / "final.mdl").resolve()
    stat = final.stat()
    return (*parts, (str(final), stat.st_ino, stat.st_size, stat.st_mtime_ns))


def _native_model(vosk: Any, path: Path) -> Any:
    try:
        key = _identity(path)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model folder ({exc})") from exc
    with _NATIVE_LOCK:
        model = _NATIVE.get(key)
        if model is None:
            vosk.SetLogLevel(-1)
            try:
                model = vosk.Model(model_path=str(path))
            except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
                raise ModelError(f"{path}: vosk could not load the model ({exc})") from exc
            _NATIVE[key] = model
            while len(_NATIVE) > _NATIVE_KEPT:
                _NATIVE.popitem(last=False)
        _NATIVE.move_to_end(key)
        return model


class VoskModel(SpeechModel):
    """A Vosk model loaded from a folder, shared by all calls (loading takes seconds: do it once)."""

    def __init__(self, path: Path | str, *, max_idle: int = DEFAULT_MAX_IDLE,
                 max_calls: int = MAX_CALLS_PER_RECOGNIZER) -> None:
        self.path = Path(path)
        self.max_idle = max_idle
        self.max_calls = max_calls
        self._idle: list[VoskRecognizer] = []
        # Grammar recognisers by phrase set: cheap to make (under 1 ms here), but one per menu is
        # kept ready so a call's first menu answer never waits for one.
        self._grammar_idle: dict[tuple[str, ...], list[VoskRecognizer]] = {}
        self._idle_lock = threading.Lock()
        if not looks_like_model(self.path):
            raise ModelError(f"{self.path}: not a Vosk model folder (no am/final.mdl or conf/model.conf)")
        import vosk  # here: the rest of the package needs no native library

        self._vosk = vosk
        self._model = _native_model(vosk, self.path)
        self.sample_rate = model_sample_rate(self.path)
        self.grammar_capable = supports_grammar(self.path)
        self._has_unknown = self._model.vosk_model_find_word(UNKNOWN_WORD) != -1

    def knows(self, word: str) -> bool:
        return bool(self._model.vosk_model_find_word(word) != -1)

    def usable_phrases(self, phrases: Sequence[str]) -> tuple[str, ...]:
        if not self.grammar_capable:
            return ()
        cleaned = (" ".join(p.lower().split()) for p in phrases)
        return tuple(dict.fromkeys(p for p in cleaned if p and all(self.knows(w) for w in p.split())))

    def recognizer(self, phrases: Sequence[str] | None = None) -> Recognizer:
        usable = self.usable_phrases(phrases) if phrases else ()
        with self._idle_lock:
            kept = self._grammar_idle.get(usable) if usable else self._idle
            if kept:
                return kept.pop()
        return self._new(usable)

    def _new(self, usable: tuple[str, ...]) -> VoskRecognizer:
        if usable:
            # "[unk]" lets speech outside the menu come out as unknown instead of a forced choice.
            grammar = list(usable) + ([UNKNOWN_WORD] if self._has_unknown else [])
            rec = self._vosk.KaldiRecognizer(self._model, self.sample_rate, json.dumps(grammar, ensure_ascii=False))
            return VoskRecognizer(rec, phrases=usable)
        return VoskRecognizer(self._vosk.KaldiRecognizer(self._model, self.sample_rate), reusable=True)

    def prepare(self, phrases: Sequence[str] | None = None) -> Recognizer | None:
        if phrases:
            # A menu none of whose words the model knows is heard as free speech: nothing to make.
            usable = self.usable_phrases(phrases)
            return self._new(usable) if usable else None
        return self._new(())

    def keep(self, recognizer: Recognizer) -> bool:
        if isinstance(recognizer, VoskRecognizer):
            with self._idle_lock:
                if recognizer.phrases:
                    kept = self._grammar_idle.setdefault(recognizer.phrases, [])
                    # Grammar recognisers: a few per menu, for a bounded number of menus.
                    if len(kept) < MAX_GRAMMARS_PER_MENU and len(self._grammar_idle) <= MAX_MENUS_KEPT:
                        kept.append(recognizer)
                        return True
                elif recognizer.reusable and len(self._idle) < self.max_idle:
                    self._idle.append(recognizer)
                    return True
        recognizer.close()
        return False

    def release(self, recognizer: Recognizer) -> None:
        # Free-speech recognisers are what is worth keeping (their graph cache is slow to grow);
        # grammar ones are kept too, a few per menu, as they are cheap to hold.
        if isinstance(recognizer, VoskRecognizer):
            recognizer.calls += 1
            if recognizer.calls >= self.max_calls:
                # Its graph cache has grown with every call: let a fresh one take over.
                recognizer.close()
                return
        self.keep(recognizer)

    def idle_recognizers(self) -> int:
        return len(self._idle)

    def idle_grammars(self) -> int:
        with self._idle_lock:
            return sum(len(v) for v in self._grammar_idle.values())
