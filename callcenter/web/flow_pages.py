"""Flow versions in the browser, for supervisors: list, read a version and its diff, publish an
edit with a comment (checked and tested as ``callcenter flows publish`` does), roll back.

After a publish or a rollback this process follows the new live version at once; the others
within ``CALLCENTER_FLOW_RELOAD_SECONDS``.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from markupsafe import Markup

from callcenter.flows.catalog import KIND
from callcenter.flows.checks import Checked, EngineFactory, check_text
from callcenter.flows.diagram import flow_svg
from callcenter.flows.lints import lint_flow
from callcenter.flows.loader import FlowError, parse_flow
from callcenter.flows.model import Flow
from callcenter.flows.testcases import tests_path
from callcenter.ivr.engine import IvrEngine
from callcenter.versions import Version, VersionError, VersionStore
from callcenter.versions.model import AlreadyLive, unified_diff
from callcenter.web import keys
from callcenter.web.auth import Identity, identity, requires
from callcenter.web.templates import render

_LOGGER = logging.getLogger(__name__)
MAX_FLOW_BYTES = 512 * 1024


def _store(request: web.Request) -> VersionStore:
    return request.app[keys.CATALOG].store


async def _history(request: web.Request) -> tuple[str, list[Version]]:
    flow_id = request.match_info["flow"]
    history = await _store(request).history(KIND, flow_id)
    if not history:
        raise web.HTTPNotFound(text=f"flow {flow_id}: no versions")
    return flow_id, history


@requires("supervisor")
async def flows_page(request: web.Request) -> web.Response:
    who = identity(request)
    store = _store(request)
    flows = []
    for name in await store.names(KIND):
        history = await store.history(KIND, name)
        live = next((v for v in history if v.live), None)
        flows.append({"name": name, "versions": len(history), "live": live})
    drafts = request.app[keys.CATALOG].drafts
    return render("flows.html", csrf_token=who.csrf, user=who, flows=flows, drafts=drafts)


def _flow_page(who: Identity, flow_id: str, history: list[Version], *, text: str, comment: str = "",
               checked: Checked | None = None, notice: str | None = None, status: int = 200,
               only_checked: bool = False) -> web.Response:
    live = next((v for v in history if v.live), None)
    return render("flow.html", status=status, csrf_token=who.csrf, user=who, flow_id=flow_id,
                  diagram=_diagram(text if checked is None else (checked.text or ""), flow_id),
                  versions=list(reversed(history)), live=live, text=text, comment=comment,
                  messages=checked.messages if checked else (),
                  refused=checked is not None and not checked.ok and not only_checked,
                  failing=checked is not None and not checked.ok, notice=notice)


def _diagram(text: str, flow_id: str) -> Markup | None:
    """The SVG of a flow text, or None when it does not load (its faults are shown instead)."""
    try:
        return Markup(flow_svg(parse_flow(text, f"{flow_id}.yaml")))  # every text in it is escaped
    except FlowError:
        return None


@requires("supervisor")
async def flow_page(request: web.Request) -> web.Response:
    flow_id, history = await _history(request)
    shown = next((v for v in history if v.live), history[-1])
    if request.query.get("edit", "").isdigit():   # resume a draft (or start from any version)
        shown = next((v for v in history if v.version == int(request.query["edit"])), shown)
    notice = {"published": "Version publiée : les nouveaux appels l'entendent.",
              "rolledback": "Version remise en service : les nouveaux appels l'entendent.",
              "draft": "Brouillon enregistré : il n'est pas en service."
              }.get(request.query.get("done", ""))
    return _flow_page(identity(request), flow_id, history, text=shown.content, notice=notice,
                      comment=shown.comment if shown.status == "draft" else "")


@requires("supervisor")
async def version_page(request: web.Request) -> web.Response:
    flow_id, history = await _history(request)
    try:
        number = int(request.match_info["version"])
    except ValueError:
        raise web.HTTPNotFound(text="no such version") from None
    version = next((v for v in history if v.version == number), None)
    if version is None:
        raise web.HTTPNotFound(text=f"flow {flow_id}: no version {number}")
    who = identity(request)
    return render("flow_version.html", csrf_token=who.csrf, user=who, flow_id=flow_id, version=version,
                  diagram=_diagram(version.content, flow_id))


@requires("supervisor")
async def compare_page(request: web.Request) -> web.Response:
    """The diff between any two versions (``?from=A&to=B``)."""
    flow_id, history = await _history(request)
    by_number = {v.version: v for v in history}
    try:
        old, new = by_number[int(request.query["from"])], by_number[int(request.query["to"])]
    except (KeyError, ValueError):
        raise web.HTTPBadRequest(text="from, to: two version numbers of this flow are expected") from None
    who = identity(request)
    diff = unified_diff(old.content, new.content, flow_id, old.version, new.version)
    return render("flow_compare.html", csrf_token=who.csrf, user=who, flow_id=flow_id, old=old, new=new,
                  diff=diff)


def _engine_factory(request: web.Request) -> EngineFactory:
    cores = request.app[keys.CORES]

    def make(flow: Flow) -> IvrEngine:
        return IvrEngine(flow, cores.knowledge, cores.triage, cores.hours, cores.semantic)

    return make


@requires("supervisor")
async def check(request: web.Request) -> web.Response:
    """The faults and warnings of an edit as it is typed (test cases run on publish only)."""
    flow_id, _ = await _history(request)
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text='{"error": "a JSON body is expected"}', content_type="application/json") \
            from None
    text = body.get("content") if isinstance(body, dict) else None
    if not isinstance(text, str) or len(text.encode("utf-8")) > MAX_FLOW_BYTES:
        raise web.HTTPBadRequest(text='{"error": "content: a flow of at most 512 KiB is expected"}',
                                 content_type="application/json")
    try:
        flow = parse_flow(text, f"{flow_id}.yaml", expected_id=flow_id)
    except FlowError as exc:
        return web.json_response({"faults": [str(p) for p in exc.problems], "warnings": []})
    return web.json_response({"faults": [], "warnings": [str(w) for w in lint_flow(flow)]})


@requires("supervisor")
async def publish(request: web.Request) -> web.Response:
    flow_id, history = await _history(request)
    who = identity(request)
    form = await request.post()
    text = str(form.get("content", "")).replace("\r\n", "\n")
    comment = str(form.get("comment", "")).strip()
    if not text.strip() or len(text.encode("utf-8")) > MAX_FLOW_BYTES:
        raise web.HTTPBadRequest(text="content: a flow of at most 512 KiB is expected")
    if form.get("action") == "draft":
        # Kept as it is, faults and all, for later: never live, listed with the versions.
        draft = await _store(request).save_draft(KIND, flow_id, text, by=who.username, comment=comment)
        raise web.HTTPSeeOther(f"/flows/{flow_id}?done=draft&edit={draft.version}")
    settings = request.app[keys.SETTINGS]
    suite = tests_path(settings.flows_dir / f"{flow_id}.yaml")
    checked = await asyncio.to_thread(check_text, text, f"{flow_id}.yaml", flow_id, suite,
                                      _engine_factory(request))
    if form.get("action") == "test":
        # Checked and tested only: what a publish would say, and nothing published.
        return _flow_page(who, flow_id, history, text=text, comment=comment, checked=checked, only_checked=True,
                          notice="Vérification terminée : rien n'a été publié.")
    if not checked.ok:
        return _flow_page(who, flow_id, history, text=text, comment=comment, checked=checked, status=422)
    try:
        version = await _store(request).publish(KIND, flow_id, text, by=who.username, comment=comment)
    except AlreadyLive as exc:
        return _flow_page(who, flow_id, history, text=text, comment=comment, checked=checked, notice=exc.message)
    except VersionError as exc:
        return _flow_page(who, flow_id, history, text=text, comment=comment, checked=checked,
                          notice=exc.message, status=409)
    _LOGGER.info("flow %s version %d published by %s", flow_id, version.version, who.username)
    await request.app[keys.CATALOG].refresh()
    raise web.HTTPSeeOther(f"/flows/{flow_id}?done=published")


@requires("supervisor")
async def rollback(request: web.Request) -> web.Response:
    flow_id, history = await _history(request)
    who = identity(request)
    form = await request.post()
    try:
        number = int(str(form.get("version", "")))
    except ValueError:
        raise web.HTTPBadRequest(text="version: a number is expected") from None
    try:
        await _store(request).rollback(KIND, flow_id, number, by=who.username)
    except VersionError as exc:
        live = next((v for v in history if v.live), history[-1])
        return _flow_page(who, flow_id, history, text=live.content, notice=exc.message, status=409)
    _LOGGER.info("flow %s rolled back to version %d by %s", flow_id, number, who.username)
    await request.app[keys.CATALOG].refresh()
    raise web.HTTPSeeOther(f"/flows/{flow_id}?done=rolledback")


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/flows", flows_page)
    app.router.add_get("/flows/{flow}", flow_page)
    app.router.add_get("/flows/{flow}/versions/{version}", version_page)
    app.router.add_get("/flows/{flow}/compare", compare_page)
    app.router.add_post("/flows/{flow}/check", check)
    app.router.add_post("/flows/{flow}/publish", publish)
    app.router.add_post("/flows/{flow}/rollback", rollback)
