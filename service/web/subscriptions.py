"""Authorities' subscriptions: create and edit (filters chosen from valid values), test-send,
the delivery log, secret rotation (the new secret shown once) and re-enabling.

Each action calls the API route's own function in service.subscriptions.routes, under the same
role check (Subscriber): the page adds forms around it and nothing else.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from alerts.model import AlertType, Severity
from service.auth.deps import Subscriber
from service.classification.live import current, shipped_jurisdictions
from service.problems import Problem, validation_errors
from service.subscriptions import routes as api
from service.subscriptions.models import Filters, SubscriptionCreate, SubscriptionUpdate
from service.web.deps import CsrfChecked, PageUser, page_check, with_session
from service.web.render import render

router = APIRouter(include_in_schema=False)
Page = Annotated[PageUser, Depends(page_check(Subscriber))]
LOG_SIZE = 50


def _jurisdictions(session) -> list[tuple[str, str]]:
    names = shipped_jurisdictions()
    return [(c, names[c].name if c in names else c) for c in current(session).rulebook.jurisdictions]


def _field_errors(errors: list[dict[str, Any]]) -> dict[str, str]:
    """problem ``errors`` keyed by the form field they belong to (filters.countries.0 -> countries)."""
    out: dict[str, str] = {}
    for error in errors:
        parts = [p for p in (error.get("field") or "").split(".") if p and not p.isdigit() and p != "filters"]
        out.setdefault(parts[0] if parts else "form", error["detail"])
    return out


def _filters(event_types: list[str], min_severity: str, countries: str, jurisdictions: list[str]) -> dict[str, Any]:
    return {
        "event_types": event_types,
        "min_severity": min_severity or "info",
        "countries": [c.strip().upper() for c in countries.replace(";", ",").split(",") if c.strip()],
        "jurisdictions": jurisdictions,
    }


async def _list(request: Request, user, *, form: dict, errors: dict, status_code: int = 200) -> Response:
    def load(session):
        return api.list_subscriptions(user.principal, session).items, _jurisdictions(session)

    items, jurisdictions = await with_session(request, load)
    return await render(
        request,
        "subscriptions.html",
        user,
        items=items,
        form=form,
        errors=errors,
        types=list(AlertType),
        severities=list(Severity),
        jurisdictions=jurisdictions,
        status_code=status_code,
    )


@router.get("/subscriptions")
async def subscriptions_page(request: Request, user: Page) -> Response:
    return await _list(request, user, form={"event_types": [], "jurisdictions": [], "min_severity": "info"}, errors={})


def _invalid(error: ValidationError | Problem) -> dict[str, str]:
    if isinstance(error, ValidationError):
        return _field_errors(validation_errors(error.errors()))
    return _field_errors(error.errors or [{"field": "form", "detail": error.detail}])


@router.post("/subscriptions")
async def create(
    request: Request,
    user: Page,
    _: CsrfChecked,
    name: Annotated[str, Form(max_length=200)] = "",
    url: Annotated[str, Form(max_length=2000)] = "",
    event_types: Annotated[list[str], Form()] = [],  # noqa: B006
    min_severity: Annotated[str, Form(max_length=20)] = "info",
    countries: Annotated[str, Form(max_length=500)] = "",
    jurisdictions: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults per request
) -> Response:
    form = {
        "name": name,
        "url": url,
        "event_types": event_types,
        "min_severity": min_severity,
        "countries": countries,
        "jurisdictions": jurisdictions,
    }
    try:
        data = SubscriptionCreate(
            name=name or None,
            url=url or None,
            filters=Filters(**_filters(event_types, min_severity, countries, jurisdictions)),
        )
        created = await with_session(
            request, lambda session: api.create_subscription(request, data, user.principal, session, Response())
        )
    except (ValidationError, Problem) as error:
        return await _list(request, user, form=form, errors=_invalid(error), status_code=422)
    return await _detail(request, user, created.id, secret=created.secret, notice="Subscription created.")


async def _detail(
    request: Request,
    user,
    subscription_id: str,
    *,
    secret: str | None = None,
    notice: str | None = None,
    errors: dict | None = None,
    status_code: int = 200,
) -> Response:
    def load(session):
        found = api.get_subscription(subscription_id, user.principal, session)
        log = api.list_deliveries(subscription_id, user.principal, session, LOG_SIZE, None, None).items
        return found, log, _jurisdictions(session)

    found, log, jurisdictions = await with_session(request, load)
    return await render(
        request,
        "subscription.html",
        user,
        s=found,
        log=log,
        secret=secret,
        notice=notice,
        errors=errors or {},
        types=list(AlertType),
        severities=list(Severity),
        jurisdictions=jurisdictions,
        status_code=status_code,
    )


@router.get("/subscriptions/{subscription_id}")
async def subscription_page(request: Request, subscription_id: str, user: Page) -> Response:
    return await _detail(request, user, subscription_id)


@router.post("/subscriptions/{subscription_id}")
async def edit(
    request: Request,
    subscription_id: str,
    user: Page,
    _: CsrfChecked,
    name: Annotated[str, Form(max_length=200)] = "",
    url: Annotated[str, Form(max_length=2000)] = "",
    event_types: Annotated[list[str], Form()] = [],  # noqa: B006
    min_severity: Annotated[str, Form(max_length=20)] = "info",
    countries: Annotated[str, Form(max_length=500)] = "",
    jurisdictions: Annotated[list[str], Form()] = [],  # noqa: B006 - FastAPI copies defaults per request
) -> Response:
    try:
        data = SubscriptionUpdate(
            name=name or None,
            url=url or None,
            filters=Filters(**_filters(event_types, min_severity, countries, jurisdictions)),
        )
        await with_session(
            request, lambda session: api.update_subscription(request, subscription_id, data, user.principal, session)
        )
    except (ValidationError, Problem) as error:
        if isinstance(error, Problem) and error.status == 404:
            raise
        return await _detail(request, user, subscription_id, errors=_invalid(error), status_code=422)
    return RedirectResponse(f"/subscriptions/{subscription_id}?saved=1", status_code=303)


@router.post("/subscriptions/{subscription_id}/test")
async def test_send(request: Request, subscription_id: str, user: Page, _: CsrfChecked) -> Response:
    await with_session(request, lambda session: api.send_test(request, subscription_id, user.principal, session))
    return await _detail(
        request, user, subscription_id, notice="A signed test event was queued; it appears in the delivery log below."
    )


@router.post("/subscriptions/{subscription_id}/rotate-secret")
async def rotate(request: Request, subscription_id: str, user: Page, _: CsrfChecked) -> Response:
    rotated = await with_session(
        request, lambda session: api.rotate_secret(request, subscription_id, user.principal, session, Response())
    )
    return await _detail(
        request,
        user,
        subscription_id,
        secret=rotated.secret,
        notice="New signing secret. The previous one keeps signing for the grace period.",
    )


@router.post("/subscriptions/{subscription_id}/enable")
async def enable(request: Request, subscription_id: str, user: Page, _: CsrfChecked) -> Response:
    await with_session(request, lambda session: api.enable_subscription(subscription_id, user.principal, session))
    return await _detail(
        request,
        user,
        subscription_id,
        notice="Re-enabled. What the stopped channel missed is dead-lettered: replay it once the receiver is back.",
    )
