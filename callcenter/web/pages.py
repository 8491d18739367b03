"""The HTML pages: the agent's caller-context screen and the supervisors' queue board."""

from __future__ import annotations

from aiohttp import web

from callcenter.web.auth import identity, requires
from callcenter.web.templates import render


@requires("agent")
async def agent_page(request: web.Request) -> web.Response:
    who = identity(request)
    return render("agent.html", csrf_token=who.csrf, user=who)


@requires("supervisor")
async def board_page(request: web.Request) -> web.Response:
    who = identity(request)
    return render("board.html", csrf_token=who.csrf, user=who)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/agent", agent_page)
    app.router.add_get("/board", board_page)
