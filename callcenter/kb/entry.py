"""The knowledge base as data: entries, their legal references, and the collection of them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True)
class LegalReference:
    """One article a fact rests on, e.g. ``code="CSS", article="L. 861-1"``."""

    code: str
    article: str
    about: str = ""

    def __str__(self) -> str:
        return f"{self.code} art. {self.article}"


@dataclass(frozen=True)
class Claim:
    """One fact an entry's answers rest on, with the official source it was checked against."""

    id: str
    says: str
    source: str
    checked_on: dt.date
    check: str
    legal: str = ""


@dataclass(frozen=True)
class OnlineProcedure:
    """The official page where the caller can do the procedure themselves (the digital bridge:
    sent by SMS only when they ask, never instead of a person)."""

    label: str
    url: str


@dataclass(frozen=True)
class Entry:
    """One topic callers ask about, with what the IVR says and what the SMS or agent screen shows."""

    id: str
    organisme: str
    title: str
    spoken_answer: str
    written_answer: str
    link: str
    legal_references: tuple[LegalReference, ...]
    checked_on: dt.date
    escalate_if_fragile: bool
    skill: str
    examples: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    # "subject" (what is asked about) or "channel" (how to reach a service, e.g. without internet).
    kind: str = "subject"
    claims: tuple[Claim, ...] = ()
    online: OnlineProcedure | None = None
    # The spoken answer in other languages than French, (language, text), for callers who chose
    # one; most entries have none and are read in French (docs/flows.md, "Langues").
    spoken_answers: tuple[tuple[str, str], ...] = ()

    def spoken_in(self, language: str) -> str | None:
        """The spoken answer in ``language`` if the entry has it."""
        return next((text for lang, text in self.spoken_answers if lang == language), None)


@dataclass(frozen=True)
class KnowledgeBase:
    """Entries in a stable order (by id), looked up by id."""

    entries: tuple[Entry, ...]
    _by_id: Mapping[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.entries, key=lambda e: e.id))
        object.__setattr__(self, "entries", ordered)
        object.__setattr__(self, "_by_id", MappingProxyType({e.id: e for e in ordered}))

    def get(self, entry_id: str) -> Entry | None:
        return self._by_id.get(entry_id)

    def __getitem__(self, entry_id: str) -> Entry:
        return self._by_id[entry_id]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._by_id

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)
