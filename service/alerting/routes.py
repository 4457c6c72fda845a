"""Routes: /v1/alerts — the pull channels (JSON list, one alert as JSON or CAP 1.2, Atom feed).

Alerts are the early-warning network's shared picture: every authority and regulator sees every
alert (subscriptions only choose what is *pushed*); laboratories report and do not read alerts.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from alerts.atom import alerts_feed
from alerts.cap import alert_to_cap
from alerts.model import Alert, AlertType, Severity
from service.alerting import service
from service.alerting.models import AlertPage
from service.auth.deps import AlertReader
from service.db import SessionDep, utcnow
from service.pagination import PageLimit
from service.problems import Problem

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

CAP_MEDIA_TYPE = "application/cap+xml"
ATOM_MEDIA_TYPE = "application/atom+xml"


def _filter(
    type: Annotated[list[AlertType] | None, Query(description="Alert types; repeat for several")] = None,
    min_severity: Annotated[Severity | None, Query()] = None,
    substance: Annotated[str | None, Query(description="InChIKey")] = None,
    country: Annotated[str | None, Query(description="ISO 3166-1 alpha-2, among the evidence's countries")] = None,
    since: Annotated[dt.datetime | None, Query(description="Created at or after (ISO 8601 with offset)")] = None,
    until: Annotated[dt.datetime | None, Query(description="Created before (ISO 8601 with offset)")] = None,
) -> service.AlertFilter:
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise Problem(422, "validation", f"{name} needs a UTC offset, e.g. 2026-01-01T00:00:00Z",
                          errors=[{"in": "query", "pointer": f"#/{name}", "field": name, "detail": "no offset"}])
    return service.AlertFilter(types=tuple(type or ()), min_severity=min_severity, substance=substance,
                               country=country, since=since, until=until)


def _alert_url(request: Request, alert: Alert) -> str:
    base = request.app.state.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f"{base}/v1/alerts/{alert.id}"


@router.get("", response_model=AlertPage)
def list_alerts(principal: AlertReader, session: SessionDep, limit: PageLimit,
                cursor: Annotated[str | None, Query()] = None,
                type: Annotated[list[AlertType] | None, Query(description="Alert types; repeat for several")] = None,
                min_severity: Annotated[Severity | None, Query()] = None,
                substance: Annotated[str | None, Query(description="InChIKey")] = None,
                country: Annotated[str | None, Query(description="ISO 3166-1 alpha-2 of the evidence")] = None,
                since: Annotated[dt.datetime | None, Query(description="Created at or after")] = None,
                until: Annotated[dt.datetime | None, Query(description="Created before")] = None) -> AlertPage:
    """Alerts, newest first, filtered."""
    flt = _filter(type, min_severity, substance, country, since, until)
    items, next_cursor = service.list_alerts(session, flt, cursor=cursor, limit=limit)
    return AlertPage(items=items, next_cursor=next_cursor)


@router.get("/feed.atom", response_class=Response,
            responses={200: {"content": {ATOM_MEDIA_TYPE: {}}, "description": "Atom 1.0 feed"}})
def alerts_atom(request: Request, principal: AlertReader, session: SessionDep, limit: PageLimit,
                type: Annotated[list[AlertType] | None, Query()] = None,
                min_severity: Annotated[Severity | None, Query()] = None,
                country: Annotated[str | None, Query()] = None) -> Response:
    """The newest alerts as an Atom feed (send the API key as with every route)."""
    flt = _filter(type, min_severity, None, country, None, None)
    items, _ = service.list_alerts(session, flt, cursor=None, limit=limit)
    settings = request.app.state.settings
    body = alerts_feed(
        items, feed_id=f"urn:varsel:{settings.instance_name}:alerts", title="Varsel alerts",
        self_url=str(request.url), alert_url=lambda a: _alert_url(request, a), updated=None if items else utcnow(),
    )
    return Response(body, media_type=ATOM_MEDIA_TYPE)


def _cap(request: Request, alert: Alert) -> Response:
    body = alert_to_cap(alert, sender=request.app.state.settings.cap_sender, alert_url=_alert_url(request, alert))
    return Response(body, media_type=CAP_MEDIA_TYPE)


@router.get("/{alert_id}.cap", response_class=Response,
            responses={200: {"content": {CAP_MEDIA_TYPE: {}}, "description": "OASIS CAP 1.2"}})
def get_alert_cap(request: Request, alert_id: str, principal: AlertReader, session: SessionDep) -> Response:
    """One alert as an OASIS CAP 1.2 document."""
    return _cap(request, service.get_alert(session, alert_id=alert_id).to_alert())


@router.get("/{alert_id}", response_model=Alert,
            responses={200: {"content": {CAP_MEDIA_TYPE: {}}, "description": "JSON, or CAP 1.2 when asked"}})
def get_alert(request: Request, alert_id: str, principal: AlertReader, session: SessionDep) -> Alert | Response:
    """One alert as JSON, or as CAP 1.2 with ``Accept: application/cap+xml``."""
    alert = service.get_alert(session, alert_id=alert_id).to_alert()
    if CAP_MEDIA_TYPE in request.headers.get("accept", ""):
        return _cap(request, alert)
    return alert
