"""The supervisors' knowledge-base page: what to review, oldest check first (``/supervisor/kb``).

Per entry (its live version): its oldest check, the ``kb check`` faults and re-check warnings, the claims whose
service-public.fr fiche changed since their check (from the local feed, ``CALLCENTER_KB_FEED``)
and the agents' flags. Above them, the drafts waiting for review (``kb_versions_page``).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from aiohttp import web

from callcenter.kb.catalog import KIND, stored_source
from callcenter.kb.claims_lint import ClaimRules
from callcenter.kb.feed import FeedError, Fiche, StaleClaim, stale_claims
from callcenter.kb.feed_reader import read_feed
from callcenter.kb.flags import FLAG_REASONS
from callcenter.kb.loader import parse_text
from callcenter.kb.parse import ParsedEntry
from callcenter.kb.review import review
from callcenter.store.kb_flags import FlagView, list_flags
from callcenter.versions import VersionStore
from callcenter.web import keys
from callcenter.web.auth import identity, requires
from callcenter.web.kb_versions_page import pending_drafts
from callcenter.web.templates import render


@lru_cache(maxsize=2)
def _feed(path: str, _mtime_ns: int, _size: int) -> dict[str, Fiche]:
    # Keyed on the file's mtime and size: a new download is read once, then kept.
    return read_feed(path)


def _stale(feed: Path | None, parsed: list[ParsedEntry]) -> tuple[list[StaleClaim], str]:
    """Stale claims and a sentence about the feed, for the page; never raises."""
    if feed is None:
        return [], "Pas de flux service-public.fr configuré (CALLCENTER_KB_FEED) : fiches non comparées."
    try:
        stat = feed.stat()
        fiches = _feed(str(feed), stat.st_mtime_ns, stat.st_size)
    except OSError:
        return [], f"Flux service-public.fr introuvable : {feed}."
    except FeedError as exc:
        return [], f"Flux service-public.fr illisible : {exc.message}"
    return stale_claims(parsed, fiches), f"Flux service-public.fr : {len(fiches)} fiches lues."


@requires("supervisor")
async def kb_page(request: web.Request) -> web.Response:
    who = identity(request)
    settings = request.app[keys.SETTINGS]
    check = settings.kb_check
    rules = ClaimRules(require_claims=check.require_claims, max_age_days=check.max_age_days,
                       change_dates=check.change_dates)
    today = request.app[keys.SERVICE].clock().date()

    # What callers hear: the live versions (a file not yet reviewed is a draft, listed above).
    live = await VersionStore(request.app[keys.DATABASE]).live_all(KIND)

    def compute() -> tuple[list[ParsedEntry], list[StaleClaim], str]:
        parsed = [parse_text(v.content, stored_source(v.name, v.version)) for v in live]
        stale, feed_status = _stale(check.feed, parsed)
        return parsed, stale, feed_status

    parsed, stale, feed_status = await asyncio.to_thread(compute)
    rows = review(parsed, today, rules, stale)
    flags: dict[str, list[FlagView]] = defaultdict(list)
    for flag in await list_flags(request.app[keys.DATABASE]):
        flags[flag.kb_id].append(flag)
    known = {r.id for r in rows}
    orphans = sorted(((k, v) for k, v in flags.items() if k not in known))
    drafts = await pending_drafts(VersionStore(request.app[keys.DATABASE]))
    notice = {"approved": "Brouillon approuvé : il est en service, les appelants l'entendent.",
              "rejected": "Brouillon refusé : il est gardé avec votre motif, pas en service."
              }.get(request.query.get("done", ""))
    return render("kb_review.html", csrf_token=who.csrf, user=who, rows=rows, flags=flags, orphans=orphans,
                  feed_status=feed_status, reasons=FLAG_REASONS, today=today, rules=rules,
                  stale_count=len(stale), flag_count=sum(len(v) for v in flags.values()), drafts=drafts,
                  notice=notice, file_drafts=request.app[keys.CORES].kb.drafts)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/supervisor/kb", kb_page)
