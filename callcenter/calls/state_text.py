"""The call's state and its stored text, without parsing or encoding it whole at every event.

A call event read the call's state (about 2 KB of JSON), parsed it, rebuilt the ``CallState``,
then encoded the new state whole again: about 6 % of the server's busy time on the fast call path
(docs/performance.md, part 8), for a state of which a step changes a few fields.

Here each process keeps, per call, the text it last wrote or read with the state that text
decodes to and the text of each of its fields. An event whose row holds exactly that text (read in
its own transaction, under the call's lock: another process's write, a rollback, a purge all
change or remove it) takes the state kept instead of parsing; any other text is parsed as before.
The new state's text is assembled from its fields' texts, a field encoded again only when it is
not the very object of the state it was stepped from (a state is immutable, a step builds the
fields it changes); the state kept for the next event is built the same way, each changed field
decoded from its own text as ``CallState.from_dict`` decodes it. So the text stored is the one
``json_text.dumps(state.to_dict())`` writes, and the state the next event starts from is the one
``CallState.from_dict(json.loads(text))`` gives, field for field: what is stored and said does not
change. ``StateText.check`` verifies both at every use (the test suite turns it on).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from typing import Any

from callcenter.ivr.plain import SCALARS, plain
from callcenter.ivr.state import (
    MAPPING_FIELDS,
    CallState,
    field_from_json,
)
from callcenter.store.json_text import Encoded, dumps

_ORDER: tuple[str, ...] = tuple(CallState.__dataclass_fields__)
# '"name": ' before each field's text, as the encoder writes a dict's keys.
_KEYS: tuple[str, ...] = tuple(json.dumps(name) + ": " for name in _ORDER)
_FLOAT = float.__repr__


def _float(value: float) -> str:
    # The encoder's own spelling, NaN and infinities included.
    return _FLOAT(value) if value == value and value not in (_INF, -_INF) else dumps(value)


_INF = float("inf")
# Scalars written as the C encoder writes them (exact types only, as ``to_dict`` takes them).
_SCALAR_TEXT: dict[type, Any] = {
    str: encode_basestring_ascii, int: int.__repr__, float: _float, bool: lambda v: "true" if v else "false",
    type(None): lambda _v: "null"}


def _fields_of(values: dict[str, Any]) -> list[str]:
    return [key + _field_text(name, values[name]) for name, key in zip(_ORDER, _KEYS, strict=True)]


# Scalars whose equal values of one type are written alike (not floats: 0.0 and -0.0 are equal).
_SAME_TEXT_IF_EQUAL = frozenset({str, int, bool})
# Fields whose tuples of strings read back as they are (``from_dict`` makes a tuple of the list).
_STRING_TUPLES = frozenset({"path", "clarify_choices", "kb_alternatives"})


def _read_back(name: str, value: Any, text: str) -> Any:
    """What ``from_dict`` reads from ``text``, the JSON of field ``name`` whose value is ``value``:
    a dict of string keys and scalar values, or a tuple of strings, is what it reads (copied);
    anything else is parsed (a tuple inside a mapping reads back as a list)."""
    kind = type(value)
    if kind in SCALARS:
        return value
    if kind is dict and all([type(k) is str and type(v) in SCALARS for k, v in value.items()]):
        return dict(value)
    if kind is tuple and name in _STRING_TUPLES and all([type(v) is str for v in value]):
        return value
    return field_from_json(name, json.loads(text))


class Kept:
    """A state with its stored text, and the text of each of its fields (in ``_ORDER``, each after
    its key: the document's text is their join)."""

    __slots__ = ("fields", "state", "text")

    def __init__(self, text: str, state: CallState, fields: list[str] | None) -> None:
        self.text = text
        self.state = state
        # None when the state was parsed from a text this process did not write (made at the
        # first encoding from it).
        self.fields = fields


def _field_text(name: str, value: Any) -> str:
    # The value as ``CallState.to_dict`` gives it, encoded as the column's serializer does.
    scalar = _SCALAR_TEXT.get(type(value))
    if scalar is not None:
        return scalar(value)
    return dumps(dict(value) if name in MAPPING_FIELDS else plain(value))


class StateText:
    """Per process: the last state text of each call in progress, with its decoded state."""

    # Verify every state taken and every text made against the full decoding and encoding (slow;
    # tests/conftest.py turns it on for the whole suite).
    check = False

    def __init__(self, size: int = 1024) -> None:
        # At most about 13 KB a call (its text, its state and its fields' texts, measured for the
        # bench's calls parsed afresh; less where a step shares them with the previous state):
        # 1 024 calls in progress in one process, 13 MB. Beyond, all are forgotten and parsed again.
        self.size = size
        self._kept: dict[str, Kept] = {}
        self._template: Kept | None = None

    def decode(self, call_sid: str, text: str, hint: Kept | None = None) -> Kept:
        """The state stored as ``text`` (``hint``: one just made for this call, not kept yet)."""
        kept = hint if hint is not None and hint.text == text else self._kept.get(call_sid)
        if kept is None or kept.text != text:
            return Kept(text, CallState.from_dict(json.loads(text)), None)
        if self.check:
            _same(kept.state, CallState.from_dict(json.loads(text)), "state taken")
        return kept

    def encode(self, new: CallState, base: Kept | None) -> Kept:
        """``new``'s stored text, and the state that text decodes to, from ``base``'s fields (the
        state ``new`` was stepped from) where ``new`` kept them."""
        values = new.__dict__
        made_new = base is None
        if base is None:
            # A new call: from the last new call's state (its defaults are the same objects).
            base = self._template
        if base is None:
            fields = _fields_of(values)
            text = "{" + ", ".join(fields) + "}"
            state = object.__new__(CallState)
            state.__dict__.update({name: _read_back(name, values[name], piece[len(key):])
                                   for name, key, piece in zip(_ORDER, _KEYS, fields, strict=True)})
        else:
            if base.fields is None:
                base.fields = _fields_of(base.state.__dict__)
            before = base.state.__dict__
            fields = base.fields.copy()
            decoded = before.copy()
            for i, name in enumerate(_ORDER):
                value = values[name]
                old = before[name]
                if value is old:
                    continue
                kind = type(value)
                if kind is type(old) and kind in _SAME_TEXT_IF_EQUAL and value == old:
                    continue  # an equal string or integer, not the same object: the same text
                piece = _field_text(name, value)
                fields[i] = _KEYS[i] + piece
                decoded[name] = _read_back(name, value, piece)
            text = "{" + ", ".join(fields) + "}"
            state = object.__new__(CallState)
            state.__dict__.update(decoded)
        kept = Kept(text, state, fields)
        if made_new:
            self._template = kept
        if self.check:
            expected = dumps(new.to_dict())
            if text != expected:
                raise AssertionError(f"state text differs:\n{text}\n{expected}")
            _same(state, CallState.from_dict(json.loads(text)), "state made")
        return kept

    def keep(self, call_sid: str, kept: Kept) -> None:
        """After the commit that stored ``kept.text``: the next event of the call may take it."""
        if kept.state.status == "ended":
            self._kept.pop(call_sid, None)  # nothing more to step
            return
        if len(self._kept) >= self.size:
            self._kept.clear()
        self._kept[call_sid] = kept


def stored(kept: Kept) -> Encoded:
    """The text to bind to the state column (written as it is, not encoded again)."""
    return Encoded(kept.text)


def _same(got: CallState, expected: CallState, what: str) -> None:
    # repr: == takes 1 for 1.0 and True; the two must be the same values of the same types.
    if got != expected or repr(got) != repr(expected) or list(got.__dict__) != list(expected.__dict__):
        raise AssertionError(f"{what} differs from the full decoding:\n{got!r}\n{expected!r}")


__all__ = ["Kept", "StateText", "stored"]
