"""JSON columns' text (store/json_text.py) is json.dumps's, for every kind of value stored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from callcenter.store import json_text

VALUES: list[Any] = [
    None, True, False, 0, -7, 2**70, 1.5, -0.0, 1e300, float("nan"), float("inf"), float("-inf"), "",
    "é & <\"\\\n\t\u2028",
    "\U0001f600", [], {}, (), [1, "a", None], ("t", 1), {"a": 1, "b": [1.5, True, None], "c": {"d": "é"}},
    {1: "int key", 2.5: "float key", False: "bool key", None: "none key"}, {"z": 1, "a": 2},
    {"kind": "gather", "prompt": "Tapez 1 ou dites paiement. Tapez 9 pour revenir au début.", "turn": 2,
     "modes": ["dtmf", "speech"], "hints": ["paiement", "changement"]},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_the_text_is_json_dumps_text(value: Any) -> None:
    assert json_text.dumps(value) == json.dumps(value)


def test_a_value_json_cannot_write_fails_as_json_dumps_fails() -> None:
    for value in (object(), {"a": {1, 2}}, [b"bytes"], {("tuple", "key"): 1}):
        with pytest.raises(TypeError) as ours:
            json_text.dumps(value)
        with pytest.raises(TypeError) as theirs:
            json.dumps(value)
        assert str(ours.value) == str(theirs.value)
    # A failure half-way leaves nothing behind: the next value is written whole.
    assert json_text.dumps([1, {"a": 2}]) == json.dumps([1, {"a": 2}])


def test_a_text_already_encoded_is_written_as_it_is() -> None:
    text = json_text.dumps({"a": [1, "é"]})
    written = json_text.dumps(json_text.Encoded(text))
    assert written == text and type(written) is str
    # A plain string is still a JSON string.
    assert json_text.dumps(text) == json.dumps(text)
