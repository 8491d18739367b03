"""JSON columns' text on SQLite: what ``json.dumps`` writes with its defaults, for less.

``json.dumps`` builds a new C encoder at every call (``JSONEncoder.iterencode``) after two layers of
Python around it; a call event writes five to seven JSON documents (its log payloads, the call's
state, the queue entry's lists), most of them a few dozen bytes, where that set-up was most of the
cost. Here the encoder is built once with ``json.dumps``'s own settings (ASCII only, ``", "`` and
``": "``, NaN allowed, keys as given) and only called: the same text for every value
(tests/store/test_json_text.py compares them). Given to SQLAlchemy as the engine's
``json_serializer``, so every JSON column of the SQLite engine, prepared or not, is written so.

One difference, outside what is ever stored: a value containing itself fails with a
``RecursionError`` rather than ``json.dumps``'s ``ValueError`` (no circular-reference check: the
encoder's table of seen containers is shared by all calls, and an error half-way would leave it
stale).
"""

from __future__ import annotations

import json
from json import encoder
from typing import Any


def _unknown(value: Any) -> Any:
    # json.JSONEncoder.default's error, word for word.
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


_ENCODE = None if encoder.c_make_encoder is None else encoder.c_make_encoder(
    None, _unknown, encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True)


class Encoded(str):
    """A JSON document's text already written as ``dumps`` writes it (the call's state,
    calls/state_text.py): bound to its JSON column as it is, not encoded again."""

    __slots__ = ()


def dumps(value: Any) -> str:
    """``json.dumps(value)``; an ``Encoded`` text as it is."""
    if type(value) is Encoded:
        return str.__str__(value)
    if _ENCODE is None:
        return json.dumps(value)
    return "".join(_ENCODE(value, 0))


__all__ = ["Encoded", "dumps"]
