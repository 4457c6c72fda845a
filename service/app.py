"""The FastAPI application, assembled from the domain routers."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import AsyncIterator

from fastapi import Depends, FastAPI
from fastapi.responses import PlainTextResponse
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from service import __version__, health, observability, openapi, problems, web
from service.alerting.routes import router as alerts_router
from service.audit.routes import router as audit_router
from service.auth.service import PrincipalCache
from service.classification.routes import router as classification_router
from service.db import make_engine, set_write_wait
from service.families.routes import router as families_router
from service.limits import BodySizeLimit
from service.organisations.routes import router as organisations_router
from service.reports.groupcommit import GroupCommitter
from service.reports.routes import router as reports_router
from service.schema import head_revisions
from service.settings import Settings, get_settings
from service.subscriptions.routes import router as subscriptions_router
from service.subscriptions.routes import unsubscribe_router
from service.substances.routes import router as substances_router
from service.validation import (
    refuse_unknown_query_parameters,
    refuse_unstorable_parameters,
    refuse_unsupported_media_type,
)

DESCRIPTION = """
Early warning and rapid alerts for new psychoactive substances.

Every route except `/healthz`, `/readyz`, `/problems/*` and the docs needs
`Authorization: Bearer <API key>`. Errors are RFC 9457 `application/problem+json`.
"""


def _warm_up(engine: Engine) -> None:
    """Compile the rulebook before the first request instead of during it (about a second)."""
    from service.classification import live

    try:
        with Session(engine) as session:
            live.current(session)
    except SQLAlchemyError:  # not migrated yet: /readyz says so, and the first request compiles
        pass


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = engine or make_engine(settings.database_url, pool_size=settings.db_pool_size)
    set_write_wait(engine, settings.write_wait_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        _warm_up(engine)
        yield
        engine.dispose()

    # docs_url/redoc_url: /docs and /redoc come from service.web, with assets served locally
    app = FastAPI(
        title="Varsel",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[
            Depends(refuse_unstorable_parameters),
            Depends(refuse_unknown_query_parameters),
            Depends(refuse_unsupported_media_type),
        ],
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.schema_heads = head_revisions(settings.database_url)
    app.state.group_commit = GroupCommitter(engine)
    app.state.principals = PrincipalCache(settings.auth_cache_seconds)
    problems.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    observability.install(app)  # request ids and metrics: outermost, so every answer is counted
    for router in (
        health.router,
        reports_router,
        substances_router,
        organisations_router,
        audit_router,
        subscriptions_router,
        unsubscribe_router,
        alerts_router,
        families_router,
        classification_router,
    ):
        app.include_router(router)
    openapi.install(app)
    web.install(app)  # the pages, after the API: its problem handler defers to the API's for /v1

    @app.get("/problems/{slug}", response_class=PlainTextResponse, include_in_schema=False)
    def describe_problem(slug: str) -> str:
        title, meaning = problems.PROBLEM_TYPES.get(slug, ("Unknown problem type", ""))
        return f"{title}\n\n{meaning}\n"

    return app
