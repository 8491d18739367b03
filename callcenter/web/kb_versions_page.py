"""Knowledge-base entry versions in the browser, for supervisors: the drafts waiting for review with
their diff to the live version, approve or reject (never one's own draft), and per entry its history
with rollback (``/supervisor/kb``, ``/supervisor/kb/{entry}``).

After an approval or a rollback this process follows the new live version at once; the others
within ``CALLCENTER_KB_RELOAD_SECONDS``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiohttp import web

from callcenter.kb.catalog import KIND, KbCatalog
from callcenter.versions import Version, VersionError, VersionStore
from callcenter.versions.model import AlreadyLive, SelfReview, unified_diff
from callcenter.web import keys
from callcenter.web.auth import identity, requires
from callcenter.web.templates import render

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingDraft:
    """A draft as the reviewer sees it: what changes compared with what callers hear now."""

    draft: Version
    live: int | None
    diff: str


def _store(request: web.Request) -> VersionStore:
    return VersionStore(request.app[keys.DATABASE])


async def pending_drafts(store: VersionStore) -> list[PendingDraft]:
    """The drafts waiting for review, each diffed against the version live now (not the one live
    when it was made: that is what approving it would change)."""
    out = []
    for draft in await store.drafts(KIND):
        live = await store.live(KIND, draft.name)
        diff = unified_diff(live.content, draft.content, draft.name, live.version, draft.version) \
            if live is not None else ""
        out.append(PendingDraft(draft, None if live is None else live.version, diff))
    return out


async def _follow(request: web.Request) -> None:
    """This process answers with the new live version at once (the others at their next poll)."""
    kb = request.app[keys.CORES].kb
    if isinstance(kb, KbCatalog):
        await kb.refresh()


def _in_french(exc: VersionError) -> str:
    if isinstance(exc, SelfReview):
        return "C'est votre brouillon : une autre personne doit le relire avant sa mise en service."
    if isinstance(exc, AlreadyLive):
        return "Cette version est déjà en service."
    return f"Action impossible : {exc.message}"


def _version_field(form: object) -> int:
    try:
        return int(str(form.get("version", "")))  # type: ignore[attr-defined]
    except ValueError:
        raise web.HTTPBadRequest(text="version: a number is expected") from None


@requires("supervisor")
async def review(request: web.Request) -> web.Response:
    entry_id = request.match_info["entry"]
    who = identity(request)
    form = await request.post()
    number = _version_field(form)
    decision = str(form.get("decision", ""))
    if decision not in ("approve", "reject"):
        raise web.HTTPBadRequest(text="decision: approve or reject is expected")
    comment = str(form.get("comment", "")).strip()
    try:
        await _store(request).review(KIND, entry_id, number, by=who.username, approve=decision == "approve",
                                     comment=comment)
    except VersionError as exc:
        # Its author, a draft already reviewed, or a live version that moved since: refused, said why.
        return render("kb_refused.html", status=409, csrf_token=who.csrf, user=who, entry_id=entry_id,
                      reason=_in_french(exc))
    _LOGGER.info("knowledge entry %s version %d %s by %s", entry_id, number,
                 "approved" if decision == "approve" else "rejected", who.username)
    await _follow(request)
    raise web.HTTPSeeOther(f"/supervisor/kb?done={'approved' if decision == 'approve' else 'rejected'}"
                           f"#drafts")


@requires("supervisor")
async def entry_page(request: web.Request) -> web.Response:
    entry_id = request.match_info["entry"]
    history = await _store(request).history(KIND, entry_id)
    if not history:
        raise web.HTTPNotFound(text=f"entry {entry_id}: no versions")
    who = identity(request)
    notice = {"rolledback": "Version remise en service : les appelants l'entendent."}.get(
        request.query.get("done", ""))
    return render("kb_entry.html", csrf_token=who.csrf, user=who, entry_id=entry_id,
                  versions=list(reversed(history)), notice=notice)


@requires("supervisor")
async def rollback(request: web.Request) -> web.Response:
    entry_id = request.match_info["entry"]
    who = identity(request)
    number = _version_field(await request.post())
    try:
        await _store(request).rollback(KIND, entry_id, number, by=who.username)
    except VersionError as exc:
        return render("kb_refused.html", status=409, csrf_token=who.csrf, user=who, entry_id=entry_id,
                      reason=_in_french(exc))
    _LOGGER.info("knowledge entry %s rolled back to version %d by %s", entry_id, number, who.username)
    await _follow(request)
    raise web.HTTPSeeOther(f"/supervisor/kb/{entry_id}?done=rolledback")


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/supervisor/kb/{entry}", entry_page)
    app.router.add_post("/supervisor/kb/{entry}/review", review)
    app.router.add_post("/supervisor/kb/{entry}/rollback", rollback)
