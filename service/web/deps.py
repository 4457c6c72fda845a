"""Who is signed in to the pages, and may they open this one?

A page names the same authorization dependency as the API route behind it (``RegistryReader``,
``Subscriber``, ...); :func:`page` takes that dependency's own role check and feeds it the
principal of the browser session instead of a bearer key, so one rule decides both.
"""

from __future__ import annotations

import datetime as dt
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.auth.models import Principal
from service.problems import Problem
from service.web import sessions
from service.web.sessions import SignedIn

SESSION_COOKIE = "varsel_session"
SIGNIN_CSRF_COOKIE = "varsel_signin_csrf"


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to the sign-in form."""


class PageForbidden(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class CsrfRefused(Exception):
    """A form without the session's CSRF token."""


@dataclass(frozen=True, slots=True)
class PageUser:
    """The signed-in caller of a page."""

    principal: Principal
    session_id: str
    csrf_token: str
    expires_at: dt.datetime
    alerts_seen_at: dt.datetime | None

    @property
    def role(self) -> str:
        return self.principal.role.value


def _resolve(request: Request, session_id: str) -> SignedIn | None:
    with Session(request.app.state.engine) as session:
        return sessions.resolve(session, session_id)


async def signed_in(request: Request) -> PageUser | None:
    """The session's user, or None; never raises (the header shows 'sign in' instead)."""
    request.state.page = True
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    found = await run_in_threadpool(_resolve, request, session_id)
    if found is None:
        return None
    return PageUser(found.principal, session_id, found.csrf_token, found.expires_at, found.alerts_seen_at)


async def _require_signed_in(user: Annotated[PageUser | None, Depends(signed_in)]) -> PageUser:
    if user is None:
        raise SignInRequired()
    return user


def page(api_dependency: Any) -> Any:
    """``page(RegistryReader)``: an Annotated PageUser checked by the API's own role check.
    Modules type-checked by mypy spell it out, as ``Annotated[PageUser, Depends(page_check(...))]``:
    mypy takes no function's return value for a type."""
    return Annotated[PageUser, Depends(page_check(api_dependency))]


def page_check(api_dependency: Any) -> Callable[..., Awaitable[PageUser]]:
    """The dependency behind :func:`page`: the signed-in user, let through by the API dependency's role check."""
    check = typing.get_args(api_dependency)[1].dependency

    async def _check(request: Request, user: Annotated[PageUser, Depends(_require_signed_in)]) -> PageUser:
        try:
            await check(user.principal)
        except Problem as problem:
            raise PageForbidden(problem.detail) from None
        request.state.principal = user.principal
        return user

    return _check


async def csrf_checked(request: Request, user: Annotated[PageUser, Depends(_require_signed_in)]) -> PageUser:
    """For every POST of a signed-in page: the form's csrf_token must be the session's."""
    form = await request.form()
    presented = form.get("csrf_token")
    signed = SignedIn(user.principal, user.csrf_token, user.expires_at, user.alerts_seen_at)
    if not isinstance(presented, str) or not sessions.csrf_matches(signed, presented):
        raise CsrfRefused()
    return user


SignedInUser = Annotated[PageUser, Depends(_require_signed_in)]
OptionalUser = Annotated[PageUser | None, Depends(signed_in)]
CsrfChecked = Annotated[PageUser, Depends(csrf_checked)]


async def with_session(request: Request, work: Any) -> Any:
    """``work(session)`` in the thread pool with a session of its own (the service functions are
    synchronous, as behind the API routes)."""

    def run() -> Any:
        with Session(request.app.state.engine, expire_on_commit=False) as session:
            return work(session)

    return await run_in_threadpool(run)
