"""Routes: /v1/alerts — the pull channels (JSON list, one alert as JSON or CAP 1.2, Atom feed).

Alerts are the early-warning network's shared picture: every authority and regulator sees every
alert (subscriptions only choose what is *pushed*); laboratories report and do not read alerts.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from alerts.atom import alerts_feed
from alerts.cap import alert_to_cap
from alerts.model import Alert, AlertType, Severity, SubscriptionFilter, matches
from chemistry.depict import png_of_smiles
from service.alerting import service
from service.alerting.models import AlertPage
from service.auth.deps import _BEARER, AlertReader, get_principal, require
from service.auth.models import Role
from service.db import SessionDep, utcnow
from service.organisations.models import CountryCode
from service.pagination import PageLimit
from service.problems import Problem
from service.subscriptions import service as subscriptions

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

CAP_MEDIA_TYPE = "application/cap+xml"
ATOM_MEDIA_TYPE = "application/atom+xml"


def _filter(
    type: Annotated[list[AlertType] | None, Query(description="Alert types; repeat for several")] = None,
    min_severity: Annotated[Severity | None, Query()] = None,
    substance: Annotated[str | None, Query(description="InChIKey")] = None,
    country: Annotated[
        CountryCode | None, Query(description="ISO 3166-1 alpha-2, among the evidence's countries")
    ] = None,
    since: Annotated[dt.datetime | None, Query(description="Created at or after (ISO 8601 with offset)")] = None,
    until: Annotated[dt.datetime | None, Query(description="Created before (ISO 8601 with offset)")] = None,
) -> service.AlertFilter:
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise Problem(
                422,
                "validation",
                f"{name} needs a UTC offset, e.g. 2026-01-01T00:00:00Z",
                errors=[{"in": "query", "pointer": f"#/{name}", "field": name, "detail": "no offset"}],
            )
    return service.AlertFilter(
        types=tuple(type or ()),
        min_severity=min_severity,
        substance=substance,
        country=country,
        since=since,
        until=until,
    )


def _alert_url(request: Request, alert: Alert) -> str:
    base = request.app.state.settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f"{base}/v1/alerts/{alert.id}"


@router.get("", response_model=AlertPage)
def list_alerts(
    principal: AlertReader,
    session: SessionDep,
    limit: PageLimit,
    cursor: Annotated[str | None, Query()] = None,
    type: Annotated[list[AlertType] | None, Query(description="Alert types; repeat for several")] = None,
    min_severity: Annotated[Severity | None, Query()] = None,
    substance: Annotated[str | None, Query(description="InChIKey")] = None,
    country: Annotated[CountryCode | None, Query(description="ISO 3166-1 alpha-2 of the evidence")] = None,
    since: Annotated[dt.datetime | None, Query(description="Created at or after")] = None,
    until: Annotated[dt.datetime | None, Query(description="Created before")] = None,
) -> AlertPage:
    """Alerts, newest first, filtered."""
    flt = _filter(type, min_severity, substance, country, since, until)
    items, next_cursor = service.list_alerts(session, flt, cursor=cursor, limit=limit)
    return AlertPage(items=items, next_cursor=next_cursor)


_FEED_TOKEN_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="varsel"'}
# how many of the newest alerts a token's feed reads to find those its subscription's filters match
_FEED_SCAN = 5000


def _subscription_for_token(engine, token: str):  # noqa: ANN001, ANN202
    with Session(engine, expire_on_commit=False) as session:
        row = subscriptions.subscription_for_feed_token(session, token=token)
        return None if row is None else (row.id, row.name, row.subscription_filter())


async def feed_access(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
    token: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A feed token (POST /v1/subscriptions/{id}/feed-tokens), for readers that cannot send a header",
        ),
    ] = None,
) -> tuple[str, str | None, SubscriptionFilter] | None:
    """Who reads the feed: a feed token's subscription (its filters apply), or, without a token,
    an API key of an authority or regulator (None: every alert). A feed token is accepted here
    and nowhere else, and an API key is never accepted in the URL."""
    if token is not None:
        found = await run_in_threadpool(_subscription_for_token, request.app.state.engine, token)
        if found is None:
            raise Problem(
                401,
                "unauthenticated",
                "the feed token is unknown or revoked (an API key is not a "
                "feed token: send it as 'Authorization: Bearer <key>')",
                headers=_FEED_TOKEN_CHALLENGE,
            )
        return found
    principal = await get_principal(request, bearer)
    await require(Role.authority, Role.regulator)(principal)
    return None


def _matching(session: Session, wanted: SubscriptionFilter, flt: service.AlertFilter, limit: int) -> list[Alert]:
    found: list[Alert] = []
    cursor, scanned = None, 0
    while len(found) < limit and scanned < _FEED_SCAN:
        page, cursor = service.list_alerts(session, flt, cursor=cursor, limit=500)
        scanned += len(page)
        found += [alert for alert in page if matches(wanted, alert)]
        if cursor is None:
            break
    return found[:limit]


@router.get(
    "/feed.atom",
    response_class=Response,
    responses={200: {"content": {ATOM_MEDIA_TYPE: {}}, "description": "Atom 1.0 feed"}},
)
def alerts_atom(
    request: Request,
    session: SessionDep,
    limit: PageLimit,
    reader: Annotated[tuple[str, str | None, SubscriptionFilter] | None, Depends(feed_access)],
    type: Annotated[list[AlertType] | None, Query()] = None,
    min_severity: Annotated[Severity | None, Query()] = None,
    country: Annotated[CountryCode | None, Query(description="ISO 3166-1 alpha-2 of the evidence")] = None,
) -> Response:
    """The newest alerts as an Atom feed. A feed reader uses the URL of a feed token
    (``?token=``; the alerts its subscription's filters match); anything else sends its API key
    as with every route (every alert)."""
    flt = _filter(type, min_severity, None, country, None, None)
    settings = request.app.state.settings
    if reader is None:
        items, _ = service.list_alerts(session, flt, cursor=None, limit=limit)
        feed_id, title = f"urn:varsel:{settings.instance_name}:alerts", "Varsel alerts"
    else:
        subscription_id, name, wanted = reader
        items = _matching(session, wanted, flt, limit)
        feed_id = f"urn:varsel:{settings.instance_name}:subscription:{subscription_id}"
        title = f"Varsel alerts: {name or subscription_id}"
    body = alerts_feed(
        items,
        feed_id=feed_id,
        title=title,
        self_url=str(request.url),
        alert_url=lambda a: _alert_url(request, a),
        updated=None if items else utcnow(),
    )
    return Response(body, media_type=ATOM_MEDIA_TYPE, headers={"Cache-Control": "private, no-store"})


def _cap(request: Request, alert: Alert) -> Response:
    smiles = alert.substance.smiles if alert.substance else None
    body = alert_to_cap(
        alert,
        sender=request.app.state.settings.cap_sender,
        alert_url=_alert_url(request, alert),
        depiction=png_of_smiles(smiles) if smiles else None,
    )
    return Response(body, media_type=CAP_MEDIA_TYPE)


@router.get(
    "/{alert_id}/depiction.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "The substance's structure"}},
)
def get_alert_depiction(alert_id: str, principal: AlertReader, session: SessionDep) -> Response:
    """The structure the alert is about, drawn as PNG (the CAP ``<resource>`` and e-mail picture)."""
    alert = service.get_alert(session, alert_id=alert_id).to_alert()
    smiles = alert.substance.smiles if alert.substance else None
    png = png_of_smiles(smiles) if smiles else None
    if png is None:
        raise Problem(404, "not-found", f"alert {alert_id!r} names no structure to draw")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=86400"})


@router.get(
    "/{alert_id}.cap",
    response_class=Response,
    responses={200: {"content": {CAP_MEDIA_TYPE: {}}, "description": "OASIS CAP 1.2"}},
)
def get_alert_cap(request: Request, alert_id: str, principal: AlertReader, session: SessionDep) -> Response:
    """One alert as an OASIS CAP 1.2 document."""
    return _cap(request, service.get_alert(session, alert_id=alert_id).to_alert())


@router.get(
    "/{alert_id}",
    response_model=Alert,
    responses={200: {"content": {CAP_MEDIA_TYPE: {}}, "description": "JSON, or CAP 1.2 when asked"}},
)
def get_alert(request: Request, alert_id: str, principal: AlertReader, session: SessionDep) -> Alert | Response:
    """One alert as JSON, or as CAP 1.2 with ``Accept: application/cap+xml``."""
    alert = service.get_alert(session, alert_id=alert_id).to_alert()
    if CAP_MEDIA_TYPE in request.headers.get("accept", ""):
        return _cap(request, alert)
    return alert
