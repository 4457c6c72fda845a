"""Authorities' alerts inbox and alert page. The same service functions and role check
(AlertReader) as GET /v1/alerts and /v1/alerts/{id}; the CAP download is the API's own CAP
answer (service.alerting.routes._cap), so the two can never differ."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, TypeVar

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from alerts.model import AlertType, Severity
from service.alerting import routes as alert_routes
from service.alerting import service
from service.auth.deps import AlertReader
from service.db import utcnow
from service.web import sessions
from service.web.deps import PageUser, page_check, with_session
from service.web.render import render

router = APIRouter(include_in_schema=False)
Page = Annotated[PageUser, Depends(page_check(AlertReader))]
INBOX_SIZE = 100


_E = TypeVar("_E", bound=Enum)


def _choice(enum: type[_E], value: str, field: str, errors: dict[str, str]) -> _E | None:
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        errors[field] = f"{value!r} is not one of: {', '.join(e.value for e in enum)}"
        return None


@router.get("/alerts")
async def inbox(
    request: Request,
    user: Page,
    type: Annotated[str, Query(max_length=60)] = "",
    severity: Annotated[str, Query(max_length=20)] = "",
    country: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    errors: dict[str, str] = {}
    chosen_type = _choice(AlertType, type, "type", errors)
    chosen_severity = _choice(Severity, severity, "severity", errors)
    code = country.strip().upper()
    if code and not (len(code) == 2 and code.isalpha()):
        errors["country"] = "two letters, ISO 3166-1 alpha-2 (e.g. DK)"
        code = ""
    flt = service.AlertFilter(
        types=(chosen_type,) if chosen_type else (), min_severity=chosen_severity, country=code or None
    )
    seen_before = user.alerts_seen_at
    now = utcnow()

    def load(session):
        items, _ = service.list_alerts(session, flt, cursor=None, limit=INBOX_SIZE)
        sessions.mark_alerts_seen(session, user.session_id, at=now)
        return items

    items = await with_session(request, load)
    new = {str(a.id) for a in items if seen_before is None or a.created_at > seen_before}
    return await render(
        request,
        "alerts.html",
        user,
        items=items,
        new=new,
        seen_before=seen_before,
        errors=errors,
        form={"type": type, "severity": severity, "country": country},
        types=list(AlertType),
        severities=list(Severity),
    )


def _get(request: Request, alert_id: str):
    return with_session(request, lambda session: service.get_alert(session, alert_id=alert_id).to_alert())


@router.get("/alerts/{alert_id}.cap")
async def alert_cap(request: Request, alert_id: str, user: Page) -> Response:
    response = alert_routes._cap(request, await _get(request, alert_id))
    response.headers["Content-Disposition"] = f'attachment; filename="varsel-alert-{alert_id}.cap.xml"'
    return response


@router.get("/alerts/{alert_id}.json")
async def alert_json(request: Request, alert_id: str, user: Page) -> Response:
    alert = await _get(request, alert_id)
    return Response(
        alert.model_dump_json(indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="varsel-alert-{alert_id}.json"'},
    )


@router.get("/alerts/{alert_id}")
async def alert_page(request: Request, alert_id: str, user: Page) -> Response:
    alert = await _get(request, alert_id)
    return await render(request, "alert.html", user, a=alert)
