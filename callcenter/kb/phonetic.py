"""A rough French phonetic key, to recognise a word the recogniser spelled as it sounds.

"paul emploi" for "pôle emploi", "amélie" for "ameli", "antes" for "ANTS": the letters differ,
the sounds do not. The key only has to be equal for such pairs; it is used on words the
knowledge base does not know, to find a known word that sounds the same.
"""

from __future__ import annotations

import re
from functools import lru_cache

_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"ph", "f"),
        (r"qu", "k"),
        (r"gu(?=[eiy])", "g"),
        (r"ch", "S"),
        (r"c(?=[eiy])", "s"),
        (r"g(?=[eiy])", "j"),
        (r"ck|c|q", "k"),
        (r"w", "v"),
        (r"h", ""),
        (r"y", "i"),
        (r"eau|au", "o"),
        (r"ou", "U"),
        (r"ai|ei|er$|ez$|et$", "e"),
        (r"(?<=[aeiouU])s(?=[aeiouU])", "z"),
        (r"[ae][nm](?![aeiouUnm])", "A"),
        (r"o[nm](?![aeiouUnm])", "O"),
        (r"(?:ai|ei|i|u)[nm](?![aeiouUnm])", "E"),
        (r"(.)\1+", r"\1"),
        (r"[estdxp]+$", ""),
    )
)


@lru_cache(maxsize=1 << 15)
def phonetic_key(word: str) -> str:
    """Key of a folded word (lower case, no accents); words that sound alike share it."""
    key = word
    for pattern, replacement in _RULES:
        key = pattern.sub(replacement, key)
    return key or word
