"""Jinja2 rendering of the pages in ``agent_ui/templates`` (autoescaped)."""

from __future__ import annotations

from typing import Any

import jinja2
from aiohttp import web

from callcenter.config import PROJECT_ROOT
from callcenter.web.labels import load_labels

UI_DIR = PROJECT_ROOT / "agent_ui"
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(UI_DIR / "templates")),
    autoescape=jinja2.select_autoescape(("html",)),
    undefined=jinja2.StrictUndefined,
)
# Every page names roles, states and queues in French from the same data as the screens' scripts.
_ENV.globals["labels"] = load_labels()


def render_html(name: str, **context: Any) -> str:
    return _ENV.get_template(name).render(**context)


def render(name: str, status: int = 200, **context: Any) -> web.Response:
    return web.Response(text=render_html(name, **context), content_type="text/html", charset="utf-8",
                        status=status)
