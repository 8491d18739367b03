"""Reading a local copy of service-public.fr's feed: the zip DILA publishes, or its unpacked folder."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from callcenter.kb.feed import FeedError, Fiche, parse_fiche

# One file per fiche or resource: F3053.xml, N19806.xml, R10061.xml; menus and trees are skipped.
_FICHE_FILE = re.compile(r"^[A-Z]+\d+\.xml$")


def read_feed(path: str | os.PathLike[str]) -> dict[str, Fiche]:
    """Every fiche of the feed at ``path`` (a .zip or a folder), by id. Raises FeedError."""
    root = Path(path)
    fiches: dict[str, Fiche] = {}
    if root.is_dir():
        for file in sorted(root.rglob("*.xml")):
            if _FICHE_FILE.match(file.name):
                with file.open("rb") as stream:
                    _add(fiches, parse_fiche(stream, str(file)))
    elif root.is_file():
        try:
            with zipfile.ZipFile(root) as archive:
                for info in archive.infolist():
                    name = info.filename.rsplit("/", 1)[-1]
                    if not info.is_dir() and _FICHE_FILE.match(name):
                        with archive.open(info) as stream:
                            _add(fiches, parse_fiche(stream, f"{root}:{info.filename}"))
        except zipfile.BadZipFile:
            raise FeedError(f"{root}: not a zip file (give the feed's .zip or its unpacked folder)") from None
    else:
        raise FeedError(f"{root}: no such file or folder")
    if not fiches:
        raise FeedError(f"{root}: no fiche found (expected files such as F3053.xml)")
    return fiches


def _add(fiches: dict[str, Fiche], fiche: Fiche | None) -> None:
    if fiche is not None:
        fiches[fiche.id] = fiche
