"""FastAPI dependencies: who is calling, and may they?"""

from __future__ import annotations

from typing import Annotated, Callable

from fastapi import Depends, Request
from sqlmodel import Session

from service.auth.models import Principal, Role
from service.auth.service import authenticate
from service.db import get_session
from service.problems import Problem

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="varsel"'}


def get_principal(request: Request, session: Annotated[Session, Depends(get_session)]) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Problem(401, "unauthenticated", "no API key: send 'Authorization: Bearer <key>'", headers=_CHALLENGE)
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "unauthenticated", "the Authorization header must be 'Bearer <key>'", headers=_CHALLENGE)
    principal = authenticate(session, token.strip())
    if principal is None:
        raise Problem(401, "unauthenticated", "the API key is unknown or revoked", headers=_CHALLENGE)
    request.state.principal = principal
    return principal


def require(*roles: Role) -> Callable[..., Principal]:
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
