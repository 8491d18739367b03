#!/usr/bin/env python3
"""How long ``callcenter kb stale`` takes on a feed the size of service-public.fr's.

The particuliers feed holds a few thousand fiches, most of them tens of kilobytes of XML. This
builds a zip of ``--fiches`` files in the feed's format (the fixture's head, a body padded to
``--body-kb`` kilobytes), then times reading it (only the head of each file is parsed) and
comparing it with the bundled knowledge base, best of ``--repeat`` runs.

    .venv/bin/python bench/kb_feed.py [--fiches 3500] [--body-kb 30] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import zipfile
from pathlib import Path

from callcenter.kb.feed import stale_claims
from callcenter.kb.feed_reader import read_feed
from callcenter.kb.loader import DEFAULT_KB_DIR, read_entries

FIXTURE = Path(__file__).parent.parent / "tests" / "kb" / "fixtures" / "feed" / "F3053.xml"


def build(path: Path, fiches: int, body_kb: int) -> int:
    head, tail = FIXTURE.read_text(encoding="utf-8").split("<Introduction>")
    body = "<Introduction><Texte>" + "<Paragraphe>Texte de la fiche, pour la taille.</Paragraphe>" * (
        body_kb * 1024 // 60) + "</Texte></Introduction>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for n in range(fiches):
            fid = f"F{1000 + n}"
            text = head.replace("F3053", fid) + body + tail.split("</Introduction>", 1)[1]
            archive.writestr(f"{fid}.xml", text)
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fiches", type=int, default=3500)
    parser.add_argument("--body-kb", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "vosdroits-latest.zip"
        size = build(path, args.fiches, args.body_kb)
        parsed = read_entries(DEFAULT_KB_DIR)
        best_read = best_stale = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            fiches = read_feed(path)
            middle = time.perf_counter()
            stale_claims(parsed, fiches)
            end = time.perf_counter()
            best_read, best_stale = min(best_read, middle - start), min(best_stale, end - middle)
        print(f"{len(fiches)} fiches, zip {size / 1e6:.1f} MB ({args.body_kb} kB of XML each): "
              f"read {best_read:.2f} s, compare with {len(parsed)} entries {best_stale * 1000:.1f} ms "
              f"(best of {args.repeat})")


if __name__ == "__main__":
    main()
