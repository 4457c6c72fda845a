"""Signing in and out, and the home page that leads each role to its work."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from service.web import sessions
from service.web.deps import (
    SESSION_COOKIE,
    SIGNIN_CSRF_COOKIE,
    CsrfChecked,
    OptionalUser,
)
from service.web.render import nav_for, render

router = APIRouter(include_in_schema=False)


def _secure(request: Request) -> bool:
    """Secure cookies behind https (uvicorn sets the scheme from a trusted proxy's headers)."""
    return request.url.scheme == "https"


def _safe_next(target: str | None) -> str:
    # only a path on this site: never an open redirect
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/")
async def home(request: Request, user: OptionalUser) -> Response:
    if user is None:
        return RedirectResponse("/signin", status_code=303)
    return await render(request, "home.html", user, destinations=await nav_for(user.principal))


async def _signin_form(
    request: Request, *, error: str | None = None, next_: str = "/", status_code: int = 200
) -> Response:
    # signing in has no session yet: the form's token is checked against a cookie (double submit)
    token = secrets.token_urlsafe(32)
    response = await render(
        request, "signin.html", None, status_code=status_code, csrf_token=token, error=error, next=_safe_next(next_)
    )
    response.set_cookie(
        SIGNIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        max_age=3600,
        path="/signin",
    )
    return response


@router.get("/signin")
async def signin_page(request: Request, user: OptionalUser, next: str = "/") -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return await _signin_form(request, next_=next)


def _start(request: Request, api_key: str) -> tuple[str, sessions.SignedIn] | None:
    lifetime = dt.timedelta(minutes=request.app.state.settings.web_session_minutes)
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        return sessions.start(session, api_key=api_key, lifetime=lifetime)


@router.post("/signin")
async def signin(
    request: Request,
    api_key: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    request.state.page = True
    expected = request.cookies.get(SIGNIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return await _signin_form(request, error="The form expired; please sign in again.", next_=next, status_code=403)
    started = await run_in_threadpool(_start, request, api_key) if api_key.strip() else None
    if started is None:
        return await _signin_form(request, error="That API key is unknown or revoked.", next_=next, status_code=401)
    session_id, signed_in = started
    response = RedirectResponse(_safe_next(next), status_code=303)
    max_age = int((signed_in.expires_at - dt.datetime.now(dt.UTC)).total_seconds())
    response.set_cookie(
        SESSION_COOKIE, session_id, httponly=True, samesite="strict", secure=_secure(request), max_age=max_age, path="/"
    )
    response.delete_cookie(SIGNIN_CSRF_COOKIE, path="/signin")
    return response


def _end(request: Request, session_id: str) -> None:
    with Session(request.app.state.engine) as session:
        sessions.end(session, session_id)


@router.post("/signout")
async def signout(request: Request, user: CsrfChecked) -> Response:
    await run_in_threadpool(_end, request, user.session_id)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response
