"""The call's state and its stored text, without parsing or encoding it whole at every event.

A call event read the call's state (about 2 KB of JSON), parsed it, rebuilt the ``CallState``,
then encoded the new state whole again: about a tenth of an event's CPU on the fast call path
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


class Kept:
    """A state with its stored text, and the text of each of its fields (in ``_ORDER``)."""

    __slots__ = ("fields", "state", "text")

    def __init__(self, text: str, state: CallState, fields: tuple[str, ...] | None) -> None:
        self.text = text
        self.state = state
        # None when the state was parsed from a text this process did not write (made at the
        # first encoding from it).
        self.fields = fields


def _field_text(name: str, value: Any) -> str:
    # The value as ``CallState.to_dict`` gives it, encoded as the column's serializer does.
    if type(value) in SCALARS:
        return dumps(value)
    return dumps(dict(value) if name in MAPPING_FIELDS else plain(value))


class StateText:
    """Per process: the last state text of each call in progress, with its decoded state."""

    # Verify every state taken and every text made against the full decoding and encoding (slow;
    # tests/conftest.py turns it on for the whole suite).
    check = False

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._kept: dict[str, Kept] = {}

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
        if base is not None and base.fields is None:
            base.fields = tuple(_field_text(name, base.state.__dict__[name]) for name in _ORDER)
        values = new.__dict__
        before: dict[str, Any] = {} if base is None else base.state.__dict__
        texts = () if base is None else base.fields
        assert texts is not None
        fields: list[str] = []
        decoded = dict(before) if base is not None else {}
        for i, name in enumerate(_ORDER):
            value = values[name]
            if base is not None and value is before[name]:
                fields.append(texts[i])
                continue
            piece = _field_text(name, value)
            fields.append(piece)
            # A scalar reads back as itself; anything else as from_dict reads it.
            decoded[name] = value if type(value) in SCALARS else field_from_json(name, json.loads(piece))
        text = "{" + ", ".join([key + piece for key, piece in zip(_KEYS, fields, strict=True)]) + "}"
        state = object.__new__(CallState)
        state.__dict__.update(decoded)
        kept = Kept(text, state, tuple(fields))
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

    def forget(self, call_sid: str) -> None:
        self._kept.pop(call_sid, None)


def stored(kept: Kept) -> Encoded:
    """The text to bind to the state column (written as it is, not encoded again)."""
    return Encoded(kept.text)


def _same(got: CallState, expected: CallState, what: str) -> None:
    # repr: == takes 1 for 1.0 and True; the two must be the same values of the same types.
    if got != expected or repr(got) != repr(expected) or list(got.__dict__) != list(expected.__dict__):
        raise AssertionError(f"{what} differs from the full decoding:\n{got!r}\n{expected!r}")


__all__ = ["Kept", "StateText", "stored"]
