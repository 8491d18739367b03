"""French error pages for people: « accès refusé » and « page introuvable », each with a way back.

Only pages get them: the JSON API and Twilio's webhooks keep their own short answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from callcenter.web.templates import render

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

WAYS_BACK = (("/agent", "Aller à mon poste"), ("/login", "Se connecter avec un autre compte"))


def _for_people(request: web.Request) -> bool:
    if request.path.startswith(("/api/", "/twilio/", "/static/", "/healthz", "/phone/ws")):
        return False
    return request.method in ("GET", "HEAD", "POST")


def forbidden_page(csrf: bool) -> web.Response:
    explanation = ("Ce formulaire a expiré ou ne vient pas de cette application : rechargez la page "
                   "et recommencez." if csrf else
                   "Votre compte n'a pas le rôle qu'il faut pour ouvrir cette page. Demandez-le à "
                   "un administrateur si vous en avez besoin.")
    return render("error.html", status=403, title="Accès refusé", explanation=explanation,
                  ways_back=WAYS_BACK)


def not_found_page() -> web.Response:
    return render("error.html", status=404, title="Page introuvable",
                  explanation="Cette adresse ne correspond à aucune page de l'application.",
                  ways_back=WAYS_BACK)


@web.middleware
async def error_pages_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPForbidden as exc:
        if not _for_people(request):
            raise
        if isinstance(request.match_info.http_exception, web.HTTPNotFound):
            return not_found_page()  # a logged-in user's typo: no such page, not a refusal
        return forbidden_page(csrf="CSRF" in (exc.text or ""))
    except web.HTTPNotFound:
        if not _for_people(request):
            raise
        return not_found_page()
