"""service-public.fr's open data feed, and which claims it makes stale.

DILA publishes the fiches of service-public.fr (« Fiches pratiques, questions-réponses et ressources
de service-public.fr », Licence Ouverte) as a zip of XML files, one per fiche (``F3053.xml``). The
root element of each is a ``Publication`` whose attributes carry the fiche id and the date of its
last important change, followed by Dublin Core metadata::

    <Publication xmlns:dc="http://purl.org/dc/elements/1.1/" ID="F3053"
                 type="Fiche d'information"
                 dateDerniereModificationImportante="2026-05-14T00:00:00"
                 spUrl="https://www.service-public.gouv.fr/particuliers/vosdroits/F3053">
      <dc:title>Arrêt maladie : indemnités journalières versées au salarié</dc:title>
      ...
      <dc:date>modified 2026-05-14</dc:date>
      <dc:identifier>F3053</dc:identifier>

A claim whose source is a fiche is stale when the fiche changed after the claim was checked. The
important-change date is used when present (what the editors mark as changing the rules); the
``dc:date`` ``modified`` date otherwise. Pure: bytes in, records out (``feed_reader`` reads files).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from callcenter.errors import CallCenterError
from callcenter.kb.parse import ParsedEntry

DC = "{http://purl.org/dc/elements/1.1/}"
# service-public.fr moved to service-public.gouv.fr in 2025: both spell the same fiche.
_FICHE_URL = re.compile(
    r"^https?://(?:www\.)?service-public\.(?:gouv\.)?fr/(?:particuliers|professionnels|associations)"
    r"/vosdroits/([FNR]\d+)(?:[/?#]|$)", re.IGNORECASE)
_MODIFIED = re.compile(r"^\s*modified\s+(\d{4}-\d{2}-\d{2})")
# The metadata of a fiche fits in the first few kilobytes; its body is most of the file.
_CHUNK = 2048


class FeedError(CallCenterError):
    """The feed cannot be read: says which file and why."""

    code = "kb_feed"


@dataclass(frozen=True)
class Fiche:
    """What the feed says of one fiche: when it last changed."""

    id: str
    title: str
    modified: dt.date | None          # dc:date "modified YYYY-MM-DD"
    important: dt.date | None         # Publication/@dateDerniereModificationImportante
    url: str = ""

    @property
    def changed_on(self) -> dt.date | None:
        return self.important or self.modified


@dataclass(frozen=True)
class StaleClaim:
    """A claim (or, for an entry without claims, its link) whose fiche changed after the check."""

    entry_id: str
    claim_id: str                     # "" for an entry's link
    fiche: str
    source: str
    checked_on: dt.date
    changed_on: dt.date | None        # None: the fiche is no longer in the feed
    file: str
    line: int
    title: str = ""

    @property
    def reason(self) -> str:
        what = f"claim '{self.claim_id}'" if self.claim_id else "link"
        if self.changed_on is None:
            return f"{what}: fiche {self.fiche} is not in the feed any more (removed or renamed): re-check"
        return (f"{what}: fiche {self.fiche} changed on {self.changed_on}, after the check of "
                f"{self.checked_on}: re-check")

    def as_json(self) -> dict[str, object]:
        return {"entry": self.entry_id, "claim": self.claim_id or None, "fiche": self.fiche,
                "source": self.source, "checked_on": self.checked_on.isoformat(),
                "changed_on": self.changed_on.isoformat() if self.changed_on else None,
                "title": self.title, "file": self.file, "line": self.line, "reason": self.reason}

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def fiche_id(url: str) -> str | None:
    """``F3053`` for a service-public.fr (or .gouv.fr) fiche URL, else None."""
    match = _FICHE_URL.match(url.strip())
    return match.group(1).upper() if match else None


def _date(raw: str | None) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None


def _events(stream: IO[bytes]) -> Iterator[tuple[str, ET.Element]]:
    """Parse events, fed in small chunks so the body after the metadata is never read."""
    parser = ET.XMLPullParser(events=("start", "end"))
    while chunk := stream.read(_CHUNK):
        parser.feed(chunk)
        yield from parser.read_events()
    parser.close()
    yield from parser.read_events()


def parse_fiche(data: bytes | IO[bytes], name: str) -> Fiche | None:
    """The fiche of one XML file of the feed; None when the file is not a ``Publication``.

    Reads only the head of the file: the dates come before the body, which is most of it.
    """
    root_id = ""
    attrs: Mapping[str, str] = {}
    title = ""
    modified: list[dt.date] = []
    depth = 0
    try:
        stream = io.BytesIO(data) if isinstance(data, bytes) else data
        for event, elem in _events(stream):
            if event == "start":
                depth += 1
                if depth == 1:
                    if elem.tag != "Publication":
                        return None
                    attrs = dict(elem.attrib)
                    root_id = attrs.get("ID", "")
                continue
            depth -= 1
            if depth != 1:
                continue
            if elem.tag == DC + "title":
                title = (elem.text or "").strip()
            elif elem.tag == DC + "date":
                match = _MODIFIED.match(elem.text or "")
                if match and (day := _date(match.group(1))) is not None:
                    modified.append(day)
            elif not elem.tag.startswith(DC):
                break                          # the metadata is over: the body follows
    except ET.ParseError as exc:
        raise FeedError(f"{name}: not well-formed XML ({exc})") from None
    if not root_id:
        raise FeedError(f"{name}: Publication without an ID attribute")
    return Fiche(id=root_id, title=title, modified=max(modified) if modified else None,
                 important=_date(attrs.get("dateDerniereModificationImportante")),
                 url=attrs.get("spUrl", ""))


def stale_claims(parsed: Sequence[ParsedEntry], fiches: Mapping[str, Fiche]) -> list[StaleClaim]:
    """Claims whose service-public fiche changed after they were checked, or left the feed.

    An entry without claims is judged on its link and ``checked_on`` instead, until it has claims.
    """
    out: list[StaleClaim] = []
    for p in parsed:
        entry = p.entry
        if entry is None:
            continue
        pairs: Iterable[tuple[str, str, dt.date, int]] = (
            [(c.id, c.source, c.checked_on, p.line("claims", i, "source")) for i, c in enumerate(entry.claims)]
            if entry.claims else [("", entry.link, entry.checked_on, p.line("link"))]
        )
        for claim_id, source, checked_on, line in pairs:
            fid = fiche_id(source)
            if fid is None:
                continue
            fiche = fiches.get(fid)
            changed = fiche.changed_on if fiche is not None else None
            if fiche is not None and (changed is None or changed <= checked_on):
                continue
            out.append(StaleClaim(entry_id=entry.id, claim_id=claim_id, fiche=fid, source=source,
                                  checked_on=checked_on, changed_on=changed, file=p.source, line=line,
                                  title=fiche.title if fiche is not None else ""))
    return sorted(out, key=lambda s: (s.entry_id, s.line))
