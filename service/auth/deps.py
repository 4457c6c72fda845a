"""FastAPI dependencies: who is calling, and may they?"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.auth.models import Principal, Role
from service.auth.service import authenticate
from service.problems import Problem

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="varsel"'}
# Declares the scheme in the OpenAPI document (Swagger's Authorize button, `security` on each
# operation that needs a key); auto_error=False because the answers below are ours: problem+json
# that says what was wrong with the header.
_BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="apiKey",
    bearerFormat="API key",
    description="An API key: `Authorization: Bearer <key>`",
)


def _authenticate(engine: Engine, token: str) -> Principal | None:
    with Session(engine) as session:
        return authenticate(session, token)


async def get_principal(
    request: Request, bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)]
) -> Principal:
    """The caller's principal. Async: a key checked a moment ago is answered from the cache on
    the event loop; only a lookup in the database costs a hop to the thread pool."""
    if bearer is None:
        if not request.headers.get("authorization"):
            raise Problem(401, "unauthenticated", "no API key: send 'Authorization: Bearer <key>'", headers=_CHALLENGE)
        raise Problem(401, "unauthenticated", "the Authorization header must be 'Bearer <key>'", headers=_CHALLENGE)
    token = bearer.credentials
    cache = request.app.state.principals
    principal = cache.get(token)
    if principal is None:
        principal = await run_in_threadpool(_authenticate, request.app.state.engine, token)
        if principal is None:
            raise Problem(401, "unauthenticated", "the API key is unknown or revoked", headers=_CHALLENGE)
        cache.put(token, principal)
    request.state.principal = principal
    return principal


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    allowed = frozenset(roles)

    # async: a pure check runs on the event loop instead of costing a thread-pool hop per request
    async def _check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Problem(403, "forbidden", f"role '{principal.role.value}' may not do this; allowed: {names}")
        return principal

    return _check


Reporter = Annotated[Principal, Depends(require(Role.reporter))]
ReportReader = Annotated[Principal, Depends(require(Role.reporter, Role.authority, Role.regulator))]
RegistryReader = Annotated[Principal, Depends(require(Role.authority, Role.regulator))]
Admin = Annotated[Principal, Depends(require(Role.admin))]
AuditReader = Annotated[Principal, Depends(require(Role.admin, Role.regulator))]
RegulatorOnly = Annotated[Principal, Depends(require(Role.regulator))]
# Applying public law to a structure the caller sends: labs need the answer as much as authorities.
ClassifyReader = Annotated[Principal, Depends(require(Role.reporter, Role.authority, Role.regulator))]
Subscriber = Annotated[Principal, Depends(require(Role.authority))]
AlertReader = Annotated[Principal, Depends(require(Role.authority, Role.regulator))]
