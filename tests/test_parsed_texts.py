"""The parsed texts kept for the process (callcenter/parsed_texts.py): one parse per key, bounded,
and a parse that fails keeps nothing."""

from __future__ import annotations

import pytest

from callcenter.parsed_texts import ParsedTexts


def test_a_text_is_parsed_once_a_failure_again_and_the_memo_stays_bounded() -> None:
    parses: list[str] = []

    def parse(text: str) -> str:
        parses.append(text)
        if text == "bad":
            raise ValueError("line 1: not a flow")
        return text.upper()

    memo: ParsedTexts[str, str] = ParsedTexts(2)
    assert memo.get("a", lambda: parse("a")) == "A"
    assert memo.get("a", lambda: parse("a")) == "A"
    for _ in range(2):
        with pytest.raises(ValueError, match="line 1"):
            memo.get("bad", lambda: parse("bad"))
    memo.get("b", lambda: parse("b"))
    memo.get("c", lambda: parse("c"))            # full: emptied, then kept
    memo.get("a", lambda: parse("a"))
    assert parses == ["a", "bad", "bad", "b", "c", "a"]
