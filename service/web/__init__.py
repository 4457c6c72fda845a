"""The web workspace: server-rendered pages for regulators, authorities and labs.

One module per domain (account, classify, substances, alerts, subscriptions, families, drafts,
reports), each calling the same service functions and the same role checks as the API routes.
Assets come from npm (htmx, JSME, Swagger UI, ReDoc; `make web-assets`) and are served from
here: nothing is loaded from another origin.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from service.problems import Problem
from service.web.deps import CsrfRefused, PageForbidden, SignInRequired
from service.web.render import HERE, render


def install(app: FastAPI) -> None:
    from service.web import (
        account,
        alerts,
        classify,
        docs,
        drafts,
        families,
        reports,
        subscriptions,
        substances,
    )

    app.mount("/static", StaticFiles(directory=HERE / "static", check_dir=False), name="static")
    for module in (docs, account, classify, substances, alerts, subscriptions, families, drafts, reports):
        app.include_router(module.router)

    @app.exception_handler(SignInRequired)
    async def _sign_in(request: Request, exc: SignInRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        return await render(request, "error.html", None, status_code=403, title="Not for your role", detail=exc.detail)

    @app.exception_handler(CsrfRefused)
    async def _csrf(request: Request, exc: CsrfRefused) -> Response:
        return await render(
            request,
            "error.html",
            None,
            status_code=403,
            title="Form expired",
            detail="The form did not carry this session's token (CSRF). Reload the page and send it again.",
        )

    api_problem = app.exception_handlers[Problem]  # the API's own: problem+json

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        # a page shows the problem as a page; the API keeps problem+json
        if getattr(request.state, "page", False) and not request.url.path.startswith("/v1/"):
            return await render(
                request,
                "error.html",
                None,
                status_code=exc.status,
                title=exc.detail,
                detail=exc.detail,
                errors=exc.errors or [],
            )
        answer = api_problem(request, exc)
        return answer if isinstance(answer, Response) else await answer
