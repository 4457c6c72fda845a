"""Jinja2 rendering shared by every page: the layout's navigation follows the API's role checks."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.responses import HTMLResponse

from service import __version__
from service.auth.deps import (
    AlertReader,
    ClassifyReader,
    RegistryReader,
    Reporter,
    Subscriber,
)
from service.auth.models import Principal
from service.classification.routes import DraftReader
from service.problems import Problem
from service.web.deps import PageUser

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["version"] = __version__

# Each entry is shown to the roles the API route behind it admits (the same dependency).
NAV: tuple[tuple[str, str, Any], ...] = (
    ("/classify", "Is it controlled?", ClassifyReader),
    ("/substances", "Substances", RegistryReader),
    ("/families", "Families", RegistryReader),
    ("/drafts", "Drafts", DraftReader),
    ("/alerts", "Alerts", AlertReader),
    ("/subscriptions", "Subscriptions", Subscriber),
    ("/reports", "My reports", Reporter),
    ("/upload", "Upload", Reporter),
)


async def _admits(api_dependency: Any, principal: Principal) -> bool:
    check = typing.get_args(api_dependency)[1].dependency
    try:
        await check(principal)
    except Problem:
        return False
    return True


async def nav_for(principal: Principal | None) -> list[tuple[str, str]]:
    if principal is None:
        return []
    return [(path, label) for path, label, dep in NAV if await _admits(dep, principal)]


def _svg(markup: str | None) -> Markup:
    """RDKit's SVG, inline: drop its XML declaration (it is not valid inside HTML)."""
    if not markup:
        return Markup("")
    start = markup.find("<svg")
    return Markup(markup[start:] if start >= 0 else "")


templates.env.filters["svg"] = _svg


async def render(
    request: Request, name: str, user: PageUser | None, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    nav = await nav_for(user.principal if user else None)
    return templates.TemplateResponse(
        request,
        name,
        {"user": user, "nav": nav, "path": request.url.path, **context},
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )
